// Stabilization, legacy limits and behavior policies (reference §8, §9), at their edges.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EffectiveBehavior, EffectiveRules } from '../../../src/api/defaults.ts';
import { normalizeLegacy, normalizeWithBehavior, scaleDownLimit, scaleUpLimit, storeScaleEvent } from '../../../src/engine/normalize.ts';

const NOW = 1_000_000_000;
const s = (sec: number): number => NOW - sec * 1000;
const rules = (o: Partial<EffectiveRules> = {}): EffectiveRules => ({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [], ...o });
const upDefault = rules({ policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
const downDefault = rules({ stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
const behavior = (o: Partial<EffectiveBehavior> = {}): EffectiveBehavior => ({ scaleUp: upDefault, scaleDown: downDefault, ...o });

describe('legacy normalization (no behavior)', () => {
  const base = { current: 10, min: 1, max: 100, now: NOW, windowMs: 300_000 };
  const cases: { name: string; proposed: number; recs: [number, number][]; want: number; stabilized: number; reason: string; limited: string }[] = [
    { name: 'scale-up passes, limited by nothing', proposed: 15, recs: [], want: 15, stabilized: 15, reason: 'ReadyForNewScale', limited: 'DesiredWithinRange' },
    { name: 'scale-down held by a higher recommendation in the window', proposed: 6, recs: [[10, 200]], want: 10, stabilized: 10, reason: 'ScaleDownStabilized', limited: 'DesiredWithinRange' },
    { name: 'window edge is inclusive (exactly 300 s)', proposed: 6, recs: [[10, 300]], want: 10, stabilized: 10, reason: 'ScaleDownStabilized', limited: 'DesiredWithinRange' },
    { name: 'older than the window is ignored', proposed: 6, recs: [[10, 300.001]], want: 6, stabilized: 6, reason: 'ReadyForNewScale', limited: 'DesiredWithinRange' },
    { name: 'max of the window wins', proposed: 4, recs: [[7, 100], [9, 50], [5, 10]], want: 9, stabilized: 9, reason: 'ScaleDownStabilized', limited: 'DesiredWithinRange' },
    { name: 'scale-up limit max(2×10, 4) = 20', proposed: 50, recs: [], want: 20, stabilized: 50, reason: 'ReadyForNewScale', limited: 'ScaleUpLimit' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const o = normalizeLegacy({ ...base, proposed: c.proposed, recommendations: c.recs.map(([r, t]) => ({ replicas: r, time: s(t) })) });
      assert.equal(o.desired, c.want);
      assert.equal(o.stabilized, c.stabilized);
      assert.equal(o.stabilizedReason.reason, c.reason);
      assert.equal(o.limitedReason.reason, c.limited);
    });
  }
  test('scale-up limit floor of 4 from 1 replica; TooManyReplicas when max is lower', () => {
    assert.equal(normalizeLegacy({ ...base, current: 1, proposed: 10, recommendations: [] }).desired, 4);
    const o = normalizeLegacy({ ...base, current: 1, max: 3, proposed: 10, recommendations: [] });
    assert.equal(o.desired, 3);
    assert.equal(o.limitedReason.reason, 'TooManyReplicas');
  });
  test('below min → TooFewReplicas', () => {
    const o = normalizeLegacy({ ...base, min: 5, proposed: 2, recommendations: [] });
    assert.equal(o.desired, 5);
    assert.equal(o.limitedReason.reason, 'TooFewReplicas');
  });
  test('records over the last expired slot, else appends', () => {
    const recs = [{ replicas: 1, time: s(900) }, { replicas: 2, time: s(800) }, { replicas: 3, time: s(10) }];
    const o = normalizeLegacy({ ...base, proposed: 7, recommendations: recs });
    assert.deepEqual(o.recommendations, [{ replicas: 1, time: s(900) }, { replicas: 7, time: NOW }, { replicas: 3, time: s(10) }]);
    assert.deepEqual(normalizeLegacy({ ...base, proposed: 7, recommendations: [recs[2]!] }).recommendations, [recs[2], { replicas: 7, time: NOW }]);
  });
});

describe('behavior stabilization', () => {
  const base = { current: 10, min: 1, max: 100, now: NOW, scaleUpEvents: [], scaleDownEvents: [] };
  test('window edge is exclusive with behavior (exactly 300 s does not count)', () => {
    const o = normalizeWithBehavior({ ...base, proposed: 6, behavior: behavior(), recommendations: [{ replicas: 10, time: s(300) }] });
    assert.equal(o.desired, 6);
    const inside = normalizeWithBehavior({ ...base, proposed: 6, behavior: behavior(), recommendations: [{ replicas: 10, time: s(299.999) }] });
    assert.equal(inside.desired, 10);
    assert.equal(inside.stabilizedReason.reason, 'ScaleDownStabilized');
  });
  test('scale-up window takes the lowest recent recommendation', () => {
    const b = behavior({ scaleUp: { ...upDefault, stabilizationWindowSeconds: 60 } });
    const o = normalizeWithBehavior({ ...base, proposed: 20, behavior: b, recommendations: [{ replicas: 12, time: s(30) }, { replicas: 15, time: s(10) }] });
    assert.equal(o.stabilized, 12);
    assert.equal(o.stabilizedReason.reason, 'ScaleUpStabilized');
    assert.equal(o.desired, 12);
  });
  test('windows that disagree with the direction keep the current count', () => {
    const b = behavior({ scaleUp: { ...upDefault, stabilizationWindowSeconds: 60 } });
    const o = normalizeWithBehavior({ ...base, proposed: 20, behavior: b, recommendations: [{ replicas: 8, time: s(30) }] });
    assert.equal(o.stabilized, 10);
  });
  test('worked example 7: recommendations 10 (t−200 s) and 6 now hold at 10', () => {
    const o = normalizeWithBehavior({ ...base, proposed: 6, behavior: behavior(), recommendations: [{ replicas: 10, time: s(200) }] });
    assert.equal(o.desired, 10);
    assert.equal(o.stabilizedReason.reason, 'ScaleDownStabilized');
  });
});

describe('behavior policies', () => {
  const up = (policies: EffectiveRules['policies'], selectPolicy: EffectiveRules['selectPolicy'] = 'Max'): EffectiveRules => rules({ policies, selectPolicy });
  test('Percent up is ceil of a float64 product, in upstream order: 50 × (1 + 10/100) = 55.00000000000001 → 56', () => {
    assert.equal(scaleUpLimit(50, [], [], up([{ type: 'Percent', value: 10, periodSeconds: 60 }]), NOW), 56);
    assert.equal(scaleUpLimit(25, [], [], up([{ type: 'Percent', value: 12, periodSeconds: 60 }]), NOW), 29);
    // The reference's worked example 5 says 10 × 1.1 gives 12; in IEEE float64 (Go and JS alike) the
    // product is exactly 11.0, so upstream allows 11.
    assert.equal(scaleUpLimit(10, [], [], up([{ type: 'Percent', value: 10, periodSeconds: 60 }]), NOW), 11);
  });
  test('worked example 6: Pods 4 / 60 s after +4 thirty seconds ago → stays at 14', () => {
    const events = [{ replicaChange: 4, time: s(30), outdated: false }];
    assert.equal(scaleUpLimit(14, events, [], up([{ type: 'Pods', value: 4, periodSeconds: 60 }]), NOW), 14);
    const o = normalizeWithBehavior({ current: 14, proposed: 20, min: 1, max: 100, now: NOW, recommendations: [],
      behavior: behavior({ scaleUp: up([{ type: 'Pods', value: 4, periodSeconds: 60 }]) }), scaleUpEvents: events, scaleDownEvents: [] });
    assert.equal(o.desired, 14);
    assert.equal(o.limitedReason.reason, 'ScaleUpLimit');
  });
  test('events exactly one period old no longer count (strict >)', () => {
    const events = [{ replicaChange: 4, time: s(60), outdated: false }];
    assert.equal(scaleUpLimit(14, events, [], up([{ type: 'Pods', value: 4, periodSeconds: 60 }]), NOW), 18);
  });
  test('Max picks the largest allowance, Min the smallest, Disabled pins', () => {
    const policies: EffectiveRules['policies'] = [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }];
    assert.equal(scaleUpLimit(10, [], [], up(policies, 'Max'), NOW), 20);
    assert.equal(scaleUpLimit(10, [], [], up(policies, 'Min'), NOW), 14);
    assert.equal(scaleUpLimit(10, [], [], up(policies, 'Disabled'), NOW), 10);
  });
  test('scale-down: Percent truncates, Max = largest decrease, Min = smallest', () => {
    const policies: EffectiveRules['policies'] = [{ type: 'Pods', value: 1, periodSeconds: 15 }, { type: 'Percent', value: 50, periodSeconds: 15 }];
    assert.equal(scaleDownLimit(3, [], [], rules({ policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] }), NOW), 1, 'trunc(1.5) = 1');
    assert.equal(scaleDownLimit(10, [], [], rules({ policies: [{ type: 'Percent', value: 80, periodSeconds: 15 }] }), NOW), 1, 'trunc(1.9999999999999996) = 1, not 2');
    assert.equal(scaleDownLimit(10, [], [], rules({ policies, selectPolicy: 'Max' }), NOW), 5);
    assert.equal(scaleDownLimit(10, [], [], rules({ policies, selectPolicy: 'Min' }), NOW), 9);
    assert.equal(scaleDownLimit(10, [], [], rules({ policies, selectPolicy: 'Disabled' }), NOW), 10);
  });
  test('period start counts both directions within that policy period', () => {
    const upEv = [{ replicaChange: 2, time: s(10), outdated: false }];
    const downEv = [{ replicaChange: 5, time: s(10), outdated: false }];
    // start = 10 - 2 + 5 = 13; Pods 3 → 16
    assert.equal(scaleUpLimit(10, upEv, downEv, up([{ type: 'Pods', value: 3, periodSeconds: 60 }]), NOW), 16);
  });
  test('empty policy lists leave the sentinel: up+Max never scales up, down+Min only min limits', () => {
    const o = normalizeWithBehavior({ current: 5, proposed: 9, min: 1, max: 100, now: NOW, recommendations: [], scaleUpEvents: [], scaleDownEvents: [],
      behavior: behavior({ scaleUp: rules({ policies: [] }) }) });
    assert.equal(o.desired, 5);
    assert.equal(scaleDownLimit(5, [], [], rules({ policies: [], selectPolicy: 'Min' }), NOW), -(2 ** 31));
  });
  test('scale-down limited by policy reports ScaleDownLimit; by min reports TooFewReplicas', () => {
    const b = behavior({ scaleDown: rules({ policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }) });
    const o = normalizeWithBehavior({ current: 10, proposed: 3, min: 1, max: 100, now: NOW, recommendations: [], scaleUpEvents: [], scaleDownEvents: [], behavior: b });
    assert.equal(o.desired, 8);
    assert.equal(o.limitedReason.reason, 'ScaleDownLimit');
    const floor = normalizeWithBehavior({ current: 10, proposed: 3, min: 9, max: 100, now: NOW, recommendations: [], scaleUpEvents: [], scaleDownEvents: [], behavior: b });
    assert.equal(floor.desired, 9);
    assert.equal(floor.limitedReason.reason, 'TooFewReplicas');
  });
});

describe('storeScaleEvent', () => {
  test('marks events older than the longest period outdated and reuses the last outdated slot', () => {
    const b = behavior({ scaleUp: rules({ policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 120 }] }) });
    const events = { up: [{ replicaChange: 1, time: s(500), outdated: false }, { replicaChange: 2, time: s(130), outdated: false }, { replicaChange: 3, time: s(30), outdated: false }], down: [] };
    const out = storeScaleEvent(b, events, 5, 9, NOW);
    assert.deepEqual(out.up, [{ replicaChange: 1, time: s(500), outdated: true }, { replicaChange: 4, time: NOW, outdated: false }, { replicaChange: 3, time: s(30), outdated: false }]);
    assert.deepEqual(out.down, []);
  });
  test('scale-down events store the positive change and leave scale-up events alone', () => {
    const out = storeScaleEvent(behavior(), { up: [{ replicaChange: 1, time: s(5), outdated: false }], down: [] }, 9, 4, NOW);
    assert.deepEqual(out.down, [{ replicaChange: 5, time: NOW, outdated: false }]);
    assert.equal(out.up.length, 1);
  });
});
