// Pod grouping and request sums (reference/hpa-algorithm.md §5): which pods count, which are
// unready, missing or ignored, and what each pod requests.
import type { Container, Pod } from './inputs.ts';
import { milliValue, parseQuantity } from '../values/quantity.ts';

/** One pod's metric sample, in milli-units, with the sample's time (ms) and window (ms). */
export interface PodSample {
  value: bigint;
  timestamp: number;
  windowMs: number;
}

export interface PodGroups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

export interface ReadinessRules {
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
  now: number;
}

const time = (s: string | undefined | null): number | undefined => (s ? Date.parse(s) : undefined);

/** Deleted, Failed or Succeeded pods never count (upstream IsPodTerminal plus deletionTimestamp). */
export function isIgnored(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata.deletionTimestamp || phase === 'Failed' || phase === 'Succeeded';
}

function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Running with Ready=True: the count upstream multiplies Object/External Value ratios by. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && readyCondition(pod)?.status === 'True';
}

// CPU samples of young or never-ready pods are not trusted (upstream groupPods, CPU branch).
function cpuSampleUnready(pod: Pod, sample: PodSample, rules: ReadinessRules): boolean {
  const ready = readyCondition(pod);
  const start = time(pod.status?.startTime);
  if (!ready || start === undefined) return true;
  // A missing transition time is Go's zero time: earlier than anything.
  const transition = time(ready.lastTransitionTime) ?? Number.NEGATIVE_INFINITY;
  if (start + rules.cpuInitializationPeriodMs > rules.now) {
    // Still initializing: trust the sample only if ready and a full window was collected since.
    return ready.status === 'False' || sample.timestamp < transition + sample.windowMs;
  }
  // Initialized: drop it only if it went unready right after start and never became ready.
  return ready.status === 'False' && start + rules.initialReadinessDelayMs > transition;
}

/**
 * Groups pods for one metric. `resource` is the resource name for Resource/ContainerResource
 * metrics ('cpu' turns on the readiness rules) and undefined for custom metrics.
 */
export function groupPods(pods: readonly Pod[], samples: ReadonlyMap<string, PodSample>, resource: string | undefined, rules: ReadinessRules): PodGroups {
  const groups: PodGroups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name;
    if (isIgnored(pod)) { groups.ignored.add(name); continue; }
    if (pod.status?.phase === 'Pending') { groups.unready.add(name); continue; }
    const sample = samples.get(name);
    if (!sample) { groups.missing.add(name); continue; }
    if (resource === 'cpu' && cpuSampleUnready(pod, sample, rules)) { groups.unready.add(name); continue; }
    groups.readyCount++;
  }
  return groups;
}

function request(c: Container, resource: string): bigint | undefined {
  const q = c.resources?.requests?.[resource];
  return q === undefined ? undefined : milliValue(parseQuantity(q));
}

// Pod-level resources (KEP-2837) may name cpu, memory and hugepages-*.
const podLevelResource = (r: string): boolean => r === 'cpu' || r === 'memory' || r.startsWith('hugepages-');

/** Pod-level requests apply when they name a supported resource (upstream IsPodLevelRequestsSet). */
function podLevelRequestsSet(pod: Pod): boolean {
  return Object.keys(pod.spec?.resources?.requests ?? {}).some(podLevelResource);
}

const add = (a: bigint | undefined, b: bigint | undefined): bigint | undefined => (a === undefined ? b : b === undefined ? a : a + b);
const max = (a: bigint | undefined, b: bigint | undefined): bigint | undefined => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

/**
 * component-helpers PodRequests for one resource, as upstream's HPA uses it for a pod with pod-level
 * requests: the containers' aggregate (regular containers and sidecars, at least any init container's
 * need), replaced by the pod-level request where one names the resource, plus the pod's overhead.
 * Undefined when nothing names the resource.
 */
function podLevelRequest(pod: Pod, resource: string): bigint | undefined {
  let total: bigint | undefined;
  for (const c of pod.spec?.containers ?? []) total = add(total, request(c, resource));
  let sidecars: bigint | undefined;
  let initNeed: bigint | undefined;
  for (const c of pod.spec?.initContainers ?? []) {
    const r = request(c, resource);
    let need: bigint | undefined;
    if (c.restartPolicy === 'Always') {
      total = add(total, r);
      sidecars = add(sidecars, r);
      need = sidecars;
    } else {
      need = add(r, sidecars);
    }
    initNeed = max(initNeed, need);
  }
  total = max(total, initNeed);
  const podLevel = pod.spec?.resources?.requests?.[resource];
  if (podLevel !== undefined && podLevelResource(resource)) total = milliValue(parseQuantity(podLevel));
  const overhead = pod.spec?.overhead?.[resource];
  return add(total, overhead === undefined ? undefined : milliValue(parseQuantity(overhead)));
}

/** Requests of one pod for a resource, in milli-units (upstream calculateRequests). */
export function podRequest(pod: Pod, resource: string, container: string | undefined): bigint {
  const name = pod.metadata.name;
  // A targeted container takes precedence over pod-level requests.
  if (!container && podLevelRequestsSet(pod)) {
    const r = podLevelRequest(pod, resource);
    if (r === undefined) throw new Error(`missing pod-level request for ${resource} in Pod ${name}`);
    return r;
  }
  // Regular containers plus sidecars (init containers that keep running).
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
  let total = 0n;
  for (const c of containers) {
    if (!container || container === c.name) {
      const r = request(c, resource);
      if (r === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${name}`);
      total += r;
      if (container === c.name) return total;
    }
  }
  if (container) throw new Error(`container ${container} not found in Pod ${name}`);
  return total;
}

/** Requests of every listed pod (ignored and unready included), keyed by pod name. */
export function podRequests(pods: readonly Pod[], resource: string, container: string | undefined): Map<string, bigint> {
  return new Map(pods.map((p) => [p.metadata.name, podRequest(p, resource, container)]));
}
