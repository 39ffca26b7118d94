// The workload caches: objects are slimmed as they arrive, and ReplicaSets are found by owner uid
// through an index kept current by the informer events (add, update that changes the owner, delete).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResilientInformer } from './informer.ts';
import { WorkloadCaches, type WorkloadCache } from './workloads.ts';

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

const rs = (name: string, owner: string | undefined, rv: string): KubernetesObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name, namespace: 'ns', uid: `${name}-uid`, resourceVersion: rv, managedFields: [{}], ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, uid: `${owner}-uid`, controller: true }] } : {}) },
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
