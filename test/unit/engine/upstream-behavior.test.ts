// Parity with upstream's normalization unit tests (kubernetes pkg/controller/podautoscaler/horizontal_test.go:
// TestNormalizeDesiredReplicas, TestNormalizeDesiredReplicasWithBehavior, TestScalingWithRules,
// TestStoreScaleEvents, TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimitWithScalingRules,
// TestCalculateScaleDownLimitWithBehaviors). The inputs and expected outputs are upstream's; the test code
// is ours and drives the pure functions of src/engine/normalize.ts (and decide() where upstream's case is
// about a nil behavior, which only decide() knows about).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { effectiveSpec, UPSTREAM_DEFAULTS, type EffectiveBehavior, type EffectiveRules } from '../../../src/api/defaults.ts';
import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import { normalizeLegacy, normalizeWithBehavior, scaleDownLimit, scaleUpLimit, storeScaleEvent, type TimedRecommendation, type TimedScaleEvent } from '../../../src/engine/normalize.ts';
import { NOW, autoscaler, cpuUtilization, pod, podMetrics, scale, snapshot } from '../../support/builders.ts';

/** Upstream unit-test controller settings (tolerance 0.1, CPU initialization 2 min, readiness delay 10 s). */
const CONFIG = { tolerance: 0.1, cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 };
const at = (secondsAgo: number): number => NOW - secondsAgo * 1000;
const recs = (list: [replicas: number, secondsAgo: number][]): TimedRecommendation[] => list.map(([replicas, s]) => ({ replicas, time: at(s) }));

/** upstream generateScalingRules(pods, podsPeriod, percent, percentPeriod, window): Max, policies only when non-zero. */
function rules(pods: number, podsPeriod: number, percent: number, percentPeriod: number, window: number): HPAScalingRules {
  const policies: NonNullable<HPAScalingRules['policies']> = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', ...(policies.length > 0 ? { policies } : {}) };
}

/** The behavior upstream's GenerateHPAScaleUpRules/GenerateHPAScaleDownRules would build, via our defaulting. */
function effectiveBehavior(b: HorizontalPodAutoscalerBehavior): EffectiveBehavior {
  const spec = effectiveSpec({ scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 10, behavior: b }, { ...UPSTREAM_DEFAULTS, ...CONFIG });
  assert.ok(spec.behavior);
  return spec.behavior;
}

/**
 * upstream generateEventsUniformDistribution(raw, period): event i sits in the middle of the i-th of
 * len(raw) equal segments of the last `period` seconds (earliest first).
 */
function uniformEvents(raw: number[], periodSeconds: number): TimedScaleEvent[] {
  const segment = periodSeconds / raw.length;
  return raw.map((change, i) => ({ replicaChange: change, time: NOW - Math.trunc(periodSeconds - segment * (i + 1) + segment / 2) * 1000, outdated: false }));
}

describe('upstream TestNormalizeDesiredReplicas (stabilizeRecommendation, 5 min window)', () => {
  const cases: { name: string; recs: [number, number][]; proposed: number; stabilized: number; logLength: number }[] = [
    { name: 'empty log', recs: [], proposed: 5, stabilized: 5, logLength: 1 },
    { name: 'stabilize', recs: [[4, 120], [5, 60]], proposed: 3, stabilized: 5, logLength: 3 },
    { name: 'no stabilize', recs: [[1, 120], [2, 60]], proposed: 3, stabilized: 3, logLength: 3 },
    { name: 'no stabilize - old recommendations', recs: [[10, 600], [9, 540]], proposed: 3, stabilized: 3, logLength: 2 },
    { name: 'stabilize - old recommendations', recs: [[10, 600], [4, 60], [5, 120], [9, 540]], proposed: 3, stabilized: 5, logLength: 4 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const o = normalizeLegacy({ current: c.proposed, proposed: c.proposed, min: 0, max: 1000, now: NOW, windowMs: 300_000, recommendations: recs(c.recs) });
      assert.equal(o.stabilized, c.stabilized);
      assert.equal(o.recommendations.length, c.logLength);
      // The new, unstabilized recommendation is stored at `now`.
      assert.ok(o.recommendations.some((r) => r.replicas === c.proposed && r.time === NOW));
    });
  }
});

