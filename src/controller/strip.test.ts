// The informer caches keep only what decisions read: a stripped pod decides exactly as the full one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { decide } from '../engine/decide.ts';
import type { Pod } from '../engine/inputs.ts';
import { autoscaler, pod, podMetrics, scale, snapshot } from '../../test/support/builders.ts';
import { stripHpa, stripPod } from './strip.ts';

/** A pod as the API serves it: the engine's fields plus the many it never reads. */
function fullPod(name: string, cpu: string): Pod {
  const p = pod(name, { cpu, sidecars: [{ name: 'proxy', cpu: '100m' }] }) as Pod & Record<string, unknown>;
  const meta = p.metadata as Record<string, unknown>;
  meta.managedFields = [{ manager: 'kubelet', fieldsV1: { 'f:status': {} } }];
  meta.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(2000) };
  meta.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }];
  meta.resourceVersion = '42';
  meta.creationTimestamp = '2026-11-23T11:00:00Z';
  const spec = p.spec as Record<string, unknown>;
  spec.volumes = [{ name: 'v', emptyDir: {} }];
  spec.nodeName = 'node-1';
  spec.overhead = { cpu: '10m' };
  (spec.containers as Record<string, unknown>[])[0] = { ...(spec.containers as Record<string, unknown>[])[0], image: 'web:1', env: [{ name: 'A', value: 'b' }], resources: { requests: { cpu }, limits: { cpu: '2' } } };
  const status = p.status as Record<string, unknown>;
  status.containerStatuses = [{ name: 'app', ready: true, restartCount: 0, image: 'web:1' }];
  status.podIP = '10.0.0.1';
  (status.conditions as Record<string, unknown>[]).push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-11-23T11:00:00Z' });
  return p;
}

describe('stripPod', () => {
  test('keeps what decisions read and drops the rest', () => {
    const p = fullPod('a', '500m');
    stripPod(p as unknown as KubernetesObject);
    const o = p as unknown as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(o.metadata ?? {}).sort(), ['creationTimestamp', 'labels', 'name', 'namespace', 'ownerReferences', 'resourceVersion']);
    assert.deepEqual(Object.keys(o.spec ?? {}).sort(), ['containers', 'initContainers', 'overhead']);
    assert.deepEqual(p.spec?.containers, [{ name: 'app', resources: { requests: { cpu: '500m' } } }]);
    assert.deepEqual(p.spec?.initContainers, [{ name: 'proxy', restartPolicy: 'Always', resources: { requests: { cpu: '100m' } } }]);
    assert.deepEqual(Object.keys(o.status ?? {}).sort(), ['conditions', 'phase', 'startTime']);
    assert.deepEqual(p.status?.conditions?.map((c) => c.type), ['Ready'], 'the readiness rules read the Ready condition only');
    assert.deepEqual((o.metadata?.ownerReferences as unknown[])[0], { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true });
    assert.ok(JSON.stringify(p).length < 1000);
  });

  test('a decision on stripped pods equals the decision on the full ones', () => {
    const names = ['a', 'b', 'c'];
    const input = () => snapshot({ autoscaler: autoscaler(), scale: scale(3), pods: names.map((n) => fullPod(n, '500m')), podMetrics: names.map((n) => podMetrics(n, { cpu: '900m', ...{} })) });
    const full = input();
    const stripped = input();
    for (const p of stripped.pods) stripPod(p as unknown as KubernetesObject);
    assert.deepEqual(decide(stripped), decide(full));
  });
});

test('stripHpa keeps the target only', () => {
  const h = { metadata: { name: 'web', namespace: 'ns', managedFields: [{}] }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{}] }, status: { currentReplicas: 3 } };
  stripHpa(h);
  assert.deepEqual(h, { metadata: { name: 'web', namespace: 'ns' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' } } });
});
