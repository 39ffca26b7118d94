// Reads a decision snapshot made of real Kubernetes objects (YAML or JSON) into an engine Snapshot.
// Every problem is reported with the path of the bad field; nothing here throws anything else.
import { API_VERSION, KIND } from '../api/types.ts';
import type { HorizontalAutoscaler } from '../api/types.ts';
import type { ControllerDefaults } from '../api/defaults.ts';
import { parseGoDuration } from '../engine/duration.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodMetrics, Scale } from '../engine/inputs.ts';
import { isQuantity } from '../values/quantity.ts';
import type { PodOwnership } from '../engine/pod-selection.ts';
import type { RolloutState } from '../engine/rollout.ts';
import type { MetricFetch, Snapshot } from '../engine/snapshot.ts';
import { SnapshotError } from './snapshot-error.ts';

export { SnapshotError } from './snapshot-error.ts';
export { parseSnapshotText } from './snapshot-yaml.ts';


type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN_KEYS = ['autoscaler', 'scale', 'pods', 'podMetrics', 'metricValues', 'customMetrics', 'externalMetrics', 'metricErrors', 'podOwnership', 'rollout', 'now', 'config'];


const INT32_MAX = 2 ** 31 - 1;
/** RFC 3339, as metav1.Time and the history entries are written (fraction and offset optional parts). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A bad value, shown short: a message names the field, it does not echo a whole subtree. */
function show(v: unknown): string {
  let text: string;
  if (typeof v === 'number' && !Number.isFinite(v)) text = String(v);
  else if (v === undefined) text = 'undefined';
  else { try { text = JSON.stringify(v); } catch { text = typeof v; } }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

class Checker {
  readonly problems: string[] = [];
  add(path: string, message: string): void { this.problems.push(`${path}: ${message}`); }
  time(v: unknown, path: string, required: boolean): void {
    if (v === undefined || v === null) { if (required) this.add(path, 'required (an RFC 3339 time)'); return; }
    if (typeof v !== 'string' || !RFC3339.test(v) || Number.isNaN(Date.parse(v))) this.add(path, `must be an RFC 3339 time, got ${show(v)}`);
  }
  quantity(v: unknown, path: string): void {
    if (!isQuantity(v)) this.add(path, `must be a quantity such as "250m" or "64Mi", got ${show(v)}`);
  }
  /** An int32 (Kubernetes replica counts), at least min when given. */
  int(v: unknown, path: string, opts: { required?: boolean; min?: number } = {}): void {
    if (v === undefined || v === null) { if (opts.required) this.add(path, 'required (an integer)'); return; }
    const min = opts.min ?? -INT32_MAX - 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > INT32_MAX) {
      this.add(path, `must be an integer${opts.min !== undefined ? ` >= ${opts.min}` : ''} (int32), got ${show(v)}`);
    }
  }
  string(v: unknown, path: string, required = false): void {
    if (v === undefined || v === null) { if (required) this.add(path, 'required (a string)'); return; }
    if (typeof v !== 'string') this.add(path, `must be a string, got ${show(v)}`);
    else if (required && v === '') this.add(path, 'required (a string)');
  }
  /** An optional object; returns it when it is one. */
  object(v: unknown, path: string, required = false): Obj | undefined {
    if (v === undefined || v === null) { if (required) this.add(path, 'required (an object)'); return undefined; }
    if (!isObj(v)) { this.add(path, `must be an object, got ${show(v)}`); return undefined; }
    return v;
  }
  /** labels, annotations: a map of strings. */
  stringMap(v: unknown, path: string): void {
    const m = this.object(v, path);
    if (m) for (const [k, x] of Object.entries(m)) if (typeof x !== 'string') this.add(`${path}.${k}`, `must be a string, got ${show(x)} (quote it in YAML)`);
  }
  /** A list of objects: a plain list, or a Kubernetes List ({items: [...]}). */
  list(v: unknown, path: string): Obj[] {
    if (v === undefined || v === null) return [];
    const items = Array.isArray(v) ? v : isObj(v) && Array.isArray(v.items) ? v.items : undefined;
    if (!items) { this.add(path, 'must be a list of objects or a Kubernetes List with items'); return []; }
    return items.filter((item, i) => {
      if (!isObj(item)) { this.add(`${path}[${i}]`, 'must be an object'); return false; }
      return true;
    }) as Obj[];
  }
  /** A plain list of objects (a status field). */
  items(v: unknown, path: string): Obj[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) { this.add(path, `must be a list, got ${show(v)}`); return []; }
    const out: Obj[] = [];
    v.forEach((item: unknown, i) => { if (isObj(item)) out.push(item); else this.add(`${path}[${i}]`, `must be an object, got ${show(item)}`); });
    return out;
  }
  name(item: Obj, path: string): void {
    const meta = item.metadata;
    if (!isObj(meta) || typeof meta.name !== 'string' || meta.name === '') this.add(`${path}.metadata.name`, 'required');
  }
  /** The metadata fields the engine reads: name, namespace, generation, labels, annotations. */
  metadata(v: unknown, path: string): void {
    const meta = this.object(v, path);
    if (!meta) return;
    this.string(meta.name, `${path}.name`);
    this.string(meta.namespace, `${path}.namespace`);
    if (meta.generation !== undefined && meta.generation !== null && !Number.isSafeInteger(meta.generation)) this.add(`${path}.generation`, `must be an integer, got ${show(meta.generation)}`);
    this.stringMap(meta.labels, `${path}.labels`);
    this.stringMap(meta.annotations, `${path}.annotations`);
  }
}