describe('upstream TestNormalizeDesiredReplicasWithBehavior (stabilizeRecommendationWithBehaviors)', () => {
  // Upstream passes ScaleUp/ScaleDown rules holding only the windows; a window left out of a case is 0.
  const cases: { name: string; recs: [number, number][]; current: number; proposed: number; stabilized: number; stored?: number[]; up?: number; down?: number }[] = [
    { name: 'empty recommendations for scaling down', recs: [], current: 100, proposed: 5, stabilized: 5, stored: [5] },
    { name: 'simple scale down stabilization', recs: [[4, 120], [5, 60]], current: 100, proposed: 3, stabilized: 5, stored: [4, 5, 3], down: 180 },
    { name: 'simple scale up stabilization', recs: [[4, 120], [5, 60]], current: 1, proposed: 7, stabilized: 4, stored: [4, 5, 7], up: 300 },
    { name: 'no scale down stabilization', recs: [[1, 120], [2, 60]], current: 100, proposed: 3, stabilized: 3, stored: [1, 2, 3], up: 300 },
    { name: 'no scale up stabilization', recs: [[4, 120], [5, 60]], current: 1, proposed: 3, stabilized: 3, stored: [4, 5, 3], down: 300 },
    { name: 'no scale down stabilization, reuse recommendation element', recs: [[10, 600], [9, 540]], current: 100, proposed: 3, stabilized: 3, stored: [10, 3] },
    { name: 'no scale up stabilization, reuse recommendation element', recs: [[10, 600], [9, 540]], current: 1, proposed: 100, stabilized: 100, stored: [10, 100] },
    { name: 'scale down stabilization, reuse one of obsolete recommendation element', recs: [[10, 600], [4, 60], [5, 120], [9, 540]], current: 100, proposed: 3, stabilized: 5, stored: [10, 4, 5, 3], down: 180 },
    { name: 'scale up stabilization, reuse one of obsolete recommendation element', recs: [[10, 6000], [6, 60], [5, 120], [9, 180]], current: 1, proposed: 100, stabilized: 5, stored: [100, 6, 5, 9], up: 300 },
    { name: 'scale up and down stabilization, do not scale up when prenormalized rec goes down', recs: [[2, 6000], [3, 180]], current: 2, proposed: 1, stabilized: 2, up: 300, down: 300 },
    { name: 'scale up and down stabilization, do not scale down when prenormalized rec goes up', recs: [[2, 6000], [1, 180]], current: 2, proposed: 3, stabilized: 2, up: 300, down: 300 },
  ];
  // Policies that never limit, so that only stabilization shows.
  const unlimited = (window: number): EffectiveRules => ({ stabilizationWindowSeconds: window, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 100_000, periodSeconds: 60 }] });
  for (const c of cases) {
    test(c.name, () => {
      const o = normalizeWithBehavior({
        current: c.current, proposed: c.proposed, min: 0, max: 100_000, now: NOW,
        behavior: { scaleUp: unlimited(c.up ?? 0), scaleDown: unlimited(c.down ?? 0) },
        recommendations: recs(c.recs), scaleUpEvents: [], scaleDownEvents: [],
      });
      assert.equal(o.stabilized, c.stabilized);
      if (c.stored) assert.deepEqual(o.recommendations.map((r) => r.replicas), c.stored);
    });
  }
});

