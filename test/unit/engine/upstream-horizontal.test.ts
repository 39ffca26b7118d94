// Parity with upstream's controller unit tests (kubernetes pkg/controller/podautoscaler/horizontal_test.go,
// newest line; TestScaleDownWithScalingRules from the older kubernetes/kubernetes copy). Upstream's
// fixtures and expected outcomes, our test code: each case is one decide() pass, checked for the desired
// replica count, whether the target's scale is updated, and the conditions (type/status/reason, in
// order) and events where upstream checks them.
//
// Upstream fixture conventions reproduced here (horizontalScenario): pods test-pod-<i>, as many as there
// are CPU requests listed (else status replicas); each pod has two containers that split the pod's CPU
// request and usage in halves (integer milli division); pods are Running and Ready, started long ago,
// unless stated ("now" = hot CPU, "3m" = 3 minutes ago); custom metric values are per pod, the Object
// metric value is the first level, external series are the levels. HPAScaleToZero is on (kscale has no
// switch for it): upstream cases run with the gate off are not ported. Controller settings: tolerance
// 0.1, CPU initialization 2 min, readiness delay 10 s, downscale stabilization 5 min.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Condition, HorizontalPodAutoscalerBehavior, HPAScalingRules, MetricSpec, Recommendation } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { Decision, Snapshot } from '../../../src/engine/snapshot.ts';
import type { PodMetrics } from '../../../src/engine/inputs.ts';
import { NOW, ago, autoscaler, cpuUtilization, externalValue, objectMetricValue, pod, podsMetricValue, scale } from '../../support/builders.ts';

const CONFIG = { tolerance: 0.1, cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 };

type Ready = 'True' | 'False';
type Start = 'now' | '3m' | undefined;

interface Scenario {
  min: number;
  max: number;
  spec: number;
  status: number;
  cpuTarget?: number;
  metrics?: MetricSpec[];
  /** Reported levels (milli): CPU per pod, custom metric per pod, object value, external series. */
  levels?: number[];
  /** CPU request per pod (milli); also the pod count when given. */
  requests?: number[];
  readiness?: Ready[];
  start?: Start[];
  phase?: string[];
  deleting?: boolean[];
  behavior?: HorizontalPodAutoscalerBehavior;
  /** Stored recommendations [replicas, seconds ago]; undefined = none yet (the pass records the initial one). */
  recommendations?: [number, number][];
  conditions?: Condition[];
  lastScaleTime?: string;
  selector?: string;
  extra?: Partial<Snapshot>;
}

function snapshotOf(s: Scenario): Snapshot {
  const levels = s.levels ?? [];
  const podCount = s.requests?.length ?? s.status;
  const pods = Array.from({ length: podCount }, (_, i) => {
    const half = `${Math.trunc((s.requests?.[i] ?? 1000) / 2)}m`;
    const start = s.start?.[i];
    return pod(`test-pod-${i}`, {
      containers: [{ name: 'container1', cpu: half }, { name: 'container2', cpu: half }],
      ready: s.readiness?.[i] ?? 'True',
      startedAgo: start === 'now' ? 0 : start === '3m' ? 180 : 600,
      phase: s.phase?.[i] ?? 'Running',
      deleting: s.deleting?.[i] ?? false,
    });
  });
  const podMetrics: PodMetrics[] = levels.map((l, i) => ({
    metadata: { name: `test-pod-${i}`, namespace: 'default' },
    timestamp: ago(0),
    window: '1m0s',
    containers: ['container1', 'container2'].map((name) => ({ name, usage: { cpu: `${Math.trunc(l / 2)}m`, memory: '524288' } })),
  }));
  const metrics = [...(s.cpuTarget ? [cpuUtilization(s.cpuTarget)] : []), ...(s.metrics ?? [])];
  const recommendations: Recommendation[] | undefined = s.recommendations?.map(([replicas, secondsAgo]) => ({ replicas, time: ago(secondsAgo) }));
  return {
    autoscaler: autoscaler(
      { minReplicas: s.min, maxReplicas: s.max, ...(metrics.length > 0 ? { metrics } : { metrics: undefined }), ...(s.behavior ? { behavior: s.behavior } : {}) },
      {
        currentReplicas: s.spec, desiredReplicas: s.spec,
        ...(s.lastScaleTime ? { lastScaleTime: s.lastScaleTime } : {}),
        ...(s.conditions ? { conditions: s.conditions } : {}),
        ...(recommendations ? { recommendations } : {}),
      },
    ),
    scale: scale(s.spec, { statusReplicas: s.status, ...(s.selector !== undefined ? { selector: s.selector } : {}) }),
    pods,
    podMetrics,
    customMetrics: [
      ...levels.map((l, i) => podsMetricValue(`test-pod-${i}`, 'qps', `${l}m`)),
      ...(levels.length > 0 ? [objectMetricValue('Deployment', 'some-deployment', 'qps', `${levels[0] ?? 0}m`)] : []),
    ],
    externalMetrics: levels.map((l) => externalValue('qps', `${l}m`)),
    now: NOW,
    config: CONFIG,
    ...s.extra,
  };
}

