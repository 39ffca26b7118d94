// One replica proposal per metric spec (reference/hpa-algorithm.md §6): reads the samples the
// snapshot carries, runs the matching calculation, and reports upstream's metric name, status
// entry, and on failure upstream's condition reason and error texts.
import type { MetricSpec, MetricStatus, MetricTarget, MetricValueStatus } from '../api/types.ts';
import { Reason } from '../api/constants.ts';
import { parseGoDuration } from './duration.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodMetrics } from './inputs.ts';
import { metricIdentity, type Selector } from '../values/labels.ts';
import { podReplicas } from './pod-replicas.ts';
import { isRunningAndReady, podRequests, type PodSample, type ReadinessRules } from './pods.ts';
import { formatMilli, milliValue, parseQuantity } from '../values/quantity.ts';
import type { MetricFetch } from './snapshot.ts';
import { ceilReplicas, MAX_INT32, usageRatio, utilizationRatio, within, type Tolerance } from './ratio.ts';

/** Samples fetched for this pass. An `error` is the raw fetch failure (e.g. an HTTP error text). */
export type Fetched<T> = { items: readonly T[] } | { error: string };

export interface MetricContext {
  namespace: string;
  specReplicas: number;
  statusReplicas: number;
  /** Pods selected by the target's selector (less those selectionStrategy or a rollout leaves out). */
  pods: readonly Pod[];
  /** Pods whose samples do not count although the selector matches them (pod-selection.ts, rollout.ts). */
  exclude?: ReadonlySet<string>;
  selector: Selector;
  podMetrics: Fetched<PodMetrics> | undefined;
  /** What was fetched for spec.metrics[index] (Pods, Object and External entries). */
  fetched: (index: number) => MetricFetch | undefined;
  tolerance: Tolerance;
  rules: ReadinessRules;
}

/** What the explanation shows about one metric. */
export interface MetricDetail {
  ready?: number;
  unready?: number;
  missing?: number;
  ignored?: number;
  /** The measured value, formatted: a utilization percentage or a quantity. */
  current?: string;
  target?: string;
  ratio?: number;
  rebalancedRatio?: number;
  heldBy?: string;
}

export interface MetricProposal {
  ok: true;
  replicas: number;
  name: string;
  status: MetricStatus;
  detail: MetricDetail;
}

export interface MetricFailure {
  ok: false;
  /** Condition (and Event) reason. */
  reason: string;
  /** The calculation's error: the Event message and the condition's detail. */
  inner: string;
  /** The error as computeReplicasForMetrics reports it. */
  error: string;
  name: string;
}

export type MetricResult = MetricProposal | MetricFailure;

const DEFAULT_CUSTOM_WINDOW_MS = 60_000;
const milli = (q: string | number): bigint => milliValue(parseQuantity(q));
const ms = (t: string): number => Date.parse(t);
const describeTarget = (t: MetricTarget): string =>
  t.averageUtilization !== undefined && t.averageValue === undefined ? `${t.averageUtilization}%` : String(t.averageValue ?? t.value ?? '');

function fail(reason: string, inner: string, outer: string, name: string): MetricFailure {
  return { ok: false, reason, inner, error: `${outer}${inner}`, name };
}

// --- fetching from the snapshot -------------------------------------------------------------

