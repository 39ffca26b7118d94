// What `kscale run --embedded` shows a newcomer: a Deployment whose queue depth (an external metric
// on the embedded control plane's test metrics API) rises and falls, autoscaled by a
// HorizontalAutoscaler, so `kubectl get hza -w` and `kubectl events` have something to show.
import type { ControlPlane } from '../controlplane/index.ts';

export const DEMO_NAMESPACE = 'demo';
export const DEFAULT_PERIOD_MS = 6 * 60_000;

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
        target: {type: AverageValue, averageValue: "10"}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 30}
`;

/** Queue depth over time: a slow wave between 5 and 95 messages. */
export function queueDepth(elapsedMs: number, periodMs = DEFAULT_PERIOD_MS): number {
  return Math.round(50 - 45 * Math.cos((2 * Math.PI * elapsedMs) / periodMs));
}

export interface DemoLoad {
  /** The queue depth right now. */
  depth(): number;
  stop(): void;
}

/** Creates the demo objects and drives the metric. */
export async function startDemo(cp: ControlPlane, periodMs = DEFAULT_PERIOD_MS, now: () => number = Date.now): Promise<DemoLoad> {
  await cp.applyYaml(manifests);
  const started = now();
  const depth = (): number => queueDepth(now() - started, periodMs);
  const set = (): void => { cp.metrics.setExternalMetric(DEMO_NAMESPACE, 'queue_messages_ready', [{ labels: { queue: 'orders' }, value: String(depth()) }]); };
  set();
  const timer = setInterval(set, 1_000);
  timer.unref();
  return { depth, stop: () => { clearInterval(timer); } };
}