// --- expectations ----------------------------------------------------------------------------

const cond = (type: string, status: 'True' | 'False', reason: string): string => `${type}=${status}/${reason}`;
const conditionsOf = (d: Decision): string[] => (d.status.conditions ?? []).map((c) => cond(c.type, c.status === 'True' ? 'True' : 'False', c.reason ?? ''));
const SUCCEEDED_GET_SCALE = cond('AbleToScale', 'True', 'SucceededGetScale');
const NOT_SCALED_TO_ZERO = cond('ScaledToZero', 'False', 'NotScaledToZero');

/** upstream statusOkWithOverrides: the "ok" triple with conditions replaced by type, new types appended. */
function statusOk(...overrides: string[]): string[] {
  const list = [cond('AbleToScale', 'True', 'SucceededRescale'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')];
  for (const o of overrides) {
    const type = o.split('=')[0];
    const i = list.findIndex((c) => c.split('=')[0] === type);
    if (i >= 0) list[i] = o; else list.push(o);
  }
  return list;
}

interface Expect {
  desired: number;
  scaled: boolean;
  conditions?: string[];
  error?: boolean | string;
  cpuUtilization?: number;
}

function check(s: Scenario, e: Expect): Decision {
  const d = decide(snapshotOf(s));
  assert.equal(d.scaleTo, e.scaled ? e.desired : null, `scale update (desired ${d.desiredReplicas}, limited by ${d.explanation.limitedBy ?? '-'}, error ${d.error ?? '-'})`);
  assert.equal(d.status.desiredReplicas, e.desired);
  if (e.conditions) assert.deepEqual(conditionsOf(d), e.conditions);
  if (e.error === true) assert.ok(d.error !== undefined, 'the pass should return an error');
  else if (typeof e.error === 'string') assert.ok(d.error?.includes(e.error), `error ${JSON.stringify(d.error)} should contain ${JSON.stringify(e.error)}`);
  else if (e.error === false) assert.equal(d.error, undefined);
  if (e.cpuUtilization !== undefined) {
    const cpu = d.status.currentMetrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
    assert.equal(cpu?.resource?.current.averageUtilization, e.cpuUtilization);
  }
  return d;
}

const reqs = (n: number, milli = 1000): number[] => Array.from({ length: n }, () => milli);
const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'some-deployment' };
const podsQps = (averageValue: string): MetricSpec => ({ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } } });
const objectValue = (value: string): MetricSpec => ({ type: 'Object', object: { describedObject: deployment, metric: { name: 'qps' }, target: { type: 'Value', value } } });
const objectAverage = (averageValue: string): MetricSpec => ({ type: 'Object', object: { describedObject: deployment, metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue } } });
const externalTarget = (target: { type: 'Value'; value: string } | { type: 'AverageValue'; averageValue: string }): MetricSpec =>
  ({ type: 'External', external: { metric: { name: 'qps', selector: {} }, target } });
const scaledToZeroTrue = [{ type: 'ScaledToZero', status: 'True' as const, reason: 'ScaledToZero', lastTransitionTime: ago(600), message: 'the HPA controller scaled the workload to zero' }];

/** upstream generateScalingRules(pods, podsPeriod, percent, percentPeriod, window). */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): HPAScalingRules {
  const policies: NonNullable<HPAScalingRules['policies']> = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', ...(policies.length > 0 ? { policies } : {}) };
}

interface Case { name: string; s: Scenario; e: Expect }
const run = (cases: Case[]): void => { for (const c of cases) test(c.name, () => { check(c.s, c.e); }); };

// --- tables ----------------------------------------------------------------------------------