const plain = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? 'undefined' : show(v));

const METRIC_MEMBERS = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const;

function checkAutoscaler(c: Checker, v: unknown): void {
  if (!isObj(v)) { c.add('autoscaler', 'required: a HorizontalAutoscaler (kscale.dev/v1alpha1) or an autoscaling/v2 HorizontalPodAutoscaler'); return; }
  const kind = v.kind;
  const apiVersion = v.apiVersion;
  const ours = kind === KIND && apiVersion === API_VERSION;
  const hpa = kind === 'HorizontalPodAutoscaler' && apiVersion === 'autoscaling/v2';
  if (kind !== undefined && !ours && !hpa) {
    c.add('autoscaler', `unsupported ${plain(apiVersion)} ${plain(kind)}: expected ${API_VERSION} ${KIND} or autoscaling/v2 HorizontalPodAutoscaler`);
  }
  c.metadata(v.metadata, 'autoscaler.metadata');
  if (!isObj(v.spec)) c.add('autoscaler.spec', 'required');
  else checkSpecShape(c, v.spec);
  // The spec's values are validated by the engine, which reports problems as a condition and an Event.
  checkStatus(c, v.status, 'autoscaler.status');
}

/**
 * What the API server's schema guarantees and the engine's spec validation takes for granted: a
 * metric's source (resource, pods, object, ...) is an object.
 */
function checkSpecShape(c: Checker, spec: Obj): void {
  if (!Array.isArray(spec.metrics)) return;
  spec.metrics.forEach((m: unknown, i) => {
    if (!isObj(m)) return;
    for (const member of Object.values(METRIC_MEMBERS)) c.object(m[member], `autoscaler.spec.metrics[${i}].${member}`);
  });
}

