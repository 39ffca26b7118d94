// Fallback on metric failure and the dropToZero safety gate on a real control plane (issue 12 items 1
// and 2): kube-apiserver and kube-controller-manager (Deployments make real pods), the aggregated
// external metrics API served by the programmable fake, and kscale's controller in process.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { HorizontalAutoscaler, HorizontalAutoscalerSpec, MetricSpec } from '../../src/api/types.ts';
import { startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { ledgerEntries } from '../../src/engine/ledger.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);

interface EventItem { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }

describe('fallback and safety gates on a real control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let controller: RunningController;
  let readier: { stop(): Promise<void> };
  const start = async (): Promise<RunningController> => startController(
    parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=500ms', '--sync-period=1s']),
    cp.kubeConfig, createLogger({ level: 'fatal' }));

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    ns = await createTestNamespace(cp.kubeConfig, 'safety');
    readier = startPodReadier(cp.kubeConfig, ns);
    controller = await start();
  });
  after(async () => {
    cp.metrics.setFailure('external', null);
    await controller.stop();
    await readier.stop();
    await cp.stop();
  });

  const deployment = (name: string, replicas: number) => admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const hza = (name: string, spec: Partial<HorizontalAutoscalerSpec>) => admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 10, ...spec },
  });
  const getHza = (name: string) => admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/${name}`);
  const replicas = async (name: string): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).spec.replicas;
  const events = async (name: string): Promise<EventItem[]> =>
    (await admin.get<{ items: EventItem[] }>(`/api/v1/namespaces/${ns}/events`)).items.filter((e) => e.involvedObject.kind === 'HorizontalAutoscaler' && e.involvedObject.name === name);
  const condition = async (name: string, type: string) => (await getHza(name)).status?.conditions?.find((c) => c.type === type);
  const queue = (metric: string, fallback?: { failureDurationSeconds: number; replicas: number }): MetricSpec =>
    ({ type: 'External', external: { metric: { name: metric }, target: { type: 'AverageValue', averageValue: '10' }, ...(fallback ? { fallback } : {}) } });
  const setQueue = (metric: string, value: number): void => { cp.metrics.setExternalMetric(ns, metric, [{ labels: {}, value: String(value) }]); };

  test('a metric failing for longer than failureDurationSeconds: its fallback replicas are applied, then end when it recovers', async () => {
    setQueue('jobs', 20);
    await deployment('fb', 2);
    await hza('fb', { metrics: [queue('jobs', { failureDurationSeconds: 3, replicas: 5 })] });
    await eventually('a first decision at 2', async () => ((await getHza('fb')).status?.lastDecision?.desiredReplicas === 2 ? true : undefined));
    cp.metrics.setFailure('external', { status: 503, message: 'adapter down' });
    try {
      const failing = await eventually('the failure to be recorded', async () => (await getHza('fb')).status?.metricHistory?.[0]?.firstFailureTime);
      assert.equal(await replicas('fb'), 2, 'before failureDurationSeconds the failing metric holds, as upstream');
      await eventually('the fallback to scale to 5', async () => ((await replicas('fb')) === 5 ? true : undefined), 20_000);
      const since = Date.now() - Date.parse(failing);
      assert.ok(since >= 3000, `fallback applied ${since} ms after the failure began`);
      const active = await eventually('FallbackActive=True', async () => {
        const c = await condition('fb', 'FallbackActive');
        return c?.status === 'True' ? c : undefined;
      });
      assert.equal(active.reason, 'FallbackActivated');
      const status = (await getHza('fb')).status;
      assert.equal(status?.metricHistory?.[0]?.fallbackActive, true);
      assert.equal(status?.lastDecision?.metrics?.[0]?.fallback?.replicas, 5, 'the decision explanation shows the fallback');
      const activated = await eventually('a FallbackActivated Event', async () => (await events('fb')).find((e) => e.reason === 'FallbackActivated'));
      assert.equal(activated.type, 'Warning');
      assert.match(activated.message, /external metric jobs has failed for \d+ s .*fallback of 5 replicas/);
    } finally {
      cp.metrics.setFailure('external', null);
    }
    const ended = await eventually('FallbackActive=False', async () => {
      const c = await condition('fb', 'FallbackActive');
      return c?.status === 'False' ? c : undefined;
    });
    assert.equal(ended.reason, 'FallbackDeactivated');
    await eventually('a FallbackDeactivated Event', async () => (await events('fb')).find((e) => e.reason === 'FallbackDeactivated' && e.type === 'Normal'));
    assert.equal((await getHza('fb')).status?.metricHistory, undefined, 'nothing left to remember once the metric is back');
  });

  test('the failing-since time survives a controller restart (persisted in status)', async () => {
    setQueue('tasks', 20);
    await deployment('fb-restart', 2);
    await hza('fb-restart', { metrics: [queue('tasks', { failureDurationSeconds: 6, replicas: 4 })] });
    await eventually('a first decision at 2', async () => ((await getHza('fb-restart')).status?.lastDecision?.desiredReplicas === 2 ? true : undefined));
    cp.metrics.setFailure('external', { status: 503, message: 'adapter down' });
    try {
      const failing = await eventually('the failure to be persisted', async () => (await getHza('fb-restart')).status?.metricHistory?.[0]?.firstFailureTime);
      await controller.stop();
      controller = await start();
      await eventually('the fallback to scale to 4 after the restart', async () => ((await replicas('fb-restart')) === 4 ? true : undefined), 20_000);
      assert.equal((await getHza('fb-restart')).status?.metricHistory?.[0]?.firstFailureTime, failing, 'the new process counted from the first failure, not from its start');
    } finally {
      cp.metrics.setFailure('external', null);
    }
  });

  test('a queue dropping to 0 from its target while pods run: held by the dropToZero gate; an unconfigured autoscaler goes 6 → 0', async () => {
    const spec = (metric: string): Partial<HorizontalAutoscalerSpec> =>
      ({ minReplicas: 0, metrics: [queue(metric)], behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } });
    setQueue('orders_gated', 60);
    setQueue('orders_plain', 60);
    await deployment('gated', 6);
    await deployment('plain', 6);
    await hza('gated', { ...spec('orders_gated'), safety: { dropToZero: { minPreviousPercent: 100, holdSeconds: 120 } } });
    await hza('plain', spec('orders_plain'));
    for (const name of ['gated', 'plain']) {
      await eventually(`${name}: a decision on 6 pods at target`, async () => {
        const s = (await getHza(name)).status;
        return s?.lastDecision?.currentReplicas === 6 && s.currentMetrics?.[0]?.external?.current.averageValue === '10' ? true : undefined;
      });
    }
    setQueue('orders_gated', 0);
    setQueue('orders_plain', 0);
    await eventually('the unconfigured autoscaler to scale 6 → 0', async () => ((await replicas('plain')) === 0 ? true : undefined), 20_000);
    const held = await eventually('AbleToScale=False DropToZeroGate', async () => {
      const c = await condition('gated', 'AbleToScale');
      return c?.status === 'False' && c.reason === 'DropToZeroGate' ? c : undefined;
    });
    assert.match(held.message ?? '', /safety gate dropToZero: external metric orders_gated dropped to 0/);
    const warning = await eventually('a DropToZeroGate Warning Event', async () => (await events('gated')).find((e) => e.reason === 'DropToZeroGate'));
    assert.equal(warning.type, 'Warning');
    const status = (await getHza('gated')).status;
    assert.equal(status?.lastDecision?.limitedBy, 'dropToZero');
    assert.ok(ledgerEntries(status?.decisions).some((d) => d.limitedBy === 'dropToZero'), 'the decision ledger names the gate');
    assert.equal(await replicas('gated'), 6, 'the pods are still there');
    const metrics = await controller.registry.getSingleMetricAsString('kscale_safety_gate_trips_total');
    assert.match(metrics, /kscale_safety_gate_trips_total\{gate="dropToZero"\} [1-9]/);
    // The queue is back: the gate has nothing to hold and normal decisions resume.
    setQueue('orders_gated', 60);
    await eventually('AbleToScale=True again', async () => ((await condition('gated', 'AbleToScale'))?.status === 'True' ? true : undefined));
    assert.equal(await replicas('gated'), 6);
  });

  test('bad values are refused at admission with the field named (the schema mirrors validateSpec)', async () => {
    const cases: [Partial<HorizontalAutoscalerSpec>, RegExp][] = [
      [{ metrics: [queue('q', { failureDurationSeconds: 3, replicas: 0 })] }, /spec\.metrics\[0\]\.external\.fallback\.replicas/],
      [{ metrics: [queue('q', { failureDurationSeconds: 0, replicas: 2 })] }, /spec\.metrics\[0\]\.external\.fallback\.failureDurationSeconds/],
      [{ metrics: [queue('q')], safety: { maxJump: { percent: 0 } } }, /spec\.safety\.maxJump\.percent/],
      [{ metrics: [queue('q')], safety: { staleMetrics: { maxAgeSyncPeriods: 0 } } }, /spec\.safety\.staleMetrics\.maxAgeSyncPeriods/],
    ];
    for (const [i, [spec, field]] of cases.entries()) await assert.rejects(hza(`bad-${i}`, spec), field);
  });
});
