// Summaries count what a configuration did; the comparison says it in words.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { differences } from './compare.ts';
import type { Tick } from './replay.ts';
import { summarize, type Summary } from './summary.ts';

function tick(t: number, replicas: number, scaleTo: number | null, ratio: number | null, extra: Partial<Tick> = {}): Tick {
  return { t, time: '', load: { cpu: 1 }, ratio: { cpu: ratio }, replicas, ready: replicas, desired: scaleTo ?? replicas, scaleTo, reason: '', ...extra };
}

describe('summarize', () => {
  const ticks = [
    tick(0, 2, null, 1.0),
    tick(15, 2, 4, 1.5), // above target, scale up by 2
    tick(30, 4, 8, 1.2), // above target (> 1.1), scale up by 4 to max
    tick(45, 8, null, 1.1), // exactly 1 + tolerance: not above
    tick(60, 8, 3, 0.3), // scale down by 5
    tick(75, 3, null, null, { error: 'no metrics', limitedBy: 'invalidMetric' }),
  ];
  const s = summarize(ticks, { syncPeriodSeconds: 15, maxReplicas: 8, toleranceUp: 0.1 });

  test('counts scale events, steps and replica-seconds over each tick\'s sync period', () => {
    assert.equal(s.ticks, 6);
    assert.equal(s.durationSeconds, 90);
    assert.deepEqual([s.scaleEvents, s.scaleUps, s.scaleDowns], [3, 2, 1]);
    assert.deepEqual([s.largestStepUp, s.largestStepDown], [4, 5]);
    // replicas after each tick: 2, 4, 8, 8, 3, 3
    assert.equal(s.replicaSeconds, (2 + 4 + 8 + 8 + 3 + 3) * 15);
    assert.equal(s.peakReplicas, 8);
    assert.equal(s.finalReplicas, 3);
  });

  test('time above target is where a ratio exceeds 1 + tolerance; time at max is after the decision', () => {
    assert.equal(s.secondsAboveTarget, 30);
    assert.equal(s.secondsAtMax, 30);
    assert.equal(s.secondsWithoutMetrics, 15);
  });

  test('a wider tolerance counts less time above target', () => {
    assert.equal(summarize(ticks, { syncPeriodSeconds: 15, maxReplicas: 8, toleranceUp: 0.3 }).secondsAboveTarget, 15);
  });
});

describe('differences', () => {
  const base: Summary = {
    ticks: 100, durationSeconds: 1500, scaleEvents: 4, scaleUps: 3, scaleDowns: 1, replicaSeconds: 10000,
    secondsAboveTarget: 400, secondsAtMax: 0, secondsWithoutMetrics: 0, largestStepUp: 4, largestStepDown: 6, peakReplicas: 10, finalReplicas: 2,
    secondsInFallback: 0, gateHolds: 0, gateHoldsBy: {}, secondsRollingOut: 0, rolloutHolds: 0,
  };

  test('the headline names B, the seconds above target and the relative cost', () => {
    const lines = differences({ name: 'default', summary: base, toleranceUp: 0.1 },
      { name: 'fast-up', summary: { ...base, secondsAboveTarget: 60, replicaSeconds: 11200 }, toleranceUp: 0.1 });
    assert.deepEqual(lines, ['fast-up spends 340 s less above target than default (60 s vs 400 s) and uses 12% more replica-seconds (11,200 vs 10,000).']);
  });

  test('every other difference is called out; equal configurations get only the headline', () => {
    const lines = differences({ name: 'A', summary: base, toleranceUp: 0.1 },
      { name: 'B', summary: { ...base, scaleEvents: 9, scaleUps: 5, scaleDowns: 4, largestStepUp: 12, largestStepDown: 0, secondsAtMax: 45, peakReplicas: 20, secondsWithoutMetrics: 30, replicaSeconds: 9000 }, toleranceUp: 0.05 });
    assert.match(lines[0] ?? '', /^B spends the same time above target as A \(400 s\) and uses 10% fewer replica-seconds/);
    assert.ok(lines.includes('B makes 9 scale events (5 up, 4 down); A makes 4 (3 up, 1 down).'));
    assert.ok(lines.includes("B's largest scale-up: +12 replicas at once; A's: +4 replicas at once."));
    assert.ok(lines.includes("B's largest scale-down: does not scale down; A's: −6 replicas at once."));
    assert.ok(lines.includes('B is at maxReplicas for 45 s; A for 0 s.'));
    assert.ok(lines.includes('B peaks at 20 replicas; A at 10.'));
    assert.ok(lines.includes('B has no usable metrics for 30 s; A for 0 s.'));
    assert.match(lines.at(-1) ?? '', /the tolerances differ, so "above target" means above 105% of target for B and above 110% for A/);
    assert.equal(differences({ name: 'A', summary: base, toleranceUp: 0.1 }, { name: 'B', summary: base, toleranceUp: 0.1 }).length, 1);
  });

  test('fallback time and safety-gate holds are called out when they differ', () => {
    const lines = differences({ name: 'A', summary: base, toleranceUp: 0.1 },
      { name: 'B', summary: { ...base, secondsInFallback: 120, gateHolds: 3, gateHoldsBy: { dropToZero: 3 } }, toleranceUp: 0.1 });
    assert.ok(lines.includes('B runs on a metric fallback for 120 s; A for 0 s.'), lines.join('\n'));
    assert.ok(lines.includes("safety gates hold B's change 3 times (dropToZero 3); A's never."), lines.join('\n'));
  });
});
