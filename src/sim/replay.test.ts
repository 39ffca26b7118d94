// The replay: each tick is a real decide() on a snapshot built like the controller's, with the
// previous decision's status fed back; known traces give known timelines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoscaler, cpuUtilization } from '../../test/support/builders.ts';
import type { MetricSpec } from '../api/types.ts';
import { decide } from '../engine/decide.ts';
import type { ExternalMetricValue, MetricValue, PodMetrics } from '../engine/inputs.ts';
import type { MetricFetch } from '../engine/snapshot.ts';
import { replay, type ReplayStep } from './replay.ts';
import { renderJson } from './report-json.ts';
import { simulate } from './simulate.ts';
import { parseCsvTrace } from './trace-csv.ts';
import { parseJsonTrace } from './trace-json.ts';

const csv = (rows: string): ReturnType<typeof parseCsvTrace> => parseCsvTrace(rows, 'test.csv');
const at = (steps: readonly ReplayStep[], t: number): ReplayStep => {
  const s = steps.find((x) => x.tick.t === t);
  assert.ok(s, `no tick at ${t}`);
  return s;
};
const podNames = (s: ReplayStep): string[] => s.snapshot.pods.map((p) => p.metadata.name);
const cpuUsage = (s: ReplayStep | undefined): (string | number | undefined)[] => {
  const m = s?.snapshot.podMetrics;
  assert.ok(Array.isArray(m), 'pod metrics are a list');
  return (m as readonly PodMetrics[]).map((p) => p.containers[0]?.usage.cpu);
};

describe('replay follows the engine', () => {
  // 4 pods at a 50% target carry 2 cores; the load doubles at 60 s and falls to a quarter at 300 s.
  const trace = csv('time,cpu\n0,2\n60,4\n300,0.5\n900,0.5\n');
  const spec = { minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)] };

  test('each step agrees with decide() called directly on its snapshot, and feeds its status to the next', () => {
    const r = replay(autoscaler(spec), trace, { initialReplicas: 4 });
    assert.equal(r.steps.length, 61, 'ticks at 0, 15, ..., 900');
    r.steps.forEach((step, k) => {
      assert.deepEqual(decide(step.snapshot), step.decision, `tick ${step.tick.t}`);
      const next = r.steps[k + 1];
      if (!next) return;
      assert.deepEqual(next.snapshot.autoscaler.status, step.decision.status, `status carried from ${step.tick.t}`);
      const replicas = 'error' in next.snapshot.scale ? -1 : next.snapshot.scale.spec?.replicas;
      assert.equal(replicas, step.decision.scaleTo ?? step.tick.replicas, `replicas follow the decision at ${step.tick.t}`);
      assert.equal(next.snapshot.pods.length, replicas);
      assert.equal(next.snapshot.now - step.snapshot.now, 15_000);
    });
  });

  test('the first tick starts fresh, even when the input carries a status', () => {
    const withStatus = autoscaler(spec, { recommendations: [{ replicas: 9, time: '2020-01-01T00:00:00Z' }], desiredReplicas: 9 });
    const r = replay(withStatus, trace, { initialReplicas: 4 });
    assert.equal(r.steps[0]?.snapshot.autoscaler.status, undefined);
  });

  test('the same input gives identical JSON, and "4000m" replays exactly like 4', () => {
    const a = simulate([{ name: 'a', file: 'a.yaml', autoscaler: autoscaler(spec) }], trace, { initialReplicas: 4 });
    const b = simulate([{ name: 'a', file: 'a.yaml', autoscaler: autoscaler(spec) }], csv('time,cpu\n0,2000m\n60,4000m\n300,500m\n900,0.5\n'), { initialReplicas: 4 });
    const text = renderJson(a);
    assert.equal(renderJson(a), text);
    assert.equal(renderJson(b).replace(/"points": 4/, ''), text.replace(/"points": 4/, ''));
    assert.match(text, /"scaleTo": 8/, 'the replay did scale');
  });
});

