// The decision ledger (status.decisions) as one line per decision: the line for each kind of decision,
// reading lines back, the bounds, and statuses of the previous version (structured entries) read as lines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DecisionSummary } from '../../../src/api/types.ts';
import { decide } from '../../../src/engine/decide.ts';
import {
  LEDGER_ENTRIES, LINE_MAX, decisionLine, ledgerEntries, ledgerLines, parseDecisionLine, recordDecision,
} from '../../../src/engine/ledger.ts';
import { autoscaler, pod, podMetrics, scale, snapshot } from '../../support/builders.ts';

const T = '2026-12-03T12:02:15Z';
const cpu = { metric: 'cpu', replicas: 14, ratio: 1.4, current: '84%', target: '60%' };

describe('a decision in one line', () => {
  const cases: { name: string; d: DecisionSummary; line: string }[] = [
    {
      name: 'a scale-up bounded by a policy, with its metric math',
      d: { time: T, currentReplicas: 11, proposedReplicas: 14, desiredReplicas: 12, reason: 'cpu above target', limitedBy: 'scaleUpLimit', metrics: [cpu] },
      line: `${T} 11→12 (proposed 14, limited by scaleUpLimit) cpu above target | cpu 84%/60% ratio 1.4 → 14`,
    },
    {
      name: 'no rule: only the proposal',
      d: { time: T, currentReplicas: 2, proposedReplicas: 3, desiredReplicas: 3, reason: 'cpu above target', metrics: [{ ...cpu, replicas: 3, ratio: 1.0954 }] },
      line: `${T} 2→3 (proposed 3) cpu above target | cpu 84%/60% ratio 1.095 → 3`,
    },
    {
      name: 'a failed metric with its fallback in effect, next to a computed one',
      d: {
        time: T, currentReplicas: 3, proposedReplicas: 8, desiredReplicas: 8, reason: 'fallback of pods metric rps',
        metrics: [cpu, { metric: 'pods metric rps', replicas: 8, error: 'unable to get metric rps', fallback: { replicas: 8, since: '2026-12-03T11:55:00.000Z' } }],
      },
      line: `${T} 3→8 (proposed 8) fallback of pods metric rps | cpu 84%/60% ratio 1.4 → 14 | pods metric rps error: unable to get metric rps fallback 8 since 2026-12-03T11:55:00.000Z`,
    },
    {
      name: 'a failed metric without a fallback holds the count',
      d: { time: T, currentReplicas: 3, desiredReplicas: 3, reason: 'invalid metrics (1 invalid out of 1)', limitedBy: 'invalidMetric', metrics: [{ metric: 'pods metric qps', error: 'no metrics returned' }] },
      line: `${T} 3→3 (limited by invalidMetric) invalid metrics (1 invalid out of 1) | pods metric qps error: no metrics returned`,
    },
    {
      name: 'no metrics (an invalid spec)',
      d: { time: T, currentReplicas: 4, desiredReplicas: 4, reason: 'spec.maxReplicas: must be at least 1', limitedBy: 'invalidSpec', metrics: [] },
      line: `${T} 4→4 (limited by invalidSpec) spec.maxReplicas: must be at least 1`,
    },
    {
      name: 'no reason: the metrics follow the head',
      d: { time: T, currentReplicas: 1, proposedReplicas: 2, desiredReplicas: 2, reason: '', metrics: [{ metric: 'cpu', replicas: 2 }] },
      line: `${T} 1→2 (proposed 2) | cpu → 2`,
    },
    {
      name: 'a line break or "|" in a reason cannot break the line or its fields',
      d: { time: T, currentReplicas: 5, desiredReplicas: 5, reason: 'updating the scale failed:\n  a | b', limitedBy: 'scaleError' },
      line: `${T} 5→5 (limited by scaleError) updating the scale failed: a ¦ b`,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(decisionLine(c.d), c.line);
      // Read back: the numbers, the rule and the reason as the line has them.
      const e = parseDecisionLine(c.line);
      assert.ok(e, 'the line reads back');
      assert.deepEqual([e.time, e.currentReplicas, e.desiredReplicas, e.proposedReplicas, e.limitedBy],
        [c.d.time, c.d.currentReplicas, c.d.desiredReplicas, c.d.proposedReplicas, c.d.limitedBy]);
      assert.equal(e.reason, c.d.reason.replace(/\s+/g, ' ').replace('|', '¦').trim());
      assert.equal(e.metrics.length, c.d.metrics?.length ?? 0);
    });
  }

  test('a long line is cut to LINE_MAX, metrics first, and keeps its head and rule', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...cpu, metric: `external metric queue_messages_ready{queue=orders-${String(i)}}` }));
    const line = decisionLine({ time: T, currentReplicas: 11, proposedReplicas: 14, desiredReplicas: 12, reason: 'several metrics above target', limitedBy: 'maxReplicas', metrics: many });
    assert.equal(line.length, LINE_MAX);
    assert.ok(line.endsWith('…'));
    assert.ok(line.startsWith(`${T} 11→12 (proposed 14, limited by maxReplicas) several metrics above target | external metric queue_messages_ready{queue=orders-0} 84%/60%`));
    const longReason = decisionLine({ time: T, currentReplicas: 3, desiredReplicas: 3, reason: 'x'.repeat(1000), limitedBy: 'scaleError', metrics: [cpu] });
    assert.equal(longReason.length, LINE_MAX);
    assert.equal(parseDecisionLine(longReason)?.limitedBy, 'scaleError');
  });

  test('what is not a ledger line does not read back', () => {
    for (const s of ['', 'hello', `${T} 3->4 up`, `${T} x→4`]) assert.equal(parseDecisionLine(s), undefined, s);
  });
});