describe('upstream TestScaleCPU', () => {
  const up = { min: 2, max: 6, spec: 3, status: 3, cpuTarget: 30, levels: [300, 500, 700], requests: reqs(3) };
  const down = { min: 2, max: 6, spec: 5, status: 5, cpuTarget: 50, levels: [100, 300, 500, 250, 250], requests: reqs(5), recommendations: [] };
  run([
    { name: 'scale up', s: up, e: { desired: 5, scaled: true } },
    { name: 'scale up with unready pods results in less scale', s: { ...up, readiness: ['False', 'True', 'True'] }, e: { desired: 4, scaled: true } },
    { name: 'scale up with hot cpu pods results in less scale', s: { ...up, start: ['now', '3m', '3m'] }, e: { desired: 4, scaled: true } },
    { name: 'scale up ignores failed pods', s: { ...up, spec: 2, status: 2, levels: [500, 700], requests: reqs(4), readiness: ['True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Failed', 'Failed'] }, e: { desired: 4, scaled: true } },
    { name: 'scale up ignores deletion pods', s: { ...up, spec: 2, status: 2, levels: [500, 700], requests: reqs(4), readiness: ['True', 'True', 'False', 'False'], deleting: [false, false, true, true] }, e: { desired: 4, scaled: true } },
    { name: 'scale up deployment', s: up, e: { desired: 5, scaled: true } },
    { name: 'scale up replicaset', s: up, e: { desired: 5, scaled: true } },
    { name: 'no scale up when all unready pods bring utilization within target', s: { ...up, levels: [400, 500, 700], readiness: ['True', 'False', 'False'] }, e: { desired: 3, scaled: false } },
    { name: 'scale down', s: down, e: { desired: 3, scaled: true } },
    { name: 'scale down includes unready pods', s: { ...down, readiness: ['True', 'True', 'True', 'False', 'False'] }, e: { desired: 2, scaled: true } },
    { name: 'scale down ignores hot cpu pods', s: { ...down, start: ['3m', '3m', '3m', 'now', 'now'] }, e: { desired: 2, scaled: true } },
    { name: 'scale down ignores failed pods', s: { ...down, requests: reqs(7), readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'] }, e: { desired: 3, scaled: true } },
    { name: 'scale down ignores deletion pods', s: { ...down, requests: reqs(7), readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'], deleting: [false, false, false, false, false, true, true] }, e: { desired: 3, scaled: true } },
  ]);
});

describe('upstream TestScaleContainerResource', () => {
  const container = (name: string, target: number): MetricSpec => ({ type: 'ContainerResource', containerResource: { name: 'cpu', container: name, target: { type: 'Utilization', averageUtilization: target } } });
  run([
    { name: 'scale up container resource', s: { min: 2, max: 6, spec: 3, status: 3, metrics: [container('container1', 30)], levels: [300, 500, 700], requests: reqs(3) }, e: { desired: 5, scaled: true } },
    { name: 'scale down container resource', s: { min: 2, max: 6, spec: 5, status: 5, metrics: [container('container2', 50)], levels: [100, 300, 500, 250, 250], requests: reqs(5), recommendations: [] }, e: { desired: 3, scaled: true } },
  ]);
});

describe('upstream TestScaleUpCM', () => {
  const base = { min: 2, max: 6, spec: 3, status: 3 };
  run([
    { name: 'scale up custom metric', s: { ...base, metrics: [podsQps('15')], levels: [20000, 10000, 30000], requests: reqs(3) }, e: { desired: 4, scaled: true } },
    { name: 'unready and hot cpu pods do not reduce scale for custom metric', s: { ...base, metrics: [podsQps('15')], levels: [50000, 10000, 30000], readiness: ['True', 'True', 'False'], start: ['3m', '3m', 'now'], requests: reqs(3) }, e: { desired: 6, scaled: true } },
    {
      name: 'unready and hot cpu pods scale to max with scaling limited condition',
      s: { ...base, metrics: [podsQps('15')], levels: [50000, 15000, 30000], readiness: ['False', 'True', 'False'], start: ['now', '3m', 'now'], requests: reqs(3) },
      e: { desired: 6, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'TooManyReplicas'), NOT_SCALED_TO_ZERO) },
    },
    { name: 'scale up external metric with value target', s: { ...base, metrics: [externalTarget({ type: 'Value', value: '6666m' })], levels: [8600] }, e: { desired: 4, scaled: true } },
    { name: 'scale up external metric with per-pod average value target', s: { ...base, metrics: [externalTarget({ type: 'AverageValue', averageValue: '2222m' })], levels: [8600] }, e: { desired: 4, scaled: true } },
  ]);
});

describe('upstream TestScaleUpCMObject (HPAScaleToZero on)', () => {
  const fromZero = [NOT_SCALED_TO_ZERO, cond('AbleToScale', 'True', 'SucceededRescale'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')];
  run([
    { name: 'scale up object metric with value target', s: { min: 2, max: 6, spec: 3, status: 3, metrics: [objectValue('15')], levels: [20000] }, e: { desired: 4, scaled: true } },
    { name: 'scale up from zero with HPAScaleToZero enabled', s: { min: 0, max: 6, spec: 0, status: 0, metrics: [objectValue('15')], levels: [20000], conditions: scaledToZeroTrue }, e: { desired: 2, scaled: true, conditions: fromZero } },
    { name: 'scale up from zero ignores tolerance with HPAScaleToZero enabled', s: { min: 0, max: 6, spec: 0, status: 0, metrics: [objectValue('1')], levels: [1000], conditions: scaledToZeroTrue }, e: { desired: 1, scaled: true, conditions: fromZero } },
    { name: 'scale up per-pod object metric with average value target', s: { min: 2, max: 6, spec: 3, status: 3, metrics: [objectAverage('10')], levels: [40000] }, e: { desired: 4, scaled: true } },
  ]);
});

describe('upstream TestScaleDownCM (HPAScaleToZero on)', () => {
  const base = { min: 2, max: 6, spec: 5, status: 5, recommendations: [] };
  run([
    { name: 'scale down pods metric', s: { ...base, metrics: [podsQps('20')], levels: [12000, 12000, 12000, 12000, 12000], requests: reqs(5) }, e: { desired: 3, scaled: true } },
    { name: 'scale down object metric with value target', s: { ...base, metrics: [objectValue('20')], levels: [12000], requests: reqs(5) }, e: { desired: 3, scaled: true } },
    { name: 'scale down to zero object metric with HPAScaleToZero enabled', s: { ...base, min: 0, metrics: [objectValue('20')], levels: [0], requests: reqs(5) }, e: { desired: 0, scaled: true, conditions: statusOk(cond('ScaledToZero', 'True', 'ScaledToZero')) } },
    { name: 'scale down per-pod object metric with average value target', s: { ...base, metrics: [objectAverage('20')], levels: [60000], requests: reqs(5) }, e: { desired: 3, scaled: true } },
    { name: 'scale down external metric with value target', s: { ...base, metrics: [externalTarget({ type: 'Value', value: '14400m' })], levels: [8600] }, e: { desired: 3, scaled: true } },
    { name: 'scale down to zero external metric with HPAScaleToZero enabled', s: { ...base, min: 0, metrics: [externalTarget({ type: 'Value', value: '14400m' })], levels: [0] }, e: { desired: 0, scaled: true, conditions: statusOk(cond('ScaledToZero', 'True', 'ScaledToZero')) } },
    { name: 'scale down per-pod external metric with average value target', s: { ...base, metrics: [externalTarget({ type: 'AverageValue', averageValue: '3000m' })], levels: [8600] }, e: { desired: 3, scaled: true } },
  ]);
});

describe('upstream TestScaleToZeroBehavior (HPAScaleToZero on)', () => {
  const disabled = [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'ScalingDisabled')];
  run([
    { name: 'from zero without condition, HPAScaleToZero enabled', s: { min: 0, max: 6, spec: 0, status: 0, metrics: [objectValue('15')], levels: [20000] }, e: { desired: 0, scaled: false, conditions: disabled } },
    {
      name: 'minReplicas increased with ScaledToZero condition, HPAScaleToZero enabled',
      s: { min: 2, max: 6, spec: 0, status: 0, metrics: [objectValue('15000m')], levels: [10000], conditions: scaledToZeroTrue },
      e: { desired: 2, scaled: true, conditions: [NOT_SCALED_TO_ZERO, cond('AbleToScale', 'True', 'SucceededRescale'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'True', 'TooFewReplicas')] },
    },
    {
      name: 'stale ScaledToZero condition cleared on normal rescale, HPAScaleToZero enabled',
      s: { min: 1, max: 6, spec: 3, status: 3, cpuTarget: 30, levels: [300, 500, 700], requests: reqs(3), conditions: scaledToZeroTrue },
      e: { desired: 5, scaled: true, conditions: [NOT_SCALED_TO_ZERO, cond('AbleToScale', 'True', 'SucceededRescale'), cond('ScalingActive', 'True', 'ValidMetricFound'), cond('ScalingLimited', 'False', 'DesiredWithinRange')] },
    },
    { name: 'manual scale to zero disables HPA, HPAScaleToZero enabled', s: { min: 1, max: 6, spec: 0, status: 0, cpuTarget: 50, levels: [], requests: [] }, e: { desired: 0, scaled: false, conditions: disabled } },
  ]);
});

describe('upstream TestTolerance', () => {
  const mixed = [900, 1000, 1100];
  const within = statusOk(cond('AbleToScale', 'True', 'ReadyForNewScale'));
  run([
    { name: 'CPU resource metric within tolerance', s: { min: 1, max: 5, spec: 3, status: 3, cpuTarget: 100, levels: [1010, 1030, 1020], requests: mixed }, e: { desired: 3, scaled: false, conditions: within } },
    { name: 'pods metric within tolerance', s: { min: 1, max: 5, spec: 3, status: 3, metrics: [podsQps('20')], levels: [20000, 20001, 21000], requests: mixed }, e: { desired: 3, scaled: false, conditions: within } },
    { name: 'object metric with value target within tolerance', s: { min: 1, max: 5, spec: 3, status: 3, metrics: [objectValue('20')], levels: [20050], requests: mixed }, e: { desired: 3, scaled: false, conditions: within } },
    { name: 'external metric with value target within tolerance', s: { min: 2, max: 6, spec: 4, status: 4, metrics: [externalTarget({ type: 'Value', value: '8666m' })], levels: [8600] }, e: { desired: 4, scaled: false, conditions: within } },
    {
      name: 'per-pod object metric with average value target within tolerance',
      s: {
        min: 2, max: 6, spec: 4, status: 4, levels: [8600],
        metrics: [{ type: 'Object', object: { describedObject: deployment, metric: { name: 'qps', selector: {} }, target: { type: 'AverageValue', averageValue: '2200m' } } }],
        // The served value carries the metric identifier the autoscaler asked for.
        extra: { customMetrics: [{ ...objectMetricValue('Deployment', 'some-deployment', 'qps', '8600m'), metric: { name: 'qps', selector: {} } }] },
      },
      e: { desired: 4, scaled: false, conditions: within },
    },
    { name: 'per-pod external metric with average value target within tolerance', s: { min: 2, max: 6, spec: 4, status: 4, metrics: [externalTarget({ type: 'AverageValue', averageValue: '2200m' })], levels: [8600] }, e: { desired: 4, scaled: false, conditions: within } },
  ]);
});

describe('upstream TestConfigurableTolerance (HPAConfigurableTolerance on)', () => {
  const mixed = [900, 1000, 1100];
  const ready = statusOk(cond('AbleToScale', 'True', 'ReadyForNewScale'));
  run([
    {
      name: 'scaling up because of a 1% configurable tolerance',
      s: { min: 1, max: 5, spec: 3, status: 3, cpuTarget: 100, behavior: { scaleUp: { tolerance: '0.01' } }, levels: [1010, 1030, 1020], requests: mixed },
      e: { desired: 4, scaled: true, conditions: statusOk(cond('AbleToScale', 'True', 'SucceededRescale'), NOT_SCALED_TO_ZERO) },
    },
    { name: 'no scale-down because of a 90% configurable tolerance', s: { min: 1, max: 5, spec: 3, status: 3, cpuTarget: 100, behavior: { scaleDown: { tolerance: '0.9' } }, levels: [300, 300, 300], requests: reqs(3) }, e: { desired: 3, scaled: false, conditions: ready } },
    { name: 'no scaling because of the large default tolerance', s: { min: 1, max: 5, spec: 3, status: 3, cpuTarget: 100, levels: [1010, 1030, 1020], requests: mixed }, e: { desired: 3, scaled: false, conditions: ready } },
  ]);
});

describe('upstream TestReplicaLimits', () => {
  const mixed = [900, 1000, 1100];
  const boundOnly = [cond('AbleToScale', 'True', 'SucceededRescale'), NOT_SCALED_TO_ZERO];
  run([
    { name: 'scale down clamped to min replicas', s: { min: 2, max: 5, spec: 3, status: 3, cpuTarget: 90, levels: [10, 95, 10], requests: mixed, recommendations: [] }, e: { desired: 2, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'TooFewReplicas'), NOT_SCALED_TO_ZERO) } },
    { name: 'scale down clamped to min when desired is zero', s: { min: 2, max: 5, spec: 3, status: 3, cpuTarget: 90, levels: [0, 0, 0], requests: mixed, recommendations: [] }, e: { desired: 2, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'TooFewReplicas'), NOT_SCALED_TO_ZERO) } },
    { name: 'no scaling when spec replicas is zero', s: { min: 3, max: 5, spec: 0, status: 0, cpuTarget: 90, levels: [], requests: [] }, e: { desired: 0, scaled: false, conditions: [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'ScalingDisabled')] } },
    { name: 'scale up to min when below min replicas', s: { min: 3, max: 5, spec: 2, status: 2, cpuTarget: 90, levels: [], requests: [] }, e: { desired: 3, scaled: true, conditions: boundOnly } },
    { name: 'scale down to max when above max replicas', s: { min: 3, max: 5, spec: 10, status: 10, cpuTarget: 90, levels: [], requests: [] }, e: { desired: 5, scaled: true, conditions: boundOnly } },
    { name: 'scale up clamped to max replicas', s: { min: 2, max: 5, spec: 3, status: 3, cpuTarget: 90, levels: [8000, 9500, 1000], requests: mixed }, e: { desired: 5, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'TooManyReplicas'), NOT_SCALED_TO_ZERO) } },
    { name: 'scale up to min immediately even with recent scale time', s: { min: 2, max: 6, spec: 1, status: 1, levels: [0, 0, 0, 0], requests: reqs(4), lastScaleTime: ago(0) }, e: { desired: 2, scaled: true, conditions: boundOnly } },
    { name: 'upscale capped by scaling policy', s: { min: 1, max: 100, spec: 3, status: 3, behavior: { scaleUp: rules(0, 0, 700, 60, 0) }, cpuTarget: 10, levels: [100, 200, 300], requests: reqs(3, 100) }, e: { desired: 24, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'ScaleUpLimit'), NOT_SCALED_TO_ZERO) } },
    { name: 'upscale cap greater than max replicas', s: { min: 1, max: 20, spec: 3, status: 3, behavior: { scaleUp: rules(0, 0, 700, 60, 0) }, cpuTarget: 10, levels: [100, 200, 300], requests: reqs(3, 100) }, e: { desired: 20, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'TooManyReplicas'), NOT_SCALED_TO_ZERO) } },
    { name: 'scale down to max immediately even with recent scale time', s: { min: 2, max: 5, spec: 6, status: 6, cpuTarget: 50, levels: [8000, 9500, 1000], requests: mixed, lastScaleTime: ago(0) }, e: { desired: 5, scaled: true, conditions: boundOnly } },
  ]);
});

