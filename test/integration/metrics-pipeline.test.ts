// The kwok mode end to end: kube-controller-manager's ReplicaSet and StatefulSet controllers create
// pods, kube-scheduler binds them to kwok nodes, kwok's stages make them Running and Ready, kwok
// emulates their CPU and memory usage on a kubelet-like endpoint, the real metrics-server scrapes it
// and serves metrics.k8s.io through the aggregation layer. kscale and the upstream HPA
// (kube-controller-manager's) scale twin workloads from that data and must land on the same count.
// No status-patching helper and no fake resource metrics anywhere in this file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  getJson, installKscaleApi, metricsPipelineBinaries, startSplitLoad, type ControlPlane, type TotalLoad,
} from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneRequired, controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

/** Skipped like the other suites when the binaries are absent, but this suite also needs the kwok mode's. */
function suiteOptions(): { skip?: string; concurrency: boolean } {
  const base = controlPlaneSuiteOptions();
  const extra = metricsPipelineBinaries();
  const skip = base.skip ?? (!extra.ok && !controlPlaneRequired() ? `${extra.reason}; set KSCALE_REQUIRE_CONTROL_PLANE=1 to make this a failure` : undefined);
  // The scenarios wait on metrics-server's scrapes (10 s apart): run them side by side.
  return { ...(skip ? { skip } : {}), concurrency: true };
}

interface PodItem {
  metadata: { name: string; deletionTimestamp?: string; annotations?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; startTime?: string; conditions?: { type: string; status: string }[] };
}
interface PodMetricsItem { metadata: { name: string }; window: string; containers: { usage: { cpu: string; memory: string } }[] }

