// `kscale demo` (npm run demo): the main job on the embedded control plane, watched live. It starts
// the control plane, installs the CRD, runs the controller, creates the demo workload whose queue
// rises and falls, prints each decision as it happens, and ends with a chart of the run.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config.ts';
import { parseGoDuration } from '../engine/duration.ts';
import type { HorizontalAutoscaler } from '../api/types.ts';
import { KubeHttp } from '../kube/http.ts';
import { startController } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import { renderSvg } from '../sim/chart-svg.ts';
import type { Tick } from '../sim/replay.ts';
import { summarize } from '../sim/summary.ts';
import { clock } from '../sim/format.ts';
import { metricColumns } from '../sim/metric-columns.ts';
import { DEMO_NAMESPACE, startDemo } from './embedded-demo.ts';
import { UsageError, type CommandIO } from './io.ts';

export const demoUsage = `Usage: kscale demo [--duration 4m] [--period 3m] [--out demo.svg]

Starts the embedded control plane and the controller, drives a queue-depth load that rises and
falls over --period, prints every decision live, and writes a chart of the run to --out.
Ctrl-C ends early (the chart is still written) and cleans everything up.`;

const CRD_FILE = new URL('../../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url);
const TARGET_PER_POD = 10;
const SYNC_SECONDS = 5;

function seconds(flag: string, text: string): number {
  try { return parseGoDuration(text); } catch { throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not a duration (e.g. 90s, 4m)`); }
}

export async function demoCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args, options: {
    duration: { type: 'string', default: '4m' }, period: { type: 'string', default: '3m' }, out: { type: 'string', default: 'demo.svg' }, help: { type: 'boolean', short: 'h' },
  }, strict: true });
  if (values.help) { io.out(demoUsage + '\n'); return 0; }
  const durationMs = seconds('duration', values.duration);
  const periodMs = seconds('period', values.period);
  if (durationMs < 10_000 || periodMs < 30_000) throw new UsageError('--duration must be at least 10s and --period at least 30s');

  const { ensureControlPlaneBinaries, startControlPlane, startPodReadier } = await import('../controlplane/index.ts');
  await ensureControlPlaneBinaries();
  io.out('Starting the embedded control plane (etcd, kube-apiserver, kube-controller-manager)...\n');
  const cp = await startControlPlane({ controllerManager: true });
  const cleanup: (() => Promise<void> | void)[] = [() => cp.stop()];
  const signal = { interrupted: false }; // set from the signal handler
  const onSignal = (): void => { signal.interrupted = true; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await cp.applyYaml(await readFile(CRD_FILE, 'utf8'));
    const readier = startPodReadier(cp.kubeConfig, DEMO_NAMESPACE);
    cleanup.push(() => readier.stop());
    const config = parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${DEMO_NAMESPACE}`, '--metrics-tick=1s']);
    const controller = await startController(config, cp.kubeConfig, createLogger({ level: 'error' }));
    cleanup.push(() => controller.stop());
    const load = await startDemo(cp, periodMs);
    cleanup.push(() => { load.stop(); });
    io.out([
      `Control plane at ${cp.server}; KUBECONFIG=${cp.kubeconfigPath}`,
      `Deployment ${DEMO_NAMESPACE}/worker, target ${TARGET_PER_POD} queued messages per pod, 1–10 replicas; the queue rises and falls over ${clock(periodMs / 1000)}.`,
      '',
      '  time   queue  per pod  replicas  decision',
    ].join('\n') + '\n');

    const http = new KubeHttp({ kubeConfig: cp.kubeConfig });
    const ticks: Tick[] = [];
    const started = Date.now();
    let last: number | undefined;
    while (!signal.interrupted && Date.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, SYNC_SECONDS * 1000));
      const t = Math.round((Date.now() - started) / 1000);
      const hza = await http.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${DEMO_NAMESPACE}/horizontalautoscalers/worker`).catch(() => undefined);
      const dep = await http.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${DEMO_NAMESPACE}/deployments/worker`).catch(() => undefined);
      if (!dep) continue;
      const replicas = dep.spec.replicas;
      const depth = load.depth();
      const before = last ?? replicas;
      const decision = hza?.status?.lastDecision;
      // Upstream's reason names the external metric with Go's rendering of its selector; the live
      // line keeps just the metric name.
      const reason = decision ? `${decision.reason}${decision.limitedBy ? ` (limited by ${decision.limitedBy})` : ''}` : '';
      ticks.push({
        t, time: new Date().toISOString(), load: { queue_messages_ready: depth }, ratio: { queue_messages_ready: depth / (TARGET_PER_POD * Math.max(before, 1)) },
        replicas: before, ready: before, desired: hza?.status?.desiredReplicas ?? replicas, scaleTo: replicas !== before ? replicas : null, reason,
      });
      if (replicas !== before || ticks.length === 1 || ticks.length % 6 === 0) {
        const change = replicas !== before ? `${before} → ${replicas}` : String(replicas);
        io.out(`  ${clock(t).padStart(5)}  ${String(depth).padStart(5)}  ${(depth / Math.max(before, 1)).toFixed(1).padStart(7)}  ${change.padStart(8)}  ${replicas !== before ? reason : 'holding'}\n`);
      }
      last = replicas;
    }
    const sync = SYNC_SECONDS;
    const demoSpec = (await http.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${DEMO_NAMESPACE}/horizontalautoscalers/worker`)).spec;
    const summary = summarize(ticks, { syncPeriodSeconds: sync, maxReplicas: 10, toleranceUp: 0.1 });
    const svg = renderSvg({
      trace: { source: 'live demo on the embedded control plane', columns: ['queue_messages_ready'], points: ticks.length, endSeconds: ticks.at(-1)?.t ?? 0 },
      configurations: [{ name: 'demo/worker', file: '', minReplicas: 1, maxReplicas: 10, toleranceUp: 0.1, toleranceDown: 0.1, syncPeriodSeconds: sync,
        replay: { syncPeriodSeconds: sync, columns: metricColumns(demoSpec), steps: [] }, ticks, summary }],
      differences: [],
    });
    await writeFile(values.out, svg);
    io.out(`\n${summary.scaleEvents} scale events (${summary.scaleUps} up, ${summary.scaleDowns} down), peak ${summary.peakReplicas} replicas. Chart: ${values.out}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.out('Cleaning up...\n');
    for (const f of cleanup.reverse()) await f();
  }
}
