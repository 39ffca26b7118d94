// Seeded random generator of differential-test cases: an autoscaler plus the world it sees at one or
// more steps (scale, pods, pod metrics, each Pods/Object/External entry's fetched values), fed both to
// kscale's decide() and to upstream's HPA controller (tools/parity). Case `i` of seed `s` depends on
// (s, i) only, so any case can be regenerated from its id. No Math.random: a small PRNG (sfc32).
//
// The distributions lean on the edges where implementations part: ratios on the tolerance band and on
// ceil() boundaries, pods Pending / unready / young (CPU initialization and readiness-delay edges to
// the second) / without samples / deleted / Failed / Succeeded, sidecars, pod-level requests and
// overhead, min/max replica edges, behaviors and policies with windows and periods hit exactly by the
// step spacing, scale to and from zero, fetch errors.
import type {
  HorizontalAutoscaler, HPAScalingPolicy, HPAScalingRules, HorizontalPodAutoscalerBehavior, LabelSelector, MetricSpec, MetricTarget,
} from '../../src/api/types.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodCondition, PodMetrics, Scale } from '../../src/engine/inputs.ts';
import type { MetricFetch } from '../../src/engine/snapshot.ts';

export interface ParityConfig {
  tolerance: number;
  cpuInitializationPeriodSeconds: number;
  initialReadinessDelaySeconds: number;
  downscaleStabilizationSeconds: number;
}

export interface ParityStep {
  /** ms since the epoch. */
  now: number;
  scale: Scale | { error: string };
  /** The target's replicas (spec and status) are what the previous step wrote, if it wrote any. */
  followScale?: boolean;
  pods: Pod[];
  podMetrics: PodMetrics[] | { error: string };
  /** By index into the (defaulted) spec.metrics, for Pods, Object and External entries. */
  metricValues: (MetricFetch | null)[];
  rescaleError?: string;
}

export interface ParityCase {
  id: string;
  config: ParityConfig;
  autoscaler: HorizontalAutoscaler;
  steps: ParityStep[];
}

/**
 * Generator features that can be switched off (for triage: hide a known disagreement to see what
 * else differs). The random stream is the same either way, so the rest of each case is unchanged.
 */
export type Feature = 'succeeded' | 'podLevel' | 'podLevelPartial' | 'overhead' | 'objectCount' | 'freshStatus' | 'zeroStatusReplicas' | 'hugeValues' | 'negativeValues';
export interface GeneratorOptions { disable?: ReadonlySet<Feature> }
let disabled: ReadonlySet<Feature> = new Set();
const off = (f: Feature): boolean => disabled.has(f);

// --- PRNG -------------------------------------------------------------------------------------

/** sfc32 seeded from a string through cyrb128: deterministic, fast, good enough for fuzzing. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: string) {
    let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.b = (h2 ^ h1) >>> 0;
    this.c = (h3 ^ h1) >>> 0;
    this.d = (h4 ^ h1) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }
  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of items) { r -= w; if (r < 0) return v; }
    return items[items.length - 1]![1];
  }
}

// --- building blocks --------------------------------------------------------------------------

export const NAMESPACE = 'ns';
const BASE_TIME = Date.parse('2026-11-23T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const SELECTOR = 'app=web';
const LABELS = { app: 'web' };

type ResourceName = 'cpu' | 'memory';

interface PodPlan {
  name: string;
  /** The instant startedAgo and readySinceAgo count back from (the pod ages across steps). */
  ref: number;
  labels: Record<string, string>;
  phase: string;
  deleted: boolean;
  /** Per container: name and requests (milli-units; undefined = no request for that resource). */
  containers: { name: string; cpu?: number; memory?: number }[];
  sidecars: { name: string; cpu?: number; memory?: number }[];
  /** Non-restartable init containers: their requests never count (container path). */
  inits: { name: string; cpu?: number; memory?: number }[];
  podLevel?: Partial<Record<ResourceName | 'hugepages-2Mi', number>>;
  overhead?: Partial<Record<ResourceName, number>>;
  /** Seconds before the step's now; null = no startTime. */
  startedAgo: number | null;
  ready: 'True' | 'False' | 'Unknown' | null;
  /** Seconds before the step's now of the Ready condition's last transition; null = omitted. */
  readySinceAgo: number | null;
  /** Does metrics-server report this pod at all? */
  hasSample: boolean;
  /** Drop this container from the PodMetrics (ContainerResource: pod counted as missing). */
  sampleMissingContainer?: string;
  /** Drop the resource from the first container's usage (Resource: pod counted as missing). */
  sampleMissingResource?: boolean;
  sampleAgo: number;
  sampleWindow: string;
  /** Custom (Pods) metric sample: present? */
  hasCustomSample: boolean;
  customAgo: number;
  customWindowSeconds?: number | null;
}

