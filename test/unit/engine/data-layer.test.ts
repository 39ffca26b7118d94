// The engine's data layer: each metric entry reads only its own fetched values, the recommendation
// history is kept compact without changing any decision, and a resumed controller records the
// current count as upstream does for an autoscaler it sees first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { MetricSpec } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import { compactRecommendations, normalizeLegacy, normalizeWithBehavior, type TimedRecommendation } from '../../../src/engine/normalize.ts';
import { effectiveSpec, UPSTREAM_DEFAULTS } from '../../../src/api/defaults.ts';
import { NOW, ago, autoscaler, externalValue, iso, pod, podsMetricValue, scale, snapshot } from '../../support/builders.ts';

const external = (target: string, selector?: Record<string, string>): MetricSpec => ({
  type: 'External', external: { metric: { name: 'queue_depth', ...(selector ? { selector: { matchLabels: selector } } : {}) }, target: { type: 'AverageValue', averageValue: target } },
});
const pods3 = ['a', 'b', 'c'].map((n) => pod(n));

describe('each metric entry owns its values', () => {
  test('two entries of one external metric: each is decided on what was fetched for it (issue 9 defect 1)', () => {
    // queue_depth{queue=a} = 30 on 3 pods; targets 10 and 20 per pod → 3 and 2: stay at 3, as the HPA does.
    const series = [externalValue('queue_depth', '30', { queue: 'a' })];
    const d = decide(snapshot({
      autoscaler: autoscaler({ metrics: [external('10', { queue: 'a' }), external('20')] }), scale: scale(3), pods: pods3,
      metricValues: [{ external: series }, { external: series }],
    }));
    assert.equal(d.scaleTo, null);
    assert.deepEqual(d.explanation.metrics.map((m) => m.replicas), [3, 2]);
    assert.deepEqual(d.status.currentMetrics?.map((m) => m.external?.current.averageValue), ['10', '10'], 'status reports each entry\'s own average');
  });

  test('two identical entries do not add up each other\'s values', () => {
    const series = [externalValue('queue_depth', '30')];
    const d = decide(snapshot({
      autoscaler: autoscaler({ metrics: [external('10'), external('10')] }), scale: scale(3), pods: pods3,
      metricValues: [{ external: series }, { external: series }],
    }));
    assert.equal(d.scaleTo, null, 'HPA stays at 3; summing both entries\' values would scale to 6');
  });

  test('a failed fetch fails only its own entry', () => {
    const d = decide(snapshot({
      autoscaler: autoscaler({ metrics: [external('10'), external('10', { queue: 'a' })] }), scale: scale(3), pods: pods3,
      metricValues: [{ error: 'the server is currently unable to handle the request' }, { external: [externalValue('queue_depth', '90', { queue: 'a' })] }],
    }));
    assert.deepEqual(d.explanation.metrics.map((m) => m.replicas ?? m.error?.slice(0, 41)), ['failed to get queue_depth external metric', 9]);
    assert.equal(d.scaleTo, 6, 'a scale-up on the valid metric goes ahead (upstream §7), to the legacy limit of 2 × 3');
  });

  test('Pods metrics: values of the entry, never of a same-named entry with another selector', () => {
    const metric = (selector?: Record<string, string>): MetricSpec => ({ type: 'Pods', pods: { metric: { name: 'rps', ...(selector ? { selector: { matchLabels: selector } } : {}) }, target: { type: 'AverageValue', averageValue: '100' } } });
    const d = decide(snapshot({
      autoscaler: autoscaler({ metrics: [metric(), metric({ path: 'api' })] }), scale: scale(3), pods: pods3,
      metricValues: [{ custom: ['a', 'b', 'c'].map((n) => podsMetricValue(n, 'rps', '100')) }, { custom: ['a', 'b', 'c'].map((n) => podsMetricValue(n, 'rps', '400')) }],
    }));
    assert.deepEqual(d.explanation.metrics.map((m) => m.replicas), [3, 12]);
  });

  test('older snapshot files (one flat list) are still read, matched by name and selector', () => {
    const d = decide(snapshot({
      autoscaler: autoscaler({ metrics: [external('10', { queue: 'a' })] }), scale: scale(3), pods: pods3,
      externalMetrics: [externalValue('queue_depth', '60', { queue: 'a' }), externalValue('queue_depth', '900', { queue: 'b' })],
    }));
    assert.equal(d.scaleTo, 6);
  });
});

