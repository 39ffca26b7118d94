// `kscale demo` (npm run demo): the main job on the embedded control plane, watched live. It starts
// the control plane, installs the CRD, runs the controller, creates the demo workload whose queue
// rises and falls, prints each decision as it happens, and ends with a chart of the run.
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { HorizontalAutoscaler } from '../api/types.ts';
import { parseConfig } from '../config.ts';
import type { ControlPlane } from '../controlplane/index.ts';
import { parseGoDuration } from '../engine/duration.ts';
import { KubeHttp } from '../kube/http.ts';
import { startController, type RunningController } from '../main.ts';
import { createLogger } from '../observability/logger.ts';
import { renderSvg } from '../sim/chart-svg.ts';
import { clock } from '../sim/format.ts';
import { metricColumns } from '../sim/metric-columns.ts';
import type { Tick } from '../sim/replay.ts';
import { summarize, type Summary } from '../sim/summary.ts';
import { writeEmptyDemoChart } from './demo-empty-chart.ts';
import { DEMO_NAMESPACE, DEMO_SPEC, startDemo, TARGET_PER_POD, watchInstructions, type DemoLoad } from './embedded-demo.ts';
import { UsageError, type CommandIO } from './io.ts';
import { demoUsage } from './usages.ts';

const SYNC_SECONDS = 5;
const MAX_REPLICAS = 10;
const EMPTY_TITLE = `kscale demo — ${DEMO_NAMESPACE}/worker on the embedded control plane, interrupted before the first sample`;

function seconds(flag: string, text: string): number {
  try { return parseGoDuration(text); } catch { throw new UsageError(`--${flag}: ${JSON.stringify(text)} is not a duration (e.g. 90s, 4m)`); }
}

/**
 * Ctrl-C (SIGINT) or SIGTERM: the first ends the demo early, a second exits at once. Prepended, so
 * it runs before the control plane's own teardown handler (src/controlplane/cleanup.ts), which
 * stops the control plane on the same signal: what must stop before it (the load, the controller)
 * is stopped here, synchronously.
 */