describe('upstream TestMetricsEdgeCases', () => {
  run([
    { name: 'superfluous metrics reported', s: { min: 2, max: 6, spec: 4, status: 4, cpuTarget: 100, levels: [4000, 9500, 3000, 7000, 3200, 2000], requests: reqs(4) }, e: { desired: 6, scaled: true, error: false, conditions: statusOk(cond('ScalingLimited', 'True', 'TooManyReplicas'), NOT_SCALED_TO_ZERO) } },
    { name: 'missing metrics from some pods', s: { min: 2, max: 6, spec: 4, status: 4, cpuTarget: 100, levels: [400, 95], requests: reqs(4), recommendations: [] }, e: { desired: 3, scaled: true, error: false } },
    { name: 'empty metrics from all pods', s: { min: 2, max: 6, spec: 4, status: 4, cpuTarget: 100, levels: [], requests: reqs(4) }, e: { desired: 4, scaled: false, error: true, conditions: [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'FailedGetResourceMetric')] } },
    { name: 'empty CPU requests', s: { min: 1, max: 5, spec: 1, status: 1, cpuTarget: 100, levels: [200], requests: [] }, e: { desired: 1, scaled: false, error: true, conditions: [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'FailedGetResourceMetric')] } },
    { name: 'missing reports from some pods scales down', s: { min: 1, max: 5, spec: 4, status: 4, cpuTarget: 50, levels: [200], requests: [200], recommendations: [] }, e: { desired: 2, scaled: true, error: false } },
    { name: 'more replicas than spec no scale', s: { min: 1, max: 8, spec: 4, status: 5, cpuTarget: 50, levels: [500, 500, 500, 500, 500], requests: reqs(5) }, e: { desired: 4, scaled: false, error: false, conditions: statusOk(cond('AbleToScale', 'True', 'ReadyForNewScale')) } },
  ]);
});

