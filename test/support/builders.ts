// Small builders for engine tests: real Kubernetes object shapes with only the fields a case needs.
import type { HorizontalAutoscaler, HorizontalAutoscalerSpec, MetricSpec } from '../../src/api/types.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodMetrics, Scale } from '../../src/engine/inputs.ts';
import type { Snapshot } from '../../src/engine/snapshot.ts';

export const NOW = Date.parse('2026-11-23T12:00:00Z');
export const iso = (ms: number): string => new Date(ms).toISOString();
export const ago = (seconds: number, now = NOW): string => iso(now - seconds * 1000);

export interface PodOptions {
  phase?: string;
  ready?: 'True' | 'False' | 'Unknown' | null;
  /** Seconds before NOW that the pod started (default 600: past the CPU initialization period). */
  startedAgo?: number | null;
  /** Seconds before NOW of the Ready condition's last transition (default = startedAgo). */
  readySinceAgo?: number;
  cpu?: string | null;
  memory?: string;
  containers?: { name: string; cpu?: string; memory?: string }[];
  sidecars?: { name: string; cpu?: string; memory?: string }[];
  labels?: Record<string, string>;
  deleting?: boolean;
  namespace?: string;
}

const requests = (c: { cpu?: string | null; memory?: string }): Record<string, string> => ({
  ...(c.cpu ? { cpu: c.cpu } : {}),
  ...(c.memory ? { memory: c.memory } : {}),
});

export function pod(name: string, o: PodOptions = {}): Pod {
  const startedAgo = o.startedAgo === undefined ? 600 : o.startedAgo;
  const ready = o.ready === undefined ? 'True' : o.ready;
  const containers = o.containers ?? [{ name: 'app', cpu: o.cpu === null ? undefined : (o.cpu ?? '1'), memory: o.memory }];
  return {
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: ago(1) } : {}) },
    spec: {
      containers: containers.map((c) => ({ name: c.name, resources: { requests: requests(c) } })),
      ...(o.sidecars ? { initContainers: o.sidecars.map((c) => ({ name: c.name, restartPolicy: 'Always', resources: { requests: requests(c) } })) } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(startedAgo !== null ? { startTime: ago(startedAgo) } : {}),
      conditions: ready === null ? [] : [{ type: 'Ready', status: ready, lastTransitionTime: ago(o.readySinceAgo ?? startedAgo ?? 600) }],
    },
  };
}

/** PodMetrics with one container per entry. Values are quantities ("500m"). */
export function podMetrics(name: string, usage: Record<string, string> | Record<string, Record<string, string>>, o: { ageSeconds?: number; window?: string; namespace?: string; labels?: Record<string, string> } = {}): PodMetrics {
  const first: unknown = Object.values(usage)[0];
  const perContainer = typeof first === 'object' ? usage as Record<string, Record<string, string>> : { app: usage as Record<string, string> };
  return {
    // metrics-server copies the pod's labels into PodMetrics.
    metadata: { name, namespace: o.namespace ?? 'default', labels: o.labels ?? { app: 'web' } },
    timestamp: ago(o.ageSeconds ?? 5),
    window: o.window ?? '30s',
    containers: Object.entries(perContainer).map(([c, u]) => ({ name: c, usage: u })),
  };
}

export function podsMetricValue(podName: string, metric: string, value: string, o: { ageSeconds?: number; windowSeconds?: number } = {}): MetricValue {
  return { describedObject: { kind: 'Pod', name: podName, namespace: 'default', apiVersion: '/v1' }, metric: { name: metric }, timestamp: ago(o.ageSeconds ?? 5), ...(o.windowSeconds !== undefined ? { windowSeconds: o.windowSeconds } : {}), value };
}

export function objectMetricValue(kind: string, name: string, metric: string, value: string): MetricValue {
  return { describedObject: { kind, name, namespace: 'default', apiVersion: 'apps/v1' }, metric: { name: metric }, timestamp: ago(5), value };
}

export function externalValue(metric: string, value: string, labels: Record<string, string> = {}): ExternalMetricValue {
  return { metricName: metric, metricLabels: labels, timestamp: ago(5), value };
}

export function scale(specReplicas: number, o: { statusReplicas?: number; selector?: string } = {}): Scale {
  return { spec: { replicas: specReplicas }, status: { replicas: o.statusReplicas ?? specReplicas, selector: o.selector ?? 'app=web' } };
}

export const cpuUtilization = (target: number): MetricSpec => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } });

export function autoscaler(spec: Partial<HorizontalAutoscalerSpec> = {}, status?: HorizontalAutoscaler['status'], meta: HorizontalAutoscaler['metadata'] = {}): HorizontalAutoscaler {
  return {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler',
    metadata: { name: 'web', namespace: 'default', generation: 1, ...meta },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)], ...spec },
    ...(status ? { status } : {}),
  };
}

export function snapshot(s: Partial<Snapshot> & Pick<Snapshot, 'autoscaler'>): Snapshot {
  return { scale: scale(3), pods: [], podMetrics: [], now: NOW, ...s };
}
