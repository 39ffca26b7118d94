// Every metric source and target type (reference §6): proposals, status entries, names, errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricSpec } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import type { Snapshot } from '../../../src/engine/snapshot.ts';
import { autoscaler, externalValue, objectMetricValue, pod, podMetrics, podsMetricValue, scale, snapshot } from '../../support/builders.ts';

const run = (metrics: MetricSpec[], s: Partial<Snapshot>): ReturnType<typeof decide> =>
  decide(snapshot({ autoscaler: autoscaler({ metrics, maxReplicas: 50 }, { recommendations: [] }), ...s }));
const pods3 = ['a', 'b', 'c'].map((n) => pod(n));

describe('Resource', () => {
  test('AverageValue target: average usage vs target; memory status in binary SI', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '256Mi' } } }];
    const d = run(metrics, { pods: pods3, podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { memory: '512Mi' })) });
    assert.equal(d.scaleTo, 6);
    assert.equal(d.rescaleReason, 'memory resource above target');
    assert.deepEqual(d.status.currentMetrics, [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '512Mi' } } }]);
  });
  test('averageValue wins over averageUtilization-type confusion: checked first', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } } }];
    const d = run(metrics, { pods: pods3, podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '1' })) });
    assert.equal(d.scaleTo, 6);
  });
  test('a container lacking the resource makes the pod missing', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }];
    const d = run(metrics, { pods: pods3, podMetrics: [podMetrics('a', { cpu: '100m' }), podMetrics('b', { cpu: '100m' }), podMetrics('c', { memory: '1Mi' })] });
    assert.equal(d.explanation.metrics[0]?.detail?.missing, 1);
  });
  test('worked example 2: scale-up with a pending pod is held (rebalance within tolerance)', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }];
    // 800m used of 1000m requested on each ready pod: 80% → r = 1.6; the pending pod counts as 0:
    // 1600 × 100 / 3000 = 53% → r' = 1.06, within tolerance → stay at 3.
    const d = run(metrics, { pods: [pod('a'), pod('b'), pod('c', { phase: 'Pending' })], podMetrics: [podMetrics('a', { cpu: '800m' }), podMetrics('b', { cpu: '800m' })] });
    assert.equal(d.scaleTo, null);
    assert.equal(d.explanation.metrics[0]?.detail?.heldBy, 'tolerance');
    assert.equal(d.explanation.metrics[0]?.detail?.rebalancedRatio, 53 / 50);
  });
  test('worked example 3: scale-down with a missing pod assumes 100% for it → 3', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }];
    const d = run(metrics, { scale: scale(4), pods: ['a', 'b', 'c', 'd'].map((n) => pod(n)), podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '100m' })) });
    assert.equal(d.scaleTo, 3);
    assert.equal(d.explanation.metrics[0]?.detail?.rebalancedRatio, 32 / 50);
  });
  test('missing pods on scale-down use the target when it is above 100%', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 200 } } }];
    // 3 × 100m of 1 CPU = 10% → ratio 0.05; missing pod at 200% → (300+2000)/4000 = 57% → 0.285 → ceil(1.14) = 2
    const d = run(metrics, { scale: scale(4), pods: ['a', 'b', 'c', 'd'].map((n) => pod(n)), podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '100m' })) });
    assert.equal(d.scaleTo, 2);
  });
  test('missing request fails the metric with upstream text', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }];
    const d = run(metrics, { pods: [pod('a', { cpu: null })], scale: scale(1), podMetrics: [podMetrics('a', { cpu: '1' })] });
    assert.equal(d.events[0]?.message, 'failed to get cpu utilization: missing request for cpu in container app of Pod a');
  });
  test('no pods selected', () => {
    const metrics: MetricSpec[] = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }];
    const d = run(metrics, { pods: [pod('a', { labels: { app: 'other' } })], podMetrics: [podMetrics('a', { cpu: '1' }, { labels: { app: 'other' } })] });
    assert.equal(d.events[0]?.message, 'failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API');
  });
});

describe('ContainerResource', () => {
  test('uses one container of each pod; name and status name the container', () => {
    const metrics: MetricSpec[] = [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } }];
    const ps = ['a', 'b'].map((n) => pod(n, { containers: [{ name: 'app', cpu: '1' }, { name: 'proxy', cpu: '1' }] }));
    const pm = ['a', 'b'].map((n) => podMetrics(n, { app: { cpu: '1' }, proxy: { cpu: '0' } }));
    const d = run(metrics, { scale: scale(2), pods: ps, podMetrics: pm });
    assert.equal(d.scaleTo, 4);
    assert.equal(d.rescaleReason, 'cpu container resource utilization (percentage of request) above target');
    assert.deepEqual(d.status.currentMetrics?.[0], { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 100, averageValue: '1' } } });
  });
});

