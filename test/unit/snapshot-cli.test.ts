// `kscale snapshot NS/NAME` against a tiny fake API server on 127.0.0.1: the printed snapshot is
// what `kscale decide -f` reads, and deciding on it gives the decision the cluster state implies.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { decideCommand } from '../../src/cli/decide.ts';
import { UsageError, type CommandIO } from '../../src/cli/io.ts';
import { snapshotCommand } from '../../src/cli/snapshot.ts';
import { SnapshotError, toSnapshot } from '../../src/cli/snapshot-file.ts';
import { decide } from '../../src/engine/decide.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const pod = (name: string, labels: Record<string, string>): unknown => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'shop', labels, uid: `uid-${name}`, managedFields: [{ manager: 'kubelet' }], ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1' }] },
  spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'shop/web:1', resources: { requests: { cpu: '500m' } }, env: [{ name: 'X', value: 'y' }] }] },
  status: { phase: 'Running', startTime: '2026-11-23T10:00:00Z', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-23T10:00:20Z', lastProbeTime: null }] },
});
const usage = (name: string, cpu: string, labels?: Record<string, string>): unknown => ({
  metadata: { name, namespace: 'shop', ...(labels ? { labels } : {}) }, timestamp: '2026-11-23T11:59:50Z', window: '15s', containers: [{ name: 'app', usage: { cpu } }],
});

const routes: Record<string, unknown> = {
  '/apis/kscale.dev/v1alpha1/namespaces/shop/horizontalautoscalers/web': {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler',
    metadata: { name: 'web', namespace: 'shop', generation: 2, resourceVersion: '77', managedFields: [{ manager: 'kubectl' }] },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'External', external: { metric: { name: 'queue_ready', selector: { matchLabels: { queue: 'orders' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
      ],
    },
  },
  '/apis/apps/v1': { kind: 'APIResourceList', resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }, { name: 'deployments/scale', kind: 'Scale', namespaced: true }] },
  '/apis/apps/v1/namespaces/shop/deployments/web/scale': { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=web' } },
  '/api/v1/namespaces/shop/pods': { kind: 'PodList', items: [pod('web-a', { app: 'web' }), pod('web-b', { app: 'web' }), pod('web-c', { app: 'web' }), pod('db-0', { app: 'db' })] },
  '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods': { kind: 'PodMetricsList', items: [usage('web-a', '450m', { app: 'web' }), usage('web-b', '450m', { app: 'web' }), usage('web-c', '450m'), usage('db-0', '2', { app: 'db' })] },
  '/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready': { kind: 'ExternalMetricValueList', items: [{ metricName: 'queue_ready', metricLabels: { queue: 'orders' }, timestamp: '2026-11-23T11:59:55Z', value: '60' }] },
};

// Namespace lab: an autoscaler with selectionStrategy OwnerReference and rollout.policy ExcludeSurge.
// Its target web rolls out (ReplicaSets web-1, old, and web-2, new; 4 pods for spec.replicas 3), and a
// Job's pod batch-x carries web's labels.
const owned = (name: string, created: string, owner: { kind: string; name: string; uid: string }): unknown => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'lab', labels: { app: 'web' }, uid: `uid-${name}`, creationTimestamp: created, ownerReferences: [{ apiVersion: 'apps/v1', ...owner, controller: true }] },
  spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '500m' } } }] },
  status: { phase: 'Running', startTime: created, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: created }] },
});
const rs1 = { kind: 'ReplicaSet', name: 'web-1', uid: 'uid-web-1' };
const rs2 = { kind: 'ReplicaSet', name: 'web-2', uid: 'uid-web-2' };
const replicaSet = (o: typeof rs1, revision: string): unknown => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name: o.name, namespace: 'lab', uid: o.uid, annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true }] },
  spec: { replicas: 2 }, status: { replicas: 2 },
});
Object.assign(routes, {
  '/apis/kscale.dev/v1alpha1/namespaces/lab/horizontalautoscalers/web': {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'web', namespace: 'lab' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, selectionStrategy: 'OwnerReference', rollout: { policy: 'ExcludeSurge' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    },
  },
  '/apis/apps/v1/namespaces/lab/deployments/web/scale': { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'lab', uid: 'uid-web' }, spec: { replicas: 3 }, status: { replicas: 4, selector: 'app=web' } },
  '/api/v1/namespaces/lab/pods': { kind: 'PodList', items: [
    owned('web-a', '2026-11-23T10:00:00Z', rs1), owned('web-b', '2026-11-23T10:01:00Z', rs1), owned('web-c', '2026-11-23T10:02:00Z', rs2), owned('web-d', '2026-11-23T10:03:00Z', rs2),
    owned('batch-x', '2026-11-23T09:00:00Z', { kind: 'Job', name: 'batch', uid: 'uid-batch' }),
  ] },
  '/apis/metrics.k8s.io/v1beta1/namespaces/lab/pods': { kind: 'PodMetricsList', items: ['web-a', 'web-b', 'web-c', 'web-d', 'batch-x'].map((n) => ({
    metadata: { name: n, namespace: 'lab', labels: { app: 'web' } }, timestamp: '2026-11-23T11:59:50Z', window: '15s', containers: [{ name: 'app', usage: { cpu: n === 'batch-x' ? '2' : '300m' } }],
  })) },
  '/apis/apps/v1/namespaces/lab/deployments': { kind: 'DeploymentList', items: [{
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'lab', uid: 'uid-web', generation: 2, managedFields: [{}] }, spec: { replicas: 3 }, status: { observedGeneration: 2, replicas: 4 },
  }] },
  '/apis/apps/v1/namespaces/lab/replicasets': { kind: 'ReplicaSetList', items: [replicaSet(rs1, '1'), replicaSet(rs2, '2')] },
  '/apis/apps/v1/namespaces/lab/statefulsets': { kind: 'StatefulSetList', items: [] },
});

