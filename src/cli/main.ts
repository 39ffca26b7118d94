#!/usr/bin/env node
// The `kscale` command: dispatches to subcommands. Bad input exits 2 with a one-line reason.
// The command table below is the single list of commands: help, shell completion (flags read from
// each command's help text) and the kubectl plugin are all derived from it. It holds only light
// things (names, summaries, help texts from usages.ts); a command's implementation, which may load
// the Kubernetes client or the controller, is imported when that command runs, so `kscale version`,
// `--help` and `completion` start fast (test/unit/cli-lazy-load.test.ts).
import { completionCommand, completionUsage, SHELLS, type CompletionEntry } from './completion.ts';
import { processIO, UsageError, type CommandIO } from './io.ts';
import { SnapshotError } from './snapshot-error.ts';
import { convertUsage, decideLiveUsage, demoUsage, devUsage, lintUsage, runUsage, simulateUsage, snapshotUsage, versionUsage, whyUsage } from './usages.ts';
import { registerSlimClientNode } from '../kube/slim-client-node.ts';

// Before any command imports the Kubernetes client: its generated API stays out of memory.
registerSlimClientNode();

export type Command = (args: string[], io: CommandIO) => Promise<number>;

export interface CommandEntry {
  run: Command;
  summary: string;
  /** What `--help` prints; shell completion reads the flags from it. */
  usage: string;
  /** Fixed words for the first argument, for shell completion. */
  words?: readonly string[];
}

/** A command that imports its implementation (module, then the export) only when it runs. */
export function lazy<M>(load: () => Promise<M>, pick: (m: M) => Command): Command {
  return async (args, io) => pick(await load())(args, io);
}

export const commands: Record<string, CommandEntry> = {
  run: { run: lazy(() => import('./run.ts'), (m) => m.runCommand), summary: 'run the controller (default command)', usage: runUsage },
  why: { run: lazy(() => import('./why.ts'), (m) => m.whyCommand), summary: "explain a live HorizontalAutoscaler's latest decision and its recent ones", usage: whyUsage },
  decide: { run: lazy(() => import('./decide-live.ts'), (m) => m.decideOrLive), summary: 'print the decision for a snapshot of Kubernetes objects, or for a live autoscaler', usage: decideLiveUsage },
  demo: { run: lazy(() => import('./demo.ts'), (m) => m.demoCommand), summary: 'watch kscale scale a workload on the embedded control plane, live', usage: demoUsage },
  simulate: { run: lazy(() => import('./simulate.ts'), (m) => m.simulateCommand), summary: 'replay a metric trace through the engine and compare configurations', usage: simulateUsage },
  snapshot: { run: lazy(() => import('./snapshot.ts'), (m) => m.snapshotCommand), summary: 'capture a live decision snapshot (for decide)', usage: snapshotUsage },
  lint: { run: lazy(() => import('./lint.ts'), (m) => m.lintCommand), summary: 'check HorizontalAutoscalers for mistakes, in files or live', usage: lintUsage },
  convert: { run: lazy(() => import('./convert.ts'), (m) => m.convertCommand), summary: 'turn HorizontalPodAutoscaler manifests into HorizontalAutoscalers', usage: convertUsage },
  dev: { run: lazy(() => import('./dev.ts'), (m) => m.devCommand), summary: 'program the fake metrics APIs of the background cluster (npm run cluster:up)', usage: devUsage, words: ['metrics'] },
  completion: { run: (args, io) => completionCommand(args, io, () => completionEntries()), summary: 'print a shell completion script (bash, zsh, fish)', usage: completionUsage, words: SHELLS },
  version: { run: lazy(() => import('./version.ts'), (m) => m.versionCommand), summary: 'print the version, commit and build date', usage: versionUsage },
};

export function completionEntries(table: Record<string, CommandEntry> = commands): CompletionEntry[] {
  return Object.entries(table).map(([name, c]) => ({ name, summary: c.summary, usage: c.usage, ...(c.words ? { words: c.words } : {}) }));
}

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['Usage: kscale <command> [flags]', '', 'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '', 'Run "kscale <command> --help" for a command\'s flags.'].join('\n') + '\n';
}

/** Runs a command of a table; returns the exit code. Never throws. `program` prefixes messages. */
export async function dispatch(table: Record<string, CommandEntry>, program: string, name: string, args: string[], io: CommandIO): Promise<number> {
  const command = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!command) { io.err(`${program}: unknown command ${JSON.stringify(name)}\n`); return 2; }
  try {
    return await command.run(args, io);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || e instanceof SnapshotError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${program} ${name}: ${(e as Error).message}\n`);
      return 2;
    }
    io.err(`${program} ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

/** Runs a command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') { io.out(usage()); return 0; }
  if (name === '--version') return main(['version', ...rest], io);
  // `kscale` alone, or `kscale --flag ...`, runs the controller.
  if (name === undefined || name.startsWith('-')) return main(['run', ...argv], io);
  if (!Object.hasOwn(commands, name)) { io.err(`kscale: unknown command ${JSON.stringify(name)}\n${usage()}`); return 2; }
  return dispatch(commands, 'kscale', name, rest, io);
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
