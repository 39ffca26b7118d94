// Proof that the embedded control plane is a real one: CRDs install, kube-controller-manager turns a
// Deployment into a ReplicaSet and pods, the three metrics APIs answer through the aggregation layer,
// the upstream HPA scales from them, ServiceAccount tokens are subject to RBAC, and teardown is clean.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  AppsV1Api, AuthenticationV1Api, AutoscalingV2Api, CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  getJson, markPodNotReady, markPodReady, RawHttpError, startControlPlane, startPodReadier, type ControlPlane,
} from '../../src/controlplane/index.ts';
import { pollUntil } from '../../src/controlplane/wait.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';

const statusOf = (err: unknown): number | undefined => (err as { code?: number }).code;

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/web:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
    },
  };
}

async function podNames(kc: KubeConfig, namespace: string, labelSelector: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? '').sort();
}

describe('embedded control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let kc: KubeConfig;

  before(async () => {
    cp = await startSuiteControlPlane({
      controllerManager: true,
      // Fast HPA: re-evaluate every second and scale down 5 s after the load drops.
      controllerManagerArgs: ['--horizontal-pod-autoscaler-sync-period=1s', '--horizontal-pod-autoscaler-downscale-stabilization=5s'],
    });
    kc = cp.kubeConfig;
  });
  after(async () => { await cp?.stop(); });

  test('the apiserver is v1.36.3 and the admin kubeconfig works', async () => {
    const version = await getJson(kc, '/version') as { gitVersion: string };
    assert.equal(version.gitVersion, 'v1.36.3');
    assert.match(cp.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(readFileSync(cp.kubeconfigPath, 'utf8').includes(cp.server));
  });

  test('a CRD installs and its custom resources are created, then updated, by applyYaml', async () => {
    const ns = await createTestNamespace(kc, 'crd');
    const doc = (size: number): string => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.test.kscale.dev }
spec:
  group: test.kscale.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer, minimum: 1 } } }
