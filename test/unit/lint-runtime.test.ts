// The lint checks that need other objects (src/lint/runtime-checks.ts), over table cases; the
// condition and Events they become (src/engine/lint-condition.ts); and the optional caches that feed
// them in the controller (src/controller/lint-sources.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HorizontalAutoscalerSpec, MetricSpec } from '../../src/api/types.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { OptionalCache, stripQuota, stripScaledObject, stripVpa, type CacheLike } from '../../src/controller/lint-sources.ts';
import { decide } from '../../src/engine/decide.ts';
import type { Finding } from '../../src/lint/finding.ts';
import { lintRuntime, ownedBy, type LintPod, type ResourceQuotaLike, type VpaLike } from '../../src/lint/runtime-checks.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { autoscaler, NOW, pod, scale } from '../support/builders.ts';
import type { KubernetesObject } from '@kubernetes/client-node';

const cpu: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } };
const spec = (s: Partial<HorizontalAutoscalerSpec> = {}): HorizontalAutoscalerSpec =>
  ({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [cpu], ...s });
const owned = (name: string, owner: { kind: string; name: string; apiVersion?: string } | undefined, o: Parameters<typeof pod>[1] = {}, hash = 'abc12'): LintPod => {
  const p = pod(name, { ...o, labels: { app: 'web', 'pod-template-hash': hash, ...o.labels } });
  if (owner) p.metadata.ownerReferences = [{ uid: `uid-${owner.name}`, apiVersion: owner.apiVersion ?? 'apps/v1', kind: owner.kind, name: owner.name, controller: true }];
  return p;
};
const webPod = (name: string, o: Parameters<typeof pod>[1] = {}): LintPod => owned(name, { kind: 'ReplicaSet', name: 'web-abc12' }, o);
const found = (f: Finding[]): string[] => f.map((x) => `${x.check} ${x.path}`).sort();

