// `kscale why NAMESPACE/NAME` (also `kubectl kscale why`): reads one HorizontalAutoscaler and explains
// its latest decision in words (why-text.ts), or prints the decision ledger as JSON. Every failure is
// one line: no cluster configured or bad arguments exit 2; not found, CRD missing, no decision yet
// and an unreachable or refusing API server exit 1.
import { parseArgs } from 'node:util';
import { GROUP, PLURAL, VERSION, type HorizontalAutoscaler } from '../api/types.ts';
import { KubeApiError } from '../kube/errors.ts';
import { KubeHttp, pathOf } from '../kube/http.ts';
import { connect, connectionOptions, contextNamespace, resolveTarget } from './cluster-target.ts';
import { UsageError, type CommandIO } from './io.ts';
import { whyUsage } from './usages.ts';
import { decisionLedger, explainAutoscaler, latestDecision } from './why-text.ts';

/** A failure to report in one line with exit code 1 (the object or the API, not the arguments). */
export class WhyError extends Error {}

async function fetchAutoscaler(http: KubeHttp, namespace: string, name: string): Promise<HorizontalAutoscaler> {
  const base = `/apis/${GROUP}/${VERSION}`;
  try {
    return await http.get<HorizontalAutoscaler>(base + pathOf('namespaces', namespace, PLURAL, name));
  } catch (e) {
    if (!(e instanceof KubeApiError)) throw e;
    if (e.code === undefined) throw new WhyError(`cannot reach the API server at ${http.server}: ${e.message}`);
    if (e.code === 403) throw new WhyError(`not allowed to read HorizontalAutoscaler ${namespace}/${name}: ${e.message}`);
    if (!e.notFound) throw new WhyError(`cannot read HorizontalAutoscaler ${namespace}/${name}: ${e.message}`);
    // Object missing, or the whole API group missing (the CRD is not installed): ask discovery.
    const crd = await http.get(base).then(() => true, (d: unknown) => !(d instanceof KubeApiError && d.notFound));
    if (!crd) throw new WhyError(`the HorizontalAutoscaler CRD (${PLURAL}.${GROUP}) is not installed on ${http.server}: kubectl apply -f deploy/crd/${PLURAL}.${GROUP}.yaml`);
    throw new WhyError(`HorizontalAutoscaler ${namespace}/${name} not found`);
  }
}

export async function whyCommand(args: string[], io: CommandIO, now: () => number = Date.now, program = 'kscale'): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    options: { ...connectionOptions, output: { type: 'string', short: 'o', default: 'text' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) { io.out(whyUsage + '\n'); return 0; }
  if (v.output !== 'text' && v.output !== 'json') throw new UsageError(`--output must be text or json, got ${JSON.stringify(v.output)}`);
  if (positionals.length === 0) throw new UsageError('expected NAMESPACE/NAME (e.g. demo/worker) or NAME -n NAMESPACE');
  const kc = connect(v);
  const { namespace, name } = resolveTarget(positionals, v.namespace, () => contextNamespace(kc));
  const http = new KubeHttp({ kubeConfig: kc, userAgent: 'kscale-why', timeoutMs: 15_000 });
  try {
    const hza = await fetchAutoscaler(http, namespace, name);
    if (!latestDecision(hza)) {
      throw new WhyError(`HorizontalAutoscaler ${namespace}/${name} has no decision yet: kscale has not evaluated it (is the controller running and watching namespace ${namespace}?)`);
    }
    if (v.output === 'json') {
      io.out(JSON.stringify({ lastDecision: hza.status?.lastDecision ?? null, decisions: decisionLedger(hza) }, null, 2) + '\n');
    } else {
      io.out(explainAutoscaler(hza, now()));
    }
    return 0;
  } catch (e) {
    if (!(e instanceof WhyError)) throw e;
    io.err(`${program} why: ${e.message}\n`);
    return 1;
  } finally {
    await http.idle();
  }
}