describe('upstream TestEventCreation', () => {
  test('event created on scale up', () => {
    const d = check({ min: 1, max: 5, spec: 1, status: 1, cpuTarget: 50, levels: [200], requests: [200] }, { desired: 2, scaled: true });
    assert.deepEqual(d.events.map((e) => [e.type, e.reason, e.message]),
      [['Normal', 'SuccessfulRescale', 'New size: 2; reason: cpu resource utilization (percentage of request) above target']]);
  });
  test('no event when replicas unchanged', () => {
    const d = check({ min: 1, max: 5, spec: 2, status: 2, cpuTarget: 50, levels: [200, 200], requests: [400, 400] }, { desired: 2, scaled: false });
    assert.deepEqual(d.events, []);
  });
});

describe('upstream TestConditionSelectorValidation', () => {
  const base = { min: 1, max: 100, spec: 3, status: 3, cpuTarget: 10, levels: [100, 200, 300], requests: reqs(3, 100) };
  const overlapBase = { min: 2, max: 6, spec: 3, status: 3, cpuTarget: 30, levels: [300, 500, 700], requests: reqs(3) };
  const invalid = [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'InvalidSelector')];
  const ambiguous = [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'AmbiguousSelector')];
  run([
    { name: 'invalid selector missing', s: { ...base, selector: '' }, e: { desired: 3, scaled: false, error: true, conditions: invalid } },
    { name: 'invalid selector unparsable', s: { ...base, selector: 'cheddar cheese' }, e: { desired: 3, scaled: false, error: true, conditions: invalid } },
    // The engine gets the other autoscalers whose selectors pick the same pods as `selectorConflicts`.
    { name: 'no ambiguous selector when no overlap between HPAs', s: { ...overlapBase, extra: { selectorConflicts: [] } }, e: { desired: 5, scaled: true } },
    { name: 'ambiguous selector when full overlap between HPAs', s: { ...overlapBase, extra: { selectorConflicts: ['default/test-hpa-2'] } }, e: { desired: 3, scaled: false, error: true, conditions: ambiguous } },
    { name: 'ambiguous selector when partial overlap between HPAs', s: { ...overlapBase, extra: { selectorConflicts: ['default/test-hpa-2'] } }, e: { desired: 3, scaled: false, error: true, conditions: ambiguous } },
  ]);
});