describe('upstream TestScalingWithRules (convertDesiredReplicasWithBehaviorRate)', () => {
  interface Case {
    name: string; current: number; proposed: number; min: number; max: number;
    up?: HPAScalingRules; down?: HPAScalingRules; upEvents?: TimedScaleEvent[]; downEvents?: TimedScaleEvent[];
    want: number; condition: string;
  }
  const cases: Case[] = [
    { name: 'prenormalized desired replicas within range', current: 5, proposed: 7, min: 3, max: 8, want: 7, condition: 'DesiredWithinRange' },
    { name: 'prenormalized desired replicas < minReplicas', current: 3, proposed: 1, min: 2, max: 8, want: 2, condition: 'TooFewReplicas' },
    { name: 'prenormalized desired replicas within range when minReplicas is 0', current: 1, proposed: 0, min: 0, max: 10, want: 0, condition: 'DesiredWithinRange' },
    { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', current: 20, proposed: 1000, min: 1, max: 10, want: 10, condition: 'TooManyReplicas' },
    { name: 'desired replica count is more than the maximum replica count', current: 100, proposed: 1000, min: 100, max: 150, want: 150, condition: 'TooManyReplicas' },
    { name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies', current: 3, proposed: 1000, min: 1, max: 2000, up: rules(0, 0, 1, 60, 0), want: 4, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with default behavior', current: 10, proposed: 50, min: 1, max: 1000, want: 20, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with pods policy larger than percent policy', current: 10, proposed: 500, min: 1, max: 1000, up: rules(100, 60, 100, 60, 0), want: 110, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with percent policy larger than pods policy', current: 10, proposed: 500, min: 1, max: 1000, up: rules(2, 60, 100, 60, 0), want: 20, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with spec MaxReplicas limitation with large pod policy', current: 10, proposed: 50, min: 1, max: 1000, up: rules(100, 60, 0, 0, 0), want: 50, condition: 'DesiredWithinRange' },
    { name: 'scaleUp with spec MaxReplicas limitation with large percent policy', current: 10, proposed: 50, min: 1, max: 1000, up: rules(10000, 60, 0, 0, 0), want: 50, condition: 'DesiredWithinRange' },
    { name: 'scaleUp with pod policy limitation', current: 10, proposed: 50, min: 1, max: 1000, up: rules(30, 60, 0, 0, 0), want: 40, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with percent policy limitation', current: 10, proposed: 50, min: 1, max: 1000, up: rules(0, 0, 200, 60, 0), want: 30, condition: 'ScaleUpLimit' },
    { name: 'scaleDown with percent policy larger than pod policy', current: 100, proposed: 2, min: 1, max: 1000, down: rules(20, 60, 1, 60, 300), want: 80, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with pod policy larger than percent policy', current: 100, proposed: 2, min: 1, max: 1000, down: rules(2, 60, 1, 60, 300), want: 98, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with spec MinReplicas limitation with large pod policy', current: 10, proposed: 0, min: 1, max: 1000, down: rules(100, 60, 0, 0, 300), want: 1, condition: 'TooFewReplicas' },
    { name: 'scaleDown with spec MinReplicas limitation with large percent policy', current: 10, proposed: 2, min: 5, max: 1000, down: rules(0, 0, 100, 60, 300), want: 5, condition: 'TooFewReplicas' },
    { name: 'scaleDown with pod policy limitation', current: 10, proposed: 2, min: 1, max: 1000, down: rules(5, 60, 0, 0, 300), want: 5, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with percent policy limitation', current: 10, proposed: 5, min: 1, max: 1000, down: rules(0, 0, 50, 60, 300), want: 5, condition: 'DesiredWithinRange' },
    { name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events', current: 100, proposed: 500, min: 1, max: 200, up: rules(300, 60, 0, 0, 0), upEvents: uniformEvents([1, 5, 9], 120), want: 200, condition: 'TooManyReplicas' },
    { name: 'scaleUp with spec MaxReplicas limitation with large percent policy and events', current: 100, proposed: 500, min: 1, max: 200, up: rules(0, 0, 10000, 60, 0), upEvents: uniformEvents([1, 5, 9], 120), want: 200, condition: 'TooManyReplicas' },
    { name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events', current: 100, proposed: 500, min: 1, max: 1000, up: rules(5, 120, 0, 0, 0), upEvents: uniformEvents([1, 5, 9], 120), want: 100, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with pod policy and previous scale up events', current: 100, proposed: 500, min: 1, max: 1000, up: rules(150, 120, 0, 0, 0), upEvents: uniformEvents([1, 5, 9], 120), want: 235, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with percent policy and previous scale up events', current: 100, proposed: 500, min: 1, max: 1000, up: rules(0, 0, 200, 120, 0), upEvents: uniformEvents([1, 5, 9], 120), want: 255, condition: 'ScaleUpLimit' },
    { name: 'scaleUp with percent policy and previous scale up and down events', current: 6, proposed: 24, min: 1, max: 1000, up: rules(0, 0, 300, 300, 0), upEvents: uniformEvents([4], 120), downEvents: uniformEvents([2], 120), want: 16, condition: 'ScaleUpLimit' },
    { name: 'scaleDown with default policy and previous events', current: 10, proposed: 5, min: 1, max: 1000, downEvents: uniformEvents([1, 5, 9], 120), want: 5, condition: 'DesiredWithinRange' },
    { name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events', current: 100, proposed: 0, min: 1, max: 1000, down: rules(115, 120, 0, 0, 300), downEvents: uniformEvents([1, 5, 9], 120), want: 1, condition: 'TooFewReplicas' },
    { name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events', current: 100, proposed: 0, min: 5, max: 1000, down: rules(130, 120, 0, 0, 300), downEvents: uniformEvents([1, 5, 9], 120), want: 5, condition: 'TooFewReplicas' },
    { name: 'scaleDown with spec MinReplicas limitation with large percent policy and previous events', current: 100, proposed: 2, min: 5, max: 1000, down: rules(0, 0, 100, 120, 300), downEvents: uniformEvents([1, 5, 9], 120), want: 5, condition: 'TooFewReplicas' },
    { name: 'scaleDown with pod policy limitation and previous events', current: 100, proposed: 2, min: 1, max: 1000, down: rules(5, 120, 0, 0, 300), downEvents: uniformEvents([1, 5, 9], 120), want: 100, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with percent policy limitation and previous events', current: 100, proposed: 0, min: 1, max: 1000, down: rules(0, 0, 50, 120, 300), downEvents: uniformEvents([2, 4, 6], 120), want: 56, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with percent policy and previous scale up and down events', current: 10, proposed: 1, min: 1, max: 1000, down: rules(0, 0, 50, 180, 0), upEvents: uniformEvents([2], 120), downEvents: uniformEvents([4], 120), want: 6, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with previous events preventing further scale down', current: 100, proposed: 0, min: 1, max: 1000, down: rules(0, 0, 10, 120, 300), downEvents: uniformEvents([10, 10, 10], 120), want: 100, condition: 'ScaleDownLimit' },
    { name: 'scaleDown with with previous events still allowing more scale down', current: 10, proposed: 5, min: 1, max: 1000, down: rules(0, 0, 1000, 120, 300), downEvents: uniformEvents([10, 10, 10], 120), want: 5, condition: 'DesiredWithinRange' },
    { name: "check 'outdated' flag for events for one behavior for up", current: 100, proposed: 200, min: 1, max: 1000, up: rules(1000, 60, 0, 0, 0), upEvents: uniformEvents([8, 12, 9, 11], 120), want: 200, condition: 'DesiredWithinRange' },
    { name: "check that events were not marked 'outdated' for two different policies in the behavior for up", current: 100, proposed: 200, min: 1, max: 1000, up: rules(1000, 120, 100, 60, 0), upEvents: uniformEvents([8, 12, 9, 11], 120), want: 200, condition: 'DesiredWithinRange' },
    { name: "check that events were marked 'outdated' for two different policies in the behavior for up", current: 100, proposed: 200, min: 1, max: 1000, up: rules(1000, 30, 100, 60, 0), upEvents: uniformEvents([8, 12, 9, 11], 120), want: 200, condition: 'DesiredWithinRange' },
    { name: "check 'outdated' flag for events for one behavior for down", current: 100, proposed: 5, min: 1, max: 1000, down: rules(1000, 60, 0, 0, 300), downEvents: uniformEvents([8, 12, 9, 11], 120), want: 5, condition: 'DesiredWithinRange' },
    { name: "check that events were not marked 'outdated' for two different policies in the behavior for down", current: 100, proposed: 5, min: 1, max: 1000, down: rules(1000, 120, 100, 60, 300), downEvents: uniformEvents([8, 12, 9, 11], 120), want: 5, condition: 'DesiredWithinRange' },
    { name: "check that events were marked 'outdated' for two different policies in the behavior for down", current: 100, proposed: 5, min: 1, max: 1000, down: rules(1000, 30, 100, 60, 300), downEvents: uniformEvents([8, 12, 9, 11], 120), want: 5, condition: 'DesiredWithinRange' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const behavior = effectiveBehavior({ ...(c.up ? { scaleUp: c.up } : {}), ...(c.down ? { scaleDown: c.down } : {}) });
      // No recommendations: stabilization passes the proposal through, so this is the rate limiter alone.
      const o = normalizeWithBehavior({
        current: c.current, proposed: c.proposed, min: c.min, max: c.max, now: NOW, behavior,
        recommendations: [], scaleUpEvents: c.upEvents ?? [], scaleDownEvents: c.downEvents ?? [],
      });
      assert.equal(o.stabilized, c.proposed);
      assert.equal(o.desired, c.want);
      assert.equal(o.limitedReason.reason, c.condition);
    });
  }
});

describe('upstream TestConvertDesiredReplicasWithRules (no behavior)', () => {
  // Upstream's test binary raises scaleUpLimitFactor to 8 in init(); its last case expects
  // calculateScaleUpLimit(3) under that factor. We check calculateScaleUpLimit(3) with the production
  // factor 2.0 (max(2·3, 4) = 6), which is what the controller uses.
  const cases: { name: string; current: number; proposed: number; min: number; max: number; want: number; condition: string }[] = [
    { name: 'prenormalized desired replicas within range', current: 5, proposed: 7, min: 3, max: 8, want: 7, condition: 'DesiredWithinRange' },
    { name: 'prenormalized desired replicas < minReplicas', current: 3, proposed: 1, min: 2, max: 8, want: 2, condition: 'TooFewReplicas' },
    { name: 'prenormalized desired zeroed replicas within range', current: 1, proposed: 0, min: 0, max: 10, want: 0, condition: 'DesiredWithinRange' },
    { name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit', current: 20, proposed: 1000, min: 1, max: 10, want: 10, condition: 'TooManyReplicas' },
    { name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas', current: 3, proposed: 1000, min: 1, max: 2000, want: 6, condition: 'ScaleUpLimit' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const o = normalizeLegacy({ current: c.current, proposed: c.proposed, min: c.min, max: c.max, now: NOW, windowMs: 300_000, recommendations: [] });
      assert.equal(o.desired, c.want);
      assert.equal(o.limitedReason.reason, c.condition);
    });
  }
});

describe('upstream TestCalculateScaleUpLimitWithScalingRules / TestCalculateScaleDownLimitWithBehaviors', () => {
  const minRules: EffectiveRules = {
    stabilizationWindowSeconds: 300, selectPolicy: 'Min',
    policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }, { type: 'Percent', value: 50, periodSeconds: 60 }],
  };
  test('scale-up limit with Min select: min(1+2, ceil(1×1.5)) = 2', () => {
    assert.equal(scaleUpLimit(1, [], [], minRules, NOW), 2);
  });
  test('scale-down limit with Min select: max(5−2, trunc(5×0.5)) = 3', () => {
    assert.equal(scaleDownLimit(5, [], [], minRules, NOW), 3);
  });
});

describe('upstream TestStoreScaleEvents', () => {
  interface Case { name: string; prev: [change: number, secondsAgo: number][]; rules?: HPAScalingRules; changeIn60s: number; stored: [change: number, outdated: boolean][] }
  const cases: Case[] = [
    { name: 'empty entries with default behavior', prev: [], changeIn60s: 0, stored: [] },
    { name: 'empty entries with two-policy-behavior', prev: [], rules: rules(10, 60, 100, 60, 0), changeIn60s: 0, stored: [[5, false]] },
    { name: 'one outdated entry to be kept untouched without behavior', prev: [[7, 61]], changeIn60s: 0, stored: [[7, false]] },
    { name: 'one outdated entry to be replaced with behavior', prev: [[7, 61]], rules: rules(10, 60, 100, 60, 0), changeIn60s: 0, stored: [[5, false]] },
    { name: 'one actual entry to be not touched with behavior', prev: [[7, 58]], rules: rules(10, 60, 100, 60, 0), changeIn60s: 7, stored: [[7, false], [5, false]] },
    { name: 'two entries, one of them to be replaced', prev: [[7, 61], [6, 59]], rules: rules(10, 60, 0, 0, 0), changeIn60s: 6, stored: [[5, false], [6, false]] },
    { name: 'replace one entry, use policies with different periods', prev: [[8, 29], [6, 59], [7, 61], [9, 61]], rules: rules(10, 60, 100, 30, 0), changeIn60s: 14, stored: [[8, false], [6, false], [7, true], [5, false]] },
    { name: 'two entries, both actual', prev: [[7, 58], [6, 59]], rules: rules(10, 120, 100, 30, 0), changeIn60s: 13, stored: [[7, false], [6, false], [5, false]] },
  ];
  const events = (list: [number, number][]): TimedScaleEvent[] => list.map(([c, s]) => ({ replicaChange: c, time: at(s), outdated: false }));
  // getReplicasChangePerPeriod(60, events), read through a zero-valued Pods policy with a 60 s period.
  const probe: EffectiveRules = { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 0, periodSeconds: 60 }] };

  for (const c of cases) {
    test(`${c.name} (scale up)`, () => {
      const prev = events(c.prev);
      assert.equal(10 - scaleUpLimit(10, prev, [], probe, NOW), c.changeIn60s);
      if (!c.rules) {
        // A nil behavior: upstream leaves the stored events untouched. Only decide() knows "no behavior".
        const d = decide(withoutBehavior(prev, 'up'));
        assert.equal(d.scaleTo, 5);
        assert.deepEqual((d.status.scaleUpEvents ?? []).map((e) => [e.replicaChange, e.outdated ?? false]), c.stored);
        return;
      }
      const r = effectiveRulesOf(c.rules);
      const out = storeScaleEvent({ scaleUp: r, scaleDown: r }, { up: prev, down: [] }, 10, 15, NOW);
      assert.deepEqual(out.up.map((e) => [e.replicaChange, e.outdated]), c.stored);
      assert.deepEqual(out.down, []);
    });
    test(`${c.name} (scale down)`, () => {
      const prev = events(c.prev);
      assert.equal(scaleDownLimit(10, [], prev, probe, NOW) - 10, c.changeIn60s);
      if (!c.rules) {
        const d = decide(withoutBehavior(prev, 'down'));
        assert.equal(d.scaleTo, 2);
        assert.deepEqual((d.status.scaleDownEvents ?? []).map((e) => [e.replicaChange, e.outdated ?? false]), c.stored);
        return;
      }
      const r = effectiveRulesOf(c.rules);
      const out = storeScaleEvent({ scaleUp: r, scaleDown: r }, { up: [], down: prev }, 10, 5, NOW);
      assert.deepEqual(out.down.map((e) => [e.replicaChange, e.outdated]), c.stored);
      assert.deepEqual(out.up, []);
    });
  }

  /** Upstream passes the rules as given (no defaulting) to storeScaleEvent; only the policies matter there. */
  function effectiveRulesOf(r: HPAScalingRules): EffectiveRules {
    return { stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? 0, selectPolicy: r.selectPolicy ?? 'Max', policies: r.policies ?? [] };
  }

  /** A pass without spec.behavior that rescales (3 → 5 up, 3 → 2 down) with the given events in status. */
  function withoutBehavior(prev: TimedScaleEvent[], direction: 'up' | 'down'): ReturnType<typeof snapshot> {
    const history = prev.map((e) => ({ replicaChange: e.replicaChange, time: new Date(e.time).toISOString() }));
    const usage = direction === 'up' ? 800 : 250; // 80% or 25% of a 1-CPU request against a 50% target
    return snapshot({
      autoscaler: autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)] }, {
        recommendations: [],
        ...(direction === 'up' ? { scaleUpEvents: history } : { scaleDownEvents: history }),
      }),
      scale: scale(3),
      pods: [0, 1, 2].map((i) => pod(`p-${i}`)),
      podMetrics: [0, 1, 2].map((i) => podMetrics(`p-${i}`, { cpu: `${usage}m` }, { ageSeconds: 5 })),
      config: CONFIG,
      now: NOW,
    });
  }
});
