// The trace's rollout column: each rise from 0 (or empty) to non-zero starts a rollout.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rolloutStarts } from './rollout-column.ts';
import { parseCsvTrace } from './trace-csv.ts';
import { parseJsonTrace } from './trace-json.ts';

describe('rolloutStarts', () => {
  const table: [string, string, number[]][] = [
    ['no rollout column', 'time,cpu\n0,1\n60,2\n', []],
    ['one rollout', 'time,cpu,rollout\n0,1,0\n60,1,1\n120,1,1\n180,1,0\n', [60]],
    ['rolling out from the first point', 'time,cpu,rollout\n0,1,1\n60,1,0\n', [0]],
    ['an empty cell counts as 0', 'time,cpu,rollout\n0,1,\n60,1,1\n120,1,\n180,1,1\n', [60, 180]],
    ['staying at 1 is one rollout', 'time,cpu,rollout\n0,1,0\n60,1,1\n120,2,1\n', [60]],
  ];
  for (const [what, text, want] of table) {
    test(what, () => { assert.deepEqual(rolloutStarts(parseCsvTrace(text, 't.csv')), want); });
  }

  test('JSON: a point without "rollout" keeps the previous value', () => {
    const trace = parseJsonTrace('{"interval": 30, "points": [{"cpu": 1, "rollout": 0}, {"rollout": 1}, {"cpu": 2}, {"rollout": 0}, {"rollout": 1}]}');
    assert.deepEqual(rolloutStarts(trace), [30, 120]);
  });
});
