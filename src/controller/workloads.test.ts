// The workload caches: objects are slimmed as they arrive, and ReplicaSets are found by owner uid
// through an index kept current by the informer events (add, update that changes the owner, delete).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResilientInformer } from './informer.ts';
import { listLookup } from './workload-list.ts';
import { slimWorkload, WorkloadCaches, type WorkloadCache, type WorkloadLookup } from './workloads.ts';

/** An informer stand-in: a map and the handlers, fed by hand in the order the real one calls them. */
class FakeCache implements WorkloadCache {
  readonly objects = new Map<string, KubernetesObject>();
  readonly handlers: Record<string, ((o: KubernetesObject) => void)[]> = { add: [], update: [], delete: [] };
  readonly synced = true;
  get informers(): ResilientInformer<KubernetesObject>[] {
    return [{ on: (e: string, h: (o: KubernetesObject) => void) => { this.handlers[e]?.push(h); } } as unknown as ResilientInformer<KubernetesObject>];
  }
  get(ns: string, name: string): KubernetesObject | undefined { return this.objects.get(`${ns}/${name}`); }
  emit(event: 'add' | 'update' | 'delete', o: KubernetesObject): void {
    const key = `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    if (event === 'delete') this.objects.delete(key); else this.objects.set(key, o);
    for (const h of this.handlers[event] ?? []) h(o);
  }
}

const rs = (name: string, owner: string | undefined, rv: string, namespace = 'ns'): KubernetesObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name, namespace, uid: `${name}-uid`, resourceVersion: rv, managedFields: [{}], ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: `${owner}-uid`, controller: true }] } : {}) },
  spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } } } },
  status: { replicas: 2, fullyLabeledReplicas: 2 },
} as KubernetesObject);

test('WorkloadCaches: slimmed objects, ReplicaSets by owner uid through add, update and delete', () => {
  const caches = new Map<string, FakeCache>();
  const w = new WorkloadCaches((_kind, plural) => { const c = new FakeCache(); caches.set(plural, c); return c; });
  const sets = caches.get('replicasets');
  assert.ok(sets);
  sets.emit('add', rs('web-1', 'web', '1'));
  sets.emit('add', rs('web-2', 'web', '2'));
  sets.emit('add', rs('other-1', 'other', '3'));
  assert.deepEqual(w.replicaSetsOwnedBy('ns', 'web-uid').map((r) => r.metadata.name).sort(), ['web-1', 'web-2']);
  const cached = w.replicaSet('ns', 'web-1');
  assert.deepEqual(Object.keys(cached ?? {}).sort(), ['kind', 'metadata', 'spec', 'status'], 'apiVersion and all else dropped');
  assert.deepEqual(cached?.spec, { replicas: 2 });
  assert.equal(cached?.metadata.resourceVersion, '1', 'kept for the informer\'s own update check');
  // Orphaned (the Deployment was deleted with --cascade=orphan): no longer its.
  sets.emit('update', rs('web-2', undefined, '4'));
  assert.deepEqual(w.replicaSetsOwnedBy('ns', 'web-uid').map((r) => r.metadata.name), ['web-1']);
  sets.emit('delete', rs('web-1', 'web', '5'));
  assert.deepEqual(w.replicaSetsOwnedBy('ns', 'web-uid'), []);
  assert.equal(w.indexed, 1, 'only other-1 is indexed: nothing stays behind for deleted or orphaned sets');
  assert.equal(w.replicaSetsOwnedBy('other-ns', 'other-uid').length, 0, 'by namespace');
  caches.get('deployments')?.emit('add', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', uid: 'web-uid', generation: 3 }, spec: { replicas: 5, strategy: {} }, status: { observedGeneration: 2, replicas: 6, conditions: [{}] } } as KubernetesObject);
  assert.deepEqual(w.deployment('ns', 'web'), { kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', uid: 'web-uid', generation: 3 }, spec: { replicas: 5 }, status: { observedGeneration: 2, replicas: 6 } });
  assert.equal(w.synced, true);
});

test('listLookup (kscale snapshot\'s lookup over plain lists) answers as the caches do', () => {
  const objects: Record<string, KubernetesObject[]> = {
    deployments: [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns', uid: 'web-uid', generation: 2 }, spec: { replicas: 3 }, status: { replicas: 4 } } as KubernetesObject],
    replicasets: [rs('web-1', 'web', '1'), rs('web-2', 'web', '2'), rs('other-1', 'other', '3'), rs('bare', undefined, '4'),
      // An owner reference without a uid: indexed under nothing, so owned by no one.
      { ...rs('ghost-1', undefined, '6'), metadata: { name: 'ghost-1', namespace: 'ns', uid: 'ghost-1-uid', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost' } as never] } }, rs('web-x', 'web', '5', 'ns2')],
    statefulsets: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'ns', uid: 'db-uid' }, spec: { replicas: 1 }, status: { currentRevision: 'a', updateRevision: 'b' } } as KubernetesObject],
  };
  const kinds = { deployments: 'Deployment', replicasets: 'ReplicaSet', statefulsets: 'StatefulSet' } as const;
  const fakes = new Map<string, FakeCache>();
  const caches = new WorkloadCaches((_kind, plural) => { const c = new FakeCache(); fakes.set(plural, c); return c; });
  for (const [plural, os] of Object.entries(objects)) for (const o of os) fakes.get(plural)?.emit('add', structuredClone(o));
  const listed = listLookup(Object.entries(objects).flatMap(([plural, os]) => os.map((o) => slimWorkload(kinds[plural as keyof typeof kinds], o))));
  for (const [ns, name] of [['ns', 'web'], ['ns', 'db'], ['ns', 'web-1'], ['ns', 'bare'], ['ns2', 'web-x'], ['ns', 'nope']] as const) {
    assert.deepEqual(listed.deployment(ns, name), caches.deployment(ns, name), `deployment ${ns}/${name}`);
    assert.deepEqual(listed.statefulSet(ns, name), caches.statefulSet(ns, name), `statefulSet ${ns}/${name}`);
    assert.deepEqual(listed.replicaSet(ns, name), caches.replicaSet(ns, name), `replicaSet ${ns}/${name}`);
  }
  const owned = (l: WorkloadLookup, ns: string, uid: string): string[] => l.replicaSetsOwnedBy(ns, uid).map((r) => r.metadata.name).sort();
  for (const [ns, uid] of [['ns', 'web-uid'], ['ns', 'other-uid'], ['ns2', 'web-uid'], ['ns', ''], ['ns', 'nope']] as const) {
    assert.deepEqual(owned(listed, ns, uid), owned(caches, ns, uid), `owned by ${ns}/${uid}`);
  }
  assert.deepEqual(owned(listed, 'ns', 'web-uid'), ['web-1', 'web-2']);
});
