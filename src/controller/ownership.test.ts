// Pod ownership through the target's chain (selectionStrategy OwnerReference) and the rollout state
// of a target (rollout.policy ExcludeSurge), from cached workloads: table tests.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CrossVersionObjectReference } from '../api/types.ts';
import type { Pod } from '../engine/inputs.ts';
import { resolveOwnership, targetUid } from './ownership.ts';
import { byAge, rolloutState } from './rollout-state.ts';
import { listLookup } from './workload-list.ts';
import { REVISION, slimWorkload, type Workload, type WorkloadLookup } from './workloads.ts';

const NS = 'default';

function workload(kind: Workload['kind'], name: string, o: { uid?: string; owner?: { kind: string; name: string; uid: string }; revision?: number; generation?: number;
  spec?: number; status?: Workload['status'] } = {}): Workload {
  return slimWorkload(kind, {
    metadata: {
      name, namespace: NS, uid: o.uid ?? `${name}-uid`, generation: o.generation ?? 1, managedFields: [{ manager: 'x' }],
      annotations: { ...(o.revision !== undefined ? { [REVISION]: String(o.revision) } : {}), 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', ...o.owner, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: { replicas: o.spec ?? 4, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
    status: { observedGeneration: o.generation ?? 1, replicas: o.spec ?? 4, ...o.status },
  });
}

/** A lookup over plain lists, as the caches answer. */
const lookup = (...objs: Workload[]): WorkloadLookup => listLookup(objs);

function pod(name: string, owner?: { kind: string; name: string; uid: string }, o: { created?: string; phase?: string; deleting?: boolean; hash?: string } = {}): Pod {
  return {
    metadata: {
      name, namespace: NS, labels: { app: 'web', ...(o.hash ? { 'controller-revision-hash': o.hash } : {}) },
      ...(o.created ? { creationTimestamp: o.created } : {}), ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', ...owner, controller: true }] } : {}),
    },
    status: { phase: o.phase ?? 'Running' },
  };
}

const ref = (kind: string, name: string, apiVersion = 'apps/v1'): CrossVersionObjectReference => ({ apiVersion, kind, name });
const rsOf = (rs: Workload) => ({ kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid });

describe('ownership through the target\'s chain', () => {
  const web = workload('Deployment', 'web');
  const other = workload('Deployment', 'other');
  const webRs1 = workload('ReplicaSet', 'web-1', { owner: { kind: 'Deployment', name: 'web', uid: 'web-uid' } });
  const webRs2 = workload('ReplicaSet', 'web-2', { owner: { kind: 'Deployment', name: 'web', uid: 'web-uid' } });
  const otherRs = workload('ReplicaSet', 'other-1', { owner: { kind: 'Deployment', name: 'other', uid: 'other-uid' } });
  const bare = workload('ReplicaSet', 'bare');
  const db = workload('StatefulSet', 'db');
  const caches = lookup(web, other, webRs1, webRs2, otherRs, bare, db);
  const pods = [
    pod('web-1-a', rsOf(webRs1)), pod('web-2-a', rsOf(webRs2)),
    pod('other-1-a', rsOf(otherRs)), pod('job-a', { kind: 'Job', name: 'job', uid: 'job-uid' }), pod('naked'),
    pod('bare-a', rsOf(bare)), pod('db-0', { kind: 'StatefulSet', name: 'db', uid: 'db-uid' }),
    // A ReplicaSet of the same name, recreated: the pod's reference has the old uid.
    pod('stale-a', { kind: 'ReplicaSet', name: 'web-1', uid: 'old-uid' }),
    pod('rollout-a', { kind: 'Rollout', name: 'canary', uid: 'canary-uid' }),
  ];
  const owned = (r: CrossVersionObjectReference, scaleUid?: string): string[] | string => {
    const o = resolveOwnership(caches, NS, r, scaleUid, pods);
    if ('error' in o) return o.error;
    return pods.map((p) => p.metadata.name).filter((n) => !o.notOwned.includes(n));
  };
  const cases: [string, CrossVersionObjectReference, string | undefined, string[] | string][] = [
    ['Deployment → ReplicaSet → Pod, every ReplicaSet of it', ref('Deployment', 'web'), undefined, ['web-1-a', 'web-2-a']],
    ['another Deployment sharing the labels owns only its own', ref('Deployment', 'other'), undefined, ['other-1-a']],
    ['ReplicaSet → Pod', ref('ReplicaSet', 'bare'), undefined, ['bare-a']],
    ['StatefulSet → Pod', ref('StatefulSet', 'db'), undefined, ['db-0']],
    ['any kind → Pod by the scale\'s uid', ref('Rollout', 'canary', 'argoproj.io/v1alpha1'), 'canary-uid', ['rollout-a']],
    ['an apps kind missing from the cache: an error, not a guess', ref('Deployment', 'gone'), 'x', 'Deployment default/gone is not in the controller\'s cache'],
    ['another kind without a uid on its scale: an error', ref('Rollout', 'canary', 'argoproj.io/v1alpha1'), undefined,
      'the uid of Rollout default/canary is not known (its scale subresource does not carry one)'],
  ];
  for (const [name, r, scaleUid, want] of cases) test(name, () => { assert.deepEqual(owned(r, scaleUid), want); });

  test('the cache wins over the scale for apps kinds', () => {
    assert.deepEqual(targetUid(caches, NS, ref('Deployment', 'web'), 'something-else'), { uid: 'web-uid' });
  });
});

describe('rollout state', () => {
  const t = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const D = { kind: 'Deployment', name: 'web', uid: 'web-uid' };

  test('a Deployment surging: old and surge pods, the youngest beyond spec.replicas', () => {
    const d = workload('Deployment', 'web', { spec: 4, generation: 2, status: { observedGeneration: 2, replicas: 5 }, revision: 2 });
    const oldRs = workload('ReplicaSet', 'web-old', { owner: D, revision: 1, status: { replicas: 3 } });
    const newRs = workload('ReplicaSet', 'web-new', { owner: D, revision: 2, status: { replicas: 2 } });
    const pods = [
      pod('n2', rsOf(newRs), { created: t(50) }), pod('o1', rsOf(oldRs), { created: t(1) }), pod('o2', rsOf(oldRs), { created: t(2) }),
      pod('o3', rsOf(oldRs), { created: t(3) }), pod('n1', rsOf(newRs), { created: t(40) }),
      pod('gone', rsOf(oldRs), { created: t(0), deleting: true }), pod('job', { kind: 'Job', name: 'j', uid: 'j' }, { created: t(99) }),
    ];
    const r = rolloutState(lookup(d, oldRs, newRs), NS, ref('Deployment', 'web'), pods);
    assert.deepEqual(r, {
      workload: 'Deployment/web', reason: '5 pods for spec.replicas 4; 2 ReplicaSets with pods', desiredReplicas: 4,
      old: ['o1', 'o2', 'o3', 'gone'], surge: ['n2'],
    });
  });

  const reasons: [string, Partial<Parameters<typeof workload>[2]>, Workload[], string | undefined][] = [
    ['generation not observed', { generation: 3, status: { observedGeneration: 2 } }, [], 'generation 3 not yet observed (observed 2)'],
    ['at rest: one ReplicaSet with pods, no surge, generation observed', {}, [workload('ReplicaSet', 'a', { owner: D, revision: 1 }), workload('ReplicaSet', 'b', { owner: D, revision: 2, status: { replicas: 0 } })], undefined],
  ];
  for (const [name, o, sets, want] of reasons) {
    test(`Deployment ${name}`, () => {
      const d = workload('Deployment', 'web', o);
      assert.equal(rolloutState(lookup(d, ...sets), NS, ref('Deployment', 'web'), [])?.reason, want);
    });
  }

  test('a StatefulSet between revisions: pods not of the update revision are old; nothing surges', () => {
    const s = workload('StatefulSet', 'db', { spec: 3, status: { replicas: 3, updatedReplicas: 1, currentRevision: 'db-a', updateRevision: 'db-b' } });
    const S = { kind: 'StatefulSet', name: 'db', uid: 'db-uid' };
    const pods = [pod('db-0', S, { hash: 'db-a' }), pod('db-1', S, { hash: 'db-a' }), pod('db-2', S, { hash: 'db-b' })];
    assert.deepEqual(rolloutState(lookup(s), NS, ref('StatefulSet', 'db'), pods), {
      workload: 'StatefulSet/db', reason: 'updating from revision db-a to db-b; 1 of 3 pods updated', desiredReplicas: 3, old: ['db-0', 'db-1'], surge: [],
    });
    const done = workload('StatefulSet', 'db', { spec: 3, status: { replicas: 3, updatedReplicas: 3, currentRevision: 'db-b', updateRevision: 'db-b' } });
    assert.equal(rolloutState(lookup(done), NS, ref('StatefulSet', 'db'), pods), undefined);
  });

  test('a ReplicaSet or another kind never rolls out', () => {
    assert.equal(rolloutState(lookup(workload('ReplicaSet', 'web', { status: { replicas: 9 } })), NS, ref('ReplicaSet', 'web'), []), undefined);
    assert.equal(rolloutState(lookup(), NS, ref('Rollout', 'x', 'argoproj.io/v1alpha1'), []), undefined);
  });

  test('age order: creationTimestamp, then startTime (not started is youngest), then name', () => {
    const p = (name: string, created?: string, start?: string): Pod => ({ metadata: { name, ...(created ? { creationTimestamp: created } : {}) }, ...(start ? { status: { startTime: start } } : {}) });
    const sorted = [p('c', t(1)), p('b', t(1), t(5)), p('a', t(1), t(5)), p('z', t(0)), p('y')].sort(byAge).map((x) => x.metadata.name);
    assert.deepEqual(sorted, ['z', 'a', 'b', 'c', 'y']);
  });
});

test('slimWorkload keeps what decisions need and nothing else', () => {
  const w = workload('ReplicaSet', 'web-1', { owner: { kind: 'Deployment', name: 'web', uid: 'web-uid' }, revision: 3 });
  assert.deepEqual(w, {
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', namespace: NS, uid: 'web-1-uid', generation: 1, ownerReferences: [{ uid: 'web-uid', kind: 'Deployment', name: 'web', controller: true }], annotations: { [REVISION]: '3' } },
    spec: { replicas: 4 },
    status: { observedGeneration: 1, replicas: 4 },
  });
});