describe('known timelines', () => {
  test('legacy scale-down stabilization: the first scale-down comes exactly 300 s after the load drops', () => {
    // On target (2 cores on 4 pods at 50%) until 600 s, then a quarter of it.
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)] }), csv('time,cpu\n0,2\n600,0.5\n1200,0.5\n'), { initialReplicas: 4 });
    const downs = r.steps.filter((s) => s.decision.scaleTo !== null);
    assert.deepEqual(downs.map((s) => [s.tick.t, s.tick.replicas, s.decision.scaleTo]), [[900, 4, 1]]);
    for (let t = 600; t < 900; t += 15) {
      const s = at(r.steps, t);
      assert.equal(s.tick.proposed, 1, `the metrics propose 1 at ${t}`);
      assert.equal(s.tick.limitedBy, 'stabilization', `held at ${t}`);
    }
    assert.equal(at(r.steps, 585).tick.limitedBy, 'tolerance');
  });

  test('behavior scale-down stabilization excludes the window boundary (upstream After), one tick earlier', () => {
    const spec = { minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)], behavior: { scaleDown: { stabilizationWindowSeconds: 300 } } };
    const r = replay(autoscaler(spec), csv('time,cpu\n0,2\n600,0.5\n1200,0.5\n'), { initialReplicas: 4 });
    assert.deepEqual(r.steps.filter((s) => s.decision.scaleTo !== null).map((s) => s.tick.t), [885]);
  });

  for (const [initial, first] of [[1, 4], [2, 4], [3, 6], [5, 10]] as const) {
    test(`legacy scale-up limit: a spike on ${initial} replica(s) first scales to max(2×${initial}, 4) = ${first}`, () => {
      const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 50, metrics: [cpuUtilization(50)] }), csv('time,cpu\n0,0.5\n30,40\n120,40\n'), { initialReplicas: initial });
      const first15 = r.steps.filter((s) => s.decision.scaleTo !== null);
      const spike = first15[0];
      assert.equal(spike?.tick.t, 30);
      assert.equal(spike.tick.replicas, initial);
      assert.equal(spike.decision.scaleTo, first);
      assert.equal(spike.tick.limitedBy, 'scaleUpLimit');
      assert.ok((spike.tick.proposed ?? 0) > first, 'the metric asked for more');
      const second = first15[1];
      assert.ok(second && (second.decision.scaleTo ?? 0) <= Math.max(2 * first, 4), 'the next step is limited again');
    });
  }
});

describe('workload model', () => {
  const spec = { minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)], behavior: { scaleUp: { policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 15 }] } } };

  test('new pods report nothing until Ready, then their CPU is ignored until a full metric window has passed', () => {
    // 2 pods, load doubles at 15 s: scale-up 2 → 4 at 15 s; new pods Ready at 45 s (ready delay 30 s), counted from 75 s.
    const r = replay(autoscaler(spec), csv('time,cpu\n0,1\n15,2\n300,2\n'), { initialReplicas: 2, readyDelaySeconds: 30 });
    assert.equal(at(r.steps, 15).decision.scaleTo, 4);
    const detail = (t: number): unknown => {
      const d = at(r.steps, t).decision.explanation.metrics[0]?.detail;
      return { ready: d?.ready, unready: d?.unready, missing: d?.missing };
    };
    assert.deepEqual(detail(30), { ready: 2, unready: 0, missing: 2 }, 'not Ready yet: no metrics');
    assert.equal(cpuUsage(at(r.steps, 30)).length, 2);
    assert.deepEqual(detail(45), { ready: 2, unready: 2, missing: 0 }, 'Ready, but the sample is younger than Ready + window');
    assert.deepEqual(detail(60), { ready: 2, unready: 2, missing: 0 });
    assert.deepEqual(detail(75), { ready: 4, unready: 0, missing: 0 }, 'counted a full window after Ready');
    assert.equal(at(r.steps, 75).tick.ready, 4);
    assert.equal(at(r.steps, 30).tick.ready, 2);
  });

  test('load is shared exactly among Ready pods', () => {
    const r = replay(autoscaler(spec), csv('time,cpu\n0,1\n'), { initialReplicas: 3 });
    assert.deepEqual(cpuUsage(r.steps[0]), ['334m', '333m', '333m']);
  });

  test('per-pod traces give every Ready pod the value', () => {
    const r = replay(autoscaler(spec), csv('time,cpu\n0,250m\n'), { initialReplicas: 3, perPod: true });
    assert.deepEqual(cpuUsage(r.steps[0]), ['250m', '250m', '250m']);
  });

  test('a scale-down removes the newest pods', () => {
    const r = replay(autoscaler({ ...spec, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }), csv('time,cpu\n0,1\n15,3\n200,0.4\n300,0.4\n'), { initialReplicas: 2 });
    const up = r.steps.find((s) => s.decision.scaleTo !== null && s.decision.scaleTo > s.tick.replicas);
    const down = r.steps.find((s) => s.decision.scaleTo !== null && s.decision.scaleTo < s.tick.replicas);
    assert.ok(up && down);
    assert.deepEqual(podNames(up), ['web-0', 'web-1']);
    const after = r.steps[r.steps.indexOf(down) + 1];
    assert.ok(after);
    assert.deepEqual(podNames(after), Array.from({ length: down.decision.scaleTo ?? 0 }, (_, i) => `web-${i}`));
  });

  test('a gap in the trace is a metric failure: the engine holds and reports it', () => {
    const trace = parseJsonTrace('{"points":[{"t":0,"cpu":1},{"t":60,"cpu":null},{"t":120,"cpu":4},{"t":180}]}');
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)] }), trace, { initialReplicas: 2 });
    for (const t of [60, 75, 90, 105]) {
      const s = at(r.steps, t);
      assert.equal(s.decision.scaleTo, null);
      assert.equal(s.tick.limitedBy, 'invalidMetric');
      assert.match(s.tick.error ?? '', /no metrics returned from resource metrics API/);
      assert.equal(s.tick.load.cpu, null);
      assert.equal(s.decision.events[0]?.reason, 'FailedGetResourceMetric');
    }
    assert.equal(at(r.steps, 120).decision.scaleTo, 4, 'scales as soon as the metric is back');
  });

  test('a start with no trace value yet is a gap too', () => {
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)] }), parseJsonTrace('{"points":[{"t":0,"other":1},{"t":30,"cpu":1}]}'), { initialReplicas: 2 });
    assert.equal(at(r.steps, 0).tick.limitedBy, 'invalidMetric');
    assert.equal(at(r.steps, 30).tick.error, undefined);
  });
});

