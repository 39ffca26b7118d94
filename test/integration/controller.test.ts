// The controller end to end on a real kube-apiserver (+ kube-controller-manager for Deployments and
// ReplicaSets), running as the ServiceAccount with the RBAC from deploy/, reading the aggregated
// metrics APIs. Every metric type, every target kind, conditions, Events, metrics and a restart.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { HorizontalAutoscaler, HorizontalAutoscalerSpec } from '../../src/api/types.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);


interface EventItem { reason: string; message: string; type: string; count?: number; involvedObject: { name: string; kind: string } }

describe('controller on a real control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let controller: RunningController | undefined;
  let saKubeConfig: KubeConfig;
  let readier: { stop(): Promise<void> };
  const drivers: NodeJS.Timeout[] = [];
  let driversStopped = false;

  const start = async (): Promise<RunningController> => startController(
    parseConfig(['--http-address=127.0.0.1:0', `--namespace=${ns}`, '--leader-election-namespace=kscale-system', '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms', '--metrics-tick=500ms']),
    saKubeConfig, createLogger({ level: 'error' }));

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    await cp.applyYaml('apiVersion: v1\nkind: Namespace\nmetadata: {name: kscale-system}\n');
    await cp.applyYaml(await readFile(repo('deploy/base/rbac.yaml'), 'utf8'));
    // The controller authenticates as its ServiceAccount: a missing RBAC rule fails these tests.
    const token = await cp.mintToken('kscale-system', 'kscale-controller', 3600);
    saKubeConfig = new KubeConfig();
    saKubeConfig.loadFromFile(await cp.writeKubeconfig(token));
    ns = await createTestNamespace(cp.kubeConfig, 'ctl');
    readier = startPodReadier(cp.kubeConfig, ns);
    controller = await start();
  });

  after(async () => {
    driversStopped = true;
    for (const d of drivers) clearInterval(d);
    await controller?.stop();
    await readier.stop();
    await cp.stop();
  });

  const create = (path: string, body: unknown): Promise<unknown> => admin.post(path, body);
  const deployment = (name: string, replicas: number, containers = [{ name: 'app', resources: { requests: { cpu: '100m' } } }]) => create(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: containers.map((c) => ({ image: 'x', ...c })) } } },
  });
  const autoscaler = (name: string, spec: Partial<HorizontalAutoscalerSpec> & Pick<HorizontalAutoscalerSpec, 'scaleTargetRef'>) => create(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name }, spec: { minReplicas: 1, maxReplicas: 8, syncPeriodSeconds: 1, ...spec },
  });
  const getHza = (name: string) => admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/${name}`);
  const replicas = async (path: string): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(path)).spec.replicas;
  const runningPods = async (app: string): Promise<string[]> => (await admin.get<{ items: { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: `app=${app}` }))
    .items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running').map((p) => p.metadata.name);
  const events = async (name: string): Promise<EventItem[]> => (await admin.get<{ items: EventItem[] }>(`/api/v1/namespaces/${ns}/events`)).items.filter((e) => e.involvedObject.name === name && e.involvedObject.kind === 'HorizontalAutoscaler');
  const waitReplicas = (path: string, want: number, timeoutMs = 40_000) => eventually(`${path} to have ${want} replicas`, async () => ((await replicas(path)) === want ? true : undefined), timeoutMs);
  const condition = async (name: string, type: string) => (await getHza(name)).status?.conditions?.find((c) => c.type === type);

  /** A load model: a total split evenly across the running pods of an app, refreshed often. */
  function drive(app: string, set: (pod: string, perPodMilli: number) => void, total: () => number): void {
    const tick = async (): Promise<void> => {
      const pods = await runningPods(app).catch(() => []);
      // A tick still awaiting its pod list when the suite ends must not touch the stopped control plane.
      if (driversStopped) return;
      for (const p of pods) set(p, Math.floor(total() / pods.length));
    };
    void tick();
    drivers.push(setInterval(() => { void tick(); }, 250));
  }

  test('Resource cpu utilization: up to 4 on load, down to 1 when idle, with upstream Events and conditions', async () => {
    await deployment('cpu', 2);
    let total = 400; // milli-CPU across the pods: 2 pods at 200m of 100m requests = 200%
    drive('cpu', (p, m) => { cp.metrics.setPodUsage(ns, p, { app: { cpu: `${m}m` } }); }, () => total);
    await autoscaler('cpu', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cpu' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    // ratio 2 on 2 pods → 4; then 100m per pod on 4 pods is exactly the target → stays.
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/cpu`, 4);
    const up = await eventually('the scale-up Event', async () => (await events('cpu')).find((e) => e.reason === 'SuccessfulRescale'));
    assert.equal(up.message, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    assert.equal(up.type, 'Normal');
    await eventually('status at 4 with 100% utilization', async () => {
      const s = (await getHza('cpu')).status;
      return s?.currentReplicas === 4 && s.currentMetrics?.[0]?.resource?.current.averageUtilization === 100 ? s : undefined;
    });
    const s = (await getHza('cpu')).status;
    assert.equal(s?.reference, 'Deployment/cpu');
    assert.equal(s?.targets, 'cpu: 100%/100%');
    assert.equal((await condition('cpu', 'ScalingActive'))?.reason, 'ValidMetricFound');

    total = 40; // 10m per pod of 100m = 10% → ceil(0.1 × 4) = 1
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/cpu`, 1);
    const down = await eventually('the scale-down Event', async () => (await events('cpu')).find((e) => e.message.startsWith('New size: 1;')));
    assert.equal(down.message, 'New size: 1; reason: All metrics below target');
  });

  test('ContainerResource: only the named container counts', async () => {
    await deployment('ctr', 1, [{ name: 'app', resources: { requests: { cpu: '100m' } } }, { name: 'proxy', resources: { requests: { cpu: '100m' } } }]);
    let total = 300;
    drive('ctr', (p, m) => { cp.metrics.setPodUsage(ns, p, { app: { cpu: `${m}m` }, proxy: { cpu: '0' } }); }, () => total);
    await autoscaler('ctr', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ctr' },
      metrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 100 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    // app at 300% → ceil(3 × 1) = 3 (legacy limit 4); at 3 pods 100% each → stays. The idle proxy would halve it if counted.
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/ctr`, 3);
    await sleep(2500);
    assert.equal(await replicas(`/apis/apps/v1/namespaces/${ns}/deployments/ctr`), 3);
    total = 60; // 20% each → ceil(0.2 × 3) = 1
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/ctr`, 1);
  });

  test('Pods metric from custom.metrics.k8s.io', async () => {
    await deployment('rps', 1);
    let total = 35_000;
    drive('rps', (p, m) => { cp.metrics.setPodsMetric(ns, p, 'requests_per_second', `${m}m`); }, () => total);
    await autoscaler('rps', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'rps' },
      metrics: [{ type: 'Pods', pods: { metric: { name: 'requests_per_second' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    // 35 per pod / 10 → ceil(3.5) = 4; at 4 pods 8.75 each (ratio 0.875): ceil(3.5) = 4 → stays.
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/rps`, 4);
    const s = await eventually('pods metric status', async () => (await getHza('rps')).status?.currentMetrics?.[0]?.pods);
    assert.equal(s.metric.name, 'requests_per_second');
    total = 12_000; // 3 per pod → ratio 0.3 → ceil(1.2) = 2; then 6 per pod on 2 → ceil(1.2) = 2
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/rps`, 2);
  });

  test('Object metric on a Service, Value target', async () => {
    await deployment('obj', 1);
    cp.metrics.setObjectMetric(ns, 'services', 'front', 'requests', '30');
    await autoscaler('obj', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'obj' },
      metrics: [{ type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'requests' }, target: { type: 'Value', value: '10' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    // ratio 3 × 1 ready pod → 3.
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/obj`, 3);
    const e = await eventually('the Event', async () => (await events('obj')).find((x) => x.reason === 'SuccessfulRescale'));
    assert.equal(e.message, 'New size: 3; reason: Service metric requests above target');
    await eventually('3 ready pods', async () => ((await runningPods('obj')).length === 3 ? true : undefined));
    cp.metrics.setObjectMetric(ns, 'services', 'front', 'requests', '5'); // ratio 0.5 × 3 ready → ceil(1.5) = 2
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/obj`, 2);
  });

  test('External metric scales a StatefulSet', async () => {
    await create(`/apis/apps/v1/namespaces/${ns}/statefulsets`, {
      metadata: { name: 'queue' }, spec: { replicas: 1, serviceName: 'queue', selector: { matchLabels: { app: 'queue' } }, template: { metadata: { labels: { app: 'queue' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } },
    });
    cp.metrics.setExternalMetric(ns, 'queue_depth', [{ labels: { queue: 'jobs' }, value: '50' }, { labels: { queue: 'other' }, value: '900' }]);
    await autoscaler('queue', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'queue' }, maxReplicas: 10,
      metrics: [{ type: 'External', external: { metric: { name: 'queue_depth', selector: { matchLabels: { queue: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    // ceil(50 / 10) = 5 in one step: with a behavior, the default scale-up policy allows +4 pods.
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/statefulsets/queue`, 5);
    // Events are written in the background: wait for them rather than race the recorder.
    await eventually('the scale-up Event', async () => (await events('queue')).find((e) =>
      e.message === 'New size: 5; reason: external metric queue_depth{queue=jobs} above target'));
    cp.metrics.setExternalMetric(ns, 'queue_depth', [{ labels: { queue: 'jobs' }, value: '20' }, { labels: { queue: 'other' }, value: '900' }]);
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/statefulsets/queue`, 2); // ceil(20 / 10)
    await eventually('the scale-down Event', async () => (await events('queue')).find((e) => e.message === 'New size: 2; reason: All metrics below target'));
  });

  test('ReplicaSet target stops at maxReplicas with TooManyReplicas', async () => {
    await create(`/apis/apps/v1/namespaces/${ns}/replicasets`, {
      metadata: { name: 'rs' }, spec: { replicas: 1, selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'w', image: 'x' }] } } },
    });
    cp.metrics.setExternalMetric(ns, 'backlog', [{ labels: {}, value: '20' }]);
    await autoscaler('rs', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' }, maxReplicas: 3,
      metrics: [{ type: 'External', external: { metric: { name: 'backlog' }, target: { type: 'Value', value: '10' } } }],
    });
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/replicasets/rs`, 3);
    const limited = await eventually('ScalingLimited=True', async () => { const c = await condition('rs', 'ScalingLimited'); return c?.status === 'True' ? c : undefined; });
    assert.equal(limited.reason, 'TooManyReplicas');
  });

  test('a custom resource with a scale subresource', async () => {
    await cp.applyYaml(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.test.kscale.dev}
spec:
  group: test.kscale.dev
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
        scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {replicas: {type: integer}}}
            status: {type: object, properties: {replicas: {type: integer}, selector: {type: string}}}
`);
    const base = `/apis/test.kscale.dev/v1/namespaces/${ns}/widgets`;
    await eventually('the Widget CRD to serve', async () => { await admin.get(`/apis/test.kscale.dev/v1/namespaces/${ns}/widgets`); return true; });
    await create(base, { apiVersion: 'test.kscale.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { replicas: 2 } });
    await admin.mergePatch(`${base}/w/status`, { status: { replicas: 2, selector: 'app=widget' } });
    cp.metrics.setExternalMetric(ns, 'widget_jobs', [{ labels: {}, value: '60' }]);
    await autoscaler('widget', {
      scaleTargetRef: { apiVersion: 'test.kscale.dev/v1', kind: 'Widget', name: 'w' },
      metrics: [{ type: 'External', external: { metric: { name: 'widget_jobs' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    await waitReplicas(`${base}/w`, 6); // ceil(60 / 10) = 6
    cp.metrics.setExternalMetric(ns, 'widget_jobs', [{ labels: {}, value: '3' }]);
    await waitReplicas(`${base}/w`, 1); // ceil(3 / 10) = 1
  });

  test('a bad spec that passes admission: condition and Event, no scaling', async () => {
    await create(`/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'settings' } });
    await autoscaler('bad', {
      scaleTargetRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' },
      metrics: [{ type: 'External', external: { metric: { name: 'backlog' }, target: { type: 'Value', value: '1' } } }],
    });
    const c = await eventually('AbleToScale=False', async () => { const x = await condition('bad', 'AbleToScale'); return x?.status === 'False' ? x : undefined; });
    assert.equal(c.reason, 'FailedGetScale');
    assert.match(c.message ?? '', /ConfigMap \(v1\) has no scale subresource/);
    const e = await eventually('the FailedGetScale Event', async () => (await events('bad')).find((x) => x.reason === 'FailedGetScale'));
    assert.equal(e.type, 'Warning');
    const again = await eventually('a repeat counted on the same Event', async () => {
      const list = (await events('bad')).filter((x) => x.reason === 'FailedGetScale');
      return list.some((x) => (x.count ?? 1) > 1) ? list : undefined;
    });
    assert.equal(again.length, 1, 'repeats aggregate into one Event');
  });

  test('an HPA on the same workload blocks kscale with AmbiguousTarget', async () => {
    await deployment('shared', 1);
    await create(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, {
      metadata: { name: 'shared' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shared' }, minReplicas: 1, maxReplicas: 2, metrics: [{ type: 'External', external: { metric: { name: 'never' }, target: { type: 'Value', value: '1' } } }] },
    });
    cp.metrics.setExternalMetric(ns, 'big', [{ labels: {}, value: '100' }]);
    await autoscaler('shared', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shared' },
      metrics: [{ type: 'External', external: { metric: { name: 'big' }, target: { type: 'Value', value: '1' } } }],
    });
    const c = await eventually('ScalingActive=False AmbiguousTarget', async () => { const x = await condition('shared', 'ScalingActive'); return x?.reason === 'AmbiguousTarget' ? x : undefined; });
    assert.match(c.message ?? '', /also scaled by HorizontalPodAutoscaler .*\/shared/);
    assert.equal(await replicas(`/apis/apps/v1/namespaces/${ns}/deployments/shared`), 1);
  });

  test('dryRun reports the decision and never patches', async () => {
    await deployment('dry', 1);
    cp.metrics.setExternalMetric(ns, 'dry_load', [{ labels: {}, value: '5' }]);
    await autoscaler('dry', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'dry' }, dryRun: true,
      metrics: [{ type: 'External', external: { metric: { name: 'dry_load' }, target: { type: 'AverageValue', averageValue: '1' } } }],
    });
    const s = await eventually('desiredReplicas 4', async () => { const st = (await getHza('dry')).status; return st?.desiredReplicas === 4 ? st : undefined; });
    assert.equal(s.currentReplicas, 1);
    const dry = await eventually('the DryRunRescale Event', async () => (await events('dry')).find((e) => e.reason === 'DryRunRescale'));
    assert.equal(dry.message, 'Dry run; would scale to 4; reason: external metric dry_load above target');
    assert.equal(await replicas(`/apis/apps/v1/namespaces/${ns}/deployments/dry`), 1);
  });

  test('Prometheus metrics on /metrics', async () => {
    assert.ok(controller);
    const text = await (await fetch(`${controller.url}/metrics`)).text();
    assert.match(text, new RegExp(`kscale_desired_replicas\\{namespace="${ns}",name="cpu"\\} 1`));
    assert.match(text, /kscale_reconciliations_total\{action="scale_up",error="none"\} [1-9]/);
    assert.match(text, /kscale_reconciliations_total\{action="scale_down",error="none"\} [1-9]/);
    assert.match(text, /kscale_api_requests_total\{verb="put",code="200"\} [1-9]/);
    assert.match(text, /kscale_leader 1/);
    const ready = await fetch(`${controller.url}/readyz`);
    assert.equal(ready.status, 200);
  });

  test('a restart keeps stabilization state (history lives in status)', async () => {
    await deployment('stab', 1);
    let load = '40';
    const setLoad = (): void => { cp.metrics.setExternalMetric(ns, 'stab_load', [{ labels: {}, value: load }]); };
    setLoad();
    await autoscaler('stab', {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'stab' },
      metrics: [{ type: 'External', external: { metric: { name: 'stab_load' }, target: { type: 'AverageValue', averageValue: '10' } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 25 } },
    });
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/stab`, 4);
    const scaledAt = Date.now();
    await controller?.stop();
    load = '10';
    setLoad();
    controller = await start();
    // The metric now asks for 1, but a recommendation of 4 from before the restart is in the window.
    const held = await eventually('ScaleDownStabilized after the restart', async () => {
      const c = await condition('stab', 'AbleToScale');
      const s = (await getHza('stab')).status;
      return c?.reason === 'ScaleDownStabilized' && s?.lastDecision?.proposedReplicas === 1 ? c : undefined;
    });
    assert.equal(held.status, 'True');
    assert.ok(Date.now() - scaledAt < 24_000, 'checked inside the window');
    assert.equal(await replicas(`/apis/apps/v1/namespaces/${ns}/deployments/stab`), 4);
    await waitReplicas(`/apis/apps/v1/namespaces/${ns}/deployments/stab`, 1, 45_000);
    assert.ok(Date.now() - scaledAt >= 25_000, 'not before the window ended');
  });
});