---
apiVersion: test.kscale.dev/v1
kind: Widget
metadata: { name: w1, namespace: ${ns} }
spec: { size: ${String(size)} }
`;
    await cp.applyYaml(doc(3));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const read = async (): Promise<number> => {
      const w = await custom.getNamespacedCustomObject({ group: 'test.kscale.dev', version: 'v1', namespace: ns, plural: 'widgets', name: 'w1' }) as { spec: { size: number } };
      return w.spec.size;
    };
    assert.equal(await read(), 3);
    await cp.applyYaml(doc(5)); // create-or-update
    assert.equal(await read(), 5);
    // The CRD's schema is enforced: the apiserver really validates.
    await assert.rejects(cp.applyYaml(doc(0)), /size|minimum|Invalid/i);
  });

  test('kube-controller-manager turns a Deployment into a ReplicaSet and pods; pods follow status patches', async () => {
    const ns = await createTestNamespace(kc, 'deploy');
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });

    const rs = await pollUntil('a ReplicaSet owned by the Deployment', async () => {
      const list = await apps.listNamespacedReplicaSet({ namespace: ns });
      return list.items.find((r) => r.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === 'web'));
    }, { timeoutMs: 30_000 });
    const pods = await pollUntil('2 pods owned by the ReplicaSet', async () => {
      const list = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
      const owned = list.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === rs.metadata?.uid));
      return owned.length === 2 ? owned : undefined;
    }, { timeoutMs: 30_000 });
    // No scheduler and no kubelet: the pods stay Pending and unbound until we say otherwise.
    for (const p of pods) {
      assert.equal(p.status?.phase, 'Pending');
      assert.equal(p.spec?.nodeName, undefined);
    }

    const [first = '', second = ''] = pods.map((p) => p.metadata?.name ?? '');
    await markPodReady(kc, ns, first);
    await markPodReady(kc, ns, second);
    const readyCount = async (n: number): Promise<void> => {
      await pollUntil(`Deployment readyReplicas=${String(n)}`, async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
        return (d.status?.readyReplicas ?? 0) === n ? true : undefined;
      }, { timeoutMs: 30_000 });
    };
    await readyCount(2);
    const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name: first, namespace: ns });
    assert.equal(pod.status?.phase, 'Running');
    const started = pod.status.startTime;
    assert.ok(started && Date.now() - new Date(started).getTime() > 9 * 60_000, 'startTime is backdated');
    await markPodNotReady(kc, ns, first);
    await readyCount(1);
  });

  test('the three metrics APIs answer through the aggregation layer', async () => {
    const ns = await createTestNamespace(kc, 'metrics');
    const core = kc.makeApiClient(CoreV1Api);
    for (const [name, app] of [['a-1', 'a'], ['b-1', 'b']] as const) {
      await core.createNamespacedPod({ namespace: ns, body: { metadata: { name, labels: { app } }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    }
    const m = cp.metrics;
    m.setPodUsage(ns, 'a-1', { c: { cpu: '250m', memory: '64Mi' } });
    m.setPodUsage(ns, 'b-1', { c: { cpu: '750m' } });

    // Resource metrics, the way kscale reads them (CustomObjectsApi), filtered by the pods' labels.
    const custom = kc.makeApiClient(CustomObjectsApi);
    const pm = await custom.listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace: ns, plural: 'pods', labelSelector: 'app=a' }) as
      { kind: string; items: { metadata: { name: string }; window: string; containers: { name: string; usage: Record<string, string> }[] }[] };
    assert.equal(pm.kind, 'PodMetricsList');
    assert.deepEqual(pm.items.map((i) => i.metadata.name), ['a-1']);
    assert.deepEqual(pm.items[0]?.containers, [{ name: 'c', usage: { cpu: '250m', memory: '64Mi' } }]);
    assert.equal(pm.items[0].window, '30s');
    const all = await getJson(kc, `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`) as { items: unknown[] };
    assert.equal(all.items.length, 2);
    const one = await getJson(kc, `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/b-1`) as { kind: string; containers: { usage: Record<string, string> }[] };
    assert.equal(one.kind, 'PodMetrics');
    assert.deepEqual(one.containers[0]?.usage, { cpu: '750m' });
    m.deletePodUsage(ns, 'b-1');
    await assert.rejects(getJson(kc, `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods/b-1`), (e: unknown) => e instanceof RawHttpError && e.status === 404);

    // Custom metrics: Pods (with labelSelector), Object and Namespace metrics.
    m.setPodsMetric(ns, 'a-1', 'rps', '12', { windowSeconds: 60 });
    m.setPodsMetric(ns, 'b-1', 'rps', '40');
    const pods = await getJson(kc, `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/pods/*/rps`, { labelSelector: 'app=a' }) as
      { kind: string; items: { describedObject: { kind: string; name: string }; metric: { name: string }; windowSeconds: number; value: string; timestamp: string }[] };
    assert.equal(pods.kind, 'MetricValueList');
    assert.equal(pods.items.length, 1);
    assert.deepEqual([pods.items[0]?.describedObject.kind, pods.items[0]?.describedObject.name, pods.items[0]?.metric.name, pods.items[0]?.value, pods.items[0]?.windowSeconds],
      ['Pod', 'a-1', 'rps', '12', 60]);
    assert.ok(Math.abs(Date.parse(pods.items[0]?.timestamp ?? '') - Date.now()) < 10_000, 'timestamp defaults to now');
    m.setObjectMetric(ns, 'deployments.apps', 'web', 'queue_length', '7');
    const obj = await getJson(kc, `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/deployments.apps/web/queue_length`) as
      { items: { describedObject: { kind: string; apiVersion: string; name: string }; value: string }[] };
    assert.deepEqual(obj.items.map((i) => [i.describedObject.kind, i.describedObject.apiVersion, i.describedObject.name, i.value]), [['Deployment', 'apps/v1', 'web', '7']]);
    m.setObjectMetric(ns, 'namespaces', ns, 'tenants', '3');
    const nsm = await getJson(kc, `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/metrics/tenants`) as { items: { describedObject: { kind: string; name: string }; value: string }[] };
    assert.deepEqual(nsm.items.map((i) => [i.describedObject.kind, i.describedObject.name, i.value]), [['Namespace', ns, '3']]);
    await assert.rejects(getJson(kc, `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/services/nope/queue_length`), (e: unknown) => e instanceof RawHttpError && e.status === 404);

    // External metrics, with labelSelector matching on the series labels.
    m.setExternalMetric(ns, 'queue_depth', [{ labels: { queue: 'a' }, value: '5' }, { labels: { queue: 'b' }, value: '9' }]);
    const ext = await custom.listNamespacedCustomObject({ group: 'external.metrics.k8s.io', version: 'v1beta1', namespace: ns, plural: 'queue_depth', labelSelector: 'queue in (b,c)' }) as
      { kind: string; items: { metricName: string; metricLabels: Record<string, string>; value: string }[] };
    assert.equal(ext.kind, 'ExternalMetricValueList');
    assert.deepEqual(ext.items.map((i) => [i.metricName, i.metricLabels, i.value]), [['queue_depth', { queue: 'b' }, '9']]);

    // Programmed failures and latency pass through the apiserver; requests are recorded.
    const before = m.requests('external').length;
    m.setFailure('external', { status: 503, message: 'adapter down' });
    await assert.rejects(getJson(kc, `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/queue_depth`),
      (e: unknown) => e instanceof RawHttpError && e.status === 503 && e.body.includes('adapter down'));
    m.setFailure('external', null);
    m.setLatency('custom', 400);
    const t0 = Date.now();
    await getJson(kc, `/apis/custom.metrics.k8s.io/v1beta2/namespaces/${ns}/metrics/tenants`);
    assert.ok(Date.now() - t0 >= 400, 'latency applied');
    m.setLatency('custom', 0);
    const recorded = m.requests('external').slice(before);
    assert.deepEqual(recorded.map((r) => [r.method, r.path]), [['GET', `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/queue_depth`]]);
    assert.ok(m.requests('resource').some((r) => r.path === `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods?labelSelector=app%3Da`));
  });

  test('the upstream HPA scales a Deployment up and back down from the fake metrics', async () => {
    const ns = await createTestNamespace(kc, 'hpa');
    const apps = kc.makeApiClient(AppsV1Api);
    const readier = startPodReadier(kc, ns);
    let perPodCpu = '200m'; // 200 % of the 100m request
    const loadCtl = { stop: false };
    // A load model: every running pod of the Deployment reports perPodCpu, refreshed continuously.
    const load = (async () => {
      while (!loadCtl.stop) {
        for (const pod of await podNames(kc, ns, 'app=web').catch(() => [])) cp.metrics.setPodUsage(ns, pod, { main: { cpu: perPodCpu } });
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    try {
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 1) });
      await kc.makeApiClient(AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({ namespace: ns, body: {
        metadata: { name: 'web' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1, maxReplicas: 4,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        },
      } });
      const replicasReach = (n: number, timeoutMs: number): Promise<boolean> => pollUntil(`spec.replicas=${String(n)}`, async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
        return d.spec?.replicas === n ? true : undefined;
      }, { timeoutMs, intervalMs: 500 });

      await replicasReach(4, 90_000); // 200 % of target: 1 -> 4 (maxReplicas)
      const hpa = await kc.makeApiClient(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler({ name: 'web', namespace: ns });
      const active = hpa.status?.conditions?.find((c) => c.type === 'ScalingActive');
      assert.equal(active?.status, 'True', `ScalingActive: ${active?.message ?? 'missing'}`);
      assert.ok((hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization ?? 0) >= 100, 'HPA saw the high utilization');

      perPodCpu = '10m'; // 10 %: desired ceil(4 * 10 / 50) = 1
      await replicasReach(1, 90_000);
      assert.ok(cp.metrics.requests('resource').some((r) => r.path.startsWith(`/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`)),
        'KCM read the resource metrics through the aggregation layer');
    } finally {
      loadCtl.stop = true;
      await load;
      await readier.stop();
    }
  });

  test('a minted ServiceAccount token authenticates and is subject to RBAC', async () => {
    const ns = await createTestNamespace(kc, 'rbac');
    await cp.applyYaml(`
apiVersion: v1
kind: ServiceAccount
metadata: { name: reader, namespace: ${ns} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader, namespace: ${ns} }
rules: [{ apiGroups: [""], resources: [pods], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: reader, namespace: ${ns} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects: [{ kind: ServiceAccount, name: reader, namespace: ${ns} }]
`);
    const token = await cp.mintToken(ns, 'reader', 600);
    const file = await cp.writeKubeconfig(token);
    const sa = new KubeConfig();
    sa.loadFromFile(file);

    const review = await sa.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    assert.equal(review.status?.userInfo?.username, `system:serviceaccount:${ns}:reader`);
    const pods = await sa.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns });
    assert.deepEqual(pods.items, []);
    await assert.rejects(sa.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns }), (e: unknown) => statusOf(e) === 403);
    await assert.rejects(sa.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default' }), (e: unknown) => statusOf(e) === 403);
    await assert.rejects(sa.makeApiClient(RbacAuthorizationV1Api).listClusterRole(), (e: unknown) => statusOf(e) === 403);
    // A token that is not one fails authentication altogether.
    const bogus = new KubeConfig();
    bogus.loadFromFile(await cp.writeKubeconfig(`${token.slice(0, -4)}AAAA`));
    await assert.rejects(bogus.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: ns }), (e: unknown) => statusOf(e) === 401);
  });
});

describe('embedded control plane teardown', controlPlaneSuiteOptions(), () => {
  const gone = (pid: number): boolean => {
    try { process.kill(pid, 0); } catch { return true; }
    try { // a zombie (exited, not yet reaped by whoever inherited it) counts as gone
      return /State:\s+Z/.test(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    } catch { return true; }
  };
  const refused = (port: number): Promise<boolean> => new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => { resolve(true); });
  });

  test('stop() ends every process, frees the port, removes the work dir, and is idempotent', async () => {
    const cp = await startControlPlane();
    const pids = Object.values(cp.pids);
    const port = Number(new URL(cp.server).port);
    assert.equal(pids.length, 2); // etcd + apiserver, no KCM unless asked
    assert.ok(pids.every((p) => !gone(p)));
    await Promise.all([cp.stop(), cp.stop()]);
    await cp.stop();
    assert.ok(pids.every(gone), 'all PIDs gone');
    assert.ok(await refused(port), 'apiserver port released');
    assert.ok(!existsSync(cp.workDir), 'work dir removed');
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`a parent process ended by ${signal} takes its control plane along`, async () => {
      // The parent never calls stop(): SIGTERM runs the in-process teardown, SIGKILL leaves it to the watchdog.
      const harness = import.meta.resolve('../../src/controlplane/index.ts');
      const script = `const { startControlPlane } = await import(${JSON.stringify(harness)});
        const cp = await startControlPlane({ controllerManager: true });
        console.log(JSON.stringify({ pids: Object.values(cp.pids), dir: cp.workDir }));
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const info = await new Promise<{ pids: number[]; dir: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out) as { pids: number[]; dir: string });
        });
        child.once('exit', (code) => { reject(new Error(`child exited early (${String(code)})`)); });
      });
      assert.equal(info.pids.length, 3);
      child.kill(signal);
      await pollUntil('the control plane of the killed parent to be gone', () =>
        Promise.resolve(info.pids.every(gone) && !existsSync(info.dir) ? true : undefined), { timeoutMs: 45_000, intervalMs: 250 });
    });
  }

  test('a failed start tears down what it started and reports the log tail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kscale-cp-fail-'));
    try {
      await assert.rejects(
        startControlPlane({ controllerManager: true, controllerManagerArgs: ['--no-such-flag-for-kscale'], workDir: dir }),
        /kube-controller-manager exited early[\s\S]*no-such-flag-for-kscale/,
      );
      const pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
      assert.equal(pids.length, 3);
      assert.ok(pids.every(gone), 'everything it started is gone');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