describe('the recommendation history is compact and decides exactly as the full list', () => {
  test('latest time per distinct value, oldest first, pruned to the longest window', () => {
    const list = [{ replicas: 3, time: 1000 }, { replicas: 5, time: 2000 }, { replicas: 3, time: 3000 }, { replicas: 2, time: 500 }];
    assert.deepEqual(compactRecommendations(list), [{ replicas: 2, time: 500 }, { replicas: 5, time: 2000 }, { replicas: 3, time: 3000 }]);
    assert.deepEqual(compactRecommendations(list, 3500, 2000), [{ replicas: 5, time: 2000 }, { replicas: 3, time: 3000 }]);
  });

  test('a steady recommendation keeps one entry whatever the number of passes', () => {
    let status = {};
    for (let i = 0; i < 40; i++) {
      const now = NOW + i * 15_000;
      const d = decide(snapshot({ autoscaler: autoscaler({ metrics: [external('10')] }, status), scale: scale(3), pods: pods3, now, metricValues: [{ external: [externalValue('queue_depth', '30')] }] }));
      status = d.status;
    }
    assert.deepEqual((status as { recommendations: unknown }).recommendations, [{ replicas: 3, time: iso(NOW + 39 * 15_000) }]);
  });

  // Property: feeding the same proposals through the normalizer with the full list and with the
  // compact list gives the same outcome at every step, for any windows and policies.
  const step = fc.record({ proposed: fc.integer({ min: 0, max: 20 }), dt: fc.integer({ min: 0, max: 120_000 }) });
  test('legacy stabilization: identical outcomes with the full and the compact list', () => {
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 600_000 }), (steps, windowMs) => {
      let now = NOW; let current = 5;
      let full: TimedRecommendation[] = [{ replicas: current, time: now }];
      let compact = full;
      for (const s of steps) {
        now += s.dt;
        const args = { current, proposed: s.proposed, min: 1, max: 15, now, windowMs };
        const a = normalizeLegacy({ ...args, recommendations: full });
        const b = normalizeLegacy({ ...args, recommendations: compact });
        assert.deepEqual({ ...b, recommendations: [] }, { ...a, recommendations: [] });
        full = a.recommendations;
        compact = compactRecommendations(b.recommendations, now, windowMs);
        current = a.desired;
      }
    }), { numRuns: 300 });
  });

  test('behavior stabilization: identical outcomes with the full and the compact list', () => {
    const spec = (up: number, down: number) => effectiveSpec({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 15,
      behavior: { scaleUp: { stabilizationWindowSeconds: up }, scaleDown: { stabilizationWindowSeconds: down } },
    }, UPSTREAM_DEFAULTS);
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 600 }), (steps, up, down) => {
      const behavior = spec(up, down).behavior;
      assert.ok(behavior);
      let now = NOW; let current = 5;
      let full: TimedRecommendation[] = [{ replicas: current, time: now }];
      let compact = full;
      for (const s of steps) {
        now += s.dt;
        const args = { current, proposed: s.proposed, min: 1, max: 15, now, behavior, scaleUpEvents: [], scaleDownEvents: [] };
        const a = normalizeWithBehavior({ ...args, recommendations: full });
        const b = normalizeWithBehavior({ ...args, recommendations: compact });
        assert.deepEqual({ ...b, recommendations: [] }, { ...a, recommendations: [] });
        full = a.recommendations;
        compact = compactRecommendations(b.recommendations, now, Math.max(up, down) * 1000);
        current = a.desired;
      }
    }), { numRuns: 300 });
  });
});

describe('a resumed controller', () => {
  const cpuLow = { pods: pods3, podMetrics: [] };
  test('records the current count next to the persisted history, as upstream does when it first sees an autoscaler', () => {
    const queue = (v: string) => ({ metricValues: [{ external: [externalValue('queue_depth', v)] }] });
    // Persisted long ago with 3 (beyond the 300 s window); the load now asks for 1.
    const status = { recommendations: [{ replicas: 3, time: ago(900) }] };
    const fresh = decide(snapshot({ autoscaler: autoscaler({ metrics: [external('10')] }, status), scale: scale(3), ...cpuLow, ...queue('5') }));
    assert.equal(fresh.scaleTo, 1, 'the same process trusts its own history');
    const resumed = decide(snapshot({ autoscaler: autoscaler({ metrics: [external('10')] }, status), scale: scale(3), ...cpuLow, ...queue('5'), resumed: true }));
    assert.equal(resumed.scaleTo, null, 'after a restart the current count holds for a window, as upstream holds it');
    assert.equal(resumed.explanation.limitedBy, 'stabilization');
  });
});

describe('scaleTargetRef parts stay path segments', () => {
  test('an apiVersion with more than one slash is invalid, as upstream ParseGroupVersion says', async () => {
    const { validateSpec } = await import('../../../src/api/validation.ts');
    const errors = validateSpec({ scaleTargetRef: { apiVersion: '../../api/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3 });
    assert.deepEqual(errors.map((e) => e.path), ['spec.scaleTargetRef.apiVersion']);
    assert.deepEqual(validateSpec({ scaleTargetRef: { apiVersion: 'apps/v1?watch=true', kind: 'Deployment', name: 'web' }, maxReplicas: 3 }), [], 'one slash: admitted, as upstream admits it');
  });

  test('pathOf escapes every segment, dots included', async () => {
    const { pathOf } = await import('../../../src/kube/http.ts');
    assert.equal(pathOf('apps', 'v1?watch=true'), '/apps/v1%3Fwatch%3Dtrue');
    assert.throws(() => pathOf('..', 'v1'), /"\.\." is not a valid path segment/, 'URL parsing would resolve it away, escaped or not');
    assert.throws(() => pathOf('apps', '.'), /not a valid path segment/);
  });
});