function resourceSamples(ctx: MetricContext, resource: string, container: string | undefined): Map<string, PodSample> {
  const fetched = ctx.podMetrics;
  if (!fetched) throw new Error('unable to fetch metrics from resource metrics API: no pod metrics in the snapshot');
  if ('error' in fetched) throw new Error(`unable to fetch metrics from resource metrics API: ${fetched.error}`);
  // The namespace's listing is shared by every autoscaler there: keep what the selector picks, by
  // the pod labels metrics-server copies into PodMetrics (as upstream's labelSelector query does),
  // or, for items without labels, by the selected pods' names.
  const selected = new Set(ctx.pods.map((p) => p.metadata.name));
  const items = fetched.items.filter((m) => (m.metadata.labels ? ctx.selector.matches(m.metadata.labels) : selected.has(m.metadata.name)) && !ctx.exclude?.has(m.metadata.name));
  if (items.length === 0) throw new Error('no metrics returned from resource metrics API');
  const samples = new Map<string, PodSample>();
  for (const m of items) {
    const containers = container ? m.containers.filter((c) => c.name === container) : m.containers;
    // A pod missing the resource in any container (or with no containers) counts as missing.
    if (containers.length === 0) continue;
    let sum = 0n;
    let complete = true;
    for (const c of containers) {
      const usage = c.usage[resource];
      if (usage === undefined) { complete = false; break; }
      sum += milli(usage);
    }
    if (complete) samples.set(m.metadata.name, { value: sum, timestamp: ms(m.timestamp), windowMs: parseGoDuration(m.window) });
  }
  return samples;
}

/** The custom metrics API's values for one entry, or the entry's fetch error thrown. */
function customValues(ctx: MetricContext, index: number): readonly MetricValue[] {
  const f = ctx.fetched(index);
  if (f && 'error' in f) throw new Error(`unable to fetch metrics from custom metrics API: ${f.error}`);
  return f && 'custom' in f ? f.custom : [];
}

function podsMetricSamples(ctx: MetricContext, index: number): Map<string, PodSample> {
  // Values were fetched with the pods' selector; like upstream, values of pods not (yet) in the pod
  // cache still count in the average.
  const items = customValues(ctx, index).filter((v) => !ctx.exclude?.has(v.describedObject.name));
  if (items.length === 0) throw new Error('no metrics returned from custom metrics API');
  return new Map(items.map((v) => [v.describedObject.name, {
    value: milli(v.value),
    timestamp: ms(v.timestamp),
    windowMs: v.windowSeconds != null ? v.windowSeconds * 1000 : DEFAULT_CUSTOM_WINDOW_MS,
  }]));
}

function objectMetricValue(ctx: MetricContext, index: number): bigint {
  const items = customValues(ctx, index);
  // Upstream's client asks for one object's value and refuses any other count.
  if (items.length !== 1 || !items[0]) {
    throw new Error(`unable to fetch metrics from custom metrics API: the custom metrics API server returned ${items.length} results when we asked for exactly one`);
  }
  return milli(items[0].value);
}

const MAX_INT64 = 2n ** 63n - 1n;

function externalValues(ctx: MetricContext, index: number): bigint[] {
  const f = ctx.fetched(index);
  if (f && 'error' in f) throw new Error(`unable to fetch metrics from external metrics API: ${f.error}`);
  const items: readonly ExternalMetricValue[] = f && 'external' in f ? f.external : [];
  if (items.length === 0) throw new Error('no metrics returned from external metrics API');
  return items.map((v) => milli(v.value));
}

// --- calculations ---------------------------------------------------------------------------

/** A Resource/ContainerResource proposal; the caller wraps `current` in the matching status member. */
interface ResourceProposal extends Omit<MetricProposal, 'ok' | 'status'> {
  current: MetricValueStatus;
}