describe('upstream TestConditionFailedGetMetrics', () => {
  const base = { min: 1, max: 100, spec: 3, status: 3, levels: [100, 200, 300], requests: reqs(3, 100) };
  const failed = (reason: string): string[] => [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', reason)];
  const wrong = 'something went wrong';
  run([
    { name: 'failed get resource metric', s: { ...base, cpuTarget: 10, extra: { podMetrics: { error: wrong } } }, e: { desired: 3, scaled: false, error: true, conditions: failed('FailedGetResourceMetric') } },
    { name: 'failed get pods metric', s: { ...base, metrics: [podsQps('15')], extra: { metricErrors: { 0: wrong } } }, e: { desired: 3, scaled: false, error: true, conditions: failed('FailedGetPodsMetric') } },
    { name: 'failed get object metric', s: { ...base, metrics: [objectValue('15')], extra: { metricErrors: { 0: wrong } } }, e: { desired: 3, scaled: false, error: true, conditions: failed('FailedGetObjectMetric') } },
    { name: 'failed get external metric', s: { ...base, metrics: [externalTarget({ type: 'Value', value: '300m' })], extra: { metricErrors: { 0: wrong } } }, e: { desired: 3, scaled: false, error: true, conditions: failed('FailedGetExternalMetric') } },
  ]);
});

describe('upstream TestConditionFailedScale', () => {
  run([
    { name: 'failed get scale', s: { min: 1, max: 100, spec: 3, status: 3, cpuTarget: 10, levels: [100, 200, 300], requests: reqs(3, 100), extra: { scale: { error: 'something went wrong' } } }, e: { desired: 3, scaled: false, error: true, conditions: [cond('AbleToScale', 'False', 'FailedGetScale')] } },
    { name: 'failed update scale', s: { min: 1, max: 5, spec: 3, status: 3, cpuTarget: 100, levels: [150, 150, 150], requests: reqs(3, 100), extra: { rescaleError: 'something went wrong' } }, e: { desired: 3, scaled: false, error: true, conditions: statusOk(cond('AbleToScale', 'False', 'FailedUpdateScale')) } },
  ]);
});

describe('upstream TestScaleTimingBehavior', () => {
  const stabilized = statusOk(cond('AbleToScale', 'True', 'ScaleDownStabilized'));
  run([
    {
      name: 'no backoff upscale custom metric only',
      s: { min: 1, max: 5, spec: 3, status: 3, metrics: [podsQps('15')], levels: [20000, 10000, 30000], requests: reqs(3), lastScaleTime: ago(0) },
      e: { desired: 4, scaled: true, conditions: statusOk(NOT_SCALED_TO_ZERO) },
    },
    {
      name: 'no backoff upscale custom metric and CPU',
      s: { min: 1, max: 5, spec: 3, status: 3, cpuTarget: 10, metrics: [podsQps('15')], levels: [20000, 10000, 30000], requests: reqs(3), lastScaleTime: ago(0) },
      e: { desired: 5, scaled: true, conditions: statusOk(cond('ScalingLimited', 'True', 'TooManyReplicas'), NOT_SCALED_TO_ZERO) },
    },
    { name: 'stabilize downscale', s: { min: 1, max: 5, spec: 4, status: 4, cpuTarget: 100, levels: [50, 50, 50], requests: reqs(3, 100), recommendations: [[10, 600], [4, 60]] }, e: { desired: 4, scaled: false, conditions: stabilized } },
    { name: 'stabilize downscale initial size', s: { min: 2, max: 6, spec: 5, status: 5, cpuTarget: 50, levels: [100, 300, 500, 250, 250], requests: reqs(5) }, e: { desired: 5, scaled: false, conditions: stabilized } },
  ]);
});

describe('upstream TestOneMetricEmptyExternalError', () => {
  const external = externalTarget({ type: 'Value', value: '100m' });
  run([
    { name: 'scale up when one external metric errors', s: { min: 2, max: 6, spec: 3, status: 3, cpuTarget: 30, metrics: [external], levels: [300, 400, 500], requests: reqs(3), extra: { metricErrors: { 1: 'something went wrong' } } }, e: { desired: 4, scaled: true, error: 'invalid metrics (1 invalid out of 2)' } },
    {
      name: 'no scale down when one external metric errors',
      s: { min: 2, max: 6, spec: 5, status: 5, cpuTarget: 50, metrics: [externalTarget({ type: 'Value', value: '1' })], levels: [100, 300, 500, 250, 250], requests: reqs(5), recommendations: [], extra: { metricErrors: { 1: 'something went wrong' } } },
      e: { desired: 5, scaled: false, error: true, conditions: [SUCCEEDED_GET_SCALE, cond('ScalingActive', 'False', 'FailedGetExternalMetric')] },
    },
  ]);
});

describe('upstream TestScaleDownWithScalingRules (kubernetes/kubernetes copy)', () => {
  run([
    { name: 'scale down with scale-up rules only', s: { min: 2, max: 6, spec: 5, status: 5, behavior: { scaleUp: rules(0, 0, 100, 15, 30) }, cpuTarget: 50, levels: [100, 300, 500, 250, 250], requests: reqs(5), recommendations: [] }, e: { desired: 3, scaled: true, cpuUtilization: 28 } },
  ]);
});

describe('upstream TestBuildQuantity (status current.averageValue of a Resource AverageValue metric)', () => {
  const cases: { name: string; resource: string; usage: string; expected: string }[] = [
    { name: 'Memory - 1000 bytes → 1Ki', resource: 'memory', usage: '1', expected: '1' }, // raw proposal 1000 milli-bytes
    { name: 'Memory - 1000000 bytes → 1000Ki', resource: 'memory', usage: '1000', expected: '1k' }, // raw proposal 1000000 milli-bytes; Go prints BinarySI values below 1024 as DecimalSI
    { name: 'CPU - 100 milli-cores', resource: 'cpu', usage: '100m', expected: '100m' },
    { name: 'CPU - 500 milli-cores', resource: 'cpu', usage: '500m', expected: '500m' },
    { name: 'CPU - 1 milli-core', resource: 'cpu', usage: '1m', expected: '1m' },
    { name: 'CustomResource - 200 milli-units', resource: 'custom-resource', usage: '200m', expected: '200m' },
    { name: 'CustomResource - 300 milli-units', resource: 'custom-resource', usage: '300m', expected: '300m' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const d = decide({
        autoscaler: autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: c.resource, target: { type: 'AverageValue', averageValue: c.usage } } }] }, { recommendations: [] }),
        scale: scale(1),
        pods: [pod('test-pod-0')],
        podMetrics: [{ metadata: { name: 'test-pod-0', namespace: 'default' }, timestamp: ago(0), window: '1m0s', containers: [{ name: 'app', usage: { [c.resource]: c.usage } }] }],
        now: NOW,
        config: CONFIG,
      });
      assert.equal(d.explanation.metrics[0]?.error, undefined);
      assert.equal(d.status.currentMetrics?.[0]?.resource?.current.averageValue, c.expected);
    });
  }
});