describe('kwok mode: kscale and the upstream HPA on metrics-server data of kwok pods', suiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let controller: RunningController | undefined;
  const loads: { stop(): void }[] = [];

  before(async () => {
    if (!metricsPipelineBinaries().ok) {
      const r = metricsPipelineBinaries();
      throw new Error(`KSCALE_REQUIRE_CONTROL_PLANE=1 but ${r.ok ? '' : r.reason}`);
    }
    cp = await startSuiteControlPlane({
      controllerManager: true, kwok: { nodes: 2, startupDelayMs: 1000, readinessDelayMs: 1000 },
      controllerManagerArgs: ['--horizontal-pod-autoscaler-sync-period=2s'],
    });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await installKscaleApi(cp);
    ns = await createTestNamespace(cp.kubeConfig, 'kwok');
    controller = await startController(
      parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=1s']),
      cp.kubeConfig, createLogger({ level: 'error' }));
  });

  after(async () => {
    for (const l of loads) l.stop();
    await controller?.stop();
    await cp?.stop();
  });

  const deployment = (name: string, requests: Record<string, string>): Promise<unknown> => admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'example/app:1', resources: { requests } }] } } },
  });
  const replicas = async (name: string): Promise<number> =>
    (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).spec.replicas;
  const pods = async (app: string): Promise<PodItem[]> =>
    (await admin.get<{ items: PodItem[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
  const ready = (p: PodItem): boolean => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

  /** A kscale HorizontalAutoscaler on `<base>-k` and an autoscaling/v2 HPA on `<base>-h`, same spec. */
  async function twins(base: string, requests: Record<string, string>, resource: 'cpu' | 'memory', utilization: number, total: TotalLoad): Promise<void> {
    for (const name of [`${base}-k`, `${base}-h`]) {
      await deployment(name, requests);
      loads.push(startSplitLoad(cp.kubeConfig, ns, `app=${name}`, () => total, 1_000));
    }
    const metrics = [{ type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization: utilization } } }];
    // No downscale stabilization on either: a transient overshoot while new pods have no samples yet
    // (both autoscalers treat them alike) is corrected, so both settle at the demand's fixed point.
    const behavior = { scaleDown: { stabilizationWindowSeconds: 0 } };
    // Retried: right after the CRD is installed, the admission policy on it (deploy/admission) answers
    // 503 "Resource kind ... not found" until the apiserver's admission REST mapper catches up.
    await eventually(`HorizontalAutoscaler ${base}-k created`, async () => {
      await admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
        apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: `${base}-k` },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `${base}-k` }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: 2, metrics, behavior },
      });
      return true;
    }, 60_000, 500);
    await admin.post(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, {
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: `${base}-h` },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `${base}-h` }, minReplicas: 1, maxReplicas: 10, metrics, behavior },
    });
  }

  /** Both twins at `want` replicas for 12 s in a row (not passing through), all pods Running and Ready on kwok nodes. */
  async function bothSettleAt(base: string, want: number): Promise<void> {
    const names = [`${base}-k`, `${base}-h`];
    let since: number | undefined;
    await eventually(`${names.join(' and ')} to settle at ${String(want)} replicas`, async () => {
      const counts = await Promise.all(names.map(replicas));
      if (counts.some((c) => c !== want)) { since = undefined; throw new Error(`replicas ${JSON.stringify(counts)}`); }
      since ??= Date.now();
      return Date.now() - since >= 12_000 ? true : undefined;
    }, 180_000, 1_000);
    for (const name of names) {
      const list = await eventually(`${name}'s ${String(want)} pods to be Ready`, async () => {
        const ps = await pods(name);
        return ps.length === want && ps.every(ready) ? ps : undefined;
      }, 60_000, 500);
      for (const p of list) {
        assert.ok(cp.kwok?.nodes.includes(p.spec.nodeName ?? ''), `${p.metadata.name} is bound to a kwok node by kube-scheduler (got ${String(p.spec.nodeName)})`);
        assert.ok(p.status.podIP && p.status.startTime, `${p.metadata.name} got an IP and a start time from kwok`);
      }
    }
  }

  test('a CPU-utilization Deployment: kscale and the HPA both settle at 5 from 1', async () => {
    // 250m of total demand, 100m requested per pod, target 50 %: 250 / 50 = 5 pods.
    await twins('cpu', { cpu: '100m' }, 'cpu', 50, { cpuMilli: 250 });
    await bothSettleAt('cpu', 5);
    // What kscale read is metrics-server's answer for kwok's counters: 250m over 5 pods, ~10 s windows.
    // (New pods show up there after metrics-server's third scrape of them: up to 30 s after the scale.)
    const milli = (m: PodMetricsItem): number => Number.parseInt(m.containers[0]?.usage.cpu.replace(/n$/, '') ?? '0', 10) / 1e6;
    const pm = await eventually('PodMetrics of 5 pods at about 50m', async () => {
      const r = await getJson(cp.kubeConfig, `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, { labelSelector: 'app=cpu-k' }) as { items: PodMetricsItem[] };
      return r.items.length === 5 && r.items.every((m) => Math.abs(milli(m) - 50) <= 2) ? r : undefined;
    }, 60_000, 1_000);
    for (const m of pm.items) {
      // metrics-server reports the time between its two samples as the window: its 10 s resolution.
      assert.ok(Math.abs(Number.parseFloat(m.window) - 10) < 1, `${m.metadata.name}: window ${m.window}`);
    }
    await eventually('the HPA to see about 50 % too', async () => {
      const hpa = await admin.get<{ status: { currentMetrics?: { resource?: { current: { averageUtilization?: number } } }[] } }>(
        `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/cpu-h`);
      const util = hpa.status.currentMetrics?.[0]?.resource?.current.averageUtilization;
      return util !== undefined && util >= 45 && util <= 55 ? true : undefined;
    }, 30_000, 1_000);
  });

  test('a memory-utilization Deployment: kscale and the HPA both settle at 5 from 1', async () => {
    // 150Mi of total working set, 64Mi requested per pod, target 50 % (32Mi): 150 / 32 = 4.7 -> 5 pods.
    await twins('mem', { cpu: '100m', memory: '64Mi' }, 'memory', 50, { memoryMi: 150 });
    await bothSettleAt('mem', 5);
  });

  test('a StatefulSet: its controller creates the pods, kwok runs them, one after the other', async () => {
    await admin.post(`/apis/apps/v1/namespaces/${ns}/statefulsets`, {
      metadata: { name: 'db' },
      spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'example/db:1' }] } } },
    });
    const list = await eventually('3 StatefulSet pods Running and Ready', async () => {
      const ps = await pods('db');
      return ps.length === 3 && ps.every(ready) ? ps : undefined;
    }, 60_000, 500);
    assert.deepEqual(list.map((p) => p.metadata.name).sort(), ['db-0', 'db-1', 'db-2']);
    // OrderedReady: db-1 is created only once db-0 is Ready, so start times are ordered.
    const starts = ['db-0', 'db-1', 'db-2'].map((n) => Date.parse(list.find((p) => p.metadata.name === n)?.status.startTime ?? ''));
    assert.ok((starts[0] ?? 0) < (starts[1] ?? 0) && (starts[1] ?? 0) < (starts[2] ?? 0), `ordered start times ${JSON.stringify(starts)}`);
    const sts = await admin.get<{ status: { readyReplicas?: number } }>(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`);
    assert.equal(sts.status.readyReplicas, 3);
  });

  test('resource metrics come from metrics-server, never from the fake; nodes have NodeMetrics', async () => {
    const nodes = await eventually('NodeMetrics for every kwok node', async () => {
      const nm = await getJson(cp.kubeConfig, '/apis/metrics.k8s.io/v1beta1/nodes') as { items: { metadata: { name: string } }[] };
      const names = nm.items.map((n) => n.metadata.name).sort();
      return names.length === cp.kwok?.nodes.length ? names : undefined;
    }, 60_000, 1_000);
    assert.deepEqual(nodes, [...(cp.kwok?.nodes ?? [])].sort());
    // (The harness's own readiness check asked the fake once, in "default", before kwok took over.)
    const asked = cp.metrics.requests('resource').filter((r) => r.path.includes(`/namespaces/${ns}/`) || r.path.endsWith('/nodes'));
    assert.deepEqual(asked, [], "the fake metrics server was never asked for this suite's resource metrics");
  });
});