describe('a status of the previous version: structured entries read as lines', () => {
  const old = [
    { time: '2026-11-23T11:58:00Z', currentReplicas: 2, proposedReplicas: 3, desiredReplicas: 3, reason: 'cpu above target', metrics: [{ metric: 'cpu', replicas: 3, ratio: 1.5, current: '90%', target: '60%' }] },
    { time: '2026-11-23T11:59:00Z', currentReplicas: 3, desiredReplicas: 3, reason: 'no change', limitedBy: 'stabilization' },
  ];

  test('structured entries become their lines; lines stay; what the API server pruned ({}) or junk is dropped', () => {
    assert.deepEqual(ledgerLines([...old, {}, 42, null, { time: 'x' }, '', `${T} 4→5 (proposed 5) r`]), [
      '2026-11-23T11:58:00Z 2→3 (proposed 3) cpu above target | cpu 90%/60% ratio 1.5 → 3',
      '2026-11-23T11:59:00Z 3→3 (limited by stabilization) no change',
      `${T} 4→5 (proposed 5) r`,
    ]);
    assert.deepEqual(ledgerLines(undefined), []);
    assert.deepEqual(ledgerEntries(old).map((e) => [e.currentReplicas, e.desiredReplicas, e.limitedBy]), [[2, 3, undefined], [3, 3, 'stabilization']]);
  });

  test('the engine appends to a ledger of the previous version', () => {
    const pods = ['a', 'b', 'c'].map((n) => pod(n));
    const d = decide(snapshot({
      autoscaler: autoscaler({}, { decisions: old as unknown as string[] }), scale: scale(3), pods,
      podMetrics: ['a', 'b', 'c'].map((n) => podMetrics(n, { cpu: '1000m' })),
    }));
    const lines = d.status.decisions ?? [];
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => typeof l === 'string'));
    assert.equal(lines[0], '2026-11-23T11:58:00Z 2→3 (proposed 3) cpu above target | cpu 90%/60% ratio 1.5 → 3');
    assert.equal(lines[2], decisionLine(d.status.lastDecision ?? assert.fail('a last decision')));
    assert.deepEqual([ledgerEntries(lines)[2]?.currentReplicas, ledgerEntries(lines)[2]?.desiredReplicas], [3, d.desiredReplicas]);
  });
});

describe('recording a decision', () => {
  const at = (i: number): string => new Date(Date.parse(T) + i * 15_000).toISOString();
  const scaled = (i: number): DecisionSummary => ({ time: at(i), currentReplicas: i, proposedReplicas: i + 1, desiredReplicas: i + 1, reason: 'cpu above target', metrics: [cpu] });
  const hold: DecisionSummary = { time: at(0), currentReplicas: 4, proposedReplicas: 2, desiredReplicas: 4, reason: 'All metrics below target', limitedBy: 'stabilization' };

  test('a decision that neither scaled nor was held is not recorded', () => {
    assert.equal(recordDecision(undefined, { ...hold, limitedBy: undefined, desiredReplicas: 4 }, false), undefined);
    assert.deepEqual(recordDecision(['a line'], { ...hold, limitedBy: undefined }, false), ['a line']);
  });

  test('the same hold pass after pass is one entry; a different hold is another', () => {
    const once = recordDecision(undefined, hold, false);
    assert.deepEqual(recordDecision(once, { ...hold, time: at(1) }, false), once);
    assert.equal(recordDecision(once, { ...hold, time: at(2), limitedBy: 'tolerance' }, false)?.length, 2);
  });

  test(`bounded to ${String(LEDGER_ENTRIES)} lines of at most ${String(LINE_MAX)} characters, oldest dropped first`, () => {
    let ledger: string[] | undefined;
    for (let i = 0; i < 25; i++) ledger = recordDecision(ledger, scaled(i), true);
    assert.equal(ledger?.length, LEDGER_ENTRIES);
    assert.equal(parseDecisionLine(ledger?.[0] ?? '')?.currentReplicas, 15);
    const wide = Array.from({ length: 8 }, (_, i) => ({ ...cpu, metric: `external metric m${String(i)}{queue=${'q'.repeat(20)}}` }));
    for (let i = 0; i < 25; i++) ledger = recordDecision(ledger, { ...scaled(i), metrics: wide }, true);
    assert.equal(ledger?.length, LEDGER_ENTRIES);
    assert.ok((ledger ?? []).every((l) => l.length === LINE_MAX), 'each wide line is cut to LINE_MAX');
    assert.ok(Buffer.byteLength((ledger ?? []).join('')) <= 4096, 'a few KiB in all');
    // A line of another writer that is longer is cut when read, so the bound holds for any ledger.
    assert.equal(recordDecision(['y'.repeat(2000)], scaled(1), true)?.[0]?.length, LINE_MAX);
    assert.equal(parseDecisionLine(ledger?.at(-1) ?? '')?.currentReplicas, 24, 'the newest is kept');
  });
});
