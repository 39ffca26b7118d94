// What `kscale run --embedded` and `kscale demo` show a newcomer: a Deployment whose queue depth (an
// external metric on the embedded control plane's test metrics API) rises and falls, autoscaled by a
// HorizontalAutoscaler, so `kubectl get hza -w` and `kubectl events` have something to show.
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';
import { parseAllDocuments } from 'yaml';
import type { HorizontalAutoscalerSpec } from '../api/types.ts';
import type { ControlPlane } from '../controlplane/index.ts';
import { startSplitLoad } from '../controlplane/kwok-usage.ts';

export const DEMO_NAMESPACE = 'demo';
export const DEFAULT_PERIOD_MS = 6 * 60_000;
/** The demo autoscaler's target: queued messages per pod. */
export const TARGET_PER_POD = 10;

const manifests = `apiVersion: v1
kind: Namespace
metadata: {name: ${DEMO_NAMESPACE}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: ${DEMO_NAMESPACE}}
spec:
  replicas: 1
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec: {containers: [{name: worker, image: example/worker:1.0, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: kscale.dev/v1alpha1
kind: HorizontalAutoscaler
metadata: {name: worker, namespace: ${DEMO_NAMESPACE}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  minReplicas: 1
  maxReplicas: 10
  syncPeriodSeconds: 5
  metrics:
    - type: External
      external:
        metric: {name: queue_messages_ready, selector: {matchLabels: {queue: orders}}}
        target: {type: AverageValue, averageValue: "${String(TARGET_PER_POD)}"}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 30}
`;