// Upstream feeds its controller specs that its own API server rejects (an unknown metric type
// "CheddarCheese"; minReplicas 0 with only a CPU metric): its unit tests bypass validation. kscale
// validates the spec inside decide(), so for these inputs it reports InvalidSpec and never scales
// (upstream's answers: scale to 4, disable at zero, hold with InvalidMetricSourceType, scale to 0).
describe('upstream cases with specs the API server would reject: kscale refuses them', () => {
  const cheddar = { type: 'CheddarCheese' } as unknown as MetricSpec;
  const invalidSpec = [cond('ScalingActive', 'False', 'InvalidSpec')];
  run([
    { name: 'TestScaleWithOneInvalidMetric: scale up with one invalid metric', s: { min: 2, max: 6, spec: 3, status: 3, cpuTarget: 30, metrics: [cheddar], levels: [300, 400, 500], requests: reqs(3) }, e: { desired: 3, scaled: false, conditions: invalidSpec, error: 'spec.metrics[1].type: Unsupported value: "CheddarCheese"' } },
    { name: 'TestScaleWithOneInvalidMetric: from zero with invalid metric, HPAScaleToZero enabled', s: { min: 0, max: 6, spec: 0, status: 0, cpuTarget: 30, metrics: [cheddar], levels: [300, 400, 500], requests: reqs(3), recommendations: [] }, e: { desired: 0, scaled: false, conditions: invalidSpec, error: 'Unsupported value: "CheddarCheese"' } },
    { name: 'TestInvalidMetricSourceType: only invalid metric source type', s: { min: 2, max: 6, spec: 3, status: 3, metrics: [cheddar], levels: [20000] }, e: { desired: 3, scaled: false, error: true, conditions: invalidSpec } },
    { name: 'TestInvalidMetricSourceType: no scale down when one metric has invalid source type', s: { min: 2, max: 6, spec: 5, status: 5, cpuTarget: 50, metrics: [cheddar], levels: [100, 300, 500, 250, 250], requests: reqs(5), recommendations: [] }, e: { desired: 5, scaled: false, error: true, conditions: invalidSpec } },
    {
      name: 'TestReplicaLimits: scale down to zero when min replicas is zero',
      s: { min: 0, max: 5, spec: 3, status: 3, cpuTarget: 90, levels: [0, 0, 0], requests: [900, 1000, 1100], recommendations: [] },
      e: { desired: 3, scaled: false, conditions: invalidSpec, error: 'spec.minReplicas: must be greater than or equal to 1 unless at least one Object or External metric' },
    },
  ]);
});
