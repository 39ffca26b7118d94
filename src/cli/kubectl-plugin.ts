// `kubectl kscale ...`: the kubectl plugin (an executable named kubectl-kscale on the PATH; kubectl runs
// it with the words after "kscale"). It offers the kscale commands a kubectl user reaches for, taken
// from kscale's own command table, and finds the cluster as kubectl does: KUBECONFIG or
// ~/.kube/config, --kubeconfig, --context, -n/--namespace (see cluster-target.ts).
import { commands, dispatch, lazy, type CommandEntry } from './main.ts';
import { processIO, type CommandIO } from './io.ts';

const PROGRAM = 'kubectl kscale';

/** The plugin's commands: kscale's own entries, so flags, help and behaviour are the same. */
export function pluginCommands(table: Record<string, CommandEntry> = commands): Record<string, CommandEntry> {
  const pick = (name: string): CommandEntry | undefined => (Object.hasOwn(table, name) ? table[name] : undefined);
  const why = pick('why');
  const entries: [string, CommandEntry | undefined][] = [
    ['why', why && { ...why, run: lazy(() => import('./why.ts'), (m) => (args, io) => m.whyCommand(args, io, Date.now, PROGRAM)) }],
    ['decide', pick('decide')],
    ['simulate', pick('simulate')],
    ['lint', pick('lint')],
    ['version', pick('version')],
  ];
  return Object.fromEntries(entries.filter((e): e is [string, CommandEntry] => e[1] !== undefined));
}

export function pluginUsage(table: Record<string, CommandEntry>): string {
  const width = Math.max(...Object.keys(table).map((c) => c.length));
  return ['Usage: kubectl kscale <command> [flags]', '',
    'kscale as a kubectl plugin. Commands that read the cluster use the kubeconfig as kubectl does:',
    'KUBECONFIG or ~/.kube/config, --kubeconfig FILE, --context NAME, -n/--namespace NS.', '', 'Commands:',
    ...Object.entries(table).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '', 'Run "kubectl kscale <command> --help" for a command\'s flags.',
    'Example: kubectl kscale why demo/worker'].join('\n') + '\n';
}

/** Runs the plugin's command line; returns the exit code. Never throws. */
export async function pluginMain(argv: string[], io: CommandIO = processIO()): Promise<number> {
  const table = pluginCommands();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') { io.out(pluginUsage(table)); return 0; }
  if (name === '--version') return pluginMain(['version', ...rest], io);
  if (!Object.hasOwn(table, name)) { io.err(`${PROGRAM}: unknown command ${JSON.stringify(name)}\n${pluginUsage(table)}`); return 2; }
  return dispatch(table, PROGRAM, name, rest, io);
}

if (import.meta.main) process.exitCode = await pluginMain(process.argv.slice(2));