// With the kwok mode (cp.kwok): a second Deployment autoscaled on CPU utilization, whose pods run
// on kwok nodes and whose usage reaches kscale through the real metrics-server.
const cpuManifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${DEMO_NAMESPACE}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: example/web:1.0, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: kscale.dev/v1alpha1
kind: HorizontalAutoscaler
metadata: {name: web, namespace: ${DEMO_NAMESPACE}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  syncPeriodSeconds: 5
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 30}
`;

/** The web Deployment's total CPU demand over time (millicores, split over its Ready pods): 50 to 450. */
export function cpuDemand(elapsedMs: number, periodMs = DEFAULT_PERIOD_MS): number {
  return Math.round(250 - 200 * Math.cos((2 * Math.PI * elapsedMs) / periodMs));
}

/** The demo HorizontalAutoscaler's spec, as applied (for charts: no need to read it back). */
export const DEMO_SPEC = (parseAllDocuments(manifests)[2]?.toJS() as { spec: HorizontalAutoscalerSpec }).spec;

/** Queue depth over time: a slow wave between 5 and 95 messages. */
export function queueDepth(elapsedMs: number, periodMs = DEFAULT_PERIOD_MS): number {
  return Math.round(50 - 45 * Math.cos((2 * Math.PI * elapsedMs) / periodMs));
}

export interface DemoLoad {
  /** The queue depth right now. */
  depth(): number;
  /** The web Deployment's total CPU demand right now (millicores); undefined without the kwok mode. */
  cpuMilli(): number | undefined;
  stop(): void;
}

/** Creates the demo objects and drives the metric. */
export async function startDemo(cp: ControlPlane, periodMs = DEFAULT_PERIOD_MS, now: () => number = Date.now): Promise<DemoLoad> {
  await cp.applyYaml(manifests);
  const started = now();
  const depth = (): number => queueDepth(now() - started, periodMs);
  // The control plane stops itself on SIGINT/SIGTERM (src/controlplane/cleanup.ts), possibly
  // before our owner stops this timer: then there is nothing left to drive, and a throw here would
  // be an uncaught exception in a timer, i.e. a crash instead of a clean Ctrl-C.
  const set = (): boolean => {
    try {
      cp.metrics.setExternalMetric(DEMO_NAMESPACE, 'queue_messages_ready', [{ labels: { queue: 'orders' }, value: String(depth()) }]);
      return true;
    } catch {
      return false;
    }
  };
  set();
  const timer = setInterval(() => { if (!set()) clearInterval(timer); }, 1_000);
  timer.unref();
  let cpu: { stop(): void } | undefined;
  if (cp.kwok) {
    await cp.applyYaml(cpuManifests);
    cpu = startSplitLoad(cp.kubeConfig, DEMO_NAMESPACE, 'app=web', () => ({ cpuMilli: cpuDemand(now() - started, periodMs) }));
  }
  return {
    depth,
    cpuMilli: () => (cpu ? cpuDemand(now() - started, periodMs) : undefined),
    stop: () => { clearInterval(timer); cpu?.stop(); },
  };
}

/** The lines that tell a newcomer how to watch the demo from a second terminal. */
export function watchInstructions(kubeconfigPath: string, kubectlDir: string): string[] {
  return [
    '  to watch it scale, in another terminal:',
    `    export KUBECONFIG=${kubeconfigPath} PATH=${kubectlDir}:$PATH`,
    `    kubectl get hza -n ${DEMO_NAMESPACE} -w -o wide`,
    `    kubectl events -n ${DEMO_NAMESPACE} -w`,
  ];
}

/** What `kscale run --embedded` prints once the controller runs: where the demo is and how to watch it. */
export function embeddedBanner(server: string, kubeconfigPath: string, kubectlDir: string, pid = process.pid, kwok = false): string {
  return [
    `kscale: embedded control plane ready at ${server}`,
    `  demo: Deployment ${DEMO_NAMESPACE}/worker, autoscaled on a queue whose depth rises and falls over ${String(DEFAULT_PERIOD_MS / 60_000)} minutes`,
    ...(kwok ? [`        Deployment ${DEMO_NAMESPACE}/web, autoscaled on CPU utilization: pods on kwok nodes, usage through metrics-server (kubectl top pods -n ${DEMO_NAMESPACE})`] : []),
    ...watchInstructions(kubeconfigPath, kubectlDir),
    `  Ctrl-C stops everything. Enter (or kill -USR1 ${String(pid)}) prints this again.`,
    '',
  ].join('\n');
}

export interface ReminderOptions {
  /** How often to print while nobody watches; default 5 minutes. */
  everyMs?: number;
  /** Watches of HorizontalAutoscalers the controller itself holds (one per watched namespace, or one). */
  ownWatches?: number;
  /** Where Enter is read; default process.stdin when it is a terminal. */
  input?: NodeJS.ReadableStream;
}

/**
 * Keeps the watch instructions at hand in a scrolling log: printed again on Enter (on a terminal),
 * on SIGUSR1, and every few minutes while nobody watches the demo (no kubectl watch on its
 * autoscalers or Events beyond the controller's own).
 */
export function remindWatchInstructions(print: () => void, kc: KubeConfig, opts: ReminderOptions = {}): { stop(): void } {
  const onDemand = (): void => { print(); };
  process.on('SIGUSR1', onDemand);
  const input = opts.input ?? (process.stdin.isTTY ? process.stdin : undefined);
  input?.on('data', onDemand);
  const timer = setInterval(() => {
    void kubectlWatches(kc, opts.ownWatches ?? 1).then((n) => { if (n === 0) print(); }, () => undefined);
  }, opts.everyMs ?? 5 * 60_000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      process.off('SIGUSR1', onDemand);
      input?.off('data', onDemand);
      input?.pause(); // a terminal read in progress would keep the process alive
    },
  };
}

/**
 * Open watches on HorizontalAutoscalers and Events beyond the controller's own, from the API
 * server's apiserver_longrunning_requests gauge (it has no namespace label; on the embedded control
 * plane the demo is all there is to watch).
 */
export async function kubectlWatches(kc: KubeConfig, ownWatches: number): Promise<number> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const ctx = new RequestContext(`${server.replace(/\/+$/, '')}/metrics`, HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const res = await fetch(ctx.getUrl(), { headers: ctx.getHeaders(), dispatcher: ctx.getDispatcher(), signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${String(res.status)}`);
  return Math.max(0, countWatches(await res.text()) - ownWatches);
}

/** Sums apiserver_longrunning_requests{verb="WATCH"} for horizontalautoscalers and events. */
export function countWatches(metricsText: string): number {
  let n = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_longrunning_requests{') || !line.includes('verb="WATCH"')) continue;
    if (!/resource="(horizontalautoscalers|events)"/.test(line)) continue;
    n += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return n;
}