/** The status fields the engine reads back: the stabilization history, conditions and counts. */
function checkStatus(c: Checker, v: unknown, path: string): void {
  const status = c.object(v, path);
  if (!status) return;
  if (status.observedGeneration !== undefined && status.observedGeneration !== null && !Number.isSafeInteger(status.observedGeneration)) {
    c.add(`${path}.observedGeneration`, `must be an integer, got ${show(status.observedGeneration)}`);
  }
  c.time(status.lastScaleTime, `${path}.lastScaleTime`, false);
  c.int(status.currentReplicas, `${path}.currentReplicas`, { min: 0 });
  c.int(status.desiredReplicas, `${path}.desiredReplicas`, { min: 0 });
  c.items(status.conditions, `${path}.conditions`).forEach((cond, i) => {
    const p = `${path}.conditions[${i}]`;
    c.string(cond.type, `${p}.type`, true);
    if (cond.status === undefined || cond.status === null) c.add(`${p}.status`, 'required ("True", "False" or "Unknown")');
    else if (cond.status !== 'True' && cond.status !== 'False' && cond.status !== 'Unknown') c.add(`${p}.status`, `must be "True", "False" or "Unknown", got ${show(cond.status)}`);
    c.time(cond.lastTransitionTime, `${p}.lastTransitionTime`, false);
    c.string(cond.reason, `${p}.reason`);
    c.string(cond.message, `${p}.message`);
  });
  c.items(status.currentMetrics, `${path}.currentMetrics`).forEach((m, i) => { checkMetricStatus(c, m, `${path}.currentMetrics[${i}]`); });
  c.items(status.recommendations, `${path}.recommendations`).forEach((r, i) => {
    c.int(r.replicas, `${path}.recommendations[${i}].replicas`, { required: true });
    c.time(r.time, `${path}.recommendations[${i}].time`, true);
  });
  for (const key of ['scaleUpEvents', 'scaleDownEvents'] as const) {
    c.items(status[key], `${path}.${key}`).forEach((e, i) => {
      const p = `${path}.${key}[${i}]`;
      c.int(e.replicaChange, `${p}.replicaChange`, { required: true, min: 0 });
      c.time(e.time, `${p}.time`, true);
      if (e.outdated !== undefined && e.outdated !== null && typeof e.outdated !== 'boolean') c.add(`${p}.outdated`, `must be true or false, got ${show(e.outdated)}`);
    });
  }
}

/** One currentMetrics entry: its type, and the source of that type with its current value. */
function checkMetricStatus(c: Checker, m: Obj, p: string): void {
  const type = m.type;
  if (type === undefined || type === null) { c.add(`${p}.type`, 'required'); return; }
  if (type !== '' && !(typeof type === 'string' && type in METRIC_MEMBERS)) {
    c.add(`${p}.type`, `must be one of "", ${Object.keys(METRIC_MEMBERS).map((t) => `"${t}"`).join(', ')}, got ${show(type)}`);
    return;
  }
  const identifier = (v: unknown, path: string): void => {
    const id = c.object(v, path, true);
    if (!id) return;
    c.string(id.name, `${path}.name`, true);
    c.object(id.selector, `${path}.selector`);
  };
  for (const member of Object.values(METRIC_MEMBERS)) {
    const src = c.object(m[member], `${p}.${member}`);
    if (!src) continue;
    const sp = `${p}.${member}`;
    if (member === 'resource' || member === 'containerResource') c.string(src.name, `${sp}.name`, true);
    if (member === 'containerResource') c.string(src.container, `${sp}.container`, true);
    if (member === 'pods' || member === 'object' || member === 'external') identifier(src.metric, `${sp}.metric`);
    if (member === 'object') {
      const d = c.object(src.describedObject, `${sp}.describedObject`, true);
      if (d) { c.string(d.kind, `${sp}.describedObject.kind`, true); c.string(d.name, `${sp}.describedObject.name`, true); }
    }
    const current = c.object(src.current, `${sp}.current`, true);
    if (!current) continue;
    if (current.value !== undefined && current.value !== null) c.quantity(current.value, `${sp}.current.value`);
    if (current.averageValue !== undefined && current.averageValue !== null) c.quantity(current.averageValue, `${sp}.current.averageValue`);
    c.int(current.averageUtilization, `${sp}.current.averageUtilization`);
  }
}

