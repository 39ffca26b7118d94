// The wire format of the three metrics APIs as the fake server answers them: discovery documents,
// PodMetrics, custom-metrics MetricValueList and ExternalMetricValueList. Pure functions over the
// programmed data, so the HTTP server stays a thin shell.
import { matches, parseSelector, toMetaSelector, type Requirement } from './label-selector.ts';

export type MetricsApi = 'resource' | 'custom' | 'external';

export const GROUP_VERSIONS: Record<MetricsApi, { group: string; version: string }> = {
  resource: { group: 'metrics.k8s.io', version: 'v1beta1' },
  custom: { group: 'custom.metrics.k8s.io', version: 'v1beta2' },
  external: { group: 'external.metrics.k8s.io', version: 'v1beta1' },
};

export interface PodUsage {
  containers: Record<string, { cpu?: string; memory?: string }>;
  timestamp?: Date;
  window: string;
}
export interface PodsMetricSample { value: string; timestamp?: Date; windowSeconds: number }
export interface ExternalSeries { labels: Record<string, string>; value: string }

/** Everything a test has programmed; keys are documented next to each map. */
export interface MetricsData {
  podUsage: Map<string, Map<string, PodUsage>>;                   // namespace -> pod -> usage
  podsMetrics: Map<string, Map<string, PodsMetricSample>>;        // `${ns}/${metric}` -> pod -> sample
  objectMetrics: Map<string, Map<string, string>>;                // `${ns}/${resource}/${metric}` -> name -> value
  externalMetrics: Map<string, ExternalSeries[]>;                 // `${ns}/${metric}` -> series
}

export function emptyData(): MetricsData {
  return { podUsage: new Map(), podsMetrics: new Map(), objectMetrics: new Map(), externalMetrics: new Map() };
}

/** Names of the pods in a namespace that match a label selector, or undefined when unknown. */
export type PodSelectorLookup = (namespace: string, labelSelector: string) => Promise<Set<string> | undefined>;

export interface Answer { status: number; body: unknown }

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  409: 'Conflict', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

export function statusAnswer(code: number, message: string): Answer {
  return {
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'Unknown', code },
  };
}

/** RFC 3339 with second precision, as the apiserver writes metav1.Time. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function resourceList(groupVersion: string, resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[]): unknown {
  // kind/apiVersion are required: the aggregator decodes discovery with a typed decoder.
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources: resources.map((r) => ({ singularName: '', ...r })) };
}

export function discovery(api: MetricsApi, data: MetricsData): unknown {
  const { group, version } = GROUP_VERSIONS[api];
  const gv = `${group}/${version}`;
  if (api === 'resource') {
    return resourceList(gv, [
      { name: 'pods', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      { name: 'nodes', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    ]);
  }
  const names = new Set<string>();
  if (api === 'custom') {
    for (const key of data.podsMetrics.keys()) names.add(`pods/${key.split('/')[1] ?? ''}`);
    for (const key of data.objectMetrics.keys()) {
      const [, resource, metric] = key.split('/');
      names.add(`${resource ?? ''}/${metric ?? ''}`);
    }
    return resourceList(gv, [...names].sort().map((name) => ({ name, namespaced: true, kind: 'MetricValueList', verbs: ['get'] })));
  }
  for (const key of data.externalMetrics.keys()) names.add(key.split('/')[1] ?? '');
  return resourceList(gv, [...names].sort().map((name) => ({ name, namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] })));
}

function selectorOf(query: URLSearchParams, name: string): Requirement[] | Answer {
  try {
    return parseSelector(query.get(name) ?? '');
  } catch (err) {
    return statusAnswer(400, err instanceof Error ? err.message : String(err));
  }
}
const isAnswer = (x: unknown): x is Answer => typeof x === 'object' && x !== null && 'status' in x && 'body' in x;

/** Restricts pod names to those the label selector matches (via the apiserver), when there is one. */
async function podFilter(ns: string, query: URLSearchParams, lookup: PodSelectorLookup | undefined): Promise<(pod: string) => boolean> {
  const sel = query.get('labelSelector') ?? '';
  if (sel.trim() === '' || !lookup) return () => true;
  const names = await lookup(ns, sel);
  return names ? (pod) => names.has(pod) : () => true;
}

