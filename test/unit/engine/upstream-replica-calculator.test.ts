// Parity with upstream's replica calculator unit tests (kubernetes pkg/controller/podautoscaler/
// replica_calculator_test.go, newest line with tolerances). Upstream's inputs and expected outputs, our test
// code. Each case runs one metric through decide() and reads the per-metric proposal (before
// normalization) from the explanation and the measured value from status.currentMetrics, which is what
// upstream's Get*Replicas functions return. groupPods and calculateRequests cases call src/engine/pods.ts.
//
// Upstream fixture conventions reproduced here: every pod has two containers (container1, container2),
// each carrying the pod's per-container CPU request and reporting the level as its usage; pods are Ready
// unless stated; a pod's start time is long ago unless it is "now" (hot CPU) or "3m" (3 minutes ago);
// controller settings are tolerance 0.1, CPU initialization period 2 min, initial readiness delay 10 s.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HorizontalPodAutoscalerBehavior, MetricSpec, MetricStatus } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { Decision, Snapshot } from '../../../src/engine/snapshot.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodMetrics } from '../../../src/engine/inputs.ts';
import { groupPods, podRequest, podRequests, type PodSample } from '../../../src/engine/pods.ts';
import { NOW, ago, autoscaler, externalValue, iso, objectMetricValue, pod, podsMetricValue, scale } from '../../support/builders.ts';

const CONFIG = { tolerance: 0.1, cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 };
const MAX_INT64 = 9223372036854775807n;
const MAX_INT32 = 2147483647;

// --- fixtures --------------------------------------------------------------------------------

type Ready = 'True' | 'False';
type Start = 'now' | '3m' | undefined;

interface Fixture {
  currentReplicas: number;
  readiness?: Ready[];
  start?: Start[];
  phase?: string[];
  deleting?: boolean[];
  /** Upstream Tolerances{scaleDown, scaleUp}; default 0.1 both ways. */
  tolerances?: [down: number, up: number];
}

/** Upstream lists max(currentReplicas, len(podPhase)) pods named test-pod-<i>. */
function fixturePods(f: Fixture, requestsMilli: number[] = []): Pod[] {
  const count = Math.max(f.currentReplicas, f.phase?.length ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const req = i < requestsMilli.length ? `${requestsMilli[i] ?? 0}m` : undefined;
    const start = f.start?.[i];
    return pod(`test-pod-${i}`, {
      containers: [{ name: 'container1', ...(req ? { cpu: req } : {}) }, { name: 'container2', ...(req ? { cpu: req } : {}) }],
      ready: f.readiness?.[i] ?? 'True',
      startedAgo: start === 'now' ? 0 : start === '3m' ? 180 : 600,
      phase: f.phase?.[i] ?? 'Running',
      deleting: f.deleting?.[i] ?? false,
    });
  });
}

/** Per-pod, per-container CPU usage (milli); a pod with one level reports only container1. */
function cpuMetrics(levels: number[][], podNames: string[] = []): PodMetrics[] {
  return levels.map((l, i) => ({
    // The pods' labels, as metrics-server copies them: upstream's fake metrics client answers the
    // selector query with these items, unlisted pods included.
    metadata: { name: podNames[i] ?? `test-pod-${i}`, namespace: 'default', labels: { app: 'web' } },
    timestamp: ago(0),
    window: '1m0s',
    containers: [0, 1].map((j): PodMetrics['containers'][number] => (j < l.length ? { name: `container${j + 1}`, usage: { cpu: `${l[j] ?? 0}m` } } : { name: '', usage: {} })),
  }));
}

/** upstream makePodMetricLevels: every container of pod i reports level i. */
const perPod = (...levels: number[]): number[][] => levels.map((l) => [l, l]);
const thrice = (v: number): number[] => [v, v, v];
const times = (n: number, v: number): number[] => Array.from({ length: n }, () => v);

function toleranceBehavior(t: [number, number] | undefined): { behavior?: HorizontalPodAutoscalerBehavior } {
  return t ? { behavior: { scaleDown: { tolerance: String(t[0]) }, scaleUp: { tolerance: String(t[1]) } } } : {};
}

function run(f: Fixture, metric: MetricSpec, inputs: Partial<Snapshot>, statusReplicas = f.currentReplicas): Decision {
  // decide() pauses a target at zero replicas; upstream's calculator tests pass statusReplicas directly.
  const specReplicas = f.currentReplicas === 0 ? 1 : f.currentReplicas;
  return decide({
    autoscaler: autoscaler({ minReplicas: 1, maxReplicas: 1000, metrics: [metric], ...toleranceBehavior(f.tolerances) }, { recommendations: [] }),
    scale: scale(specReplicas, { statusReplicas }),
    pods: [],
    podMetrics: [],
    now: NOW,
    config: CONFIG,
    ...inputs,
  });
}

// --- reading results -------------------------------------------------------------------------