function checkScale(c: Checker, v: unknown): void {
  if (!isObj(v)) { c.add('scale', "required: the target's autoscaling/v1 Scale (or {error: \"...\"})"); return; }
  if (typeof v.error === 'string') return;
  const spec = v.spec;
  if (!isObj(spec) || (spec.replicas !== undefined && !Number.isInteger(spec.replicas))) c.add('scale.spec.replicas', 'must be an integer');
  const status = v.status;
  if (status !== undefined && !isObj(status)) c.add('scale.status', 'must be an object');
  if (isObj(status) && status.selector !== undefined && typeof status.selector !== 'string') c.add('scale.status.selector', 'must be a string (a label selector)');
}

function checkPods(c: Checker, v: unknown): void {
  c.list(v, 'pods').forEach((pod, i) => {
    const p = `pods[${i}]`;
    c.name(pod, p);
    c.metadata(pod.metadata, `${p}.metadata`);
    const status = pod.status;
    if (isObj(status)) {
      c.time(status.startTime, `${p}.status.startTime`, false);
      if (Array.isArray(status.conditions)) status.conditions.forEach((cond, j) => {
        if (isObj(cond)) c.time(cond.lastTransitionTime, `${p}.status.conditions[${j}].lastTransitionTime`, false);
      });
    }
    const spec = pod.spec;
    if (isObj(spec)) for (const key of ['containers', 'initContainers'] as const) {
      const list = spec[key];
      if (Array.isArray(list)) list.forEach((ct, j) => {
        const req = isObj(ct) && isObj(ct.resources) ? ct.resources.requests : undefined;
        if (isObj(req)) for (const [r, q] of Object.entries(req)) c.quantity(q, `${p}.spec.${key}[${j}].resources.requests.${r}`);
      });
    }
  });
}

function checkPodMetrics(c: Checker, v: unknown): void {
  if (isObj(v) && typeof v.error === 'string') return;
  c.list(v, 'podMetrics').forEach((m, i) => {
    const p = `podMetrics[${i}]`;
    c.name(m, p);
    c.metadata(m.metadata, `${p}.metadata`);
    c.time(m.timestamp, `${p}.timestamp`, true);
    if (typeof m.window !== 'string') c.add(`${p}.window`, 'required (a duration such as "30s")');
    else { try { parseGoDuration(m.window); } catch (e) { c.add(`${p}.window`, (e as Error).message); } }
    if (!Array.isArray(m.containers)) { c.add(`${p}.containers`, 'required (a list)'); return; }
    m.containers.forEach((ct, j) => {
      if (!isObj(ct) || !isObj(ct.usage)) { c.add(`${p}.containers[${j}].usage`, 'required'); return; }
      for (const [r, q] of Object.entries(ct.usage)) c.quantity(q, `${p}.containers[${j}].usage.${r}`);
    });
  });
}

function checkCustom(c: Checker, v: unknown, path = 'customMetrics'): void {
  c.list(v, path).forEach((m, i) => {
    const p = `${path}[${i}]`;
    const d = m.describedObject;
    if (!isObj(d) || typeof d.kind !== 'string' || typeof d.name !== 'string') c.add(`${p}.describedObject`, 'required (kind and name)');
    if (!isObj(m.metric) || typeof m.metric.name !== 'string') c.add(`${p}.metric.name`, 'required');
    c.time(m.timestamp, `${p}.timestamp`, true);
    c.quantity(m.value, `${p}.value`);
  });
}

function checkExternal(c: Checker, v: unknown, path = 'externalMetrics'): void {
  c.list(v, path).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (typeof m.metricName !== 'string') c.add(`${p}.metricName`, 'required');
    c.time(m.timestamp, `${p}.timestamp`, true);
    c.quantity(m.value, `${p}.value`);
  });
}

