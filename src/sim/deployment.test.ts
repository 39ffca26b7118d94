// The simulated Deployment's rolling update (maxSurge 25 % rounded up, maxUnavailable 0): it surges
// within the limit, removes an old pod only for an available new one, follows a resize, and reports
// the rollout exactly as the controller's RolloutState.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { advance, DEFAULT_ROLLOUT, isRollingOut, isWarm, rolloutState, scaleDeployment, startRollout } from './deployment.ts';
import { initialWorkload, type Workload } from './workload.ts';

const READY_MS = 30_000;
const m = DEFAULT_ROLLOUT;
const T0 = 1_000_000_000_000;
const byRevision = (w: Workload): string => {
  const old = w.pods.filter((p) => p.revision < w.revision).length;
  return `${old} old + ${w.pods.length - old} new`;
};
const name = (p: { index: number }): string => `web-${p.index}`;

/** The workload every `step` ms from T0 until the rollout ends (or `until`). */
function timeline(w: Workload, step: number, until: number): { t: number; w: Workload }[] {
  const out = [{ t: 0, w }];
  for (let t = step; t <= until; t += step) {
    w = advance(w, T0 + t - step, T0 + t, [], READY_MS, m);
    out.push({ t, w });
  }
  return out;
}

describe('the simulated Deployment rolls out', () => {
  test('surge within maxSurge rounded up, spec.replicas available throughout, old pods go as new ones become available', () => {
    const rows: [number, number, number][] = [[1, 1, 2], [4, 1, 5], [10, 3, 13], [20, 5, 25]];
    for (const [replicas, surge, total] of rows) {
      const w = startRollout(initialWorkload(replicas, T0, READY_MS), T0, READY_MS, m);
      assert.equal(w.pods.length, total, `${replicas} replicas: ${surge} surge pods`);
      assert.equal(byRevision(w), `${replicas} old + ${surge} new`);
      const steps = timeline(w, 5_000, 3_600_000);
      for (const { t, w: s } of steps) {
        const available = s.pods.filter((p) => p.readyAt + m.minReadySeconds * 1000 <= T0 + t).length;
        assert.ok(available >= replicas, `${replicas} replicas at +${t / 1000}s: ${available} available`);
        assert.ok(s.pods.length <= total, `${replicas} replicas at +${t / 1000}s: ${s.pods.length} pods`);
      }
      const done = steps.find((s) => !isRollingOut(s.w));
      assert.ok(done, `${replicas} replicas: the rollout ends`);
      assert.equal(byRevision(done.w), `0 old + ${replicas} new`);
      // One batch of `surge` pods per readiness delay + minReadySeconds.
      assert.equal(done.t, Math.ceil(replicas / surge) * (READY_MS + m.minReadySeconds * 1000), `${replicas} replicas: duration`);
    }
  });

  test('4 replicas: the old pod goes only when the new one is available (Ready + minReadySeconds), then the next surges', () => {
    const w = startRollout(initialWorkload(4, T0, READY_MS), T0, READY_MS, m);
    const seen = timeline(w, 15_000, 240_000).map(({ t, w: s }) => [t / 1000, byRevision(s)]);
    assert.deepEqual(seen, [
      [0, '4 old + 1 new'], [15, '4 old + 1 new'], [30, '4 old + 1 new'], [45, '4 old + 1 new'],
      [60, '3 old + 2 new'], [75, '3 old + 2 new'], [90, '3 old + 2 new'], [105, '3 old + 2 new'],
      [120, '2 old + 3 new'], [135, '2 old + 3 new'], [150, '2 old + 3 new'], [165, '2 old + 3 new'],
      [180, '1 old + 4 new'], [195, '1 old + 4 new'], [210, '1 old + 4 new'], [225, '1 old + 4 new'],
      [240, '0 old + 4 new'],
    ]);
  });

  test('a resize during the rollout adds new pods up to the new spec.replicas plus its surge; a resize down trims the newest', () => {
    const w = startRollout(initialWorkload(4, T0, READY_MS), T0, READY_MS, m);
    const up = scaleDeployment(w, 6, T0 + 30_000, READY_MS, m);
    assert.equal(up.replicas, 6);
    assert.equal(byRevision(up), '4 old + 4 new', '6 + ceil(1.5) = 8 pods');
    const down = scaleDeployment(up, 4, T0 + 45_000, READY_MS, m);
    assert.equal(down.pods.length, 5, '4 + 1 surge');
    assert.deepEqual(down.pods.map((p) => p.index), [0, 1, 2, 3, 4], 'the pods added last went first');
  });

  test('outside a rollout a resize is the plain workload change (no warm-up, no surge)', () => {
    const w = scaleDeployment(initialWorkload(2, T0, READY_MS), 5, T0, READY_MS, m);
    assert.equal(w.pods.length, 5);
    assert.ok(w.pods.every((p) => p.warmUntil === undefined && p.revision === 0));
    assert.equal(isRollingOut(w), false);
  });

  test('a new rollout during one rolls over: every pod of an older revision is old', () => {
    const first = startRollout(initialWorkload(4, T0, READY_MS), T0, READY_MS, m);
    const mid = advance(first, T0, T0 + 70_000, [], READY_MS, m);
    assert.equal(byRevision(mid), '3 old + 2 new');
    const second = advance(mid, T0 + 70_000, T0 + 75_000, [T0 + 75_000], READY_MS, m);
    assert.equal(second.revision, 2);
    // As the controller's cleanupUnhealthyReplicas: the superseded revision's pod that is not yet
    // available goes at once, which makes room for the newest revision's surge pod.
    assert.deepEqual(second.pods.map((p) => `${name(p)}@${p.revision}`), ['web-0@0', 'web-1@0', 'web-2@0', 'web-4@1', 'web-6@2']);
    assert.equal(isRollingOut(second), true);
  });

  test('rolloutState: the controller\'s view: old pods by revision, surge = the youngest beyond spec.replicas', () => {
    assert.equal(rolloutState(initialWorkload(4, T0, READY_MS), 'Deployment/web', name), undefined);
    const w = startRollout(initialWorkload(4, T0, READY_MS), T0, READY_MS, m);
    assert.deepEqual(rolloutState(w, 'Deployment/web', name), {
      workload: 'Deployment/web', reason: '5 pods for spec.replicas 4; 2 ReplicaSets with pods', desiredReplicas: 4,
      old: ['web-0', 'web-1', 'web-2', 'web-3'], surge: ['web-4'],
    });
    const later = advance(w, T0, T0 + 60_000, [], READY_MS, m);
    const s = rolloutState(later, 'Deployment/web', name);
    assert.deepEqual([s?.old, s?.surge], [['web-0', 'web-1', 'web-2'], ['web-5']], 'the newest old pod went first; the new surge pod is the youngest');
  });

  test('pods a rollout creates warm up for warmUpSeconds after Ready, and only then', () => {
    const w = startRollout(initialWorkload(4, T0, READY_MS), T0, READY_MS, m);
    const p = w.pods.find((x) => x.revision === 1);
    assert.ok(p);
    const at = (s: number): boolean => isWarm(p, T0 + s * 1000);
    assert.deepEqual([at(0), at(29), at(30), at(49), at(50)], [false, false, true, true, false]);
    assert.ok(w.pods.filter((x) => x.revision === 0).every((x) => !isWarm(x, T0 + 30_000)));
  });
});
