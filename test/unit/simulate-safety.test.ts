// `kscale simulate` replays fallback and safety gates (issue 12 item 7): the example traces in
// examples/traces show them in the timeline, the summary and the comparison.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import { validateSpec } from '../../src/api/validation.ts';
import { parseCsvTrace } from '../../src/sim/trace-csv.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { renderText } from '../../src/sim/report-text.ts';

const ex = (f: string): URL => new URL(`../../examples/traces/${f}`, import.meta.url);
const config = (f: string) => {
  const autoscaler = parse(readFileSync(ex(f), 'utf8')) as HorizontalAutoscaler;
  assert.deepEqual(validateSpec(autoscaler.spec), [], f);
  return { name: f.replace('.yaml', ''), file: f, autoscaler };
};
const trace = (f: string) => parseCsvTrace(readFileSync(ex(f), 'utf8'), f);

describe('simulate: fallback and safety gates', () => {
  test('queue-outage: the fallback applies after failureDurationSeconds and ends when the metric is back', () => {
    const sim = simulate([config('queue-outage-hpa.yaml'), config('queue-outage-fallback.yaml')], trace('queue-outage.csv'));
    const [hpa, fb] = sim.configurations;
    assert.ok(hpa && fb);
    assert.equal(hpa.summary.secondsInFallback, 0);
    assert.ok(hpa.ticks.filter((t) => t.t >= 360 && t.t < 960).every((t) => t.scaleTo === null && t.limitedBy === 'invalidMetric'));
    const first = fb.ticks.find((t) => t.fallback);
    assert.equal(first?.t, 480, 'failing since 6:00, fallback from 8:00 (failureDurationSeconds 120)');
    assert.equal(first?.scaleTo, 16);
    assert.deepEqual(first?.fallback, ['external metric queue_messages_ready → 16']);
    assert.equal(fb.ticks.filter((t) => t.fallback).at(-1)?.t, 945, 'it ends when the metric is back at 16:00');
    assert.equal(fb.summary.secondsInFallback, 480);
    assert.ok(fb.summary.secondsAboveTarget < hpa.summary.secondsAboveTarget);
    assert.ok(sim.differences.some((d) => /runs on a metric fallback for 480 s/.test(d)), sim.differences.join('\n'));
    assert.match(renderText(sim), /8:00 +— +8 → 16 .*\[fallback: external metric queue_messages_ready → 16\]/);
  });

  test('queue-drop: the dropToZero gate holds the false 0 that scales the unconfigured autoscaler 9 → 1', () => {
    const sim = simulate([config('queue-drop-default.yaml'), config('queue-drop-gated.yaml')], trace('queue-drop.csv'));
    const [plain, gated] = sim.configurations;
    assert.ok(plain && gated);
    assert.deepEqual(plain.ticks.filter((t) => t.scaleTo !== null && t.t >= 600).map((t) => [t.t, t.replicas, t.scaleTo]), [[645, 9, 1], [840, 1, 5], [855, 5, 9]]);
    assert.deepEqual(gated.ticks.filter((t) => t.scaleTo !== null && t.t >= 600), []);
    const held = gated.ticks.filter((t) => t.gate === 'dropToZero');
    assert.deepEqual([held[0]?.t, held.at(-1)?.t, held.length], [645, 825, 13]);
    assert.ok(held.every((t) => t.limitedBy === 'dropToZero'));
    assert.deepEqual(gated.summary.gateHoldsBy, { dropToZero: 13 });
    assert.ok(sim.differences.some((d) => /safety gates hold queue-drop-gated's change 13 times \(dropToZero 13\)/.test(d)), sim.differences.join('\n'));
    assert.match(renderText(sim), /held by safety gates +0 +13 \(dropToZero 13\)/);
  });

  test('without fallback or gates the summary has no fallback or gate rows (reports unchanged)', () => {
    const sim = simulate([config('spike-default.yaml')], trace('spike.csv'));
    assert.doesNotMatch(renderText(sim), /time in fallback|held by safety gates/);
  });
});