/** metricValues: per spec.metrics entry, null or one of {error}, {custom: [...]}, {external: [...]}. */
function readMetricValues(c: Checker, v: unknown): (MetricFetch | null)[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) { c.add('metricValues', 'must be a list with one entry per spec.metrics entry (null, {error}, {custom: [...]} or {external: [...]})'); return undefined; }
  return v.map((entry: unknown, i): MetricFetch | null => {
    const p = `metricValues[${i}]`;
    if (entry === null) return null;
    if (isObj(entry) && typeof entry.error === 'string') return { error: entry.error };
    if (isObj(entry) && entry.custom !== undefined) { checkCustom(c, entry.custom, `${p}.custom`); return { custom: c.list(entry.custom, `${p}.custom`) as unknown as MetricValue[] }; }
    if (isObj(entry) && entry.external !== undefined) { checkExternal(c, entry.external, `${p}.external`); return { external: c.list(entry.external, `${p}.external`) as unknown as ExternalMetricValue[] }; }
    c.add(p, 'must be null, {error: "..."}, {custom: [...]} or {external: [...]}');
    return null;
  });
}

/** A list of pod names (podOwnership.notOwned, rollout.old and surge); missing is an empty list unless required. */
function podNames(c: Checker, v: unknown, path: string, required: boolean): string[] {
  if (v === undefined || v === null) { if (required) c.add(path, 'required (a list of pod names)'); return []; }
  if (!Array.isArray(v)) { c.add(path, `must be a list of pod names, got ${show(v)}`); return []; }
  v.forEach((n: unknown, i) => { if (typeof n !== 'string' || n === '') c.add(`${path}[${i}]`, `must be a pod name (a string), got ${show(n)}`); });
  return v.filter((n): n is string => typeof n === 'string');
}

const unknownFields = (c: Checker, o: Obj, path: string, known: readonly string[]): void => {
  for (const k of Object.keys(o)) if (!known.includes(k)) c.add(`${path}.${k}`, `unknown field (expected one of ${known.join(', ')})`);
};

/** podOwnership (selectionStrategy OwnerReference, engine/pod-selection.ts): {owner, notOwned} or {error}. */
function readPodOwnership(c: Checker, v: unknown): PodOwnership | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) { c.add('podOwnership', `must be {owner: "Kind/name", notOwned: [pod names]} or {error: "..."}, got ${show(v)}`); return undefined; }
  if (v.error !== undefined) {
    if (v.owner !== undefined || v.notOwned !== undefined) c.add('podOwnership', 'must be either {error} or {owner, notOwned}, not both');
    c.string(v.error, 'podOwnership.error', true);
    return { error: typeof v.error === 'string' ? v.error : '' };
  }
  unknownFields(c, v, 'podOwnership', ['owner', 'notOwned']);
  c.string(v.owner, 'podOwnership.owner', true);
  return { owner: typeof v.owner === 'string' ? v.owner : '', notOwned: podNames(c, v.notOwned, 'podOwnership.notOwned', true) };
}

/** rollout (rollout.policy ExcludeSurge, engine/rollout.ts): the target's rollout as the controller saw it. */
function readRollout(c: Checker, v: unknown): RolloutState | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) { c.add('rollout', `must be an object {workload, reason, desiredReplicas, old, surge}, got ${show(v)}`); return undefined; }
  unknownFields(c, v, 'rollout', ['workload', 'reason', 'desiredReplicas', 'old', 'surge']);
  c.string(v.workload, 'rollout.workload', true);
  c.string(v.reason, 'rollout.reason', true);
  c.int(v.desiredReplicas, 'rollout.desiredReplicas', { required: true, min: 0 });
  return {
    workload: typeof v.workload === 'string' ? v.workload : '', reason: typeof v.reason === 'string' ? v.reason : '',
    desiredReplicas: typeof v.desiredReplicas === 'number' ? v.desiredReplicas : 0,
    old: podNames(c, v.old, 'rollout.old', false), surge: podNames(c, v.surge, 'rollout.surge', false),
  };
}

const secondsOf = (c: Checker, v: unknown, path: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') { try { return parseGoDuration(v) / 1000; } catch { /* reported below */ } }
  c.add(path, `must be a duration such as "5m" or a number of seconds, got ${show(v)}`);
  return undefined;
};

