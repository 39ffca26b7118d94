// Reads a decision snapshot made of real Kubernetes objects (YAML or JSON) into an engine Snapshot.
// Every problem is reported with the path of the bad field; nothing here throws anything else.
import { parseDocument } from 'yaml';
import { API_VERSION, KIND } from '../api/types.ts';
import type { HorizontalAutoscaler } from '../api/types.ts';
import type { ControllerDefaults } from '../api/defaults.ts';
import { parseGoDuration } from '../engine/duration.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodMetrics, Scale } from '../engine/inputs.ts';
import { isQuantity } from '../engine/quantity.ts';
import type { MetricFetch, Snapshot } from '../engine/snapshot.ts';

export class SnapshotError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.length === 1 ? `invalid snapshot: ${problems[0] ?? ''}` : `invalid snapshot:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const KNOWN_KEYS = ['autoscaler', 'scale', 'pods', 'podMetrics', 'metricValues', 'customMetrics', 'externalMetrics', 'metricErrors', 'now', 'config'];

/** Parses YAML (a superset of JSON), reporting syntax errors with line and column. */
export function parseSnapshotText(text: string, source = 'snapshot'): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    throw new SnapshotError(doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0] ?? e.message}`;
    }));
  }
  return doc.toJS() as unknown;
}

class Checker {
  readonly problems: string[] = [];
  add(path: string, message: string): void { this.problems.push(`${path}: ${message}`); }
  time(v: unknown, path: string, required: boolean): void {
    if (v === undefined || v === null) { if (required) this.add(path, 'required (an RFC 3339 time)'); return; }
    if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) this.add(path, `must be an RFC 3339 time, got ${JSON.stringify(v)}`);
  }
  quantity(v: unknown, path: string): void {
    if (!isQuantity(v)) this.add(path, `must be a quantity such as "250m" or "64Mi", got ${JSON.stringify(v)}`);
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
  name(item: Obj, path: string): void {
    const meta = item.metadata;
    if (!isObj(meta) || typeof meta.name !== 'string' || meta.name === '') this.add(`${path}.metadata.name`, 'required');
  }
}

const plain = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? 'undefined' : JSON.stringify(v));

function checkAutoscaler(c: Checker, v: unknown): void {
  if (!isObj(v)) { c.add('autoscaler', 'required: a HorizontalAutoscaler (kscale.dev/v1alpha1) or an autoscaling/v2 HorizontalPodAutoscaler'); return; }
  const kind = v.kind;
  const apiVersion = v.apiVersion;
  const ours = kind === KIND && apiVersion === API_VERSION;
  const hpa = kind === 'HorizontalPodAutoscaler' && apiVersion === 'autoscaling/v2';
  if (kind !== undefined && !ours && !hpa) {
    c.add('autoscaler', `unsupported ${plain(apiVersion)} ${plain(kind)}: expected ${API_VERSION} ${KIND} or autoscaling/v2 HorizontalPodAutoscaler`);
  }
  if (!isObj(v.spec)) c.add('autoscaler.spec', 'required');
  // The spec itself is validated by the engine, which reports problems as a condition and an Event.
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

const secondsOf = (c: Checker, v: unknown, path: string): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && v >= 0) return v;
  if (typeof v === 'string') { try { return parseGoDuration(v) / 1000; } catch { /* reported below */ } }
  c.add(path, `must be a duration such as "5m" or a number of seconds, got ${JSON.stringify(v)}`);
  return undefined;
};

function readConfig(c: Checker, v: unknown): Partial<ControllerDefaults> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) { c.add('config', 'must be an object'); return undefined; }
  const out: Partial<ControllerDefaults> = {};
  if (v.tolerance !== undefined) {
    if (typeof v.tolerance === 'number' && v.tolerance >= 0) out.tolerance = v.tolerance;
    else c.add('config.tolerance', `must be a number >= 0, got ${JSON.stringify(v.tolerance)}`);
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
    now: Date.parse(raw.now as string),
    ...(config ? { config } : {}),
  };
}