function resourceMetric(ctx: MetricContext, resource: string, container: string | undefined, target: MetricTarget): ResourceProposal {
  const pods = ctx.pods;
  const base = { specReplicas: ctx.specReplicas, pods, resource, rules: ctx.rules, tolerance: ctx.tolerance };
  if (target.averageValue !== undefined) {
    // Raw usage: AverageValue wins when set, whatever target.type says (upstream checks it first).
    const targetMilli = milli(target.averageValue);
    let r;
    try {
      r = podReplicas({ ...base, samples: resourceSamples(ctx, resource, container), measure: (v) => usageRatio(v, targetMilli), missingOnScaleDown: () => targetMilli });
    } catch (e) { throw new Error(`failed to get ${resource} usage: ${errorText(e, `unable to get metrics for resource ${resource}: `)}`, { cause: e }); }
    const averageValue = formatMilli(r.measured.usage, resource === 'memory' ? 'BinarySI' : 'DecimalSI');
    return {
      replicas: r.replicas,
      name: `${resource} resource`,
      current: { averageValue },
      detail: { ...counts(r.groups), current: averageValue, target: describeTarget(target), ratio: r.measured.ratio, rebalancedRatio: r.rebalanced?.ratio, heldBy: r.heldBy },
    };
  }
  if (target.averageUtilization === undefined) {
    throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
  }
  const targetUtilization = target.averageUtilization;
  let requests: Map<string, bigint> | undefined;
  let r;
  try {
    r = podReplicas({
      ...base,
      samples: resourceSamples(ctx, resource, container),
      // Requests are computed after grouping, as upstream does: their errors come second.
      measure: (v) => utilizationRatio(v, (requests ??= podRequests(pods, resource, container)), targetUtilization),
      missingOnScaleDown: (pod) => ((requests?.get(pod) ?? 0n) * BigInt(Math.max(100, targetUtilization))) / 100n,
    });
  } catch (e) { throw new Error(`failed to get ${resource} utilization: ${errorText(e, `unable to get metrics for resource ${resource}: `)}`, { cause: e }); }
  const averageValue = formatMilli(r.measured.rawAverage, resource === 'memory' ? 'BinarySI' : 'DecimalSI');
  return {
    replicas: r.replicas,
    name: container ? `${resource} container resource utilization (percentage of request)` : `${resource} resource utilization (percentage of request)`,
    current: { averageUtilization: r.measured.utilization, averageValue },
    detail: { ...counts(r.groups), current: `${r.measured.utilization}%`, target: `${targetUtilization}%`, ratio: r.measured.ratio, rebalancedRatio: r.rebalanced?.ratio, heldBy: r.heldBy },
  };
}

// Fetch errors get upstream's "unable to get metrics for resource X: " prefix; calculation
// errors do not. Fetch errors are marked by their "unable to fetch"/"no metrics returned" text.
function errorText(e: unknown, fetchPrefix: string): string {
  const msg = e instanceof Error ? e.message : String(e);
  return /^(unable to fetch metrics from|no metrics returned from)/.test(msg) ? `${fetchPrefix}${msg}` : msg;
}

function counts(g: { readyCount: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> }): MetricDetail {
  return { ready: g.readyCount, unready: g.unready.size, missing: g.missing.size, ignored: g.ignored.size };
}

/** ceil(ratio * running-and-ready pods), or ceil(ratio) from zero (§6.4). */
function usageRatioReplicas(ctx: MetricContext, ratio: number): number {
  if (ctx.specReplicas === 0) return Math.ceil(ratio);
  if (within(ctx.tolerance, ratio)) return ctx.specReplicas;
  if (ctx.pods.length === 0) throw new Error('unable to calculate ready pods: no pods returned by selector while calculating replica count');
  return ceilReplicas(ratio, ctx.pods.filter(isRunningAndReady).length);
}

/** Per-pod average of a total: ceil(total / statusReplicas); 0 with no replicas. */
function perPod(total: bigint, statusReplicas: number): bigint {
  if (Number(total) >= Number(MAX_INT64)) return MAX_INT64;
  return statusReplicas === 0 ? 0n : BigInt(Math.ceil(Number(total) / statusReplicas));
}

function averageValueReplicas(ctx: MetricContext, total: bigint, target: bigint): number {
  const ratio = Number(total) / (Number(target) * ctx.statusReplicas);
  if (within(ctx.tolerance, ratio)) return ctx.statusReplicas;
  const r = Math.ceil(Number(total) / Number(target));
  return r > MAX_INT32 ? MAX_INT32 : r;
}

const dec = (m: bigint): string => formatMilli(m, 'DecimalSI');