const quantity = (milli: number, resource: ResourceName | 'other'): string => {
  if (resource === 'memory') {
    // Whole bytes (memory in milli-units is bytes × 1000); Mi when it divides evenly.
    const bytes = Math.round(milli / 1000);
    return bytes % (1024 * 1024) === 0 && bytes > 0 ? `${bytes / (1024 * 1024)}Mi` : String(bytes);
  }
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
};

function requestsOf(c: { cpu?: number; memory?: number }): Record<string, string> {
  return {
    ...(c.cpu !== undefined ? { cpu: quantity(c.cpu, 'cpu') } : {}),
    ...(c.memory !== undefined ? { memory: quantity(c.memory, 'memory') } : {}),
  };
}

function buildPod(p: PodPlan, now: number): Pod {
  const conditions: PodCondition[] = [];
  if (p.ready !== null) {
    conditions.push({ type: 'Ready', status: p.ready, ...(p.readySinceAgo !== null ? { lastTransitionTime: iso(p.ref - p.readySinceAgo * 1000) } : {}) });
  }
  const spec: NonNullable<Pod['spec']> & Record<string, unknown> = {
    containers: p.containers.map((c) => ({ name: c.name, resources: { requests: requestsOf(c) } })),
  };
  const inits = [
    ...p.sidecars.map((c) => ({ name: c.name, restartPolicy: 'Always', resources: { requests: requestsOf(c) } })),
    ...p.inits.map((c) => ({ name: c.name, resources: { requests: requestsOf(c) } })),
  ];
  if (inits.length > 0) spec.initContainers = inits;
  if (p.podLevel) {
    const r: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.podLevel)) r[k] = k === 'cpu' ? quantity(v, 'cpu') : quantity(v, 'memory');
    spec.resources = { requests: r };
  }
  if (p.overhead) spec.overhead = requestsOf(p.overhead);
  return {
    metadata: {
      name: p.name, namespace: NAMESPACE, labels: p.labels,
      ...(p.deleted ? { deletionTimestamp: iso(now - 5000) } : {}),
    },
    spec,
    status: {
      phase: p.phase,
      ...(p.startedAgo !== null ? { startTime: iso(p.ref - p.startedAgo * 1000) } : {}),
      conditions,
    },
  };
}

// --- metric specs -----------------------------------------------------------------------------

type MetricKind =
  | 'cpuUtil' | 'cpuAvg' | 'memUtil' | 'memAvg' | 'ctrCpuUtil' | 'ctrMemAvg'
  | 'pods' | 'objValue' | 'objAvg' | 'extValue' | 'extAvg';

interface MetricPlan {
  kind: MetricKind;
  spec: MetricSpec;
  /** Target in milli-units (value/averageValue) or percent (utilization). */
  target: number;
  metricName: string;
}

const CUSTOM_NAMES = ['qps', 'queue_depth', 'latency_ms'];

function selectorFor(rng: Rng): LabelSelector | undefined {
  return rng.weighted<LabelSelector | undefined>([
    [6, undefined],
    [2, { matchLabels: { queue: rng.pick(['jobs', 'mail']) } }],
    [1, { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] }],
  ]);
}

function averageTarget(rng: Rng): number {
  return rng.pick([100, 250, 500, 1000, 2000, 10000, 15000, 30000, 100000, 1500]);
}