const SUFFIX: Record<string, bigint> = {
  '': 1000n, m: 1n, k: 10n ** 6n, M: 10n ** 9n, G: 10n ** 12n, T: 10n ** 15n, P: 10n ** 18n, E: 10n ** 21n,
  Ki: 1024n * 1000n, Mi: 1024n ** 2n * 1000n, Gi: 1024n ** 3n * 1000n, Ti: 1024n ** 4n * 1000n, Pi: 1024n ** 5n * 1000n, Ei: 1024n ** 6n * 1000n,
};
/** A served quantity as milli-units (exact). */
function milliOf(q: string | number | undefined): bigint {
  const m = /^(\d+)(?:\.(\d+))?([A-Za-z]*)$/.exec(String(q));
  const unit = m ? SUFFIX[m[3] ?? ''] : undefined;
  if (!m || unit === undefined) throw new Error(`unexpected quantity ${JSON.stringify(q)}`);
  const frac = m[2] ?? '';
  return (BigInt(`${m[1] ?? '0'}${frac}`) * unit) / 10n ** BigInt(frac.length);
}

function proposal(d: Decision): number | undefined {
  const m = d.explanation.metrics[0];
  assert.ok(m, 'the metric should be in the explanation');
  assert.equal(m.error, undefined, `the metric should not fail: ${m.error ?? ''}`);
  return m.replicas;
}

function current(d: Decision): MetricStatus {
  const s = d.status.currentMetrics?.[0];
  assert.ok(s, 'status.currentMetrics[0] should be set');
  return s;
}

function metricError(d: Decision): string {
  const e = d.explanation.metrics[0]?.error;
  assert.ok(e !== undefined, 'the metric should fail');
  return e;
}

// --- Resource (utilization) ------------------------------------------------------------------

interface ResourceCase extends Fixture {
  name: string;
  container?: string;
  requests: number[];
  levels: number[][];
  podNames?: string[];
  target: number;
  replicas?: number;
  utilization?: number;
  raw?: number;
  error?: string;
}

function runResource(c: ResourceCase): Decision {
  const target = { type: 'Utilization' as const, averageUtilization: c.target };
  const metric: MetricSpec = c.container
    ? { type: 'ContainerResource', containerResource: { name: 'cpu', container: c.container, target } }
    : { type: 'Resource', resource: { name: 'cpu', target } };
  return run(c, metric, { pods: fixturePods(c, c.requests), podMetrics: cpuMetrics(c.levels, c.podNames) });
}

function checkResource(c: ResourceCase): void {
  const d = runResource(c);
  if (c.error !== undefined) {
    assert.ok(metricError(d).includes(c.error), `error ${JSON.stringify(metricError(d))} should contain ${JSON.stringify(c.error)}`);
    assert.equal(d.scaleTo, null);
    return;
  }
  assert.equal(proposal(d), c.replicas);
  const s = current(d);
  const value = c.container ? s.containerResource?.current : s.resource?.current;
  assert.equal(value?.averageUtilization, c.utilization);
  assert.equal(milliOf(value?.averageValue), BigInt(c.raw ?? -1));
}

const ONE = 1000; // a "1.0" CPU request per container, in milli