describe('Pods', () => {
  const rps: MetricSpec = { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } };
  test('average per pod vs target', () => {
    const d = run([rps], { pods: pods3, customMetrics: ['a', 'b', 'c'].map((n) => podsMetricValue(n, 'rps', '30')) });
    assert.equal(d.explanation.metrics[0]?.replicas, 9, 'ceil(3 × 3)');
    assert.equal(d.scaleTo, 6, 'capped by the legacy limit max(2 × 3, 4)');
    assert.equal(d.rescaleReason, 'pods metric rps above target');
    assert.deepEqual(d.status.currentMetrics, [{ type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '30' } } }]);
  });
  test('missing pods count as the target on a scale-down; unready pods are not CPU-gated', () => {
    const d = run([rps], { scale: scale(4), pods: ['a', 'b', 'c', 'd'].map((n) => pod(n, { ready: 'False' })), customMetrics: ['a', 'b', 'c'].map((n) => podsMetricValue(n, 'rps', '1')) });
    // ratio 0.1 → missing d gets 10 → avg (3+10)/4 = 3.25 → 0.325 → ceil(1.3) = 2
    assert.equal(d.scaleTo, 2);
    assert.equal(d.explanation.metrics[0]?.detail?.unready, 0);
  });
  test('fetch failure and empty answers', () => {
    const failed = run([rps], { pods: pods3, metricErrors: { 0: 'metric rps not found' } });
    assert.equal(failed.events[0]?.reason, 'FailedGetPodsMetric');
    assert.equal(failed.events[0]?.message, 'unable to get metric rps: unable to fetch metrics from custom metrics API: metric rps not found');
    const empty = run([rps], { pods: pods3 });
    assert.equal(empty.events[0]?.message, 'unable to get metric rps: no metrics returned from custom metrics API');
  });
});

describe('Object', () => {
  const value: MetricSpec = { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'hits' }, target: { type: 'Value', value: '100' } } };
  const average: MetricSpec = { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'hits' }, target: { type: 'AverageValue', averageValue: '50' } } };
  test('Value: ratio × running-and-ready pods', () => {
    const ps = [pod('a'), pod('b'), pod('c', { ready: 'False' })];
    const d = run([value], { pods: ps, customMetrics: [objectMetricValue('Ingress', 'main', 'hits', '300')] });
    assert.equal(d.scaleTo, 6, 'ceil(3 × 2 ready pods)');
    assert.equal(d.rescaleReason, 'Ingress metric hits above target');
    assert.deepEqual(d.status.currentMetrics?.[0]?.object?.current, { value: '300' });
  });
  test('AverageValue: ceil(value / target), status per pod over status replicas; the "external" name quirk', () => {
    const d = run([average], { scale: scale(3, { statusReplicas: 2 }), pods: pods3, customMetrics: [objectMetricValue('Ingress', 'main', 'hits', '400')] });
    assert.equal(d.explanation.metrics[0]?.replicas, 8);
    assert.equal(d.scaleTo, 6);
    assert.equal(d.rescaleReason, 'external metric hits above target');
    assert.deepEqual(d.status.currentMetrics?.[0]?.object?.current, { averageValue: '200' });
  });
  test('fetch error text', () => {
    const d = run([value], { pods: pods3, metricErrors: { 0: 'not found' } });
    assert.equal(d.events[0]?.message, 'unable to get metric hits on Ingress default/main: unable to fetch metrics from custom metrics API: not found');
    assert.match(d.error ?? '', /first error is: failed to get object metric value: unable to get metric hits on Ingress default\/main/);
  });
});

describe('External', () => {
  const sel = { matchLabels: { queue: 'jobs' } };
  const value: MetricSpec = { type: 'External', external: { metric: { name: 'depth', selector: sel }, target: { type: 'Value', value: '10' } } };
  const average: MetricSpec = { type: 'External', external: { metric: { name: 'depth', selector: sel }, target: { type: 'AverageValue', averageValue: '10' } } };
  const series = [externalValue('depth', '25', { queue: 'jobs' }), externalValue('depth', '15', { queue: 'jobs' }), externalValue('depth', '999', { queue: 'other' })];
  test('Value: sum of matching series / target × ready pods', () => {
    const d = run([value], { pods: pods3, externalMetrics: series });
    assert.equal(d.explanation.metrics[0]?.replicas, 12);
    assert.equal(d.scaleTo, 6);
    assert.equal(d.rescaleReason, 'external metric depth{queue=jobs} above target', 'readable, where upstream prints Go\'s &LabelSelector{...} dump');
    assert.deepEqual(d.status.currentMetrics?.[0]?.external?.current, { value: '40' });
  });
  test('AverageValue: ceil(sum / target) and per-pod status', () => {
    const d = run([average], { pods: pods3, externalMetrics: series });
    assert.equal(d.scaleTo, 4);
    assert.deepEqual(d.status.currentMetrics?.[0]?.external?.current, { averageValue: '13334m' }, 'ceil(40000m / 3)');
  });
  test('AverageValue within tolerance holds at status replicas', () => {
    const d = run([average], { pods: pods3, externalMetrics: [externalValue('depth', '31', { queue: 'jobs' })] });
    assert.equal(d.scaleTo, null);
  });
  test('no matching series is an error', () => {
    const d = run([average], { pods: pods3, externalMetrics: [externalValue('depth', '1', { queue: 'other' })] });
    assert.equal(d.events[0]?.reason, 'FailedGetExternalMetric');
    assert.equal(d.events[0]?.message, 'unable to get external metric default/depth{queue=jobs}: no metrics returned from external metrics API');
  });
});

describe('multiple metrics', () => {
  test('the largest proposal wins and names the reason', () => {
    const metrics: MetricSpec[] = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
    ];
    const d = run(metrics, { pods: pods3, podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '600m' })), customMetrics: ['a', 'b', 'c'].map((n) => podsMetricValue(n, 'rps', '40')) });
    assert.equal(d.scaleTo, 6);
    assert.equal(d.rescaleReason, 'pods metric rps above target');
    assert.deepEqual(d.explanation.metrics.map((m) => m.replicas), [4, 12]);
  });
});