/** Computes one metric's proposal. Never throws: failures come back as MetricFailure. */
export function computeMetric(ctx: MetricContext, spec: MetricSpec, index: number): MetricResult {
  switch (spec.type) {
    case 'Resource': {
      const src = spec.resource;
      if (!src) return fail(Reason.InvalidMetricSourceType, 'metric type Resource without a resource source', '', 'Resource');
      try {
        const r = resourceMetric(ctx, src.name, undefined, src.target);
        return { ok: true, replicas: r.replicas, name: r.name, detail: r.detail, status: { type: 'Resource', resource: { name: src.name, current: r.current } } };
      } catch (e) {
        return fail(Reason.FailedGetResourceMetric, (e as Error).message, `failed to get ${src.name} resource metric value: `, `${src.name} resource`);
      }
    }
    case 'ContainerResource': {
      const src = spec.containerResource;
      if (!src) return fail(Reason.InvalidMetricSourceType, 'metric type ContainerResource without a containerResource source', '', 'ContainerResource');
      try {
        const r = resourceMetric(ctx, src.name, src.container, src.target);
        return { ok: true, replicas: r.replicas, name: r.name, detail: r.detail, status: { type: 'ContainerResource', containerResource: { name: src.name, container: src.container, current: r.current } } };
      } catch (e) {
        return fail(Reason.FailedGetContainerResourceMetric, (e as Error).message, `failed to get ${src.container} container metric value: `, `${src.name} container resource`);
      }
    }
    case 'Pods': {
      const src = spec.pods;
      if (!src) return fail(Reason.InvalidMetricSourceType, 'metric type Pods without a pods source', '', 'Pods');
      const name = `pods metric ${src.metric.name}`;
      try {
        const target = milli(src.target.averageValue ?? 0);
        let r;
        try {
          r = podReplicas({
            specReplicas: ctx.specReplicas, pods: ctx.pods, resource: undefined, rules: ctx.rules, tolerance: ctx.tolerance,
            samples: podsMetricSamples(ctx, index), measure: (v) => usageRatio(v, target), missingOnScaleDown: () => target,
          });
        } catch (e) { throw new Error(errorText(e, `unable to get metric ${src.metric.name}: `), { cause: e }); }
        const current = dec(r.measured.usage);
        return {
          ok: true, replicas: r.replicas, name,
          status: { type: 'Pods', pods: { metric: src.metric, current: { averageValue: current } } },
          detail: { ...counts(r.groups), current, target: describeTarget(src.target), ratio: r.measured.ratio, rebalancedRatio: r.rebalanced?.ratio, heldBy: r.heldBy },
        };
      } catch (e) {
        return fail(Reason.FailedGetPodsMetric, (e as Error).message, 'failed to get pods metric value: ', name);
      }
    }
    case 'Object': {
      const src = spec.object;
      if (!src) return fail(Reason.InvalidMetricSourceType, 'metric type Object without an object source', '', 'Object');
      const d = src.describedObject;
      const fetchError = (e: unknown): string => `unable to get metric ${src.metric.name} on ${d.kind} ${ctx.namespace}/${d.name}: ${(e as Error).message}`;
      if (src.target.type === 'Value' && src.target.value !== undefined) {
        const name = `${d.kind} metric ${src.metric.name}`;
        try {
          let value: bigint;
          try { value = objectMetricValue(ctx, index); } catch (e) { throw new Error(fetchError(e), { cause: e }); }
          const ratio = Number(value) / Number(milli(src.target.value));
          const replicas = usageRatioReplicas(ctx, ratio);
          const current = dec(value);
          return {
            ok: true, replicas, name,
            status: { type: 'Object', object: { describedObject: d, metric: src.metric, current: { value: current } } },
            detail: { current, target: describeTarget(src.target), ratio, heldBy: replicas === ctx.specReplicas && within(ctx.tolerance, ratio) ? 'tolerance' : undefined },
          };
        } catch (e) {
          return fail(Reason.FailedGetObjectMetric, (e as Error).message, 'failed to get object metric value: ', name);
        }
      }
      if (src.target.type === 'AverageValue' && src.target.averageValue !== undefined) {
        // Upstream's own wording, "external metric", though it is an object metric.
        const name = `external metric ${metricIdentity(src.metric.name, src.metric.selector)}`;
        try {
          let value: bigint;
          try { value = objectMetricValue(ctx, index); } catch (e) { throw new Error(fetchError(e), { cause: e }); }
          const target = milli(src.target.averageValue);
          const replicas = averageValueReplicas(ctx, value, target);
          const current = dec(perPod(value, ctx.statusReplicas));
          return {
            ok: true, replicas, name,
            status: { type: 'Object', object: { describedObject: d, metric: src.metric, current: { averageValue: current } } },
            detail: { current, target: describeTarget(src.target), ratio: Number(value) / (Number(target) * ctx.statusReplicas) },
          };
        } catch (e) {
          return fail(Reason.FailedGetObjectMetric, (e as Error).message, `failed to get object metric value: failed to get ${src.metric.name} object metric: `, name);
        }
      }
      return fail(Reason.FailedGetObjectMetric, 'invalid object metric source: neither a value target nor an average value target was set', 'failed to get object metric value: ', `${d.kind} metric ${src.metric.name}`);
    }
    case 'External': {
      const src = spec.external;
      if (!src) return fail(Reason.InvalidMetricSourceType, 'metric type External without an external source', '', 'External');
      const name = `external metric ${metricIdentity(src.metric.name, src.metric.selector)}`;
      const outer = `failed to get ${src.metric.name} external metric value: `;
      const fetchError = (e: unknown): string =>
        `unable to get external metric ${ctx.namespace}/${metricIdentity(src.metric.name, src.metric.selector)}: ${(e as Error).message}`;
      // Upstream sums in int64 and saturates at MaxInt64: for a Value target on positive overflow,
      // for an AverageValue target whenever the running sum is negative (its overflow test).
      const total = (perPod: boolean): bigint => {
        let values: bigint[];
        try { values = externalValues(ctx, index); } catch (e) { throw new Error(fetchError(e), { cause: e }); }
        let sum = 0n;
        for (const v of values) { sum += v; if (sum > MAX_INT64 || (perPod && sum < 0n)) return MAX_INT64; }
        return sum;
      };
      if (src.target.averageValue !== undefined) {
        try {
          const sum = total(true);
          const target = milli(src.target.averageValue);
          const replicas = averageValueReplicas(ctx, sum, target);
          const current = dec(perPod(sum, ctx.statusReplicas));
          return {
            ok: true, replicas, name,
            status: { type: 'External', external: { metric: src.metric, current: { averageValue: current } } },
            detail: { current, target: describeTarget(src.target), ratio: Number(sum) / (Number(target) * ctx.statusReplicas) },
          };
        } catch (e) {
          return fail(Reason.FailedGetExternalMetric, (e as Error).message, `${outer}failed to get ${src.metric.name} external metric: `, name);
        }
      }
      if (src.target.value !== undefined) {
        try {
          const sum = total(false);
          const ratio = Number(sum) / Number(milli(src.target.value));
          const replicas = usageRatioReplicas(ctx, ratio);
          const current = dec(sum);
          return {
            ok: true, replicas, name,
            status: { type: 'External', external: { metric: src.metric, current: { value: current } } },
            detail: { current, target: describeTarget(src.target), ratio, heldBy: replicas === ctx.specReplicas && within(ctx.tolerance, ratio) ? 'tolerance' : undefined },
          };
        } catch (e) {
          return fail(Reason.FailedGetExternalMetric, (e as Error).message, `${outer}failed to get external metric ${src.metric.name}: `, name);
        }
      }
      return fail(Reason.FailedGetExternalMetric, 'invalid external metric source: neither a value target nor an average value target was set', outer, name);
    }
    default: {
      const type = (spec as { type: string }).type;
      return fail(Reason.InvalidMetricSourceType, `unknown metric source type "${type}"`, '', type);
    }
  }
}
