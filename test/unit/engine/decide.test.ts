// decide(): the order of operations of upstream reconcileAutoscaler (reference §3), conditions (§10),
// events (§11), status (§12), and kscale's additions (history in status, dry run, pause, conflicts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide } from '../../../src/engine/decide.ts';
import type { Condition } from '../../../src/api/types.ts';
import type { Snapshot } from '../../../src/engine/snapshot.ts';
import { NOW, ago, autoscaler, cpuUtilization, externalValue, iso, pod, podMetrics, scale, snapshot } from '../../support/builders.ts';

const cond = (conditions: Condition[] | undefined, type: string): Condition | undefined => conditions?.find((c) => c.type === type);
const reasons = (conditions: Condition[] | undefined): string[] => (conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason ?? ''}`);

/** Three pods at 1 CPU request each, using the given milli-CPU. */
function cpuSnapshot(usage: number[], extra: Partial<Snapshot> = {}, spec = {}): Snapshot {
  const pods = usage.map((_, i) => pod(`web-${i}`));
  const metrics = usage.map((u, i) => podMetrics(`web-${i}`, { cpu: `${u}m` }));
  return snapshot({ autoscaler: autoscaler(spec), scale: scale(usage.length), pods, podMetrics: metrics, ...extra });
}

describe('decide: scaling from resource utilization', () => {
  test('worked example 1: 93% of 60% target on 3 pods → 5', () => {
    const s = snapshot({
      autoscaler: autoscaler({ metrics: [cpuUtilization(60)] }),
      scale: scale(3),
      pods: ['a', 'b', 'c'].map((n) => pod(n, { cpu: '500m' })),
      podMetrics: [podMetrics('a', { cpu: '400m' }), podMetrics('b', { cpu: '450m' }), podMetrics('c', { cpu: '550m' })],
    });
    const d = decide(s);
    assert.equal(d.scaleTo, 5);
    assert.equal(d.desiredReplicas, 5);
    assert.equal(d.rescaleReason, 'cpu resource utilization (percentage of request) above target');
    assert.deepEqual(d.events.map((e) => [e.type, e.reason, e.message]),
      [['Normal', 'SuccessfulRescale', 'New size: 5; reason: cpu resource utilization (percentage of request) above target']]);
    assert.deepEqual(d.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 93, averageValue: '466m' } } }]);
    assert.deepEqual(reasons(d.status.conditions), ['AbleToScale=True/SucceededRescale', 'ScalingActive=True/ValidMetricFound', 'ScalingLimited=False/DesiredWithinRange', 'ScaledToZero=False/NotScaledToZero']);
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.message, 'the HPA controller was able to update the target scale to 5');
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.message, 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)');
    assert.equal(d.status.lastScaleTime, '2026-11-23T12:00:00Z');
    assert.equal(d.status.currentReplicas, 3);
    assert.equal(d.status.desiredReplicas, 5);
    assert.equal(d.status.observedGeneration, 1);
    assert.equal(d.explanation.proposed, 5);
    assert.equal(d.explanation.metrics[0]?.detail?.ready, 3);
  });

  test('inside tolerance: no change, desired = current, ReadyForNewScale', () => {
    const d = decide(cpuSnapshot([550, 550, 550])); // 55% of 50% → ratio 1.1, inclusive edge
    assert.equal(d.scaleTo, null);
    assert.equal(d.desiredReplicas, 3);
    assert.equal(d.explanation.limitedBy, 'tolerance');
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.reason, 'ReadyForNewScale');
    assert.deepEqual(d.events, []);
    assert.equal(d.status.lastScaleTime, undefined);
  });

  test('just outside tolerance scales', () => {
    const d = decide(cpuSnapshot([560, 560, 560])); // 56/50 = 1.12 → ceil(3.36) = 4
    assert.equal(d.scaleTo, 4);
  });

  test('per-direction tolerance from behavior', () => {
    const up = { scaleUp: { tolerance: '0.2' } };
    assert.equal(decide(cpuSnapshot([590, 590, 590], {}, { behavior: up })).scaleTo, null, '1.18 is within a 20% up tolerance');
    assert.equal(decide(cpuSnapshot([590, 590, 590])).scaleTo, 4, '1.18 is outside the default 10%');
    // 20 pods at 47% of a 50% target: ratio 0.94, ceil(0.94 × 20) = 19.
    const twenty = Array.from({ length: 20 }, () => 470);
    const down = { scaleDown: { tolerance: '50m', stabilizationWindowSeconds: 0 } };
    assert.equal(decide(cpuSnapshot(twenty, {}, { behavior: down, maxReplicas: 30 })).scaleTo, 19, '0.94 is outside a 5% down tolerance');
    assert.equal(decide(cpuSnapshot(twenty, {}, { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } }, maxReplicas: 30 })).scaleTo, null, 'but within the default 10%');
  });

  test('spec.tolerance overrides the controller default for both directions', () => {
    assert.equal(decide(cpuSnapshot([700, 700, 700], {}, { tolerance: '0.5' })).scaleTo, null);
    assert.equal(decide(cpuSnapshot([700, 700, 700])).scaleTo, 5);
  });
});

describe('decide: branches before metrics', () => {
  test('current above max jumps to max without metrics', () => {
    const d = decide(cpuSnapshot([100, 100, 100], { scale: scale(12) }, { maxReplicas: 10 }));
    assert.equal(d.scaleTo, 10);
    assert.equal(d.rescaleReason, 'Current number of replicas above Spec.MaxReplicas');
    assert.equal(d.status.currentMetrics, undefined);
    assert.equal(cond(d.status.conditions, 'ScalingActive'), undefined, 'ScalingActive is not touched in this branch');
  });

  test('current below min jumps to min', () => {
    const d = decide(cpuSnapshot([900], { scale: scale(1) }, { minReplicas: 2 }));
    assert.equal(d.scaleTo, 2);
    assert.equal(d.events[0]?.message, 'New size: 2; reason: Current number of replicas below Spec.MinReplicas');
  });

  test('target at zero replicas disables scaling', () => {
    const d = decide(cpuSnapshot([900], { scale: scale(0) }));
    assert.equal(d.scaleTo, null);
    assert.equal(d.desiredReplicas, 0);
    const active = cond(d.status.conditions, 'ScalingActive');
    assert.equal(active?.reason, 'ScalingDisabled');
    assert.equal(active?.message, 'scaling is disabled since the replica count of the target is zero');
  });

  test('scale read failure: FailedGetScale event and condition, nothing else', () => {
    const d = decide(snapshot({ autoscaler: autoscaler(), scale: { error: 'deployments.apps "web" not found' } }));
    assert.equal(d.scaleTo, null);
    assert.deepEqual(d.events, [{ type: 'Warning', reason: 'FailedGetScale', message: 'deployments.apps "web" not found' }]);
    const able = cond(d.status.conditions, 'AbleToScale');
    assert.equal(able?.status, 'False');
    assert.equal(able?.message, 'the HPA controller was unable to get the target\'s current scale: deployments.apps "web" not found');
  });

  test('an invalid spec never scales and names the bad fields', () => {
    const bad = autoscaler({ maxReplicas: 0, metrics: [{ type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'Utilization', averageUtilization: 50 } } }] });
    const d = decide(cpuSnapshot([900, 900, 900], { autoscaler: bad }));
    assert.equal(d.scaleTo, null);
    assert.equal(d.events[0]?.reason, 'InvalidSpec');
    assert.match(d.events[0]?.message ?? '', /spec\.maxReplicas: must be greater than or equal to 1/);
    assert.match(d.events[0]?.message ?? '', /spec\.metrics\[0\]\.pods\.target\.averageValue/);
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.reason, 'InvalidSpec');
  });

  test('missing selector: SelectorRequired and InvalidSelector, no scaling', () => {
    const d = decide(cpuSnapshot([900, 900, 900], { scale: { spec: { replicas: 3 }, status: { replicas: 3 } } }));
    assert.equal(d.scaleTo, null);
    assert.deepEqual(d.events.map((e) => e.reason), ['SelectorRequired', 'FailedComputeMetricsReplicas']);
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.message, "the HPA target's scale is missing a selector");
  });

  test('another writer of the same target blocks scaling with AmbiguousTarget', () => {
    const d = decide(cpuSnapshot([900, 900, 900], { targetConflicts: ['HorizontalPodAutoscaler default/web'] }));
    assert.equal(d.scaleTo, null);
    assert.equal(d.events[0]?.reason, 'AmbiguousTarget');
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.status, 'False');
  });

  test('overlapping selectors block scaling with AmbiguousSelector', () => {
    const d = decide(cpuSnapshot([900, 900, 900], { selectorConflicts: ['default/other'] }));
    assert.equal(d.scaleTo, null);
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.message, 'pods by selector app=web are controlled by multiple HPAs: [default/other default/web]');
  });
});

describe('decide: metric failures', () => {
  test('all metrics invalid: no scaling, FailedGetResourceMetric then FailedComputeMetricsReplicas', () => {
    const d = decide(cpuSnapshot([900, 900, 900], { podMetrics: [] }));
    assert.equal(d.scaleTo, null);
    assert.deepEqual(d.events.map((e) => e.reason), ['FailedGetResourceMetric', 'FailedComputeMetricsReplicas']);
    assert.equal(d.events[0]?.message, 'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    assert.equal(d.events[1]?.message, 'invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.message, 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
    assert.deepEqual(d.status.currentMetrics, [{ type: '' }]);
    assert.equal(d.explanation.limitedBy, 'invalidMetric');
  });

  test('metrics API error text is wrapped like upstream', () => {
    const d = decide(cpuSnapshot([900], { podMetrics: { error: 'the server is currently unable to handle the request' } }));
    assert.equal(d.events[0]?.message, 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server is currently unable to handle the request');
  });

  test('a failing metric still allows a scale-up from a valid one', () => {
    const s = cpuSnapshot([900, 900, 900], { metricErrors: { 1: 'boom' } }, {
      metrics: [cpuUtilization(50), { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } } }],
    });
    const d = decide(s);
    assert.equal(d.scaleTo, 6);
    assert.equal(d.rescaleReason, 'cpu resource utilization (percentage of request) above target');
    assert.match(d.error ?? '', /^invalid metrics \(1 invalid out of 2\), first error is: failed to get queue external metric value: /);
    assert.equal(d.events[0]?.reason, 'FailedGetExternalMetric');
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.reason, 'ValidMetricFound');
  });

  test('a failing metric forbids a scale-down', () => {
    const s = cpuSnapshot([100, 100, 100], { metricErrors: { 1: 'boom' } }, {
      metrics: [cpuUtilization(50), { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } } }],
    });
    const d = decide(s);
    assert.equal(d.scaleTo, null);
    assert.equal(d.desiredReplicas, 3);
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.reason, 'FailedGetExternalMetric');
    assert.equal(d.events.at(-1)?.reason, 'FailedComputeMetricsReplicas');
  });
});

describe('decide: limits', () => {
  test('worked example 4: legacy scale-up limit max(2×current, 4)', () => {
    const d = decide(cpuSnapshot([5000], { scale: scale(1) }, { maxReplicas: 20 }));
    assert.equal(d.scaleTo, 4);
    const limited = cond(d.status.conditions, 'ScalingLimited');
    assert.equal(limited?.status, 'True');
    assert.equal(limited?.reason, 'ScaleUpLimit');
    assert.equal(d.explanation.limitedBy, 'scaleUpLimit');
  });

  test('maxReplicas caps with TooManyReplicas', () => {
    const d = decide(cpuSnapshot([1000, 1000, 1000], {}, { maxReplicas: 5 }));
    assert.equal(d.scaleTo, 5);
    assert.equal(cond(d.status.conditions, 'ScalingLimited')?.reason, 'TooManyReplicas');
    assert.equal(d.explanation.limitedBy, 'maxReplicas');
  });

  test('minReplicas floors with TooFewReplicas', () => {
    const s = cpuSnapshot([10, 10, 10], { autoscaler: autoscaler({ minReplicas: 2 }, { recommendations: [] }) });
    const d = decide(s);
    assert.equal(d.scaleTo, 2);
    assert.equal(cond(d.status.conditions, 'ScalingLimited')?.reason, 'TooFewReplicas');
  });
});

describe('decide: stabilization history lives in status', () => {
  test('the first pass records the initial recommendation, holding a scale-down (worked example 7 shape)', () => {
    const d = decide(cpuSnapshot([100, 100, 100]));
    assert.equal(d.scaleTo, null);
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.reason, 'ScaleDownStabilized');
    assert.deepEqual(d.status.recommendations, [{ replicas: 3, time: iso(NOW) }, { replicas: 1, time: iso(NOW) }]);
    assert.equal(d.explanation.limitedBy, 'stabilization');
  });

  test('a restart keeps stabilization: history from status is honoured', () => {
    const status = { recommendations: [{ replicas: 3, time: ago(200) }] };
    const held = decide(cpuSnapshot([100, 100, 100], { autoscaler: autoscaler({}, status) }));
    assert.equal(held.scaleTo, null);
    const released = decide(cpuSnapshot([100, 100, 100], { autoscaler: autoscaler({}, { recommendations: [{ replicas: 3, time: ago(301) }] }) }));
    assert.equal(released.scaleTo, 1);
    assert.deepEqual(released.status.recommendations, [{ replicas: 1, time: iso(NOW) }], 'the expired slot is reused');
  });

  test('legacy window edge is inclusive: exactly 300 s old still counts', () => {
    const d = decide(cpuSnapshot([100, 100, 100], { autoscaler: autoscaler({}, { recommendations: [{ replicas: 3, time: ago(300) }] }) }));
    assert.equal(d.scaleTo, null);
  });

  test('scale events are stored with behavior and drive policies on the next pass', () => {
    const behavior = { scaleUp: { policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }] } };
    const first = decide(cpuSnapshot([900, 900, 900], {}, { behavior }));
    assert.equal(first.scaleTo, 4);
    assert.deepEqual(first.status.scaleUpEvents, [{ replicaChange: 1, time: iso(NOW) }]);
    const next = { ...first.status };
    const later = NOW + 30_000;
    const s = cpuSnapshot([900, 900, 900, 900], { now: later, autoscaler: autoscaler({ behavior }, next) });
    const second = decide(s);
    assert.equal(second.scaleTo, null, 'the 60 s period still holds the +1 from 30 s ago');
    assert.equal(cond(second.status.conditions, 'ScalingLimited')?.reason, 'ScaleUpLimit');
  });

  test('conditions keep lastTransitionTime while their status does not change', () => {
    const earlier = '2026-11-23T11:00:00Z';
    const status = { conditions: [{ type: 'ScalingActive', status: 'True' as const, lastTransitionTime: earlier, reason: 'ValidMetricFound', message: 'x' }] };
    const d = decide(cpuSnapshot([500, 500, 500], { autoscaler: autoscaler({}, status) }));
    assert.equal(cond(d.status.conditions, 'ScalingActive')?.lastTransitionTime, earlier);
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.lastTransitionTime, '2026-11-23T12:00:00Z');
    assert.deepEqual(d.status.conditions?.map((c) => c.type), ['ScalingActive', 'AbleToScale', 'ScalingLimited'], 'new conditions are appended');
  });
});

describe('decide: failed scale update', () => {
  test('rescaleError yields FailedRescale and keeps the previous desired count', () => {
    const s = cpuSnapshot([900, 900, 900], { rescaleError: 'Operation cannot be fulfilled: conflict', autoscaler: autoscaler({}, { desiredReplicas: 3 }) });
    const d = decide(s);
    assert.equal(d.scaleTo, null);
    assert.equal(d.desiredReplicas, 3);
    assert.deepEqual(d.events.map((e) => e.message), ['New size: 6; reason: cpu resource utilization (percentage of request) above target; error: Operation cannot be fulfilled: conflict']);
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.reason, 'FailedUpdateScale');
    assert.equal(d.status.lastScaleTime, undefined);
  });
});

describe('decide: dry run and pause', () => {
  test('dryRun decides and reports but never scales', () => {
    const d = decide(cpuSnapshot([900, 900, 900], {}, { dryRun: true }));
    assert.equal(d.scaleTo, null);
    assert.equal(d.desiredReplicas, 6);
    assert.equal(d.events[0]?.reason, 'DryRunRescale');
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.reason, 'DryRun');
    assert.equal(d.explanation.limitedBy, 'dryRun');
  });

  test('kscale.dev/paused pauses both directions', () => {
    const a = autoscaler({}, undefined, { annotations: { 'kscale.dev/paused': 'true' } });
    const d = decide(cpuSnapshot([900, 900, 900], { autoscaler: a }));
    assert.equal(d.scaleTo, null);
    assert.equal(cond(d.status.conditions, 'AbleToScale')?.reason, 'Paused');
  });

  test('paused-scale-down lets scale-ups through', () => {
    const meta = { annotations: { 'kscale.dev/paused-scale-down': 'true' } };
    assert.equal(decide(cpuSnapshot([900, 900, 900], { autoscaler: autoscaler({}, undefined, meta) })).scaleTo, 6);
    const down = decide(cpuSnapshot([100, 100, 100], { autoscaler: autoscaler({}, { recommendations: [] }, meta) }));
    assert.equal(down.scaleTo, null);
    assert.equal(down.explanation.limitedBy, 'paused');
  });
});

describe('decide: scale to zero (KEP-2021, newest semantics)', () => {
  const queue = { type: 'External' as const, external: { metric: { name: 'queue' }, target: { type: 'AverageValue' as const, averageValue: '10' } } };

  test('an idle External metric scales to zero with minReplicas 0 and sets ScaledToZero', () => {
    const s = snapshot({
      autoscaler: autoscaler({ minReplicas: 0, metrics: [queue] }, { recommendations: [] }),
      scale: scale(2), pods: [pod('a'), pod('b')], externalMetrics: [externalValue('queue', '0')],
    });
    const d = decide(s);
    assert.equal(d.scaleTo, 0);
    assert.equal(cond(d.status.conditions, 'ScaledToZero')?.status, 'True');
  });

  test('from zero, only a workload kscale scaled to zero wakes up, by ceil(total/target)', () => {
    const zeroed = { recommendations: [], conditions: [{ type: 'ScaledToZero', status: 'True' as const, reason: 'ScaledToZero', message: '' }] };
    const s = snapshot({ autoscaler: autoscaler({ minReplicas: 0, metrics: [queue] }, zeroed), scale: scale(0), externalMetrics: [externalValue('queue', '25')] });
    const d = decide(s);
    assert.equal(d.scaleTo, 3);
    assert.equal(cond(d.status.conditions, 'ScaledToZero')?.reason, 'NotScaledToZero');
    const manual = decide({ ...s, autoscaler: autoscaler({ minReplicas: 0, metrics: [queue] }) });
    assert.equal(manual.scaleTo, null);
    assert.equal(cond(manual.status.conditions, 'ScalingActive')?.reason, 'ScalingDisabled');
  });
});

describe('decide: purity', () => {
  test('the same snapshot gives the same decision and the input is not mutated', () => {
    const s = cpuSnapshot([900, 900, 900], { autoscaler: autoscaler({}, { recommendations: [{ replicas: 2, time: ago(10) }] }) });
    const before = JSON.stringify(s);
    assert.deepEqual(decide(s), decide(s));
    assert.equal(JSON.stringify(s), before);
  });
});