const customOf = (f: MetricFetch | null | undefined): readonly MetricValue[] => (f && 'custom' in f ? f.custom : []);
const externalOf = (f: MetricFetch | null | undefined): readonly ExternalMetricValue[] => (f && 'external' in f ? f.external : []);

describe('metric kinds map to their columns', () => {
  const external: MetricSpec = { type: 'External', external: { metric: { name: 'queue_ready', selector: { matchLabels: { queue: 'orders' } } }, target: { type: 'AverageValue', averageValue: '30' } } };
  const pods: MetricSpec = { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } } };
  const object: MetricSpec = { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'hits' }, target: { type: 'Value', value: '1k' } } };

  test('External AverageValue: ceil(total / target) replicas', () => {
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 20, metrics: [external] }), csv('time,queue_ready\n0,300\n'), { initialReplicas: 2 });
    const s = r.steps[0];
    assert.deepEqual(externalOf(s?.snapshot.metricValues?.[0]).map((m) => [m.metricName, m.metricLabels, m.value]), [['queue_ready', { queue: 'orders' }, '300']]);
    assert.equal(s?.decision.explanation.proposed, 10);
    assert.equal(s?.tick.ratio.queue_ready, 300 / (30 * 2));
  });

  test('Pods metric: the total is shared among Ready pods', () => {
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 20, metrics: [pods] }), csv('time,rps\n0,900\n'), { initialReplicas: 3 });
    const s = r.steps[0];
    assert.deepEqual(customOf(s?.snapshot.metricValues?.[0]).map((m) => [m.describedObject.name, m.value]), [['web-0', '300'], ['web-1', '300'], ['web-2', '300']]);
    assert.equal(s?.decision.explanation.proposed, 9);
  });

  test('Object Value: the object carries the value', () => {
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 20, metrics: [object] }), csv('time,hits\n0,3k\n'), { initialReplicas: 2 });
    const s = r.steps[0];
    assert.deepEqual(customOf(s?.snapshot.metricValues?.[0]).map((m) => [m.describedObject.kind, m.describedObject.name, m.value]), [['Ingress', 'main', '3k']]);
    assert.equal(s?.decision.explanation.proposed, 6);
  });
});
