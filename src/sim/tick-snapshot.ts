// Builds the engine Snapshot of one replay tick from the workload and the trace's values: real Pod,
// Scale, PodMetrics, MetricValue and ExternalMetricValue objects, exactly what the controller would
// gather. Load is shared evenly among Ready pods (or given per pod); pods that are not Ready report
// nothing, so the engine's readiness and CPU-initialization rules apply to them as in a cluster.
// A pod warming up after a rollout created it (deployment.ts) uses warmUpFactor × its share of the
// resource metrics; during a rollout the Scale's spec.replicas is below its status.replicas.
import type { ControllerDefaults } from '../api/defaults.ts';
import type { HorizontalAutoscaler, LabelSelector } from '../api/types.ts';
import type { MetricValue, Pod, PodMetrics } from '../engine/inputs.ts';
import { formatMilli } from '../values/quantity.ts';
import type { RolloutState } from '../engine/rollout.ts';
import type { MetricFetch, Snapshot } from '../engine/snapshot.ts';
import { isWarm } from './deployment.ts';
import type { MetricColumn } from './metric-columns.ts';
import { isReady, type SimPod, type Workload } from './workload.ts';

/** metrics-server's usual sample window; a pod's CPU counts once a full window passed since Ready. */
export const METRIC_WINDOW = '30s';

/** The fixed shape of the simulated pods, derived once per replay. */
export interface PodShape {
  namespace: string;
  /** Pods are named "<prefix>-<index>". */
  prefix: string;
  labels: Record<string, string>;
  /** The Scale's status.selector; it selects exactly the labels above. */
  selector: string;
  containers: readonly string[];
  /** Requests of each container, as quantities (e.g. { cpu: "1", memory: "1Gi" }). */
  requests: Readonly<Record<string, string>>;
  /** Trace values of pod metrics (resources, Pods metrics) are per Ready pod rather than totals. */
  perPod: boolean;
}

export interface TickInput {
  autoscaler: HorizontalAutoscaler;
  shape: PodShape;
  workload: Workload;
  columns: readonly MetricColumn[];
  /** The trace's value of each column at this tick, milli-units; null in a gap. */
  loads: ReadonlyMap<string, bigint | null>;
  now: number;
  config?: Partial<ControllerDefaults>;
  /** Resource usage of a warming pod relative to its share (default 1: no warm-up). */
  warmUpFactor?: number;
  /** Columns whose sample is stale at this tick (a `~` cell): the sample's time, ms since the epoch. */
  sampledAt?: ReadonlyMap<string, number>;
  /** The rollout as the controller would put it in the snapshot (only for rollout.policy ExcludeSurge). */
  rollout?: RolloutState;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const quantity = (milli: bigint): string => formatMilli(milli, 'DecimalSI');

/** Splits a total into n exact shares that differ by at most one milli-unit. */
export function split(total: bigint, n: number): bigint[] {
  if (n <= 0) return [];
  const count = BigInt(n);
  const base = total / count;
  const rest = Number(total % count);
  return Array.from({ length: n }, (_, i) => base + (i < rest ? 1n : 0n));
}

function podObject(p: SimPod, shape: PodShape, now: number): Pod {
  const ready = isReady(p, now);
  return {
    metadata: { name: `${shape.prefix}-${p.index}`, namespace: shape.namespace, labels: { ...shape.labels } },
    spec: { containers: shape.containers.map((name) => ({ name, resources: { requests: { ...shape.requests } } })) },
    status: {
      phase: 'Running',
      startTime: iso(p.createdAt),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: iso(ready ? p.readyAt : p.createdAt) }],
    },
  };
}

/** Each Ready pod's share of a column's value (or the value itself when it is per pod). */
function shares(total: bigint, readyCount: number, perPod: boolean): bigint[] {
  return perPod ? Array.from({ length: readyCount }, () => total) : split(total, readyCount);
}

/** Shares with the warm-up factor applied to the pods warming up (exact, in milli-units). */
function warmShares(values: bigint[], ready: readonly SimPod[], now: number, factor: number): bigint[] {
  if (factor === 1) return values;
  const milli = BigInt(Math.round(factor * 1000));
  return values.map((v, i) => {
    const p = ready[i];
    return p && isWarm(p, now) ? (v * milli) / 1000n : v;
  });
}