function capture(stdin = ''): CommandIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve(stdin) };
  return io;
}

/** Exit code as `kscale` maps it: bad input exits 2. */
async function code(run: () => Promise<number>, io: CommandIO): Promise<number> {
  try { return await run(); } catch (e) {
    if (e instanceof UsageError || e instanceof SnapshotError || String((e as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) { io.err(`${(e as Error).message}\n`); return 2; }
    throw e;
  }
}

describe('kscale snapshot', () => {
  let server: Server;
  let url = '';
  const seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      seen.push(`${u.pathname}${u.search}`);
      const body = routes[u.pathname];
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: `${u.pathname} not found`, code: 404 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => { await new Promise<void>((resolve) => { server.close(() => { resolve(); }); }); });

  test('prints a YAML snapshot that `kscale decide -f` reads, with only the selected pods and their metrics', async () => {
    const io = capture();
    assert.equal(await code(() => snapshotCommand(['shop/web', '--server', url], io, () => NOW), io), 0, io.stderr);
    assert.match(io.stdout, /^# kscale snapshot shop\/web\n/);
    const doc = parse(io.stdout) as { now: string; pods: { metadata: { name: string; uid?: string }; spec: { containers: Record<string, unknown>[] } }[]; podMetrics: { metadata: { name: string } }[]; autoscaler: { metadata: Record<string, unknown> }; metricValues: ({ external?: unknown[] } | null)[] };
    assert.equal(doc.now, '2026-11-23T12:00:00.000Z');
    assert.deepEqual(doc.pods.map((p) => p.metadata.name), ['web-a', 'web-b', 'web-c']);
    assert.deepEqual(doc.podMetrics.map((m) => m.metadata.name), ['web-a', 'web-b', 'web-c'], 'db-0 is not selected; web-c (no labels) is kept by name');
    assert.equal(doc.pods[0]?.metadata.uid, undefined, 'trimmed to what the engine reads');
    assert.deepEqual(Object.keys(doc.pods[0]?.spec.containers[0] ?? {}), ['name', 'resources']);
    assert.deepEqual(doc.autoscaler.metadata, { name: 'web', namespace: 'shop', generation: 2 });
    assert.deepEqual(doc.metricValues.map((v) => v?.external?.length ?? null), [null, 1], 'each metric entry carries its own values');
    assert.ok(seen.some((s) => s.startsWith('/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready?labelSelector=queue%3Dorders')));

    // The decision on it: cpu 450m of 500m at a 60% target on 3 pods → ceil(1.5 × 3) = 5; queue 60/30 = 2.
    const d = decide(toSnapshot(doc));
    assert.equal(d.scaleTo, 5);
    const decided = capture(io.stdout);
    assert.equal(await code(() => decideCommand(['-f', '-'], decided), decided), 0, decided.stderr);
    assert.equal((JSON.parse(decided.stdout) as { scaleTo: number }).scaleTo, 5);
  });

  test('-o json prints the same snapshot as JSON', async () => {
    const io = capture();
    assert.equal(await code(() => snapshotCommand(['shop/web', '--server', url, '-o', 'json'], io, () => NOW), io), 0);
    const doc = JSON.parse(io.stdout) as { scale: { spec: { replicas: number } } };
    assert.equal(doc.scale.spec.replicas, 3);
  });

  test('a metrics fetch failure is recorded in the snapshot, not thrown', async () => {
    const saved = routes['/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready'];
    delete routes['/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready'];
    try {
      const io = capture();
      assert.equal(await code(() => snapshotCommand(['shop/web', '--server', url, '-o', 'json'], io, () => NOW), io), 0);
      const doc = JSON.parse(io.stdout) as { metricValues: ({ error?: string } | null)[] };
      assert.match(doc.metricValues[1]?.error ?? '', /not found/);
    } finally {
      routes['/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/queue_ready'] = saved;
    }
  });

  test('OwnerReference and ExcludeSurge: the snapshot carries the pods\' ownership and the rollout, computed from the workloads', async () => {
    const io = capture();
    assert.equal(await code(() => snapshotCommand(['lab/web', '--server', url, '-o', 'json'], io, () => NOW), io), 0, io.stderr);
    assert.equal(io.stderr, '');
    const doc = JSON.parse(io.stdout) as Record<string, unknown>;
    assert.deepEqual(doc.podOwnership, { owner: 'Deployment/web', notOwned: ['batch-x'] });
    assert.deepEqual(doc.rollout, { workload: 'Deployment/web', reason: '4 pods for spec.replicas 3; 2 ReplicaSets with pods', desiredReplicas: 3, old: ['web-a', 'web-b'], surge: ['web-d'] });
    const decided = capture(io.stdout);
    assert.equal(await code(() => decideCommand(['-f', '-'], decided), decided), 0, decided.stderr);
    const steps = (JSON.parse(decided.stdout) as { explanation: { steps: string[] } }).explanation.steps;
    assert.ok(steps.includes('selectionStrategy OwnerReference: 1 of 5 pods the selector matches are not owned by Deployment/web and do not count: batch-x'), steps.join('\n'));
  });

  test('an autoscaler without OwnerReference or ExcludeSurge lists no workloads', async () => {
    seen.length = 0;
    const io = capture();
    assert.equal(await code(() => snapshotCommand(['shop/web', '--server', url, '-o', 'json'], io, () => NOW), io), 0, io.stderr);
    assert.deepEqual(seen.filter((p) => /\/(deployments|replicasets|statefulsets)(\?|$)/.test(p)), []);
    const doc = JSON.parse(io.stdout) as Record<string, unknown>;
    assert.equal('podOwnership' in doc, false);
    assert.equal('rollout' in doc, false);
  });

  test('a failed workload list is reported, not thrown: OwnerReference carries the error, no rollout', async () => {
    const saved = routes['/apis/apps/v1/namespaces/lab/replicasets'];
    delete routes['/apis/apps/v1/namespaces/lab/replicasets'];
    try {
      const io = capture();
      assert.equal(await code(() => snapshotCommand(['lab/web', '--server', url, '-o', 'json'], io, () => NOW), io), 0, io.stderr);
      const doc = JSON.parse(io.stdout) as { podOwnership?: { error?: string }; rollout?: unknown };
      assert.match(doc.podOwnership?.error ?? '', /^cannot list replicasets in lab: .*not found/);
      assert.equal(doc.rollout, undefined);
      assert.match(io.stderr, /^kscale snapshot: cannot list replicasets in lab: .*: selectionStrategy OwnerReference cannot be applied; the snapshot carries no rollout for rollout\.policy ExcludeSurge\n$/);
      const decided = capture(io.stdout);
      assert.equal(await code(() => decideCommand(['-f', '-'], decided), decided), 0, decided.stderr);
      const steps = (JSON.parse(decided.stdout) as { explanation: { steps: string[] } }).explanation.steps;
      assert.ok(steps.some((st) => st.startsWith('selectionStrategy OwnerReference could not be applied (cannot list replicasets in lab: ')), steps.join('\n'));
    } finally {
      routes['/apis/apps/v1/namespaces/lab/replicasets'] = saved;
    }
  });

  const errors: [string, string[], RegExp][] = [
    ['an unknown autoscaler', ['shop/nope'], /HorizontalAutoscaler shop\/nope not found/],
    ['no NAMESPACE/NAME', [], /expected one NAMESPACE\/NAME/],
    ['a bad NAMESPACE/NAME', ['web'], /expected one NAMESPACE\/NAME \(e\.g\. shop\/web\), got "web"/],
    ['a bad --output', ['shop/web', '-o', 'xml'], /--output must be yaml or json/],
  ];
  for (const [name, args, want] of errors) {
    test(`${name} exits 2`, async () => {
      const io = capture();
      assert.equal(await code(() => snapshotCommand([...args, '--server', url], io, () => NOW), io), 2);
      assert.match(io.stderr, want);
      assert.equal(io.stdout, '');
    });
  }

  test('a bad --server exits 2', async () => {
    const io = capture();
    assert.equal(await code(() => snapshotCommand(['shop/web', '--server', 'ftp://x'], io), io), 2);
    assert.match(io.stderr, /--server must be an http:\/\/ or https:\/\/ URL/);
  });
});
