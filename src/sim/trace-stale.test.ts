// Stale samples in a trace: "~" keeps the previous value with the sample time of the point that set
// it, so the replay stamps the metric's samples with that old time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { autoscaler } from '../../test/support/builders.ts';
import type { MetricSpec } from '../api/types.ts';
import { replay } from './replay.ts';
import { series } from './trace.ts';
import { parseCsvTrace } from './trace-csv.ts';
import { parseJsonTrace } from './trace-json.ts';

describe('stale samples (~)', () => {
  test('CSV: the value holds, and staleSince gives the time of the point that set it until the next value', () => {
    const s = series(parseCsvTrace('time,q,r\n0,10,1\n60,~,2\n120,~,~\n180,30,3\n', 't.csv'), 'q');
    const rows = [0, 60, 90, 120, 179, 180].map((t) => [t, s.at(t), s.staleSince(t)]);
    assert.deepEqual(rows, [[0, 10_000n, undefined], [60, 10_000n, 0], [90, 10_000n, 0], [120, 10_000n, 0], [179, 10_000n, 0], [180, 30_000n, undefined]]);
  });

  test('JSON: "~" is stale; before a first value or in a gap it leaves the metric missing', () => {
    const trace = parseJsonTrace('{"interval": 60, "points": [{"q": "~"}, {"q": 5}, {"q": null}, {"q": "~"}, {"q": 7}, {"q": "~"}]}');
    const s = series(trace, 'q');
    assert.deepEqual([0, 60, 120, 180, 240, 300].map((t) => [s.at(t), s.staleSince(t)]),
      [[null, undefined], [5000n, undefined], [null, undefined], [null, undefined], [7000n, undefined], [7000n, 240]]);
  });

  test('a malformed cell next to "~" is still an error naming its place', () => {
    assert.throws(() => parseCsvTrace('time,q\n0,~\n60,~x\n', 't.csv'), /line 3, column 2 \(q\)/);
  });

  test('the replay stamps a stale column\'s samples with the old time, and fresh ones with the tick', () => {
    const ext: MetricSpec = { type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '10' } } };
    const r = replay(autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [ext] }), parseCsvTrace('time,q\n0,40\n30,~\n90,40\n', 't.csv'), { initialReplicas: 4 });
    const stamp = (t: number): string | undefined => {
      const f = r.steps.find((s) => s.tick.t === t)?.snapshot.metricValues?.[0];
      return f && 'external' in f ? f.external[0]?.timestamp : undefined;
    };
    assert.deepEqual([stamp(15), stamp(30), stamp(75), stamp(90)],
      ['2026-01-01T00:00:15.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:30.000Z']);
    assert.deepEqual(r.steps.find((s) => s.tick.t === 30)?.tick.stale, { q: 0 });
    assert.equal(r.steps.find((s) => s.tick.t === 90)?.tick.stale, undefined);
  });
});
