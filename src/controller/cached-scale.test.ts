import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cachedScale, scaleOfWorkload } from './cached-scale.ts';
import { slimWorkload, type Workload, type WorkloadLookup } from './workloads.ts';

const workload = (spec: Record<string, unknown>, status: Record<string, unknown> = {}, kind: Workload['kind'] = 'Deployment'): Workload =>
  slimWorkload(kind, { metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '42', labels: { x: 'y' } }, spec, status });

describe('scaleOfWorkload: what GET …/scale returns', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>, ReturnType<typeof scaleOfWorkload>][] = [
    ['matchLabels, keys sorted', { replicas: 3, selector: { matchLabels: { b: '2', a: '1' } } }, { replicas: 3 },
      { metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '42' }, spec: { replicas: 3 }, status: { replicas: 3, selector: 'a=1,b=2' } }],
    ['expressions: values sorted, operators spelled as labels.Selector.String()', {
      replicas: 2, selector: { matchLabels: { app: 'web' }, matchExpressions: [
        { key: 'tier', operator: 'In', values: ['z', 'a'] }, { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'canary', operator: 'DoesNotExist' }, { key: 'owner', operator: 'Exists' }] },
    }, { replicas: 1 },
    { metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '42' }, spec: { replicas: 2 }, status: { replicas: 1, selector: 'app=web,!canary,env notin (dev),owner,tier in (a,z)' } }],
    ['0 replicas: spec.replicas omitted (omitempty), status.replicas 0', { replicas: 0, selector: { matchLabels: { app: 'web' } } }, {},
      { metadata: { name: 'web', namespace: 'ns', uid: 'u1', resourceVersion: '42' }, spec: {}, status: { replicas: 0, selector: 'app=web' } }],
    ['a selector the API server cannot convert: left to the GET', { replicas: 1, selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }, {}, undefined],
  ];
  for (const [name, spec, status, want] of cases) {
    test(name, () => { assert.deepEqual(scaleOfWorkload(workload(spec, status)), want); });
  }
});

describe('cachedScale: which targets come from the cache', () => {
  const d = workload({ replicas: 3, selector: { matchLabels: { app: 'web' } } }, { replicas: 3 });
  const s = workload({ replicas: 2, selector: { matchLabels: { app: 'db' } } }, { replicas: 2 }, 'StatefulSet');
  const r = workload({ replicas: 1, selector: { matchLabels: { app: 'rs' } } }, { replicas: 1 }, 'ReplicaSet');
  const lookup = (synced: boolean): WorkloadLookup & { synced: boolean } => ({
    synced,
    deployment: (ns, n) => (ns === 'ns' && n === 'web' ? d : undefined),
    statefulSet: (ns, n) => (ns === 'ns' && n === 'web' ? s : undefined),
    replicaSet: (ns, n) => (ns === 'ns' && n === 'web' ? r : undefined),
    replicaSetsOwnedBy: () => [],
  });
  const cases: [string, boolean, string, string, string, string | undefined][] = [
    ['a Deployment', true, 'apps/v1', 'Deployment', 'web', 'app=web'],
    ['a StatefulSet', true, 'apps/v1', 'StatefulSet', 'web', 'app=db'],
    ['a ReplicaSet', true, 'apps/v1', 'ReplicaSet', 'web', 'app=rs'],
    ['a miss (not in the cache yet, or gone): GET', true, 'apps/v1', 'Deployment', 'other', undefined],
    ['caches not synced yet: GET', false, 'apps/v1', 'Deployment', 'web', undefined],
    ['another kind: GET', true, 'example.com/v1', 'Widget', 'web', undefined],
    ['a Deployment by another apiVersion: GET (the API server decides what it means)', true, 'apps/v1beta2', 'Deployment', 'web', undefined],
  ];
  for (const [name, synced, apiVersion, kind, target, selector] of cases) {
    test(name, () => { assert.equal(cachedScale(lookup(synced), 'ns', { apiVersion, kind, name: target })?.status?.selector, selector); });
  }
});