/** Labels that an external series must carry to match the metric's selector. */
function labelsMatching(selector: LabelSelector | undefined): Record<string, string> {
  const labels: Record<string, string> = { ...(selector?.matchLabels ?? {}) };
  for (const r of selector?.matchExpressions ?? []) {
    if (r.operator === 'In') labels[r.key] = r.values?.[0] ?? '';
    else if (r.operator === 'Exists') labels[r.key] = 'simulated';
    else if (r.operator === 'NotIn') labels[r.key] = ['simulated', 'simulated-0', 'simulated-1'].find((v) => !(r.values ?? []).includes(v)) ?? 'simulated-x';
  }
  return labels;
}

export function tickSnapshot(input: TickInput): Snapshot {
  const { shape, workload, columns, loads, now } = input;
  const pods = workload.pods.map((p) => podObject(p, shape, now));
  const ready = workload.pods.filter((p) => isReady(p, now));
  const readyNames = ready.map((p) => `${shape.prefix}-${p.index}`);
  // A sample's time: now, or for a stale column the time of the trace point that set its value.
  const stampOf = (column: string): string => iso(input.sampledAt?.get(column) ?? now);

  // Resource usage: one PodMetrics per Ready pod, with every resource the trace has a value for.
  const resourceShares = new Map<string, bigint[]>();
  for (const c of columns) {
    const load = loads.get(c.column);
    if (c.kind === 'resource' && load != null && !resourceShares.has(c.column)) resourceShares.set(c.column, warmShares(shares(load, ready.length, shape.perPod), ready, now, input.warmUpFactor ?? 1));
  }
  const podMetrics: PodMetrics[] = resourceShares.size === 0 ? [] : readyNames.map((name, i) => {
    const perContainer = new Map<string, Record<string, string>>(shape.containers.map((c) => [c, {}]));
    for (const [resource, values] of resourceShares) {
      split(values[i] ?? 0n, shape.containers.length).forEach((v, j) => {
        const usage = perContainer.get(shape.containers[j] ?? '');
        if (usage) usage[resource] = quantity(v);
      });
    }
    return {
      metadata: { name, namespace: shape.namespace, labels: { ...shape.labels } },
      // One PodMetrics carries every resource: it is as old as its stalest.
      timestamp: iso(Math.min(now, ...[...resourceShares.keys()].map((c) => input.sampledAt?.get(c) ?? now))), window: METRIC_WINDOW,
      containers: [...perContainer].map(([c, usage]) => ({ name: c, usage })),
    };
  });

  // Each metric entry gets its own values, as the controller fetches them; a gap in the trace is an
  // empty answer from the metrics API.
  const metricValues: MetricFetch[] = [];
  for (const c of columns) {
    const load = loads.get(c.column);
    const m = c.spec;
    if (c.kind === 'pods' && m.pods) {
      const metric = { name: m.pods.metric.name, ...(m.pods.metric.selector ? { selector: m.pods.metric.selector } : {}) };
      metricValues[c.index] = {
        custom: load == null ? [] : shares(load, ready.length, shape.perPod).map((v, i): MetricValue =>
          ({ describedObject: { kind: 'Pod', name: readyNames[i] ?? '', namespace: shape.namespace, apiVersion: 'v1' }, metric, timestamp: stampOf(c.column), value: quantity(v) })),
      };
    } else if (c.kind === 'object' && m.object) {
      const d = m.object.describedObject;
      metricValues[c.index] = {
        custom: load == null ? [] : [{
          describedObject: { kind: d.kind, name: d.name, namespace: shape.namespace, ...(d.apiVersion ? { apiVersion: d.apiVersion } : {}) },
          metric: { name: m.object.metric.name, ...(m.object.metric.selector ? { selector: m.object.metric.selector } : {}) },
          timestamp: stampOf(c.column), value: quantity(load),
        }],
      };
    } else if (c.kind === 'external' && m.external) {
      metricValues[c.index] = {
        external: load == null ? [] : [{ metricName: m.external.metric.name, metricLabels: labelsMatching(m.external.metric.selector), timestamp: stampOf(c.column), value: quantity(load) }],
      };
    }
  }

  return {
    autoscaler: input.autoscaler,
    scale: {
      metadata: { name: input.autoscaler.spec.scaleTargetRef.name, namespace: shape.namespace },
      spec: { replicas: workload.replicas },
      status: { replicas: workload.pods.length, selector: shape.selector },
    },
    pods,
    podMetrics,
    metricValues,
    now,
    ...(input.config ? { config: input.config } : {}),
    ...(input.rollout ? { rollout: input.rollout } : {}),
  };
}