describe('upstream TestReplicaCalcResourceScale', () => {
  const cases: ResourceCase[] = [
    { name: 'scale up', currentReplicas: 3, requests: thrice(ONE), levels: perPod(300, 500, 700), target: 30, replicas: 5, utilization: 50, raw: 2 * 500 },
    { name: 'scale up: container metric', currentReplicas: 3, container: 'container2', requests: thrice(ONE), levels: [[1000, 300], [1000, 500], [1000, 700]], target: 30, replicas: 5, utilization: 50, raw: 500 },
    { name: 'scale up: unready pod scales less', currentReplicas: 3, readiness: ['False', 'True', 'True'], requests: thrice(ONE), levels: perPod(300, 500, 700), target: 30, replicas: 4, utilization: 60, raw: 2 * 600 },
    { name: 'scale up: hot-CPU container scales less', currentReplicas: 3, start: ['now', '3m', '3m'], container: 'container2', requests: thrice(ONE), levels: [[0, 300], [0, 500], [0, 700]], target: 30, replicas: 4, utilization: 60, raw: 600 },
    { name: 'scale up: hot-CPU pod scales less', currentReplicas: 3, start: ['now', '3m', '3m'], requests: thrice(ONE), levels: perPod(300, 500, 700), target: 30, replicas: 4, utilization: 60, raw: 2 * 600 },
    { name: 'no scale: unready pods ignored', currentReplicas: 3, readiness: ['True', 'False', 'False'], requests: thrice(ONE), levels: perPod(400, 500, 700), target: 30, replicas: 3, utilization: 40, raw: 2 * 400 },
    { name: 'no scale: hot-CPU pods ignored', currentReplicas: 3, readiness: ['True', 'False', 'False'], start: ['3m', 'now', 'now'], requests: thrice(ONE), levels: perPod(400, 500, 700), target: 30, replicas: 3, utilization: 40, raw: 2 * 400 },
    { name: 'scale up: failed pods ignored', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Failed', 'Failed'], requests: times(4, ONE), levels: perPod(500, 700), target: 30, replicas: 4, utilization: 60, raw: 2 * 600 },
    { name: 'scale up: failed pods ignored with missing container metric', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Failed', 'Failed'], container: 'container2', requests: times(4, ONE), levels: [[1000, 500], [9000, 700], [1000], [9000]], target: 30, replicas: 4, utilization: 60, raw: 600 },
    { name: 'scale up: container metrics with failed pods ignored', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Failed', 'Failed'], container: 'container2', requests: times(4, ONE), levels: [[1000, 500], [9000, 700]], target: 30, replicas: 4, utilization: 60, raw: 600 },
    { name: 'scale up: succeeded pods ignored', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Succeeded', 'Succeeded'], requests: times(4, ONE), levels: perPod(500, 700), target: 30, replicas: 4, utilization: 60, raw: 2 * 600 },
    { name: 'scale up: container metric with succeeded pods ignored', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Succeeded', 'Succeeded'], container: 'container2', requests: times(4, ONE), levels: [[1000, 500], [9000, 700]], target: 30, replicas: 4, utilization: 60, raw: 600 },
    { name: 'scale up: pods being deleted are ignored', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: times(4, 0).map(() => 'Running'), deleting: [false, false, true, true], requests: times(4, ONE), levels: perPod(500, 700), target: 30, replicas: 4, utilization: 60, raw: 2 * 600 },
    { name: 'scale up: container metrics with pods being deleted ignored', currentReplicas: 2, readiness: ['True', 'True', 'False', 'False'], phase: times(4, 0).map(() => 'Running'), deleting: [false, false, true, true], container: 'container1', requests: times(4, ONE), levels: perPod(500, 700), target: 30, replicas: 4, utilization: 60, raw: 600 },
    { name: 'scale down', currentReplicas: 5, requests: times(5, ONE), levels: perPod(100, 300, 500, 250, 250), target: 50, replicas: 3, utilization: 28, raw: 2 * 280 },
    { name: 'scale down: container metric', currentReplicas: 5, container: 'container2', requests: times(5, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target: 50, replicas: 3, utilization: 28, raw: 280 },
    { name: 'scale down: exclude unready pods', currentReplicas: 5, readiness: ['True', 'True', 'True', 'False', 'False'], requests: times(5, ONE), levels: perPod(100, 300, 500, 250, 250), target: 50, replicas: 2, utilization: 30, raw: 2 * 300 },
    { name: 'scale down: container metric excludes unready pods', currentReplicas: 5, readiness: ['True', 'True', 'True', 'False', 'False'], container: 'container2', requests: times(5, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target: 50, replicas: 2, utilization: 30, raw: 300 },
    { name: 'scale down: exclude unscheduled pods', currentReplicas: 5, readiness: ['True', 'False', 'False', 'False', 'False'], phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'], requests: times(5, ONE), levels: perPod(100), target: 50, replicas: 1, utilization: 10, raw: 2 * 100 },
    { name: 'scale down: container metric excludes unscheduled pods', currentReplicas: 5, readiness: ['True', 'False', 'False', 'False', 'False'], phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'], container: 'container2', requests: times(5, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target: 50, replicas: 1, utilization: 10, raw: 100 },
    { name: 'scale down: ignore hot-CPU pods', currentReplicas: 5, start: ['3m', '3m', '3m', 'now', 'now'], requests: times(5, ONE), levels: perPod(100, 300, 500, 250, 250), target: 50, replicas: 2, utilization: 30, raw: 2 * 300 },
    { name: 'scale down: container metric ignores hot-CPU pods', currentReplicas: 5, start: ['3m', '3m', '3m', 'now', 'now'], container: 'container2', requests: times(5, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 1000], [1000, 1000]], target: 50, replicas: 2, utilization: 30, raw: 300 },
    { name: 'scale down: failed pods ignored', currentReplicas: 5, readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'], requests: times(7, ONE), levels: perPod(100, 300, 500, 250, 250), target: 50, replicas: 3, utilization: 28, raw: 2 * 280 },
    { name: 'scale down: container metric with failed pods ignored', currentReplicas: 5, readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'], container: 'container2', requests: times(7, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target: 50, replicas: 3, utilization: 28, raw: 280 },
    { name: 'scale down: succeeded pods ignored', currentReplicas: 5, readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Succeeded', 'Succeeded'], requests: times(7, ONE), levels: perPod(100, 300, 500, 250, 250), target: 50, replicas: 3, utilization: 28, raw: 2 * 280 },
    { name: 'scale down: container metric with succeeded pods ignored', currentReplicas: 5, readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Succeeded', 'Succeeded'], container: 'container2', requests: times(7, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target: 50, replicas: 3, utilization: 28, raw: 280 },
    { name: 'scale down: pods being deleted are ignored', currentReplicas: 5, readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: times(7, 0).map(() => 'Running'), deleting: [false, false, false, false, false, true, true], requests: times(7, ONE), levels: perPod(100, 300, 500, 250, 250), target: 50, replicas: 3, utilization: 28, raw: 2 * 280 },
    { name: 'scale down: still-running pods being deleted are ignored', currentReplicas: 5, readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: times(7, 0).map(() => 'Running'), deleting: [false, false, false, false, false, true, true], container: 'container2', requests: times(7, ONE), levels: [[1000, 100], [1000, 300], [1000, 500], [1000, 250], [1000, 250]], target: 50, replicas: 3, utilization: 28, raw: 280 },
  ];
  for (const c of cases) test(c.name, () => { checkResource(c); });
});

describe('upstream TestReplicaCalcResourceTolerance', () => {
  const mixed = [900, 1000, 1100];
  const cases: ResourceCase[] = [
    { name: 'within default tolerance', currentReplicas: 3, requests: mixed, levels: perPod(1010, 1030, 1020), target: 100, replicas: 3, utilization: 102, raw: 2 * 1020 },
    { name: 'outside 0% tolerance', tolerances: [0, 0], currentReplicas: 3, requests: mixed, levels: perPod(909, 1010, 1111), target: 100, replicas: 4, utilization: 101, raw: 2 * 1010 },
    { name: 'within 200% scale-up tolerance', tolerances: [0.1, 2], currentReplicas: 3, requests: mixed, levels: perPod(1890, 1910, 1900), target: 100, replicas: 3, utilization: 190, raw: 2 * 1900 },
    { name: 'outside 8% scale-up tolerance (superfluous scale-down tolerance)', tolerances: [2, 0.08], currentReplicas: 3, requests: mixed, levels: perPod(1100, 1080, 1090), target: 100, replicas: 4, utilization: 109, raw: 2 * 1090 },
    { name: 'within 36% scale-down tolerance', tolerances: [0.36, 0.1], currentReplicas: 3, requests: mixed, levels: perPod(660, 640, 650), target: 100, replicas: 3, utilization: 65, raw: 2 * 650 },
    { name: 'outside 34% scale-down tolerance', tolerances: [0.34, 0.1], currentReplicas: 3, requests: mixed, levels: perPod(660, 640, 650), target: 100, replicas: 2, utilization: 65, raw: 2 * 650 },
  ];
  for (const c of cases) test(c.name, () => { checkResource(c); });
});

describe('upstream TestReplicaCalcResourceMissingMetrics', () => {
  const cases: ResourceCase[] = [
    { name: 'superfluous metrics counted', currentReplicas: 4, requests: times(4, ONE), levels: perPod(4000, 9500, 3000, 7000, 3200, 2000), target: 100, replicas: 24, utilization: 587, raw: 2 * 5875 },
    { name: 'some pods missing metrics scales down', currentReplicas: 4, requests: times(4, ONE), levels: perPod(400, 95), target: 100, replicas: 3, utilization: 24, raw: 495 },
    { name: 'no change: metric equal to target', currentReplicas: 2, requests: times(2, ONE), levels: perPod(1000), target: 100, replicas: 2, utilization: 100, raw: 2 * 1000 },
    { name: 'no change: metric above target', currentReplicas: 2, requests: times(2, ONE), levels: perPod(1900), target: 100, replicas: 2, utilization: 190, raw: 2 * 1900 },
    { name: 'no change: metric below target', currentReplicas: 2, requests: times(2, ONE), levels: perPod(600), target: 100, replicas: 2, utilization: 60, raw: 2 * 600 },
    { name: 'no change: unready pod metric missing', currentReplicas: 3, readiness: ['False', 'True', 'True'], requests: thrice(ONE), levels: perPod(100, 450), target: 50, replicas: 3, utilization: 45, raw: 2 * 450 },
    { name: 'no change: hot-CPU pod metric missing', currentReplicas: 3, start: ['now', '3m', '3m'], requests: thrice(ONE), levels: perPod(100, 450), target: 50, replicas: 3, utilization: 45, raw: 2 * 450 },
    { name: 'scale up: unready pod metric missing', currentReplicas: 3, readiness: ['False', 'True', 'True'], requests: thrice(ONE), levels: perPod(100, 2000), target: 50, replicas: 4, utilization: 200, raw: 2 * 2000 },
    { name: 'scale up: hot-CPU pod metric missing', currentReplicas: 3, readiness: ['False', 'True', 'True'], start: ['now', '3m', '3m'], requests: thrice(ONE), levels: perPod(100, 2000), target: 50, replicas: 4, utilization: 200, raw: 2 * 2000 },
    { name: 'scale down: unready pod metric missing', currentReplicas: 4, readiness: ['False', 'True', 'True', 'True'], requests: times(4, ONE), levels: perPod(100, 100, 100), target: 50, replicas: 3, utilization: 10, raw: 2 * 100 },
    { name: 'scale down: target over 100', currentReplicas: 4, readiness: ['False', 'True', 'True', 'True'], requests: [1000, 1000, 2000, 2000], levels: perPod(200, 100, 100), target: 300, replicas: 2, utilization: 6, raw: 2 * 100 },
    { name: 'rolling update with maxSurge: extra pod missing metric', currentReplicas: 2, phase: ['Running', 'Running', 'Running'], requests: thrice(ONE), levels: perPod(100, 100), target: 50, replicas: 2, utilization: 10, raw: 2 * 100 },
    { name: 'disjoint pod and metric names', currentReplicas: 1, requests: [ONE], levels: perPod(100), podNames: ['an-older-pod-name'], target: 100, error: 'no metrics returned matched known pods' },
    { name: 'no metrics returned from metrics API', currentReplicas: 4, requests: thrice(ONE), levels: [], target: 100, error: 'unable to get metrics for resource cpu: no metrics returned from resource metrics API' },
    { name: 'missing CPU request on container', currentReplicas: 1, requests: [], levels: perPod(200), target: 100, error: 'missing request for' },
  ];
  for (const c of cases) test(c.name, () => { checkResource(c); });
});

describe('upstream TestReplicaCalcComputedToleranceAlgImplementation', () => {
  // 10 pods at 150m per container; per-container requests spread around 300m (sum 3000m): 50% utilization.
  // Upstream derives the targets: int32((1/(2·(1−0.1)) + 0.01)·100) = 56 and (… + 0.004)·100 → 55, and
  // the first expectation ceil(1500/(3000·0.56555…)·10) = 9.
  const requests = [400, 200, 310, 290, 302, 298, 301, 299, 300, 300];
  const base = { currentReplicas: 10, requests, levels: perPod(...times(10, 150)) };
  test('breaching the tolerance by a minimal margin scales down', () => {
    checkResource({ ...base, name: 'target 56%', target: 56, replicas: 9, utilization: 50, raw: 2 * 150 });
  });
  test('just inside the tolerance does not scale', () => {
    checkResource({ ...base, name: 'target 55%', target: 55, replicas: 10, utilization: 50, raw: 2 * 150 });
  });
});

// --- Pods, Object, External -----------------------------------------------------------------

interface ValueCase extends Fixture {
  name: string;
  levels: bigint[];
  target: bigint;
  replicas: number;
  usage: bigint;
}
const q = (milli: bigint): string => `${milli}m`;
const big = (...n: (number | bigint)[]): bigint[] => n.map((v) => BigInt(v));

function runPods(c: ValueCase): Decision {
  const customMetrics: MetricValue[] = c.levels.map((l, i) => podsMetricValue(`test-pod-${i}`, 'qps', q(l)));
  return run(c, { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: q(c.target) } } }, { pods: fixturePods(c), customMetrics });
}

const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'some-deployment' };
function runObject(c: ValueCase, type: 'Value' | 'AverageValue'): Decision {
  const target = type === 'Value' ? { type, value: q(c.target) } : { type, averageValue: q(c.target) };
  const customMetrics = [objectMetricValue('Deployment', 'some-deployment', 'qps', q(c.levels[0] ?? 0n))];
  return run(c, { type: 'Object', object: { describedObject: deployment, metric: { name: 'qps' }, target } }, { pods: fixturePods(c), customMetrics });
}

const externalSelector = { matchLabels: { label: 'value' } };
function runExternal(c: ValueCase, type: 'Value' | 'AverageValue'): Decision {
  const target = type === 'Value' ? { type, value: q(c.target) } : { type, averageValue: q(c.target) };
  const externalMetrics: ExternalMetricValue[] = c.levels.map((l) => externalValue('qps', q(l), { label: 'value' }));
  return run(c, { type: 'External', external: { metric: { name: 'qps', selector: externalSelector }, target } }, { pods: fixturePods(c), externalMetrics });
}

describe('upstream TestReplicaCalcPodMetric', () => {
  const cases: ValueCase[] = [
    { name: 'scale up', currentReplicas: 3, levels: big(20000, 10000, 30000), target: 15000n, replicas: 4, usage: 20000n },
    { name: 'scale up: unready hot-CPU pod scales less', currentReplicas: 3, readiness: ['True', 'True', 'False'], start: ['3m', '3m', 'now'], levels: big(50000, 10000, 30000), target: 15000n, replicas: 6, usage: 30000n },
    { name: 'scale up: unready hot-CPU pods avoid scale-down', currentReplicas: 3, readiness: ['False', 'True', 'False'], start: ['now', '3m', 'now'], levels: big(50000, 15000, 30000), target: 15000n, replicas: 7, usage: 31666n },
    { name: 'scale down', currentReplicas: 5, levels: big(12000, 12000, 12000, 12000, 12000), target: 20000n, replicas: 3, usage: 12000n },
    { name: 'within default tolerance', currentReplicas: 3, levels: big(20000, 21000, 21000), target: 20000n, replicas: 3, usage: 20666n },
    { name: 'outside configurable 1% tolerance', tolerances: [0.1, 0.01], currentReplicas: 3, levels: big(20000, 21000, 21000), target: 20000n, replicas: 4, usage: 20666n },
    { name: 'no change: missing metrics', currentReplicas: 5, levels: big(20000, 19000, 21000), target: 20000n, replicas: 5, usage: 20000n },
    { name: 'rolling update with maxSurge: extra pod missing metric', currentReplicas: 2, phase: ['Running', 'Running', 'Running'], levels: big(10000, 10000), target: 17000n, replicas: 2, usage: 10000n },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = runPods(c);
      assert.equal(proposal(d), c.replicas);
      assert.equal(milliOf(current(d).pods?.current.averageValue), c.usage);
    });
  }
});

describe('upstream TestReplicaCalcObjectMetric (Object, Value target)', () => {
  const cases: ValueCase[] = [
    { name: 'scale up', currentReplicas: 3, levels: big(20000), target: 15000n, replicas: 4, usage: 20000n },
    { name: 'scale up: very large metric saturates replicas to MaxInt32', currentReplicas: 3, levels: [MAX_INT64], target: 1n, replicas: MAX_INT32, usage: MAX_INT64 },
    { name: 'scale up: ignores unready pods', currentReplicas: 3, readiness: ['False', 'True', 'False'], levels: big(50000), target: 10000n, replicas: 5, usage: 50000n },
    { name: 'scale down', currentReplicas: 5, levels: big(12000), target: 20000n, replicas: 3, usage: 12000n },
    { name: 'within default tolerance', currentReplicas: 3, levels: big(20666), target: 20000n, replicas: 3, usage: 20666n },
    { name: 'outside configurable 1% tolerance', tolerances: [0.1, 0.01], currentReplicas: 3, levels: big(20666), target: 20000n, replicas: 4, usage: 20666n },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = runObject(c, 'Value');
      assert.equal(proposal(d), c.replicas);
      assert.equal(milliOf(current(d).object?.current.value), c.usage);
    });
  }
});

describe('upstream TestReplicaCalcObjectPerPodMetric (Object, AverageValue target)', () => {
  const cases: ValueCase[] = [
    { name: 'usage overflow with huge target leaves replicas unchanged', currentReplicas: 1, levels: [MAX_INT64], target: MAX_INT64, replicas: 1, usage: MAX_INT64 },
    { name: 'scale up', currentReplicas: 3, levels: big(20000), target: 5000n, replicas: 4, usage: 6667n },
    { name: 'scale down', currentReplicas: 5, levels: big(6000), target: 2000n, replicas: 3, usage: 1200n },
    { name: 'within default tolerance', currentReplicas: 4, levels: big(20166), target: 5000n, replicas: 4, usage: 5042n },
    { name: 'outside configurable 1% tolerance', tolerances: [0.1, 0.01], currentReplicas: 4, levels: big(20208), target: 5000n, replicas: 5, usage: 5052n },
    { name: 'statusReplicas zero does not overflow usage', currentReplicas: 0, levels: big(20000), target: 5000n, replicas: 4, usage: 0n },
    { name: 'statusReplicas zero and metric zero does not underflow', currentReplicas: 0, levels: big(0), target: 5000n, replicas: 0, usage: 0n },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = runObject(c, 'AverageValue');
      assert.equal(proposal(d), c.replicas);
      assert.equal(milliOf(current(d).object?.current.averageValue), c.usage);
    });
  }
});

describe('upstream TestReplicaCalcExternalMetric (External, Value target)', () => {
  const half = MAX_INT64 / 2n + 1n;
  const cases: ValueCase[] = [
    { name: 'scale down: ignores unready pods (would otherwise scale up)', currentReplicas: 3, readiness: ['False', 'True', 'False'], levels: big(8600), target: 4400n, replicas: 2, usage: 8600n },
    { name: 'scale down', currentReplicas: 5, levels: big(8600), target: 14334n, replicas: 3, usage: 8600n },
    { name: 'within default tolerance', currentReplicas: 3, levels: big(8600), target: 8888n, replicas: 3, usage: 8600n },
    { name: 'outside configurable 1% tolerance', tolerances: [0.1, 0.01], currentReplicas: 3, levels: big(8900), target: 8800n, replicas: 4, usage: 8900n },
    { name: 'usage overflow caps at MaxInt64', currentReplicas: 3, levels: [half, half], target: MAX_INT64, replicas: 3, usage: MAX_INT64 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = runExternal(c, 'Value');
      assert.equal(proposal(d), c.replicas);
      assert.equal(milliOf(current(d).external?.current.value), c.usage);
    });
  }
});

describe('upstream TestReplicaCalcExternalPerPodMetric (External, AverageValue target)', () => {
  const cases: ValueCase[] = [
    { name: 'replica count overflow saturates to MaxInt32', currentReplicas: 1, levels: [MAX_INT64], target: 1n, replicas: MAX_INT32, usage: MAX_INT64 },
    { name: 'usage overflow with huge target leaves replicas unchanged', currentReplicas: 1, levels: [MAX_INT64], target: MAX_INT64, replicas: 1, usage: MAX_INT64 },
    { name: 'statusReplicas zero does not overflow usage', currentReplicas: 0, levels: big(20000), target: 5000n, replicas: 4, usage: 0n },
    { name: 'statusReplicas zero and metric zero does not underflow', currentReplicas: 0, levels: big(0), target: 5000n, replicas: 0, usage: 0n },
    { name: 'scale up', currentReplicas: 3, levels: big(8600), target: 2150n, replicas: 4, usage: 2867n },
    { name: 'scale down', currentReplicas: 5, levels: big(8600), target: 2867n, replicas: 3, usage: 1720n },
    { name: 'within default tolerance', currentReplicas: 3, levels: big(8600), target: 2900n, replicas: 3, usage: 2867n },
    { name: 'outside configurable 1% tolerance', tolerances: [0.1, 0.01], currentReplicas: 3, levels: big(8600), target: 2800n, replicas: 4, usage: 2867n },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = runExternal(c, 'AverageValue');
      assert.equal(proposal(d), c.replicas);
      assert.equal(milliOf(current(d).external?.current.averageValue), c.usage);
    });
  }
});