describe('lint: runtime checks (table)', () => {
  const cases: { name: string; spec?: HorizontalAutoscalerSpec; pods?: LintPod[]; quotas?: ResourceQuotaLike[]; vpas?: VpaLike[]; expect: string[] }[] = [
    { name: 'pods of the Deployment with requests', pods: [webPod('web-abc12-x'), webPod('web-abc12-y')], expect: [] },
    { name: 'a container without a cpu request', pods: [webPod('web-abc12-x', { cpu: null })], expect: ['UtilizationWithoutRequests spec.metrics[0].resource.target.averageUtilization'] },
    { name: 'an AverageValue target needs no request', spec: spec({ metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '100m' } } }] }), pods: [webPod('web-abc12-x', { cpu: null })], expect: [] },
    {
      name: 'ContainerResource: only the named container must request',
      spec: spec({ metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } }] }),
      pods: [webPod('web-abc12-x', { containers: [{ name: 'app', cpu: '100m' }, { name: 'proxy' }] })], expect: [],
    },
    { name: 'a Failed pod without requests is not counted', pods: [webPod('web-abc12-x', { cpu: null, phase: 'Failed' })], expect: [] },
    { name: 'a Job\'s pod shares the labels', pods: [webPod('web-abc12-x'), owned('batch-1', { kind: 'Job', name: 'batch', apiVersion: 'batch/v1' })], expect: ['SelectorMatchesOtherPods spec.scaleTargetRef'] },
    { name: 'another Deployment\'s ReplicaSet', pods: [webPod('web-abc12-x'), owned('web2-9f-x', { kind: 'ReplicaSet', name: 'web2-9f' }, {}, '9f')], expect: ['SelectorMatchesOtherPods spec.scaleTargetRef'] },
    { name: 'a bare pod', pods: [owned('bare', undefined)], expect: ['SelectorMatchesOtherPods spec.scaleTargetRef'] },
    { name: 'a StatefulSet target owns its pods directly', spec: spec({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } }), pods: [owned('db-0', { kind: 'StatefulSet', name: 'db' })], expect: [] },
    { name: 'maxReplicas above the pods quota', quotas: [{ metadata: { name: 'q' }, spec: { hard: { pods: '5' } } }], expect: ['MaxReplicasAboveQuota spec.maxReplicas'] },
    { name: 'count/pods too; at the limit is fine', quotas: [{ metadata: { name: 'a' }, spec: { hard: { 'count/pods': '10' } } }, { metadata: { name: 'b' }, spec: { hard: { 'count/pods': '9' } } }], expect: ['MaxReplicasAboveQuota spec.maxReplicas'] },
    { name: 'a scoped quota proves nothing', quotas: [{ metadata: { name: 'q' }, spec: { hard: { pods: '2' }, scopes: ['BestEffort'] } }], expect: [] },
    { name: 'a VPA in Auto on the same Deployment (cpu)', vpas: [{ metadata: { name: 'v' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } }], expect: ['VerticalPodAutoscalerConflict spec.metrics[0]'] },
    { name: 'a VPA in Off or Initial mode does not change running pods', vpas: ['Off', 'Initial'].map((m) => ({ metadata: { name: m }, spec: { targetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, updatePolicy: { updateMode: m } } })), expect: [] },
    { name: 'a VPA in Recreate controlling memory only', vpas: [{ metadata: { name: 'v' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, updatePolicy: { updateMode: 'Recreate' }, resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['memory'] }] } } }], expect: [] },
    { name: 'a VPA on another workload', vpas: [{ metadata: { name: 'v' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, updatePolicy: { updateMode: 'InPlaceOrRecreate' } } }], expect: [] },
    {
      name: 'ContainerResource: the VPA turned off for that container',
      spec: spec({ metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 50 } } }] }),
      vpas: [{ metadata: { name: 'v' }, spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, resourcePolicy: { containerPolicies: [{ containerName: 'app', mode: 'Off' }] } } }], expect: [],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(found(lintRuntime(c.spec ?? spec(), { ...(c.pods ? { pods: c.pods } : {}), ...(c.quotas ? { quotas: c.quotas } : {}), ...(c.vpas ? { vpas: c.vpas } : {}) })), c.expect);
    });
  }

  test('messages name owners and containers, not counts or pod names that change as the workload scales', () => {
    const [other] = lintRuntime(spec(), { pods: [webPod('web-abc12-x'), owned('batch-1', { kind: 'Job', name: 'batch', apiVersion: 'batch/v1' }), owned('batch-2', { kind: 'Job', name: 'batch', apiVersion: 'batch/v1' })] });
    assert.equal(other?.message, 'the selector of Deployment/web also picks pods it does not own (Job/batch): they count in every metric and can hold the replica count up');
    const [requests] = lintRuntime(spec(), { pods: [webPod('a', { cpu: null }), webPod('b', { cpu: null })] });
    assert.match(requests?.message ?? '', /container app of the target's pods request no cpu/);
  });

  test('ownedBy: a Deployment owns pods of the ReplicaSet named after it and the pod-template-hash', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
    assert.equal(ownedBy(webPod('x'), ref), true);
    assert.equal(ownedBy(owned('x', { kind: 'ReplicaSet', name: 'web-abc12' }, {}, 'zz999'), ref), false, 'hash mismatch: another ReplicaSet');
    assert.equal(ownedBy(owned('x', { kind: 'ReplicaSet', name: 'web-api-abc12' }, {}, 'abc12'), { ...ref, name: 'web-api' }), true);
  });
});

describe('lint: condition LintWarnings and Warning Events', () => {
  const bad: Finding = { check: 'SelectorMatchesOtherPods', severity: 'warning', path: 'spec.scaleTargetRef', message: 'the selector of Deployment/web also picks pods it does not own (Job/batch)' };
  const vpa: Finding = { check: 'VerticalPodAutoscalerConflict', severity: 'warning', path: 'spec.metrics[0]', message: 'VerticalPodAutoscaler v (updateMode Auto) also sets the cpu requests' };
  const pass = (lint: Finding[] | undefined, status?: Parameters<typeof autoscaler>[1]) =>
    decide({ autoscaler: autoscaler({ minReplicas: 1, maxReplicas: 10, metrics: [cpu] }, status), scale: scale(2), pods: [pod('a'), pod('b')], podMetrics: [], now: NOW, ...(lint ? { lint } : {}) });

  test('a finding sets the condition (reason: the check) and one Event; the next pass keeps it without a new Event', () => {
    const first = pass([bad]);
    const c = first.status.conditions?.find((x) => x.type === 'LintWarnings');
    assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'SelectorMatchesOtherPods', `spec.scaleTargetRef: ${bad.message} (SelectorMatchesOtherPods)`]);
    assert.deepEqual(first.events.filter((e) => e.reason === 'SelectorMatchesOtherPods').map((e) => [e.type, e.message]), [['Warning', `spec.scaleTargetRef: ${bad.message} (SelectorMatchesOtherPods)`]]);
    const second = pass([bad], first.status);
    assert.deepEqual(second.events.filter((e) => e.reason === 'SelectorMatchesOtherPods'), []);
    // A new finding: only it gets an Event; the reason says there are several.
    const third = pass([bad, vpa], second.status);
    assert.deepEqual(third.events.filter((e) => e.reason === bad.check || e.reason === vpa.check).map((e) => e.reason), ['VerticalPodAutoscalerConflict']);
    assert.equal(third.status.conditions?.find((x) => x.type === 'LintWarnings')?.reason, 'MultipleWarnings');
    // Fixed: the condition goes; findings not computed (offline snapshot): left as it was.
    assert.equal(pass([], third.status).status.conditions?.some((x) => x.type === 'LintWarnings'), false);
    assert.equal(pass(undefined, third.status).status.conditions?.find((x) => x.type === 'LintWarnings')?.reason, 'MultipleWarnings');
  });

  test('findings never change the decision', () => {
    assert.deepEqual([pass([bad, vpa]).desiredReplicas, pass([bad, vpa]).scaleTo], [pass([]).desiredReplicas, pass([]).scaleTo]);
  });
});

