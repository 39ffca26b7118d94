// A snapshot's podOwnership (selectionStrategy OwnerReference) and rollout (rollout.policy
// ExcludeSurge): `kscale snapshot` writes them (snapshotDocument), the snapshot file reader checks
// them field by field, and a snapshot written, read back and decided gives the decision made on the
// controller's own Snapshot.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { snapshotDocument } from '../../src/cli/snapshot.ts';
import { parseSnapshotText, SnapshotError, toSnapshot } from '../../src/cli/snapshot-file.ts';
import { decide } from '../../src/engine/decide.ts';
import type { PodOwnership } from '../../src/engine/pod-selection.ts';
import type { RolloutState } from '../../src/engine/rollout.ts';
import type { Snapshot } from '../../src/engine/snapshot.ts';
import { autoscaler, cpuUtilization, pod, podMetrics, scale, snapshot } from '../support/builders.ts';

const ROLLOUT: RolloutState = { workload: 'Deployment/web', reason: '5 pods for spec.replicas 4', desiredReplicas: 4, old: ['web-0', 'web-1'], surge: ['web-4'] };

/** A minimal snapshot document with the given extra top-level fields. */
const doc = (extra: Record<string, unknown>): Record<string, unknown> => ({
  now: '2026-11-23T12:00:00Z',
  autoscaler: { apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 10 } },
  scale: { spec: { replicas: 4 }, status: { replicas: 5, selector: 'app=web' } },
  ...extra,
});

const problems = (raw: unknown): string[] => {
  try { toSnapshot(raw); } catch (e) { if (e instanceof SnapshotError) return e.problems; throw e; }
  return [];
};

describe('the snapshot file reader: podOwnership and rollout', () => {
  const valid: { name: string; extra: Record<string, unknown>; want: Pick<Snapshot, 'podOwnership' | 'rollout'> }[] = [
    { name: 'ownership with pods left out', extra: { podOwnership: { owner: 'Deployment/web', notOwned: ['job-0', 'reports-1'] } }, want: { podOwnership: { owner: 'Deployment/web', notOwned: ['job-0', 'reports-1'] } } },
    { name: 'ownership with none left out', extra: { podOwnership: { owner: 'Deployment/web', notOwned: [] } }, want: { podOwnership: { owner: 'Deployment/web', notOwned: [] } } },
    { name: 'ownership that could not be resolved', extra: { podOwnership: { error: 'Deployment default/web is not in the controller\'s cache' } }, want: { podOwnership: { error: 'Deployment default/web is not in the controller\'s cache' } } },
    { name: 'a rollout', extra: { rollout: ROLLOUT }, want: { rollout: ROLLOUT } },
    { name: 'a rollout without old or surge pods: empty lists', extra: { rollout: { workload: 'StatefulSet/db', reason: 'r', desiredReplicas: 0 } },
      want: { rollout: { workload: 'StatefulSet/db', reason: 'r', desiredReplicas: 0, old: [], surge: [] } } },
    { name: 'both', extra: { podOwnership: { owner: 'Deployment/web', notOwned: ['x'] }, rollout: ROLLOUT }, want: { podOwnership: { owner: 'Deployment/web', notOwned: ['x'] }, rollout: ROLLOUT } },
    { name: 'neither (null is absent)', extra: { podOwnership: null, rollout: null }, want: {} },
  ];
  for (const c of valid) {
    test(`reads ${c.name}`, () => {
      const s = toSnapshot(doc(c.extra));
      assert.deepEqual({ ...(s.podOwnership ? { podOwnership: s.podOwnership } : {}), ...(s.rollout ? { rollout: s.rollout } : {}) }, c.want);
    });
  }

  const bad: { name: string; extra: Record<string, unknown>; want: RegExp }[] = [
    { name: 'podOwnership a list', extra: { podOwnership: ['job-0'] }, want: /^podOwnership: must be \{owner: "Kind\/name", notOwned: \[pod names\]\} or \{error: "\.\.\."\}/ },
    { name: 'podOwnership without owner', extra: { podOwnership: { notOwned: [] } }, want: /^podOwnership\.owner: required/ },
    { name: 'podOwnership owner a number', extra: { podOwnership: { owner: 7, notOwned: [] } }, want: /^podOwnership\.owner: must be a string, got 7/ },
    { name: 'podOwnership without notOwned', extra: { podOwnership: { owner: 'Deployment/web' } }, want: /^podOwnership\.notOwned: required \(a list of pod names\)/ },
    { name: 'podOwnership notOwned a string', extra: { podOwnership: { owner: 'Deployment/web', notOwned: 'job-0' } }, want: /^podOwnership\.notOwned: must be a list of pod names, got "job-0"/ },
    { name: 'podOwnership notOwned with a number', extra: { podOwnership: { owner: 'Deployment/web', notOwned: ['a', 3] } }, want: /^podOwnership\.notOwned\[1\]: must be a pod name \(a string\), got 3/ },
    { name: 'podOwnership with an unknown field', extra: { podOwnership: { owner: 'Deployment/web', notOwned: [], owned: [] } }, want: /^podOwnership\.owned: unknown field/ },
    { name: 'podOwnership error and owner both', extra: { podOwnership: { error: 'x', owner: 'Deployment/web', notOwned: [] } }, want: /^podOwnership: must be either \{error\} or \{owner, notOwned\}, not both/ },
    { name: 'podOwnership error empty', extra: { podOwnership: { error: '' } }, want: /^podOwnership\.error: required \(a string\)/ },
    { name: 'rollout a string', extra: { rollout: 'yes' }, want: /^rollout: must be an object \{workload, reason, desiredReplicas, old, surge\}, got "yes"/ },
    { name: 'rollout without workload', extra: { rollout: { ...ROLLOUT, workload: undefined } }, want: /^rollout\.workload: required/ },
    { name: 'rollout without reason', extra: { rollout: { ...ROLLOUT, reason: undefined } }, want: /^rollout\.reason: required/ },
    { name: 'rollout desiredReplicas negative', extra: { rollout: { ...ROLLOUT, desiredReplicas: -1 } }, want: /^rollout\.desiredReplicas: must be an integer >= 0 \(int32\), got -1/ },
    { name: 'rollout desiredReplicas missing', extra: { rollout: { ...ROLLOUT, desiredReplicas: undefined } }, want: /^rollout\.desiredReplicas: required \(an integer\)/ },
    { name: 'rollout surge a number', extra: { rollout: { ...ROLLOUT, surge: 1 } }, want: /^rollout\.surge: must be a list of pod names, got 1/ },
    { name: 'rollout old with an object', extra: { rollout: { ...ROLLOUT, old: [{ name: 'web-0' }] } }, want: /^rollout\.old\[0\]: must be a pod name \(a string\), got \{"name":"web-0"\}/ },
    { name: 'rollout with an unknown field', extra: { rollout: { ...ROLLOUT, surgePods: [] } }, want: /^rollout\.surgePods: unknown field/ },
  ];
  for (const c of bad) {
    test(`refuses ${c.name}, naming the field`, () => {
      const p = problems(doc(c.extra));
      assert.equal(p.length, 1, p.join('\n'));
      assert.match(p[0] ?? '', c.want);
    });
  }
});