function metricPlan(rng: Rng, kind: MetricKind, allowName?: string): MetricPlan {
  const name = allowName ?? rng.pick(CUSTOM_NAMES);
  const util = rng.pick([50, 60, 75, 80, 100, 150, 200, 33]);
  const av = averageTarget(rng);
  const tgt = (t: MetricTarget): MetricTarget => t;
  switch (kind) {
    case 'cpuUtil':
      return { kind, target: util, metricName: 'cpu', spec: { type: 'Resource', resource: { name: 'cpu', target: tgt({ type: 'Utilization', averageUtilization: util }) } } };
    case 'memUtil':
      return { kind, target: util, metricName: 'memory', spec: { type: 'Resource', resource: { name: 'memory', target: tgt({ type: 'Utilization', averageUtilization: util }) } } };
    case 'cpuAvg': {
      const t = rng.pick([100, 200, 250, 500, 1000]);
      return { kind, target: t, metricName: 'cpu', spec: { type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: quantity(t, 'cpu') } } } };
    }
    case 'memAvg': {
      const t = rng.pick([64, 128, 256, 512]) * 1024 * 1024 * 1000;
      return { kind, target: t, metricName: 'memory', spec: { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: quantity(t, 'memory') } } } };
    }
    case 'ctrCpuUtil':
      return { kind, target: util, metricName: 'cpu', spec: { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: util } } } };
    case 'ctrMemAvg': {
      const t = rng.pick([64, 256]) * 1024 * 1024 * 1000;
      return { kind, target: t, metricName: 'memory', spec: { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'AverageValue', averageValue: quantity(t, 'memory') } } } };
    }
    case 'pods':
      return { kind, target: av, metricName: name, spec: { type: 'Pods', pods: { metric: { name, ...optionalSelector(rng) }, target: { type: 'AverageValue', averageValue: quantity(av, 'other') } } } };
    case 'objValue':
      return { kind, target: av, metricName: name, spec: { type: 'Object', object: { describedObject: describedObject(rng), metric: { name, ...optionalSelector(rng) }, target: { type: 'Value', value: quantity(av, 'other') } } } };
    case 'objAvg':
      return { kind, target: av, metricName: name, spec: { type: 'Object', object: { describedObject: describedObject(rng), metric: { name, ...optionalSelector(rng) }, target: { type: 'AverageValue', averageValue: quantity(av, 'other') } } } };
    case 'extValue':
      return { kind, target: av, metricName: name, spec: { type: 'External', external: { metric: { name, ...optionalSelector(rng) }, target: { type: 'Value', value: quantity(av, 'other') } } } };
    case 'extAvg':
      return { kind, target: av, metricName: name, spec: { type: 'External', external: { metric: { name, ...optionalSelector(rng) }, target: { type: 'AverageValue', averageValue: quantity(av, 'other') } } } };
  }
}

function optionalSelector(rng: Rng): { selector?: LabelSelector } {
  const s = selectorFor(rng);
  return s ? { selector: s } : {};
}