// ---- metrics.k8s.io/v1beta1 ----

function podMetrics(ns: string, pod: string, u: PodUsage, now: Date): unknown {
  return {
    metadata: { name: pod, namespace: ns, creationTimestamp: rfc3339(now) },
    timestamp: rfc3339(u.timestamp ?? now),
    window: u.window,
    containers: Object.entries(u.containers).map(([name, usage]) => ({
      name,
      usage: { cpu: usage.cpu, memory: usage.memory }, // JSON drops the one left undefined
    })),
  };
}

export async function resourceMetrics(segs: string[], query: URLSearchParams, data: MetricsData,
  lookup: PodSelectorLookup | undefined): Promise<Answer> {
  const now = new Date();
  const list = (items: unknown[], kind: string): Answer => ({ status: 200, body: { kind, apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items } });
  // nodes | nodes/{name} | pods | namespaces/{ns}/pods | namespaces/{ns}/pods/{name}
  if (segs[0] === 'nodes') return segs.length === 1 ? list([], 'NodeMetricsList') : statusAnswer(404, `nodemetrics "${segs[1] ?? ''}" not found`);
  if (segs.length === 1 && segs[0] === 'pods') {
    const items: unknown[] = [];
    for (const [ns, pods] of data.podUsage) for (const [pod, u] of pods) items.push(podMetrics(ns, pod, u, now));
    return list(items, 'PodMetricsList');
  }
  const [nsWord, ns, podsWord, name] = segs;
  if (nsWord !== 'namespaces' || ns === undefined || podsWord !== 'pods' || segs.length > 4) return statusAnswer(404, 'the server could not find the requested resource');
  const pods = data.podUsage.get(ns) ?? new Map<string, PodUsage>();
  if (name !== undefined) {
    const u = pods.get(name);
    if (!u) return statusAnswer(404, `podmetrics.metrics.k8s.io "${name}" not found`);
    return { status: 200, body: { kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1', ...(podMetrics(ns, name, u, now) as object) } };
  }
  const keep = await podFilter(ns, query, lookup);
  return list([...pods].filter(([pod]) => keep(pod)).map(([pod, u]) => podMetrics(ns, pod, u, now)), 'PodMetricsList');
}

// ---- custom.metrics.k8s.io/v1beta2 ----

const KNOWN_KINDS: Record<string, { kind: string; apiVersion: string }> = {
  pods: { kind: 'Pod', apiVersion: 'v1' },
  services: { kind: 'Service', apiVersion: 'v1' },
  namespaces: { kind: 'Namespace', apiVersion: 'v1' },
  replicationcontrollers: { kind: 'ReplicationController', apiVersion: 'v1' },
  'deployments.apps': { kind: 'Deployment', apiVersion: 'apps/v1' },
  'replicasets.apps': { kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  'statefulsets.apps': { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  'ingresses.networking.k8s.io': { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1' },
};

/** Kind and apiVersion for describedObject; a guess (plural minus "s", version v1) for unknown resources. */
export function describedKind(resource: string): { kind: string; apiVersion: string } {
  const known = KNOWN_KINDS[resource];
  if (known) return known;
  const dot = resource.indexOf('.');
  const plural = dot < 0 ? resource : resource.slice(0, dot);
  const group = dot < 0 ? '' : resource.slice(dot + 1);
  const singular = plural.endsWith('s') ? plural.slice(0, -1) : plural;
  return { kind: singular.charAt(0).toUpperCase() + singular.slice(1), apiVersion: group ? `${group}/v1` : 'v1' };
}

function metricValueList(items: unknown[]): Answer {
  return { status: 200, body: { kind: 'MetricValueList', apiVersion: 'custom.metrics.k8s.io/v1beta2', metadata: {}, items } };
}

export async function customMetrics(segs: string[], query: URLSearchParams, data: MetricsData,
  lookup: PodSelectorLookup | undefined): Promise<Answer> {
  const now = new Date();
  const metricSel = selectorOf(query, 'metricLabelSelector');
  if (isAnswer(metricSel)) return metricSel;
  const metricId = (name: string): unknown => ({ name, selector: toMetaSelector(metricSel) });
  // namespaces/{ns}/metrics/{metric}                -> the Namespace object itself
  // namespaces/{ns}/{resource}/{name|*}/{metric}     -> Pods (resource "pods") or Object metrics
  if (segs[0] !== 'namespaces' || segs[1] === undefined) return statusAnswer(404, 'only namespaced custom metrics are served');
  const ns = segs[1];
  let resource: string; let name: string; let metric: string;
  if (segs.length === 4 && segs[2] === 'metrics' && segs[3] !== undefined) {
    resource = 'namespaces'; name = ns; metric = segs[3];
  } else if (segs.length === 5 && segs[2] !== undefined && segs[3] !== undefined && segs[4] !== undefined) {
    resource = segs[2]; name = segs[3]; metric = segs[4];
  } else {
    return statusAnswer(404, 'the server could not find the requested resource');
  }

  if (resource === 'pods') {
    const samples = data.podsMetrics.get(`${ns}/${metric}`) ?? new Map<string, PodsMetricSample>();
    const keep = name === '*' ? await podFilter(ns, query, lookup) : (pod: string): boolean => pod === name;
    const items = [...samples].filter(([pod]) => keep(pod)).map(([pod, s]) => ({
      describedObject: { kind: 'Pod', namespace: ns, name: pod, apiVersion: 'v1' },
      metric: metricId(metric), timestamp: rfc3339(s.timestamp ?? now), windowSeconds: s.windowSeconds, value: s.value,
    }));
    if (name !== '*' && items.length === 0) return statusAnswer(404, `the server could not find the metric ${metric} for pods ${name}`);
    return metricValueList(items);
  }

  const objects = data.objectMetrics.get(`${ns}/${resource}/${metric}`) ?? new Map<string, string>();
  const described = describedKind(resource);
  const items = [...objects].filter(([obj]) => name === '*' || obj === name).map(([obj, value]) => ({
    describedObject: { kind: described.kind, apiVersion: described.apiVersion, name: obj, ...(resource === 'namespaces' ? {} : { namespace: ns }) },
    metric: metricId(metric), timestamp: rfc3339(now), windowSeconds: 30, value,
  }));
  if (name !== '*' && items.length === 0) return statusAnswer(404, `the server could not find the metric ${metric} for ${resource} ${name}`);
  return metricValueList(items);
}

// ---- external.metrics.k8s.io/v1beta1 ----

export function externalMetrics(segs: string[], query: URLSearchParams, data: MetricsData): Answer {
  const [nsWord, ns, metric] = segs;
  if (nsWord !== 'namespaces' || ns === undefined || metric === undefined || segs.length !== 3) {
    return statusAnswer(404, 'the server could not find the requested resource');
  }
  const sel = selectorOf(query, 'labelSelector');
  if (isAnswer(sel)) return sel;
  const now = rfc3339(new Date());
  const items = (data.externalMetrics.get(`${ns}/${metric}`) ?? [])
    .filter((s) => matches(sel, s.labels))
    .map((s) => ({ metricName: metric, metricLabels: s.labels, timestamp: now, value: s.value }));
  return { status: 200, body: { kind: 'ExternalMetricValueList', apiVersion: 'external.metrics.k8s.io/v1beta1', metadata: {}, items } };
}