describe('upstream TestGetPerPodUsage (via External AverageValue status)', () => {
  const cases: { name: string; usage: bigint; statusReplicas: number; expected: bigint }[] = [
    { name: 'zero replicas returns zero', usage: 20000n, statusReplicas: 0, expected: 0n },
    { name: 'normal division with ceiling', usage: 1000n, statusReplicas: 3, expected: 334n },
    { name: 'overflow returns MaxInt64', usage: MAX_INT64, statusReplicas: 1, expected: MAX_INT64 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = run({ currentReplicas: 3 }, { type: 'External', external: { metric: { name: 'qps', selector: externalSelector }, target: { type: 'AverageValue', averageValue: '1' } } },
        { externalMetrics: [externalValue('qps', q(c.usage), { label: 'value' })] }, c.statusReplicas);
      assert.equal(milliOf(current(d).external?.current.averageValue), c.expected);
    });
  }
});

// --- groupPods -------------------------------------------------------------------------------

describe('upstream TestGroupPods', () => {
  const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');
  const rules = { cpuInitializationPeriodMs: 120_000, initialReadinessDelayMs: 10_000, now: NOW };
  const rawPod = (name: string, status: NonNullable<Pod['status']>, deleted = false): Pod =>
    ({ metadata: { name, ...(deleted ? { deletionTimestamp: iso(1000) } : {}) }, status });
  const readyCond = (status: string, secondsAgo: number): NonNullable<NonNullable<Pod['status']>['conditions']> =>
    [{ type: 'Ready', status, lastTransitionTime: ago(secondsAgo) }];
  /** A sample with only a value: Go's zero timestamp and window. */
  const bare: PodSample = { value: 1n, timestamp: GO_ZERO_TIME, windowMs: 0 };
  const fresh = (windowSeconds: number, secondsAgo = 0): PodSample => ({ value: 1n, timestamp: NOW - secondsAgo * 1000, windowMs: windowSeconds * 1000 });

  const cases: { name: string; pods: Pod[]; metrics: Record<string, PodSample>; resource: string; ready: number; unready: string[]; missing: string[]; ignored: string[] }[] = [
    { name: 'void', pods: [], metrics: {}, resource: 'cpu', ready: 0, unready: [], missing: [], ignored: [] },
    { name: 'count in a ready pod - memory', pods: [rawPod('bentham', { phase: 'Running' })], metrics: { bentham: fresh(60) }, resource: 'memory', ready: 1, unready: [], missing: [], ignored: [] },
    { name: 'unready a pod without ready condition - CPU', pods: [rawPod('lucretius', { phase: 'Running', startTime: ago(0) })], metrics: { lucretius: bare }, resource: 'cpu', ready: 0, unready: ['lucretius'], missing: [], ignored: [] },
    { name: 'count in a ready pod with fresh metrics during initialization period - CPU', pods: [rawPod('bentham', { phase: 'Running', startTime: ago(60), conditions: readyCond('True', 30) })], metrics: { bentham: fresh(30) }, resource: 'cpu', ready: 1, unready: [], missing: [], ignored: [] },
    { name: 'unready a ready pod without fresh metrics during initialization period - CPU', pods: [rawPod('bentham', { phase: 'Running', startTime: ago(60), conditions: readyCond('True', 30) })], metrics: { bentham: fresh(60) }, resource: 'cpu', ready: 0, unready: ['bentham'], missing: [], ignored: [] },
    { name: 'unready an unready pod during initialization period - CPU', pods: [rawPod('lucretius', { phase: 'Running', startTime: ago(600), conditions: readyCond('False', 594) })], metrics: { lucretius: bare }, resource: 'cpu', ready: 0, unready: ['lucretius'], missing: [], ignored: [] },
    { name: 'count in a ready pod without fresh metrics after initialization period - CPU', pods: [rawPod('bentham', { phase: 'Running', startTime: ago(180), conditions: readyCond('True', 180) })], metrics: { bentham: fresh(60, 120) }, resource: 'cpu', ready: 1, unready: [], missing: [], ignored: [] },
    { name: 'count in an unready pod that was ready after initialization period - CPU', pods: [rawPod('lucretius', { phase: 'Running', startTime: ago(600), conditions: readyCond('False', 540) })], metrics: { lucretius: bare }, resource: 'cpu', ready: 1, unready: [], missing: [], ignored: [] },
    { name: 'unready pod that has never been ready after initialization period - CPU', pods: [rawPod('lucretius', { phase: 'Running', startTime: ago(600), conditions: readyCond('False', 590) })], metrics: { lucretius: bare }, resource: 'cpu', ready: 1, unready: [], missing: [], ignored: [] },
    { name: 'a missing pod', pods: [rawPod('epicurus', { phase: 'Running', startTime: ago(180) })], metrics: {}, resource: 'cpu', ready: 0, unready: [], missing: ['epicurus'], ignored: [] },
    {
      name: 'several pods',
      pods: [
        rawPod('lucretius', { phase: 'Running', startTime: ago(0) }),
        rawPod('niccolo', { phase: 'Running', startTime: ago(180), conditions: readyCond('True', 180) }),
        rawPod('epicurus', { phase: 'Running', startTime: ago(180) }),
      ],
      metrics: { lucretius: bare, niccolo: bare }, resource: 'cpu', ready: 1, unready: ['lucretius'], missing: ['epicurus'], ignored: [],
    },
    { name: 'pending pods are unreadied', pods: [rawPod('unscheduled', { phase: 'Pending' })], metrics: {}, resource: 'cpu', ready: 0, unready: ['unscheduled'], missing: [], ignored: [] },
    { name: 'ignore pods with deletion timestamps', pods: [rawPod('deleted', { phase: 'Pending' }, true)], metrics: { deleted: bare }, resource: 'cpu', ready: 0, unready: [], missing: [], ignored: ['deleted'] },
    { name: 'ignore pods in a failed state', pods: [rawPod('failed', { phase: 'Failed' })], metrics: { failed: bare }, resource: 'cpu', ready: 0, unready: [], missing: [], ignored: ['failed'] },
    { name: 'ignore pods in a succeeded state', pods: [rawPod('succeeded', { phase: 'Succeeded' })], metrics: { succeeded: bare }, resource: 'cpu', ready: 0, unready: [], missing: [], ignored: ['succeeded'] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const g = groupPods(c.pods, new Map(Object.entries(c.metrics)), c.resource, rules);
      assert.equal(g.readyCount, c.ready);
      assert.deepEqual([...g.unready].sort(), c.unready);
      assert.deepEqual([...g.missing].sort(), c.missing);
      assert.deepEqual([...g.ignored].sort(), c.ignored);
    });
  }
});