describe('snapshotDocument: podOwnership and rollout', () => {
  // web-0…web-3 owned by the target at 50 % of their request; job-0 (same labels, another owner) at 400 %.
  const pods = [...['web-0', 'web-1', 'web-2', 'web-3'].map((n) => pod(n)), pod('job-0'), pod('db-0', { labels: { app: 'db' } })];
  const metrics = [...['web-0', 'web-1', 'web-2', 'web-3'].map((n) => podMetrics(n, { cpu: '500m' })), podMetrics('job-0', { cpu: '4' })];
  const ownership: PodOwnership = { owner: 'Deployment/web', notOwned: ['job-0'] };
  const base = (extra: Partial<Snapshot>): Snapshot =>
    snapshot({ autoscaler: autoscaler({ metrics: [cpuUtilization(50)], selectionStrategy: 'OwnerReference', rollout: { policy: 'ExcludeSurge' } }), scale: scale(4), pods, podMetrics: metrics, ...extra });

  test('carries them when present, and leaves them out when absent', () => {
    const d = snapshotDocument(base({ podOwnership: ownership, rollout: ROLLOUT }));
    assert.deepEqual(d.podOwnership, ownership);
    assert.deepEqual(d.rollout, ROLLOUT);
    const none = snapshotDocument(base({}));
    assert.equal('podOwnership' in none, false);
    assert.equal('rollout' in none, false);
    assert.deepEqual(snapshotDocument(base({ podOwnership: { error: 'no cache' } })).podOwnership, { error: 'no cache' });
  });

  test('written, read back and decided: the decision and explanation of the original snapshot', () => {
    const original = base({ podOwnership: ownership, rollout: ROLLOUT });
    const replayed = toSnapshot(parseSnapshotText(stringify(snapshotDocument(original)), 'test'));
    const [want, got] = [decide(original), decide(replayed)];
    assert.equal(got.desiredReplicas, want.desiredReplicas);
    assert.deepEqual(got.explanation.steps, want.explanation.steps);
    // Only web's pods count: 50 % at a 50 % target holds at 4; with job-0 counted it would scale up.
    assert.equal(got.desiredReplicas, 4);
    assert.ok(got.explanation.steps.includes('selectionStrategy OwnerReference: 1 of 5 pods the selector matches are not owned by Deployment/web and do not count: job-0'), got.explanation.steps.join('\n'));
    const lost = decide(toSnapshot(parseSnapshotText(stringify(snapshotDocument(base({}))), 'test')));
    assert.ok(lost.explanation.steps.some((s) => s.startsWith('selectionStrategy OwnerReference could not be applied')), 'without the field the replay differs');
    assert.ok(lost.desiredReplicas > 4);
  });
});
