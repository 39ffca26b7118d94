import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { ControllerMetrics } from './metrics.ts';

const OURS = [
  'kscale_reconciliations_total', 'kscale_reconciliation_duration_seconds', 'kscale_metric_computation_total',
  'kscale_metric_computation_duration_seconds', 'kscale_desired_replicas', 'kscale_current_replicas', 'kscale_min_replicas',
  'kscale_max_replicas', 'kscale_metric_value', 'kscale_metric_target', 'kscale_workqueue_depth', 'kscale_workqueue_wait_seconds',
  'kscale_evaluation_lag_seconds', 'kscale_api_requests_total', 'kscale_api_request_duration_seconds', 'kscale_leader',
  'kscale_informer_restarts_total', 'kscale_scale_events_total', 'kscale_events_dropped_total',
];

/** The sample lines of one metric family in the exposition text. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('ControllerMetrics', () => {
  test('registers every metric, with help text, on the given registry only', async () => {
    const registry = new Registry();
    new ControllerMetrics(registry);
    const json = await registry.getMetricsAsJSON();
    const names = json.map((m) => m.name);
    for (const n of OURS) assert.ok(names.includes(n), `${n} registered`);
    for (const m of json.filter((x) => x.name.startsWith('kscale_'))) assert.ok(m.help.length > 10, `${m.name} has help`);
    // Default metrics keep their stock names (no prefix).
    assert.ok(names.includes('process_cpu_user_seconds_total'));
    assert.ok(names.includes('nodejs_eventloop_lag_seconds'));
    assert.ok(!names.some((n) => n.startsWith('kscale_process') || n.startsWith('kscale_nodejs')));
    // Nothing leaked to the global registry, and a second instance on another registry does not collide.
    const { register } = await import('prom-client');
    assert.equal(register.getSingleMetric('kscale_leader'), undefined);
    assert.doesNotThrow(() => new ControllerMetrics(new Registry()));
  });

  test('exposes upstream-style reconciliation series and typed labels', async () => {
    const registry = new Registry();
    const m = new ControllerMetrics(registry);
    m.reconciliations.inc({ action: 'scale_up', error: 'none' });
    m.reconciliationDuration.observe({ action: 'scale_up', error: 'none' }, 0.02);
    m.metricComputations.inc({ action: 'none', error: 'internal', metric_type: 'Resource' });
    m.apiRequests.inc({ verb: 'get', code: '200' });
    m.apiRequests.inc({ verb: 'get', code: 'TimeoutError' });
    m.apiRequestDuration.observe({ verb: 'get' }, 0.03);
    m.queueDepth.set(3);
    m.leader.set(1);
    m.informerRestarts.inc({ resource: 'pods' });
    m.eventsDropped.inc();
    const text = await registry.metrics();
    assert.deepEqual(samples(text, 'kscale_reconciliations_total'), ['kscale_reconciliations_total{action="scale_up",error="none"} 1']);
    assert.ok(text.includes('kscale_reconciliation_duration_seconds_bucket{le="0.032",action="scale_up",error="none"} 1'));
    assert.ok(text.includes('kscale_metric_computation_total{action="none",error="internal",metric_type="Resource"} 1'));
    assert.ok(text.includes('kscale_api_requests_total{verb="get",code="TimeoutError"} 1'));
    assert.deepEqual(samples(text, 'kscale_workqueue_depth'), ['kscale_workqueue_depth 3']);
    assert.deepEqual(samples(text, 'kscale_leader'), ['kscale_leader 1']);
    assert.deepEqual(samples(text, 'kscale_events_dropped_total'), ['kscale_events_dropped_total 1']);
    assert.match(text, /# HELP kscale_evaluation_lag_seconds .+/);
    assert.match(text, /# TYPE kscale_evaluation_lag_seconds histogram/);
  });

  test('the leader gauge starts at 0', async () => {
    const registry = new Registry();
    new ControllerMetrics(registry);
    assert.deepEqual(samples(await registry.metrics(), 'kscale_leader'), ['kscale_leader 0']);
  });

  test('forget() removes every series of one object and keeps the others', async () => {
    const registry = new Registry();
    const m = new ControllerMetrics(registry);
    for (const name of ['a', 'b']) {
      const o = { namespace: 'ns', name };
      m.desiredReplicas.set(o, 4);
      m.currentReplicas.set(o, 2);
      m.minReplicas.set(o, 1);
      m.maxReplicas.set(o, 10);
      m.metricValue.set({ ...o, metric: 'cpu' }, 80);
      m.metricTarget.set({ ...o, metric: 'cpu' }, 50);
      m.metricValue.set({ ...o, metric: 'pods/rps' }, 12);
      m.metricTarget.set({ ...o, metric: 'pods/rps' }, 10);
      m.scaleEvents.inc({ ...o, direction: 'up' });
      m.scaleEvents.inc({ ...o, direction: 'down' });
    }
    m.desiredReplicas.set({ namespace: 'other', name: 'a' }, 1); // same name, other namespace
    m.forget('ns', 'a');
    const text = await registry.metrics();
    const perObject = ['kscale_desired_replicas', 'kscale_current_replicas', 'kscale_min_replicas', 'kscale_max_replicas',
      'kscale_metric_value', 'kscale_metric_target', 'kscale_scale_events_total'];
    for (const family of perObject) {
      const lines = samples(text, family);
      assert.ok(!lines.some((l) => l.includes('namespace="ns",name="a"')), `${family} forgot ns/a: ${lines.join('; ')}`);
      assert.ok(lines.some((l) => l.includes('namespace="ns",name="b"')), `${family} kept ns/b`);
    }
    assert.equal(samples(text, 'kscale_metric_value').length, 2);
    assert.ok(samples(text, 'kscale_desired_replicas').includes('kscale_desired_replicas{namespace="other",name="a"} 1'));
    assert.doesNotThrow(() => { m.forget('ns', 'never-seen'); });
  });
});
