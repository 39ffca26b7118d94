// Invariants of the engine over random inputs (fast-check): bounds, no scale-down with an invalid
// metric, no change inside tolerance, and monotonicity in the metric value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { HorizontalPodAutoscalerBehavior, MetricSpec } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import { autoscaler, cpuUtilization, pod, podMetrics, scale, snapshot } from '../../support/builders.ts';

const behaviorArb: fc.Arbitrary<HorizontalPodAutoscalerBehavior | undefined> = fc.option(fc.record({
  scaleUp: fc.record({
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 600 }),
    selectPolicy: fc.constantFrom('Max' as const, 'Min' as const),
    policies: fc.array(fc.record({ type: fc.constantFrom('Pods' as const, 'Percent' as const), value: fc.integer({ min: 1, max: 200 }), periodSeconds: fc.integer({ min: 1, max: 1800 }) }), { minLength: 1, maxLength: 3 }),
  }),
  scaleDown: fc.record({
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 600 }),
    selectPolicy: fc.constantFrom('Max' as const, 'Min' as const),
    policies: fc.array(fc.record({ type: fc.constantFrom('Pods' as const, 'Percent' as const), value: fc.integer({ min: 1, max: 100 }), periodSeconds: fc.integer({ min: 1, max: 1800 }) }), { minLength: 1, maxLength: 3 }),
  }),
}), { nil: undefined });

const caseArb = fc.record({
  min: fc.integer({ min: 1, max: 5 }),
  span: fc.integer({ min: 0, max: 30 }),
  usages: fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 25 }),
  target: fc.integer({ min: 10, max: 150 }),
  behavior: behaviorArb,
  history: fc.array(fc.record({ replicas: fc.integer({ min: 1, max: 40 }), agoSeconds: fc.integer({ min: 0, max: 900 }) }), { maxLength: 5 }),
});

interface Case {
  min: number;
  span: number;
  usages: number[];
  target: number;
  behavior: HorizontalPodAutoscalerBehavior | undefined;
  history: { replicas: number; agoSeconds: number }[];
}

function build(c: Case, override: { usages?: number[]; metrics?: MetricSpec[]; metricErrors?: Record<number, string> } = {}) {
  const usages = override.usages ?? c.usages;
  const max = c.min + c.span;
  const current = Math.min(usages.length, max);
  const names = usages.map((_, i) => `p${i}`);
  const now = Date.parse('2026-11-23T12:00:00Z');
  return snapshot({
    autoscaler: autoscaler({ minReplicas: c.min, maxReplicas: max, metrics: override.metrics ?? [cpuUtilization(c.target)], ...(c.behavior ? { behavior: c.behavior } : {}) },
      { recommendations: c.history.map((h) => ({ replicas: h.replicas, time: new Date(now - h.agoSeconds * 1000).toISOString() })) }),
    scale: scale(Math.max(current, c.min)),
    pods: names.map((n) => pod(n)),
    podMetrics: usages.map((u, i) => podMetrics(`p${i}`, { cpu: `${u}m` })),
    ...(override.metricErrors ? { metricErrors: override.metricErrors } : {}),
  });
}

describe('engine invariants', () => {
  test('the result stays within [minReplicas, maxReplicas]', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const d = decide(build(c));
      assert.ok(d.desiredReplicas >= c.min && d.desiredReplicas <= c.min + c.span, `desired ${d.desiredReplicas} outside [${c.min}, ${c.min + c.span}]`);
    }), { numRuns: 400 });
  });

  test('no scale-down while any metric is invalid', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const metrics: MetricSpec[] = [cpuUtilization(c.target), { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' } } }];
      const s = build(c, { metrics, metricErrors: { 1: 'unavailable' } });
      const d = decide(s);
      const current = (s.scale as { spec: { replicas: number } }).spec.replicas;
      assert.ok(d.scaleTo === null || d.scaleTo > current, `scaled down ${current} → ${String(d.scaleTo)} with an invalid metric`);
    }), { numRuns: 300 });
  });

  test('no change while every pod is within tolerance of the target', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 20, max: 100 }), fc.double({ min: 0.9, max: 1.1, noNaN: true }), (n, target, factor) => {
      const usage = Math.floor(target * 10 * factor); // milli-CPU of a 1-CPU request
      const utilization = Math.floor((usage * 100) / 1000);
      fc.pre(utilization / target >= 0.9 && utilization / target <= 1.1);
      const c: Case = { min: 1, span: 40, usages: Array.from({ length: n }, () => usage), target, behavior: undefined, history: [] };
      assert.equal(decide(build(c)).scaleTo, null);
    }), { numRuns: 300 });
  });

  test('monotone: more load never proposes fewer replicas', () => {
    fc.assert(fc.property(caseArb, fc.integer({ min: 0, max: 2000 }), (c, extra) => {
      const base = { ...c, behavior: undefined, history: [] };
      const low = decide(build(base)).desiredReplicas;
      const high = decide(build(base, { usages: c.usages.map((u) => u + extra) })).desiredReplicas;
      assert.ok(high >= low, `usage +${extra}m gave ${high} < ${low}`);
    }), { numRuns: 300 });
  });

  test('deterministic: the same snapshot gives the same decision', () => {
    fc.assert(fc.property(caseArb, (c) => {
      assert.deepEqual(decide(build(c)), decide(build(c)));
    }), { numRuns: 100 });
  });
});