describe('lint sources: optional CRD-backed caches', () => {
  class FakeCache implements CacheLike<KubernetesObject> {
    started = 0; stopped = 0; synced = true;
    readonly items: KubernetesObject[] = [];
    readonly cache = { list: (): readonly KubernetesObject[] => this.items };
    on(): void { /* no events in these tests */ }
    start(): Promise<void> { this.started++; return Promise.resolve(); }
    stop(): Promise<void> { this.stopped++; return Promise.resolve(); }
  }
  const notFound = () => new KubeApiError('the server could not find the requested resource', 404, 'NotFound', false);

  test('absent (404): no cache, synced, probed again; once served: a cache; gone again: dropped', async () => {
    let served = false;
    const made: FakeCache[] = [];
    let onWatchError = (): void => undefined;
    const changed: string[] = [];
    const c = new OptionalCache<KubernetesObject>({
      resource: 'scaledobjects.keda.sh', logger: createLogger({ level: 'fatal' }), recheckMs: 20,
      probe: () => (served ? Promise.resolve({}) : Promise.reject(notFound())),
      make: (err) => { onWatchError = err; const f = new FakeCache(); f.items.push({ metadata: { name: 'so', namespace: 'ns' } }); made.push(f); return f; },
      handlers: { strip: () => undefined, changed: (ns) => { changed.push(ns); } },
    });
    await c.start();
    assert.deepEqual([c.present, c.synced, c.list().length], [false, true, 0]);
    served = true; // the CRD is installed after start
    const deadline = Date.now() + 2_000;
    while (!c.present && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(c.present, true);
    assert.deepEqual([made.length, made[0]?.started, c.list().length], [1, 1, 1]);
    served = false; // the CRD is deleted: the watch fails, the probe says 404
    onWatchError();
    while (c.present && Date.now() < deadline + 2_000) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([c.present, made[0]?.stopped, changed], [false, 1, ['ns']]);
    await c.stop();
  });

  test('strips keep what is read', () => {
    const so = { metadata: { name: 's', namespace: 'n', managedFields: [{}] }, spec: { scaleTargetRef: { name: 'web', envSourceContainerName: 'x' }, triggers: [{ type: 'cron' }] }, status: {} } as KubernetesObject;
    stripScaledObject(so);
    assert.deepEqual(so, { metadata: { name: 's', namespace: 'n' }, spec: { scaleTargetRef: { name: 'web' } } });
    const v = { metadata: { name: 'v' }, spec: { targetRef: { kind: 'Deployment', name: 'web' }, updatePolicy: { updateMode: 'Auto', minReplicas: 2 }, resourcePolicy: { containerPolicies: [{ containerName: '*', maxAllowed: { cpu: '1' }, controlledResources: ['cpu'] }] } }, status: { recommendation: {} } } as KubernetesObject;
    stripVpa(v);
    assert.deepEqual(v, { metadata: { name: 'v' }, spec: { targetRef: { kind: 'Deployment', name: 'web' }, updatePolicy: { updateMode: 'Auto' }, resourcePolicy: { containerPolicies: [{ containerName: '*', controlledResources: ['cpu'] }] } } });
    const q = { metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': '4' } }, status: { used: { pods: '3' } } } as KubernetesObject;
    stripQuota(q);
    assert.deepEqual(q, { metadata: { name: 'q' }, spec: { hard: { pods: '10' } } });
  });
});
