// kscale and the upstream HPA (kube-controller-manager v1.36.3) side by side on a real control plane:
// twin Deployments under the same load model, one autoscaled by a HorizontalAutoscaler, the other
// by an autoscaling/v2 HorizontalPodAutoscaler with the same spec and the same controller settings.
// They must take the same sequence of replica counts and report the same utilization.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);
// The same controller-wide settings on both sides (upstream: kube-controller-manager flags).
const SETTINGS = { syncSeconds: 1, downscaleStabilization: '6s', tolerance: '0.1' };

describe('kscale and the upstream HPA side by side', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let controller: RunningController;
  let readier: { stop(): Promise<void> };
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;

  before(async () => {
    cp = await startSuiteControlPlane({
      controllerManager: true,
      controllerManagerArgs: [`--horizontal-pod-autoscaler-sync-period=${SETTINGS.syncSeconds}s`,
        `--horizontal-pod-autoscaler-downscale-stabilization=${SETTINGS.downscaleStabilization}`, `--horizontal-pod-autoscaler-tolerance=${SETTINGS.tolerance}`],
    });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    ns = await createTestNamespace(cp.kubeConfig, 'parity');
    readier = startPodReadier(cp.kubeConfig, ns);
    controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=500ms',
      `--sync-period=${SETTINGS.syncSeconds}s`, `--downscale-stabilization=${SETTINGS.downscaleStabilization}`, `--tolerance=${SETTINGS.tolerance}`]),
    cp.kubeConfig, createLogger({ level: 'error' }));
  });
  after(async () => {
    stopping = true;
    for (const t of timers) clearInterval(t);
    await controller.stop();
    await readier.stop();
    await cp.stop();
  });

  const replicas = async (name: string): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).spec.replicas;

  test('the same load gives the same replica sequence and the same utilization', async () => {
    const spec = {
      minReplicas: 1, maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } } }],
    };
    let total = 250; // milli-CPU per Deployment, split evenly over its running pods (requests 100m each)
    for (const name of ['ours', 'theirs']) {
      await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
        metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] } } },
      });
      // The load model, applied to both twins alike.
      timers.push(setInterval(() => {
        void admin.get<{ items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: `app=${name}` }).then((l) => {
          if (stopping) return; // the answer came after the suite stopped the control plane
          const running = l.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
          for (const p of running) cp.metrics.setPodUsage(ns, p.metadata.name, { c: { cpu: `${Math.floor(total / running.length)}m` } });
        }, () => undefined);
      }, 200));
    }
    const target = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    await admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, { apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'ours' }, spec: { scaleTargetRef: target('ours'), ...spec } });
    await admin.post(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'theirs' }, spec: { scaleTargetRef: target('theirs'), ...spec } });

    // Record each twin's distinct replica counts over the run.
    const seen: Record<string, number[]> = { ours: [1], theirs: [1] };
    timers.push(setInterval(() => {
      for (const name of ['ours', 'theirs']) {
        void replicas(name).then((r) => { const list = seen[name] ?? []; if (list.at(-1) !== r) list.push(r); }, () => undefined);
      }
    }, 100));

    // 250% on one pod → ceil(2.5) = 3; then 83% on each of 3 → ceil(2.5) = 3: both settle at 3.
    await eventually('both at 3', async () => ((await replicas('ours')) === 3 && (await replicas('theirs')) === 3 ? true : undefined), 60_000);
    const utilization = await eventually('both reporting 83%', async () => {
      const ourStatus = (await admin.get<{ status?: { currentMetrics?: { resource?: { current: { averageUtilization?: number; averageValue?: string } } }[] } }>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/ours`)).status;
      const theirStatus = (await admin.get<{ status?: { currentMetrics?: { resource?: { current: { averageUtilization?: number; averageValue?: string } } }[] } }>(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/theirs`)).status;
      const a = ourStatus?.currentMetrics?.[0]?.resource?.current;
      const b = theirStatus?.currentMetrics?.[0]?.resource?.current;
      return a?.averageUtilization === 83 && b?.averageUtilization === 83 ? { a, b } : undefined;
    }, 30_000);
    assert.deepEqual(utilization.a, utilization.b, 'the same current metric status, value for value');

    // 80m over 3 pods: 26% → ceil(0.26 × 3) = 1, after the 6 s scale-down stabilization on both sides.
    total = 80;
    try {
      await eventually('both at 1', async () => ((await replicas('ours')) === 1 && (await replicas('theirs')) === 1 ? true : undefined), 60_000);
    } catch (e) {
      const o = await admin.get<{ status?: unknown }>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/ours`);
      const t = await admin.get<{ status?: unknown }>(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/theirs`);
      throw new Error(`${(e as Error).message}; ours ${await replicas('ours')} ${JSON.stringify(o.status)}; theirs ${await replicas('theirs')} ${JSON.stringify(t.status)}`, { cause: e });
    }
    // The recorder polls on its own timer: let it catch up with the final state before comparing.
    await eventually('the recorder to see both at 1', () => Promise.resolve(seen.ours?.at(-1) === 1 && seen.theirs?.at(-1) === 1 ? true : undefined), 5_000);
    assert.deepEqual(seen.ours, seen.theirs, `replica sequences: kscale ${JSON.stringify(seen.ours)}, upstream ${JSON.stringify(seen.theirs)}`);
    assert.deepEqual(seen.ours, [1, 3, 1]);
  });
});
