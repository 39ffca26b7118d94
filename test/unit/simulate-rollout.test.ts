// `kscale simulate` replays rollouts (issue 12 item 7): examples/traces/rollouts.csv holds three
// rolling updates under steady load (kubernetes #72775). With rollout.policy unset (Upstream) the
// replay ratchets the count up during the first rollout as the HPA does; with ExcludeSurge it holds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import { validateSpec } from '../../src/api/validation.ts';
import { decide } from '../../src/engine/decide.ts';
import { renderSvg, rolloutSpans } from '../../src/sim/chart-svg.ts';
import { replay } from '../../src/sim/replay.ts';
import { renderText } from '../../src/sim/report-text.ts';
import { simulate } from '../../src/sim/simulate.ts';
import { parseCsvTrace } from '../../src/sim/trace-csv.ts';
import { findAll, parseXml } from '../../src/sim/xml-check.ts';

const ex = (f: string): URL => new URL(`../../examples/traces/${f}`, import.meta.url);
const config = (f: string) => {
  const autoscaler = parse(readFileSync(ex(f), 'utf8')) as HorizontalAutoscaler;
  assert.deepEqual(validateSpec(autoscaler.spec), [], f);
  return { name: f.replace('.yaml', ''), file: f, autoscaler };
};
const trace = parseCsvTrace(readFileSync(ex('rollouts.csv'), 'utf8'), 'rollouts.csv');
/** As the README's command: memory per pod (--per-pod), the default 1Gi request and 30 s readiness. */
const run = () => simulate([config('rollout-upstream.yaml'), config('rollout-exclude-surge.yaml')], trace, { perPod: true });

