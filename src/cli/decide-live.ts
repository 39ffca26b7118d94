// `kscale decide NAMESPACE/NAME` (and `kubectl kscale decide`): the decision kscale would make now for
// a live HorizontalAutoscaler. It is `kscale snapshot` piped into `kscale decide -f -`, done in
// process, so the live answer and the offline one can never differ.
import { parseArgs } from 'node:util';
import { decideCommand } from './decide.ts';
import { connect, connectionOptions, contextNamespace, resolveTarget } from './cluster-target.ts';
import { UsageError, type CommandIO } from './io.ts';
import { decideLiveUsage } from './usages.ts';
import { snapshotCommand } from './snapshot.ts';

/** True when the arguments name a live object rather than a snapshot file. */
export function isLiveDecide(args: readonly string[]): boolean {
  const { values, positionals } = parseArgs({ args: [...args], options: { ...connectionOptions, filename: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: false });
  return values.filename === undefined && values.help !== true && positionals.length > 0;
}

export async function decideLiveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args, options: { ...connectionOptions, output: { type: 'string', short: 'o', default: 'json' } }, allowPositionals: true, strict: true,
  });
  if (v.output !== 'json' && v.output !== 'text') throw new UsageError(`--output must be json or text, got ${JSON.stringify(v.output)}`);
  const kc = connect(v);
  const { namespace, name } = resolveTarget(positionals, v.namespace, () => contextNamespace(kc));
  let snapshot = '';
  const capture: CommandIO = { out: (t) => { snapshot += t; }, err: (t) => { io.err(t); }, readStdin: () => Promise.resolve('') };
  const flags = [
    ...(v.kubeconfig ? ['--kubeconfig', v.kubeconfig] : []), ...(v.context ? ['--context', v.context] : []), ...(v.server ? ['--server', v.server] : []),
  ];
  const code = await snapshotCommand([`${namespace}/${name}`, '-o', 'json', ...flags], capture);
  if (code !== 0) return code;
  return decideCommand(['-f', '-', '--output', v.output], { ...io, readStdin: () => Promise.resolve(snapshot) });
}

export function decideOrLive(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) { io.out(decideLiveUsage + '\n'); return Promise.resolve(0); }
  return isLiveDecide(args) ? decideLiveCommand(args, io) : decideCommand(args, io);
}