class Interruption {
  #interrupted = false;
  readonly #io: CommandIO;
  readonly #first: (() => void)[] = [];
  readonly #sleepers = new Set<() => void>();
  readonly #handler = (sig: NodeJS.Signals): void => {
    if (this.#interrupted) { this.#io.err(`kscale demo: ${sig} again, exiting now\n`); process.exit(130); }
    this.#interrupted = true;
    this.#io.err(`\nkscale demo: ${sig}: stopping early\n`);
    for (const f of this.#first) f();
    for (const wake of this.#sleepers) wake();
  };

  constructor(io: CommandIO) {
    this.#io = io;
    process.prependListener('SIGINT', this.#handler);
    process.prependListener('SIGTERM', this.#handler);
  }

  /** Has a signal come? (A method: its answer changes across awaits.) */
  interrupted(): boolean { return this.#interrupted; }

  /** Runs `f` on the first signal. */
  onInterrupt(f: () => void): void { this.#first.push(f); }

  /** Resolves after ms, or at once on a signal. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => { clearTimeout(timer); this.#sleepers.delete(wake); resolve(); };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
      if (this.#interrupted) wake();
    });
  }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}

export async function demoCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args, options: {
    duration: { type: 'string', default: '4m' }, period: { type: 'string', default: '3m' }, out: { type: 'string', default: 'demo.svg' }, help: { type: 'boolean', short: 'h' },
  }, strict: true });
  if (values.help) { io.out(demoUsage + '\n'); return 0; }
  const durationMs = seconds('duration', values.duration);
  const periodMs = seconds('period', values.period);
  if (durationMs < 10_000 || periodMs < 30_000) throw new UsageError('--duration must be at least 10s and --period at least 30s');

  const started = Date.now();
  const stop = new Interruption(io);
  let cp: ControlPlane | undefined;
  let readier: { stop(): Promise<void> } | undefined;
  let controller: RunningController | undefined;
  let load: DemoLoad | undefined;
  stop.onInterrupt(() => { load?.stop(); void controller?.stop(); });
  try {
    const { binaryPath, installKscaleApi } = await import('../controlplane/index.ts');
    const { startEmbeddedCluster } = await import('./embedded-cluster.ts');
    try {
      if (!stop.interrupted()) {
        io.out('Starting the embedded control plane (etcd, kube-apiserver, kube-controller-manager; kube-scheduler, kwok, metrics-server)...\n');
        // Pods run on kwok nodes; without the kwok mode's binaries, a helper marks them Ready instead.
        const cluster = await startEmbeddedCluster((line) => { io.err(line); }, [DEMO_NAMESPACE]);
        cp = cluster.cp;
        readier = { stop: cluster.stopHelpers };
        await installKscaleApi(cp);
        const config = parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${DEMO_NAMESPACE}`, '--metrics-tick=1s']);
        controller = await startController(config, cp.kubeConfig, createLogger({ level: 'error' }));
        load = await startDemo(cp, periodMs);
      }
    } catch (e) {
      // A signal during the build or the start makes its steps fail (children killed, the control
      // plane stopped under us): that is the interruption, not an error to report.
      if (!stop.interrupted()) throw e;
    }
    if (stop.interrupted() || !cp || !load) {
      return await writeEmptyDemoChart(values.out, EMPTY_TITLE, started, true, io);
    }
    io.out([
      `Control plane at ${cp.server}`,
      `Deployment ${DEMO_NAMESPACE}/worker, target ${TARGET_PER_POD} queued messages per pod, 1–${MAX_REPLICAS} replicas; the queue rises and falls over ${clock(periodMs / 1000)}.`,
      ...watchInstructions(cp.kubeconfigPath, dirname(binaryPath('kubectl'))),
      '',
      '  time   queue  per pod  replicas  decision',
    ].join('\n') + '\n');
    const ticks = await watchDecisions(new KubeHttp({ kubeConfig: cp.kubeConfig }), load, durationMs, stop, io);

    // The chart needs nothing from the control plane: stop the load and the controller, then write it.
    load.stop();
    await controller?.stop();
    if (ticks.length === 0) return await writeEmptyDemoChart(values.out, EMPTY_TITLE, started, stop.interrupted(), io);
    const summary = summarize(ticks, { syncPeriodSeconds: SYNC_SECONDS, maxReplicas: MAX_REPLICAS, toleranceUp: 0.1 });
    await writeFile(values.out, liveChart(ticks, summary));
    io.out(`\n${summary.scaleEvents} scale events (${summary.scaleUps} up, ${summary.scaleDowns} down), peak ${summary.peakReplicas} replicas. Chart: ${values.out}\n`);
    return 0;
  } finally {
    // Reverse start order: nothing may still use the control plane when it goes.
    if (cp) io.out('Cleaning up...\n');
    load?.stop();
    await controller?.stop();
    await readier?.stop();
    await cp?.stop();
    stop.dispose(); // last: until here a second Ctrl-C exits at once
  }
}

/** Polls the Deployment and the autoscaler every sync period, printing changes, until the end or a signal. */
async function watchDecisions(http: KubeHttp, load: DemoLoad, durationMs: number, stop: Interruption, io: CommandIO): Promise<Tick[]> {
  const ticks: Tick[] = [];
  const started = Date.now();
  let last: number | undefined;
  while (!stop.interrupted() && Date.now() - started < durationMs) {
    await stop.sleep(SYNC_SECONDS * 1000);
    if (stop.interrupted()) break;
    const t = Math.round((Date.now() - started) / 1000);
    const hza = await http.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${DEMO_NAMESPACE}/horizontalautoscalers/worker`).catch(() => undefined);
    const dep = await http.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${DEMO_NAMESPACE}/deployments/worker`).catch(() => undefined);
    if (!dep || stop.interrupted()) continue;
    const replicas = dep.spec.replicas;
    const depth = load.depth();
    const before = last ?? replicas;
    const decision = hza?.status?.lastDecision;
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
  return ticks;
}

/** The run as the simulator's chart: the queue per pod against its target on top, replicas below. */
function liveChart(ticks: Tick[], summary: Summary): string {
  return renderSvg({
    trace: { source: 'the live demo on the embedded control plane', columns: ['queue_messages_ready'], points: ticks.length, endSeconds: ticks.at(-1)?.t ?? 0 },
    configurations: [{ name: `${DEMO_NAMESPACE}/worker`, file: '', minReplicas: 1, maxReplicas: MAX_REPLICAS, toleranceUp: 0.1, toleranceDown: 0.1, syncPeriodSeconds: SYNC_SECONDS,
      replay: { syncPeriodSeconds: SYNC_SECONDS, columns: metricColumns(DEMO_SPEC), steps: [] }, ticks, summary }],
    differences: [],
  }, {
    title: `kscale demo — ${DEMO_NAMESPACE}/worker scaled live by the controller on the embedded control plane`,
    description: 'Queued messages per pod as a ratio of the target (top) and the Deployment\'s replicas (bottom), sampled every 5 s during kscale demo.',
    origin: 'the demo started',
  });
}