describe('simulate: rollouts', () => {
  test('Upstream ratchets during the first rollout and keeps the count; ExcludeSurge holds minReplicas', () => {
    const sim = run();
    const [up, ex] = sim.configurations;
    assert.ok(up && ex);
    const ups = up.ticks.filter((t) => t.scaleTo !== null);
    assert.ok(ups.length >= 3, `a ratchet is several steps: ${ups.map((t) => `${t.replicas}→${t.scaleTo}`).join(', ')}`);
    assert.ok(ups.every((t) => t.rollout !== undefined && (t.scaleTo ?? 0) > t.replicas), 'every change is a scale-up during a rollout');
    assert.equal(ups[0]?.replicas, 4);
    ups.slice(1).forEach((t, i) => { assert.equal(t.replicas, ups[i]?.scaleTo, 'each step starts from the previous one'); });
    assert.ok(up.summary.peakReplicas >= 3 * 4, `peak ${up.summary.peakReplicas}`);
    assert.equal(up.summary.finalReplicas, up.summary.peakReplicas, 'at 100 % nothing scales back down');
    assert.equal(up.summary.rolloutHolds, 0);

    assert.equal(ex.summary.scaleEvents, 0);
    assert.equal(ex.summary.peakReplicas, 4);
    assert.ok(ex.summary.rolloutHolds > 0);
    assert.ok(ex.ticks.filter((t) => t.limitedBy === 'rollout').every((t) => t.rollout !== undefined), 'bounded only during a rollout');
    // The same hot surge pods are seen by both: the difference is what the engine does with them.
    assert.ok(ex.ticks.some((t) => (t.ratio.memory ?? 0) > 1.1), 'ExcludeSurge sees the hot surge pod too');
    assert.ok(sim.differences.some((d) => d.includes(`peaks at 4 replicas; rollout-upstream at ${up.summary.peakReplicas}`)), sim.differences.join('\n'));
  });

  test('three rollouts: each starts at the rise of the rollout column and ends with every pod replaced', () => {
    const ex = run().configurations[1];
    assert.ok(ex);
    const starts = ex.ticks.filter((t, i) => t.rollout !== undefined && ex.ticks[i - 1]?.rollout === undefined).map((t) => t.t);
    assert.deepEqual(starts, [300, 1200, 2100]);
    assert.ok(ex.ticks.filter((t) => t.t >= 300 && t.t < 300 + 4 * 60).every((t) => t.rollout !== undefined), '4 pods, one at a time, 60 s each');
    assert.equal(ex.summary.secondsRollingOut, 3 * 4 * 60);
  });

  test('the snapshot carries the rollout as the controller builds it, for ExcludeSurge only, and decide() on it agrees', () => {
    const ex = config('rollout-exclude-surge.yaml').autoscaler;
    const r = replay(ex, trace, { perPod: true });
    const hot = r.steps.find((s) => s.decision.explanation.limitedBy === 'rollout');
    assert.ok(hot?.snapshot.rollout, 'a bounded tick has the rollout in its snapshot');
    const names = hot.snapshot.pods.map((p) => p.metadata.name);
    const scale = hot.snapshot.scale;
    assert.ok(!('error' in scale));
    assert.deepEqual([scale.spec?.replicas, scale.status?.replicas], [4, 5], 'spec.replicas 4, one surge pod');
    assert.deepEqual(hot.snapshot.rollout.surge, [names.at(-1)], 'the youngest pod beyond spec.replicas');
    assert.equal(hot.snapshot.rollout.desiredReplicas, 4);
    assert.equal(hot.snapshot.rollout.workload, 'Deployment/web');
    assert.ok(hot.snapshot.rollout.old.length > 0 && hot.snapshot.rollout.old.every((n) => names.includes(n) && !hot.snapshot.rollout?.surge.includes(n)));
    for (const s of r.steps) assert.deepEqual(decide(s.snapshot), s.decision, `tick ${s.tick.t}`);
    assert.ok(r.steps.every((s) => (s.snapshot.rollout !== undefined) === (s.tick.rollout !== undefined)));

    const upstream = replay(config('rollout-upstream.yaml').autoscaler, trace, { perPod: true });
    assert.ok(upstream.steps.every((s) => s.snapshot.rollout === undefined), 'the controller reads the rollout only for ExcludeSurge');
  });

  test('the warm-up is settable: without it (factor 1) no rollout moves Upstream', () => {
    const up = replay(config('rollout-upstream.yaml').autoscaler, trace, { perPod: true, rollout: { warmUpFactor: 1 } });
    assert.ok(up.steps.every((s) => s.decision.scaleTo === null));
    assert.ok(up.steps.some((s) => s.tick.rollout !== undefined), 'the rollouts still happen');
  });

  test('the text report marks rollout ticks and adds the rollout row to the summary', () => {
    const text = renderText(run());
    assert.match(text, /5:00 .*\[rollout: 4 old \+ 1 new pods for spec\.replicas 4\]/);
    assert.match(text, /time rolling out +\d[\d,]* s \(0 scale-ups bounded\) +720 s \(\d+ scale-ups bounded\)/);
  });

  test('the chart shades each configuration\'s rollouts behind its replicas', () => {
    const sim = run();
    const [up, ex] = sim.configurations;
    assert.ok(up && ex);
    assert.deepEqual(rolloutSpans(ex), [{ from: 300, to: 540 }, { from: 1200, to: 1440 }, { from: 2100, to: 2340 }]);
    assert.equal(rolloutSpans(up).length, 3);
    const bands = findAll(parseXml(renderSvg(sim)), (e) => e.name === 'rect' && e.attributes.class === 'ks-rollout' && e.attributes['data-config'] !== undefined);
    assert.deepEqual(bands.map((b) => b.attributes['data-config']), [...Array<string>(3).fill(up.name), ...Array<string>(3).fill(ex.name)]);
  });

  test('a trace without a rollout column has no rollout row', () => {
    const sim = simulate([config('rollout-upstream.yaml')], parseCsvTrace('time,memory\n0,1Gi\n600,1Gi\n', 'steady.csv'), { perPod: true });
    assert.doesNotMatch(renderText(sim), /time rolling out|\[rollout:/);
    assert.doesNotMatch(renderSvg(sim), /ks-rollout"/);
  });
});
