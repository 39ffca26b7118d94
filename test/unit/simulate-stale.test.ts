// `kscale simulate` replays the staleMetrics safety gate (issue 12 item 7): examples/traces/
// queue-stale.csv freezes a dip with "~" cells; the HPA believes it, the gate holds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import { validateSpec } from '../../src/api/validation.ts';
import { renderText } from '../../src/sim/report-text.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { parseCsvTrace } from '../../src/sim/trace-csv.ts';

const ex = (f: string): URL => new URL(`../../examples/traces/${f}`, import.meta.url);
const config = (f: string) => {
  const autoscaler = parse(readFileSync(ex(f), 'utf8')) as HorizontalAutoscaler;
  assert.deepEqual(validateSpec(autoscaler.spec), [], f);
  return { name: f.replace('.yaml', ''), file: f, autoscaler };
};

describe('simulate: stale samples', () => {
  test('queue-stale: the HPA scales down on the frozen dip; the staleMetrics gate holds until fresh samples return', () => {
    const trace = parseCsvTrace(readFileSync(ex('queue-stale.csv'), 'utf8'), 'queue-stale.csv');
    const sim = simulate([config('queue-stale-default.yaml'), config('queue-stale-gated.yaml')], trace, { initialReplicas: 8 });
    const [plain, gated] = sim.configurations;
    assert.ok(plain && gated);
    const down = plain.ticks.find((t) => t.scaleTo !== null && t.scaleTo < t.replicas);
    assert.ok(down?.stale, 'the scale-down happened on a stale sample');
    assert.equal(gated.ticks.filter((t) => t.scaleTo !== null).length, 0, 'it never leaves 8');
    const held = gated.ticks.filter((t) => t.gate === 'staleMetrics');
    assert.ok(held.length > 0 && held.every((t) => t.stale !== undefined && t.limitedBy === 'staleMetrics'));
    assert.equal(held[0]?.t, down.t, 'held exactly where the HPA scaled down');
    assert.ok(gated.ticks.filter((t) => t.stale === undefined).every((t) => t.gate === undefined), 'fresh samples are never held as stale');
    assert.match(renderText(sim), /~20 \[sampled 5:00\]/);
  });
});
