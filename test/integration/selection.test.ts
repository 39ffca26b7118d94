// selectionStrategy (issue 12 item 4, KEP-5325) on a real control plane: a Deployment target whose
// selector also matches the pods of a real Job and of a second Deployment, each created by
// kube-controller-manager's own controllers (pods Running and Ready by the fake kubelet). The foreign
// pods run hot. With LabelSelector they count, as they do for kube-controller-manager's HPA (side by
// side, same spec): both scale to maxReplicas. With OwnerReference kscale counts only the pods owned
// through Deployment → ReplicaSet → Pod, and holds.
// Each autoscaler has a namespace of its own: the same workloads three times, so no two autoscalers
// select the same pods (that is AmbiguousSelector, tested elsewhere).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import { startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { CONTROLLERS } from '../../src/controlplane/flags.ts';
import { parseConfig } from '../../src/config.ts';
import { decideLiveCommand } from '../../src/cli/decide-live.ts';
import type { CommandIO } from '../../src/cli/io.ts';
import { snapshotCommand } from '../../src/cli/snapshot.ts';
import { targetPods } from '../../src/controller/target-pods.ts';
import type { Pod, Scale } from '../../src/engine/inputs.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);
const LABELS = { app: 'shop' };

interface PodItem { metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[] } }

describe('selectionStrategy on a real control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let controller: RunningController;
  const readiers: { stop(): Promise<void> }[] = [];
  const namespaces: Record<'labels' | 'owners' | 'hpa', string> = { labels: '', owners: '', hpa: '' };
  let loadTimer: NodeJS.Timeout | undefined;
  let stopping = false;

  before(async () => {
    cp = await startSuiteControlPlane({
      controllerManager: true,
      // The Job controller too: the foreign pods come from a real Job.
      controllerManagerArgs: ['--horizontal-pod-autoscaler-sync-period=1s', `--controllers=${[...CONTROLLERS, 'job-controller'].join(',')}`],
    });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    for (const k of ['labels', 'owners', 'hpa'] as const) {
      namespaces[k] = await createTestNamespace(cp.kubeConfig, `sel-${k}`);
      readiers.push(startPodReadier(cp.kubeConfig, namespaces[k]));
    }
    controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${namespaces.labels},${namespaces.owners}`,
      '--metrics-tick=500ms', '--sync-period=1s']), cp.kubeConfig, createLogger({ level: 'fatal' }));
  });
  after(async () => {
    stopping = true;
    clearInterval(loadTimer);
    await controller.stop();
    for (const r of readiers) await r.stop();
    await cp.stop();
  });

  const container = { name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } };
  /** The target (web), a second Deployment (reports) and a Job (reindex), all with app=shop pods. */
  async function workloads(ns: string): Promise<void> {
    await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { containers: [container] } } },
    });
    await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name: 'reports' },
      spec: { replicas: 2, selector: { matchLabels: { ...LABELS, role: 'reports' } }, template: { metadata: { labels: { ...LABELS, role: 'reports' } }, spec: { containers: [container] } } },
    });
    await admin.post(`/apis/batch/v1/namespaces/${ns}/jobs`, {
      metadata: { name: 'reindex' }, spec: { template: { metadata: { labels: LABELS }, spec: { restartPolicy: 'Never', containers: [container] } } },
    });
  }

  /** web's pods at 50 % of their request (the target), the others at 400 %, in every namespace alike. */
  function applyLoad(): void {
    for (const ns of Object.values(namespaces)) {
      void admin.get<{ items: PodItem[] }>(`/api/v1/namespaces/${ns}/pods`).then((l) => {
        if (stopping) return;
        for (const p of l.items) {
          if (p.metadata.deletionTimestamp) continue;
          const ownedByWeb = p.metadata.ownerReferences?.some((r) => r.kind === 'ReplicaSet' && r.name.startsWith('web-')) ?? false;
          cp.metrics.setPodUsage(ns, p.metadata.name, { c: { cpu: ownedByWeb ? '50m' : '400m' } });
        }
      }, () => undefined);
    }
  }

  test('LabelSelector counts the Job\'s and the other Deployment\'s pods, as the HPA does; OwnerReference does not', async () => {
    for (const ns of Object.values(namespaces)) await workloads(ns);
    // Five app=shop pods in each namespace before any autoscaler looks: 2 web, 2 reports, 1 reindex.
    await eventually('five running pods in each namespace', async () => {
      for (const ns of Object.values(namespaces)) {
        const l = await admin.get<{ items: { status?: { phase?: string } }[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=shop' });
        if (l.items.filter((p) => p.status?.phase === 'Running').length !== 5) return undefined;
      }
      return true;
    }, 60_000);
    loadTimer = setInterval(applyLoad, 200);
    await sleep(500);

    const spec = (selectionStrategy?: string) => ({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...(selectionStrategy ? { selectionStrategy } : {}),
    });
    const hza = (ns: string, body: unknown) => admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, { apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: 'web' }, spec: body });
    await hza(namespaces.labels, spec());
    await hza(namespaces.owners, spec('OwnerReference'));
    await admin.post(`/apis/autoscaling/v2/namespaces/${namespaces.hpa}/horizontalpodautoscalers`, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: spec() });

    const replicas = async (ns: string): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/web`)).spec.replicas;
    const utilization = async (ns: string, api: string): Promise<number | undefined> =>
      (await admin.get<HorizontalAutoscaler>(`${api}/namespaces/${ns}/${api.includes('kscale') ? 'horizontalautoscalers' : 'horizontalpodautoscalers'}/web`)).status?.currentMetrics?.[0]?.resource?.current.averageUtilization;
    const KSCALE = '/apis/kscale.dev/v1alpha1';
    const HPA = '/apis/autoscaling/v2';

    // (2 × 50 + 3 × 400) / 5 = 260 % against 50 %: upstream and kscale's LabelSelector both go to 6.
    await eventually('LabelSelector and the HPA at maxReplicas', async () => ((await replicas(namespaces.labels)) === 6 && (await replicas(namespaces.hpa)) === 6 ? true : undefined), 60_000);
    // OwnerReference: 50 % on web's own pods, at target: it stays at 2 and reports exactly that.
    const owners = await eventually('OwnerReference reporting web\'s own utilization', async () => ((await utilization(namespaces.owners, KSCALE)) === 50 ? true : undefined), 30_000);
    assert.ok(owners);
    await sleep(3_000); // a few more passes: it does not move
    assert.equal(await replicas(namespaces.owners), 2, 'OwnerReference: only web\'s pods count');
    const first = { labels: await utilization(namespaces.labels, KSCALE), hpa: await utilization(namespaces.hpa, HPA) };
    console.log(`utilization counted — HPA ${String(first.hpa)} %, kscale LabelSelector ${String(first.labels)} %, kscale OwnerReference 50 %; replicas 6, 6, 2`);
    assert.ok((first.labels ?? 0) > 50 && (first.hpa ?? 0) > 50, 'the foreign pods raise the average for LabelSelector and the HPA');
    const status = (await admin.get<HorizontalAutoscaler>(`${KSCALE}/namespaces/${namespaces.owners}/horizontalautoscalers/web`)).status;
    assert.equal(status?.conditions?.find((c) => c.type === 'ScalingActive')?.status, 'True');
    assert.equal(status?.desiredReplicas, 2);
  });

  // Issue: the CLI built its snapshot without the workloads, so OwnerReference fell back to "every pod
  // counts" there while the controller left the foreign pods out. Now the snapshot carries the
  // ownership the controller's own caches give, and the live decision is the controller's.
  test('`kscale snapshot` and `kscale decide NS/NAME` leave out the foreign pods as the controller does', async () => {
    const ns = namespaces.owners;
    const io = (): CommandIO & { stdout: string; stderr: string } => {
      const o = { stdout: '', stderr: '', out: (t: string) => { o.stdout += t; }, err: (t: string) => { o.stderr += t; }, readStdin: () => Promise.resolve('') };
      return o;
    };
    const flags = ['--kubeconfig', cp.kubeconfigPath];
    // The pods web does not own, from the API server: reports' two and the Job's one.
    const pods = (await admin.get<{ items: (PodItem & Pod)[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=shop' })).items.filter((p) => !p.metadata.deletionTimestamp);
    const foreign = pods.filter((p) => !p.metadata.ownerReferences?.some((r) => r.kind === 'ReplicaSet' && r.name.startsWith('web-'))).map((p) => p.metadata.name).sort();
    assert.equal(foreign.length, 3, foreign.join(', '));

    const snap = io();
    assert.equal(await snapshotCommand([`${ns}/web`, ...flags, '-o', 'json'], snap), 0, snap.stderr);
    assert.equal(snap.stderr, '');
    const doc = JSON.parse(snap.stdout) as { autoscaler: HorizontalAutoscaler; scale: Scale; podOwnership?: { owner: string; notOwned: string[] } };
    assert.deepEqual({ ...doc.podOwnership, notOwned: [...doc.podOwnership?.notOwned ?? []].sort() }, { owner: 'Deployment/web', notOwned: foreign });
    // The same as the controller computes from its informer caches for these pods.
    const ours = targetPods(controller.manager.workloads, doc.autoscaler, doc.scale, pods).podOwnership;
    assert.ok(ours && 'notOwned' in ours);
    assert.deepEqual({ ...ours, notOwned: [...ours.notOwned].sort() }, { owner: 'Deployment/web', notOwned: foreign });

    const live = io();
    assert.equal(await decideLiveCommand([`${ns}/web`, ...flags], live), 0, live.stderr);
    const d = JSON.parse(live.stdout) as { desiredReplicas: number; events: { reason: string }[]; explanation: { steps: string[] } };
    const steps = d.explanation.steps.join('\n');
    assert.doesNotMatch(steps, /could not be applied/);
    assert.deepEqual(d.events.filter((e) => e.reason === 'SelectionStrategyNotApplied'), []);
    const step = /selectionStrategy OwnerReference: 3 of 5 pods the selector matches are not owned by Deployment\/web and do not count: (.+)/.exec(steps);
    assert.ok(step, steps);
    assert.deepEqual(step[1]?.split(', ').sort(), foreign);
    const status = (await admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/web`)).status;
    assert.equal(d.desiredReplicas, status?.desiredReplicas, 'the controller\'s decision');
    assert.equal(d.desiredReplicas, 2);
  });
});
