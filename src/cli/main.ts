#!/usr/bin/env node
// The `kscale` command: dispatches to subcommands. Bad input exits 2 with a one-line reason.
import { convertCommand } from './convert.ts';
import { decideCommand } from './decide.ts';
import { demoCommand } from './demo.ts';
import { runCommand } from './run.ts';
import { simulateCommand } from './simulate.ts';
import { snapshotCommand } from './snapshot.ts';
import { processIO, UsageError, type CommandIO } from './io.ts';
import { SnapshotError } from './snapshot-file.ts';
import { VERSION_TEXT } from './version.ts';

type Command = (args: string[], io: CommandIO) => Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  run: { run: runCommand, summary: 'run the controller (default command)' },
  decide: { run: decideCommand, summary: 'print the decision for a snapshot of Kubernetes objects' },
  demo: { run: demoCommand, summary: 'watch kscale scale a workload on the embedded control plane, live' },
  simulate: { run: simulateCommand, summary: 'replay a metric trace through the engine and compare configurations' },
  snapshot: { run: snapshotCommand, summary: 'capture a live decision snapshot (for decide)' },
  convert: { run: convertCommand, summary: 'turn HorizontalPodAutoscaler manifests into HorizontalAutoscalers' },
  version: { run: (_a, io) => { io.out(`${VERSION_TEXT}\n`); return Promise.resolve(0); }, summary: 'print the version' },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['Usage: kscale <command> [flags]', '', 'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '', 'Run "kscale <command> --help" for a command\'s flags.'].join('\n') + '\n';
}

/** Runs a command line; returns the exit code. Never throws. */
export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') { io.out(usage()); return 0; }
  // `kscale` alone, or `kscale --flag ...`, runs the controller.
  if (name === undefined || name.startsWith('-')) return main(['run', ...argv], io);
  const command = commands[name];
  if (!command) { io.err(`kscale: unknown command ${JSON.stringify(name)}\n${usage()}`); return 2; }
  try {
    return await command.run(rest, io);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || e instanceof SnapshotError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`kscale ${name}: ${(e as Error).message}\n`);
      return 2;
    }
    io.err(`kscale ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