// --- calculateRequests -----------------------------------------------------------------------

describe('upstream TestCalculateRequests (PodLevelResources on)', () => {
  type Container = { name: string; resources?: { requests?: Record<string, string> }; restartPolicy?: string };
  const c = (name: string, cpu?: string): Container => ({ name, ...(cpu ? { resources: { requests: { cpu } } } : {}) });
  const specPod = (containers: Container[], o: { podRequestCpu?: string; init?: Container[] } = {}): Pod => ({
    metadata: { name: 'test-pod', namespace: 'test-namespace' },
    spec: {
      containers,
      ...(o.init ? { initContainers: o.init } : {}),
      ...(o.podRequestCpu ? { resources: { requests: { cpu: o.podRequestCpu } } } : {}),
    },
  });
  const cases: { name: string; pods: Pod[]; container?: string; expected?: Record<string, bigint>; error?: string }[] = [
    { name: 'void', pods: [], expected: {} },
    { name: 'Sum container requests if pod-level feature is disabled', pods: [specPod([c('container1', '100m'), c('container2', '50m')])], expected: { 'test-pod': 150n } },
    { name: 'Pod-level resources are enabled, but not set: fallback to sum container requests', pods: [specPod([c('container1', '100m'), c('container2', '50m')])], expected: { 'test-pod': 150n } },
    { name: 'Pod-level resources override container requests when feature enabled and pod resources specified', pods: [specPod([c('container1', '100m'), c('container2', '50m')], { podRequestCpu: '800m' })], expected: { 'test-pod': 800n } },
    { name: 'Fail if at least one of the containers is missing requests and pod-level feature/requests are not set', pods: [specPod([c('container1'), c('container2', '50m')])], error: 'missing request for cpu in container container1 of Pod test-pod' },
    { name: 'Pod-level resources override missing container requests when feature enabled and pod resources specified', pods: [specPod([c('container1'), c('container2', '50m')], { podRequestCpu: '800m' })], expected: { 'test-pod': 800n } },
    { name: 'Container: if a container name is specified, calculate requests only for that container', pods: [specPod([c('container1', '100m'), c('container2', '50m')])], container: 'container1', expected: { 'test-pod': 100n } },
    { name: 'Container: if a container name is specified, calculate requests only for that container and ignore pod-level requests', pods: [specPod([c('container1', '100m'), c('container2', '50m')], { podRequestCpu: '800m' })], container: 'container1', expected: { 'test-pod': 100n } },
    { name: 'pod with restartable init containers', pods: [specPod([c('container1', '100m')], { init: [c('init-container1', '20m'), { ...c('restartable-container1', '50m'), restartPolicy: 'Always' }] })], expected: { 'test-pod': 150n } },
  ];
  for (const tc of cases) {
    test(tc.name, () => {
      if (tc.error !== undefined) {
        assert.throws(() => podRequests(tc.pods, 'cpu', tc.container), { message: tc.error });
        return;
      }
      assert.deepEqual(Object.fromEntries(podRequests(tc.pods, 'cpu', tc.container)), tc.expected);
    });
  }

  test('upstream TestCalculatePodRequestsFromContainers_NonExistentContainer', () => {
    const p = specPod([c('container1', '100m')]);
    assert.throws(() => podRequest(p, 'cpu', 'non-existent-container'), { message: 'container non-existent-container not found in Pod test-pod' });
  });
});