function describedObject(rng: Rng): { apiVersion?: string; kind: string; name: string } {
  return rng.weighted([
    [5, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' }],
    [2, { apiVersion: 'v1', kind: 'Service', name: 'web' }],
    [1, { apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE }],
  ]);
}

// --- behavior ---------------------------------------------------------------------------------

function policies(rng: Rng): HPAScalingPolicy[] {
  const n = rng.weighted([[5, 1], [4, 2], [1, 3]]);
  return Array.from({ length: n }, () => rng.chance(0.5)
    ? { type: 'Pods' as const, value: rng.pick([1, 2, 3, 4, 5, 10]), periodSeconds: rng.pick([15, 30, 60, 120]) }
    : { type: 'Percent' as const, value: rng.pick([10, 20, 50, 100, 150, 200, 900]), periodSeconds: rng.pick([15, 30, 60, 120]) });
}

function rules(rng: Rng): HPAScalingRules | undefined {
  if (rng.chance(0.25)) return undefined;
  const r: HPAScalingRules = {};
  if (rng.chance(0.6)) r.stabilizationWindowSeconds = rng.pick([0, 0, 15, 30, 60, 120, 300]);
  if (rng.chance(0.5)) r.selectPolicy = rng.weighted([[4, 'Max' as const], [3, 'Min' as const], [1, 'Disabled' as const]]);
  if (rng.chance(0.7)) r.policies = policies(rng);
  if (rng.chance(0.2)) r.tolerance = rng.pick(['0', '0.05', '50m', '0.2', '0.01']);
  return r;
}

function behavior(rng: Rng): HorizontalPodAutoscalerBehavior | undefined {
  if (rng.chance(0.45)) return undefined;
  const b: HorizontalPodAutoscalerBehavior = {};
  const up = rules(rng);
  const down = rules(rng);
  if (up) b.scaleUp = up;
  if (down) b.scaleDown = down;
  return b;
}

// --- the case ---------------------------------------------------------------------------------

/** Multipliers of the target that land on, just inside and just outside the tolerance band and on ceil() edges. */
const RATIOS = [1, 1.1, 0.9, 1.05, 0.95, 1.11, 0.89, 1.5, 2, 0.5, 0.25, 3, 1.2, 0.8, 0, 1.01, 0.99, 4, 10, 0.1, 1.3, 0.7, 1.09, 0.91];

function pickRatio(rng: Rng, tolerance: number): number {
  return rng.weighted<number>([
    [10, rng.pick(RATIOS)],
    [4, Math.round(rng.next() * 300) / 100],
    [2, 1 + tolerance],
    [2, 1 - tolerance],
  ]);
}

function planPod(rng: Rng, i: number, cfg: ParityConfig, resourceMetric: boolean, ref: number): PodPlan {
  let phase = rng.weighted([[40, 'Running'], [3, 'Pending'], [2, 'Failed'], [0.6, 'Succeeded'], [1, 'Unknown']]);
  if (phase === 'Succeeded' && off('succeeded')) phase = 'Running';
  const cpuInit = cfg.cpuInitializationPeriodSeconds;
  const delay = cfg.initialReadinessDelaySeconds;
  // Start times: long ago, or on the CPU initialization edge to the second, or young.
  const startedAgo: number | null = rng.weighted<number | null>([
    [12, 3600],
    [2, cpuInit], [2, cpuInit - 1], [2, cpuInit + 1],
    [2, rng.int(1, 60)], [2, rng.int(60, cpuInit)], [1, null],
  ]);
  const ready = rng.weighted<'True' | 'False' | 'Unknown' | null>([[20, 'True'], [5, 'False'], [1, 'Unknown'], [1, null]]);
  // Ready transition relative to start: at start, within or at the readiness delay edge, or later.
  let readySinceAgo: number | null = null;
  if (ready !== null && !rng.chance(0.03)) {
    const start = startedAgo ?? 3600;
    const after = rng.weighted<number>([[6, 0], [2, delay - 1], [2, delay], [2, delay + 1], [3, rng.int(0, Math.max(0, start))]]);
    readySinceAgo = Math.max(0, start - after);
  }
  const cpuReq = rng.pick([100, 200, 250, 500, 1000, 1500]);
  const memReq = rng.pick([64, 128, 256, 512]) * 1024 * 1024 * 1000;
  // Rarely the main container has another name: a ContainerResource metric on "app" then finds none.
  const containers: PodPlan['containers'] = [{ name: rng.chance(0.02) ? 'main' : 'app', cpu: cpuReq, memory: memReq }];
  if (rng.chance(0.3)) containers.push({ name: 'proxy', cpu: rng.pick([50, 100, 250]), memory: 32 * 1024 * 1024 * 1000 });
  if (rng.chance(0.04)) delete containers[containers.length - 1]!.cpu; // missing request → the metric fails
  if (rng.chance(0.02)) delete containers[0]!.memory;
  const sidecars: PodPlan['sidecars'] = rng.chance(0.15) ? [{ name: 'sidecar', cpu: rng.pick([50, 100]), memory: 16 * 1024 * 1024 * 1000 }] : [];
  const inits: PodPlan['inits'] = rng.chance(0.1) ? [{ name: 'init', cpu: rng.pick([500, 2000]), memory: 1024 * 1024 * 1024 * 1000 }] : [];
  let podLevel: PodPlan['podLevel'];
  if (rng.chance(0.12)) {
    podLevel = rng.weighted<NonNullable<PodPlan['podLevel']>>([
      [8, { cpu: rng.pick([500, 1000, 2000]), memory: 1024 * 1024 * 1024 * 1000 }],
      [1, { cpu: rng.pick([500, 1000]) }],
      [1, { memory: 512 * 1024 * 1024 * 1000 }],
      [0.5, { 'hugepages-2Mi': 2 * 1024 * 1024 * 1000 }],
    ]);
  }
  if (podLevel && (off('podLevel') || (off('podLevelPartial') && (podLevel.cpu === undefined || podLevel.memory === undefined)))) podLevel = undefined;
  let overhead = rng.chance(0.08) ? { cpu: rng.pick([50, 250]), memory: 64 * 1024 * 1024 * 1000 } : undefined;
  if (off('overhead')) overhead = undefined;
  const labels = rng.chance(0.05) ? { app: 'other' } : { ...LABELS };
  return {
    name: `pod-${i}`, ref, labels, phase, deleted: rng.chance(0.04),
    containers, sidecars, inits, podLevel, overhead,
    startedAgo, ready, readySinceAgo,
    hasSample: resourceMetric ? !rng.chance(0.08) : true,
    sampleMissingContainer: rng.chance(0.03) ? 'app' : undefined,
    sampleMissingResource: rng.chance(0.02),
    // Sample times relative to the Ready transition + window edge (young CPU pods).
    sampleAgo: rng.weighted<number>([[8, rng.int(1, 20)], [2, Math.max(0, (readySinceAgo ?? 0) - 30)], [1, Math.max(0, (readySinceAgo ?? 0) - 31)], [1, Math.max(0, (readySinceAgo ?? 0) - 29)]]),
    sampleWindow: rng.pick(['30s', '30s', '15s', '1m0s']),
    hasCustomSample: !rng.chance(0.08),
    customAgo: rng.int(1, 30),
    customWindowSeconds: rng.weighted<number | null | undefined>([[4, undefined], [2, 60], [1, 30], [1, null]]),
  };
}

/** Per-pod usage summing to ratio × the target of one metric for the pods that report. */
function spread(rng: Rng, total: number, n: number): number[] {
  if (n === 0) return [];
  const parts: number[] = [];
  let left = Math.max(0, Math.round(total));
  for (let i = 0; i < n - 1; i++) {
    const share = Math.round((left / (n - i)) * (rng.chance(0.5) ? 1 : 0.5 + rng.next()));
    const v = Math.min(left, Math.max(0, share));
    parts.push(v);
    left -= v;
  }
  parts.push(left);
  return parts;
}

interface WorldPlan {
  pods: PodPlan[];
  metrics: MetricPlan[];
  config: ParityConfig;
}

function requestFor(p: PodPlan, resource: ResourceName, container?: string): number {
  const cs = container ? p.containers.filter((c) => c.name === container) : [...p.containers, ...p.sidecars];
  return cs.reduce((s, c) => s + (c[resource] ?? 0), 0);
}

/** One step's observations: samples for the pods and values for each metric, at this step's ratio. */
function observe(rng: Rng, w: WorldPlan, now: number, ratio: number, statusReplicas: number): Pick<ParityStep, 'pods' | 'podMetrics' | 'metricValues'> {
  const pods = w.pods.map((p) => buildPod(p, now));
  // Resource usage per pod and resource: each resource metric's ratio applies to its own resource.
  const usage = new Map<string, { cpu: number; memory: number }>();
  const reporting = w.pods.filter((p) => p.hasSample);
  for (const res of ['cpu', 'memory'] as const) {
    const m = w.metrics.find((x) => x.metricName === res && (x.spec.type === 'Resource' || x.spec.type === 'ContainerResource'));
    const r = ratio * (rng.chance(0.2) ? pickRatio(rng, w.config.tolerance) : 1);
    let totals: number[];
    if (!m) totals = reporting.map((p) => requestFor(p, res) / 2);
    else if (m.kind.endsWith('Util')) {
      const reqSum = reporting.reduce((s, p) => s + requestFor(p, res, m.spec.type === 'ContainerResource' ? 'app' : undefined), 0);
      totals = spread(rng, (reqSum * m.target * r) / 100, reporting.length);
    } else {
      totals = spread(rng, m.target * r * reporting.length, reporting.length);
    }
    reporting.forEach((p, i) => {
      const u = usage.get(p.name) ?? { cpu: 0, memory: 0 };
      u[res] = totals[i] ?? 0;
      usage.set(p.name, u);
    });
  }
  let podMetrics: PodMetrics[] | { error: string } = reporting.map((p) => {
    const u = usage.get(p.name) ?? { cpu: 0, memory: 0 };
    // The first container carries the usage (minus what the others report); others a fixed share.
    const extra = p.containers.slice(1);
    const containers = [
      { name: p.containers[0]!.name, usage: { cpu: quantity(Math.max(0, u.cpu - extra.length * 10), 'cpu'), memory: quantity(Math.max(0, u.memory - extra.length * 1024 * 1000), 'memory') } },
      ...extra.map((c) => ({ name: c.name, usage: { cpu: '10m', memory: String(1024) } })),
    ].map((c): { name: string; usage: Record<string, string> } => c).filter((c) => c.name !== p.sampleMissingContainer);
    if (p.sampleMissingResource && containers[0]) delete containers[0].usage.cpu;
    return {
      metadata: { name: p.name, namespace: NAMESPACE, labels: p.labels },
      timestamp: iso(now - p.sampleAgo * 1000),
      window: p.sampleWindow,
      containers,
    };
  });
  if (rng.chance(0.1) && Array.isArray(podMetrics)) {
    // A sample for a pod that is not (or no longer) listed.
    podMetrics.push({ metadata: { name: 'ghost', namespace: NAMESPACE, labels: { ...LABELS } }, timestamp: iso(now - 5000), window: '30s', containers: [{ name: 'app', usage: { cpu: '300m', memory: '100Mi' } }] });
  }
  if (rng.chance(0.02)) podMetrics = { error: 'the server is currently unable to handle the request (get pods.metrics.k8s.io)' };

  const metricValues: (MetricFetch | null)[] = w.metrics.map((m) => {
    const r = rng.chance(0.25) ? pickRatio(rng, w.config.tolerance) : ratio;
    if (m.spec.type !== 'Pods' && m.spec.type !== 'Object' && m.spec.type !== 'External') return null;
    if (rng.chance(0.03)) return { error: 'an error on the server ("backend unavailable") has prevented the request from succeeding' };
    if (rng.chance(0.02) && !(m.spec.type === 'Object' && off('objectCount'))) return m.spec.type === 'External' ? { external: [] } : { custom: [] };
    const at = iso(now - rng.int(1, 30) * 1000);
    if (m.spec.type === 'Pods') {
      const withSample = w.pods.filter((p) => p.hasCustomSample);
      const vals = spread(rng, m.target * r * withSample.length, withSample.length);
      const items: MetricValue[] = withSample.map((p, i) => ({
        describedObject: { kind: 'Pod', name: p.name, namespace: NAMESPACE, apiVersion: '/v1' },
        metric: { name: m.metricName }, timestamp: iso(now - p.customAgo * 1000),
        ...(p.customWindowSeconds !== undefined ? { windowSeconds: p.customWindowSeconds } : {}),
        value: quantity(vals[i] ?? 0, 'other'),
      }));
      if (rng.chance(0.05)) items.push({ describedObject: { kind: 'Pod', name: 'ghost', namespace: NAMESPACE }, metric: { name: m.metricName }, timestamp: at, value: quantity(m.target, 'other') });
      return { custom: items };
    }
    if (m.spec.type === 'Object') {
      const d = m.spec.object!.describedObject;
      const value = m.kind === 'objAvg' ? m.target * statusReplicas * r : m.target * r;
      const negative = rng.chance(0.01) && !off('negativeValues');
      const item: MetricValue = { describedObject: { kind: d.kind, name: d.name, namespace: NAMESPACE, apiVersion: d.apiVersion }, metric: { name: m.metricName }, timestamp: at, value: `${negative ? '-' : ''}${quantity(Math.round(value), 'other')}` };
      return { custom: rng.chance(0.03) && !off('objectCount') ? [item, { ...item, value: '1' }] : [item] };
    }
    const total = m.kind === 'extAvg' ? m.target * statusReplicas * r : m.target * r;
    const n = rng.weighted([[6, 1], [2, 2], [1, 3]]);
    const parts = spread(rng, total, n);
    const items: ExternalMetricValue[] = parts.map((v, i) => ({ metricName: m.metricName, metricLabels: { series: String(i) }, timestamp: at, value: quantity(v, 'other') }));
    if (rng.chance(0.01) && !off('hugeValues')) items.push({ metricName: m.metricName, timestamp: at, value: '9223372036854775807' });
    if (rng.chance(0.02) && !off('negativeValues')) items.push({ metricName: m.metricName, timestamp: at, value: `-${quantity(m.target, 'other')}` });
    return { external: items };
  });
  return { pods, podMetrics, metricValues };
}

const KINDS: readonly (readonly [number, MetricKind])[] = [
  [10, 'cpuUtil'], [3, 'cpuAvg'], [3, 'memUtil'], [3, 'memAvg'], [3, 'ctrCpuUtil'], [2, 'ctrMemAvg'],
  [6, 'pods'], [4, 'objValue'], [3, 'objAvg'], [4, 'extValue'], [4, 'extAvg'],
];

/** Case `index` of `seed`. */
export function generateCase(seed: string | number, index: number, options: GeneratorOptions = {}): ParityCase {
  disabled = options.disable ?? new Set();
  const rng = new Rng(`${seed}:${index}`);
  const config: ParityConfig = {
    tolerance: rng.weighted([[8, 0.1], [1, 0.05], [1, 0], [1, 0.2]]),
    cpuInitializationPeriodSeconds: rng.weighted([[5, 300], [2, 120], [1, 60]]),
    initialReadinessDelaySeconds: rng.weighted([[5, 30], [2, 10], [1, 60]]),
    downscaleStabilizationSeconds: rng.weighted([[4, 300], [3, 60], [2, 0], [1, 15]]),
  };

  // Metrics: 0 (API default, cpu 80 %) to 3 entries; sometimes two entries of one name.
  const nMetrics = rng.weighted([[1, 0], [10, 1], [5, 2], [2, 3]]);
  const metrics: MetricPlan[] = [];
  for (let i = 0; i < nMetrics; i++) {
    const kind = rng.weighted(KINDS);
    const prev = metrics[metrics.length - 1];
    const reuse = prev && prev.kind === kind && rng.chance(0.5) ? prev.metricName : undefined;
    metrics.push(metricPlan(rng, kind, reuse));
    if (i === 0 && rng.chance(0.15)) {
      // Two entries of the same custom/external metric name, different targets: each owns its values.
      const dup = rng.pick<MetricKind>(['extValue', 'extAvg', 'pods', 'objValue']);
      metrics.push(metricPlan(rng, dup, 'queue_depth'));
      if (metrics[0]!.kind === dup || rng.chance(0.5)) metrics.push(metricPlan(rng, dup, 'queue_depth'));
      break;
    }
  }
  const effectiveMetrics = metrics.length > 0 ? metrics : [{ kind: 'cpuUtil' as const, target: 80, metricName: 'cpu', spec: { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } } as MetricSpec }];
  const hasObjExt = effectiveMetrics.some((m) => m.spec.type === 'Object' || m.spec.type === 'External');

  // Replica bounds around the current count, including out-of-range and zero.
  const minReplicas = hasObjExt && rng.chance(0.25) ? 0 : rng.weighted([[6, 1], [3, 2], [2, 3], [1, 5]]);
  const maxReplicas = Math.max(minReplicas, 1, rng.weighted([[3, 10], [2, 5], [2, minReplicas + rng.int(0, 3)], [1, 20], [1, 100]]));
  let current = rng.weighted<number>([
    [10, rng.int(Math.max(1, minReplicas), maxReplicas)],
    [1, minReplicas], [1, maxReplicas], [1, maxReplicas + rng.int(1, 3)], [1, Math.max(0, minReplicas - 1)],
    [1, 0],
  ]);
  if (current < 0) current = 0;
  const scaledToZero = current === 0 && rng.chance(0.7);
  let statusReplicas = rng.chance(0.85) ? current : Math.max(0, current + rng.int(-2, 2));
  if (statusReplicas === 0 && off('zeroStatusReplicas')) statusReplicas = 1;

  const spec: HorizontalAutoscaler['spec'] = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    ...(rng.chance(0.1) && minReplicas === 1 ? {} : { minReplicas }),
    maxReplicas,
    ...(metrics.length > 0 ? { metrics: metrics.map((m) => m.spec) } : {}),
  };
  const b = behavior(rng);
  if (b) spec.behavior = b;
  const status: NonNullable<HorizontalAutoscaler['status']> = {};
  if (rng.chance(0.5) || scaledToZero || off('freshStatus')) {
    status.currentReplicas = current;
    status.desiredReplicas = current;
    status.conditions = [];
    if (scaledToZero || (current > 0 && rng.chance(0.1))) {
      status.conditions.push({ type: 'ScaledToZero', status: scaledToZero ? 'True' : 'False', reason: scaledToZero ? 'ScaledToZero' : 'NotScaledToZero', message: 'x', lastTransitionTime: iso(BASE_TIME - 600_000) });
    }
  }
  const autoscaler: HorizontalAutoscaler = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'hpa', namespace: NAMESPACE },
    spec,
    ...(Object.keys(status).length > 0 ? { status } : {}),
  };

  const resourceMetric = effectiveMetrics.some((m) => m.spec.type === 'Resource' || m.spec.type === 'ContainerResource');
  const nPods = rng.weighted<number>([[2, 0], [8, Math.max(1, current)], [4, rng.int(1, 8)], [1, rng.int(9, 14)]]);
  const world: WorldPlan = { pods: Array.from({ length: nPods }, (_, i) => planPod(rng, i, config, resourceMetric, BASE_TIME)), metrics: effectiveMetrics, config };

  // Steps: mostly one; multi-step sequences exercise stabilization windows and policy periods, with
  // spacings that hit those windows exactly.
  const nSteps = rng.weighted([[5, 1], [2, 2], [2, 3], [2, 5], [1, 8]]);
  const windows = [
    config.downscaleStabilizationSeconds,
    b?.scaleUp?.stabilizationWindowSeconds, b?.scaleDown?.stabilizationWindowSeconds,
    ...(b?.scaleUp?.policies ?? []).map((p) => p.periodSeconds), ...(b?.scaleDown?.policies ?? []).map((p) => p.periodSeconds),
    15,
  ].filter((x): x is number => typeof x === 'number' && x > 0);
  const steps: ParityStep[] = [];
  let now = BASE_TIME;
  const selector = rng.weighted([[60, SELECTOR], [1, ''], [1, 'app in (web']]);
  let ratio = pickRatio(rng, config.tolerance);
  for (let s = 0; s < nSteps; s++) {
    if (s > 0) {
      const gap = rng.weighted<number>([[4, 15], [2, 30], [3, rng.pick(windows)], [1, rng.pick(windows) + 1], [1, Math.max(1, rng.pick(windows) - 1)], [1, rng.int(1, 120)]]);
      now += gap * 1000;
      if (rng.chance(0.6)) ratio = pickRatio(rng, config.tolerance);
      // The world changes a little between steps: a pod becomes ready, one leaves, one arrives.
      if (rng.chance(0.2) && world.pods.length > 0) world.pods.splice(rng.int(0, world.pods.length - 1), 1);
      if (rng.chance(0.2)) world.pods.push(planPod(rng, 100 + s, config, resourceMetric, now));
    }
    const sc: Scale = { metadata: { name: 'web', namespace: NAMESPACE }, spec: { replicas: current }, status: { replicas: statusReplicas, selector } };
    const step: ParityStep = {
      now,
      scale: rng.chance(0.01) ? { error: 'deployments.apps "web" not found' } : sc,
      ...(s > 0 && rng.chance(0.85) ? { followScale: true } : {}),
      ...observe(rng, world, now, ratio, statusReplicas),
    };
    if (rng.chance(0.02)) step.rescaleError = 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified';
    steps.push(step);
  }
  return { id: `${seed}:${index}`, config, autoscaler, steps };
}