function readConfig(c: Checker, v: unknown): Partial<ControllerDefaults> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) { c.add('config', 'must be an object'); return undefined; }
  const out: Partial<ControllerDefaults> = {};
  if (v.tolerance !== undefined) {
    if (typeof v.tolerance === 'number' && v.tolerance >= 0) out.tolerance = v.tolerance;
    else c.add('config.tolerance', `must be a number >= 0, got ${show(v.tolerance)}`);
  }
  const pick = (key: keyof ControllerDefaults, ...names: string[]): void => {
    for (const n of names) {
      const s = secondsOf(c, v[n], `config.${n}`);
      if (s !== undefined) out[key] = s;
    }
  };
  pick('cpuInitializationPeriodSeconds', 'cpuInitializationPeriod', 'cpuInitializationPeriodSeconds');
  pick('initialReadinessDelaySeconds', 'initialReadinessDelay', 'initialReadinessDelaySeconds');
  pick('downscaleStabilizationSeconds', 'downscaleStabilization', 'downscaleStabilizationSeconds');
  for (const k of Object.keys(v)) {
    if (!['tolerance', 'cpuInitializationPeriod', 'cpuInitializationPeriodSeconds', 'initialReadinessDelay', 'initialReadinessDelaySeconds',
      'downscaleStabilization', 'downscaleStabilizationSeconds'].includes(k)) c.add(`config.${k}`, 'unknown field');
  }
  return out;
}

/** Checks raw input and turns it into a Snapshot; throws SnapshotError listing every problem. */
export function toSnapshot(raw: unknown): Snapshot {
  const c = new Checker();
  if (!isObj(raw)) throw new SnapshotError(['the snapshot must be a mapping with keys autoscaler, scale, pods, podMetrics, metricValues, now, config']);
  for (const k of Object.keys(raw)) if (!KNOWN_KEYS.includes(k)) c.add(k, `unknown field (expected one of ${KNOWN_KEYS.join(', ')})`);
  checkAutoscaler(c, raw.autoscaler);
  checkScale(c, raw.scale);
  checkPods(c, raw.pods);
  checkPodMetrics(c, raw.podMetrics);
  checkCustom(c, raw.customMetrics);
  checkExternal(c, raw.externalMetrics);
  const metricValues = readMetricValues(c, raw.metricValues);
  c.time(raw.now, 'now', true);
  const metricErrors: Record<number, string> = {};
  if (raw.metricErrors !== undefined) {
    if (!isObj(raw.metricErrors)) c.add('metricErrors', 'must map a metric index to an error text');
    else for (const [k, v] of Object.entries(raw.metricErrors)) {
      if (!/^\d+$/.test(k) || typeof v !== 'string') c.add(`metricErrors.${k}`, 'must map a metric index to an error text');
      else metricErrors[Number(k)] = v;
    }
  }
  const podOwnership = readPodOwnership(c, raw.podOwnership);
  const rollout = readRollout(c, raw.rollout);
  const config = readConfig(c, raw.config);
  if (c.problems.length > 0) throw new SnapshotError(c.problems);

  const podMetrics = raw.podMetrics;
  return {
    autoscaler: raw.autoscaler as HorizontalAutoscaler,
    scale: raw.scale as Scale | { error: string },
    pods: c.list(raw.pods, 'pods') as unknown as Pod[],
    podMetrics: isObj(podMetrics) && typeof podMetrics.error === 'string'
      ? { error: podMetrics.error }
      : podMetrics === undefined ? undefined : c.list(podMetrics, 'podMetrics') as unknown as PodMetrics[],
    ...(metricValues ? { metricValues } : {}),
    customMetrics: c.list(raw.customMetrics, 'customMetrics') as unknown as MetricValue[],
    externalMetrics: c.list(raw.externalMetrics, 'externalMetrics') as unknown as ExternalMetricValue[],
    metricErrors,
    ...(podOwnership ? { podOwnership } : {}),
    ...(rollout ? { rollout } : {}),
    now: Date.parse(raw.now as string),
    ...(config ? { config } : {}),
  };
}
