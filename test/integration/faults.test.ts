// The fault suite of issue 10, on the real control plane: each kind of fault a controller meets in
// production, injected while a known load asks for a known direction (or none). Every test asserts
// that nothing scaled the wrong way, that the behavior policy held, that conditions and Events say
// what happened, and that the controller recovered once the fault healed (the time is printed:
// "  recovery <fault>: N ms").
//
// Faults come from three places: the fake metrics APIs behind the real aggregation layer (cp.metrics),
// a loopback proxy between the controller and the API server (test/support/fault-proxy.ts), and
// processes stopped by their PID (the kscale leader, the kube-apiserver itself).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Condition, HorizontalAutoscaler, HorizontalAutoscalerSpec, HorizontalPodAutoscalerBehavior, MetricSpec } from '../../src/api/types.ts';
import { startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { loadKubeConfig } from '../../src/kube/config.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController } from '../../src/main.ts';
import { ledgerEntries } from '../../src/engine/ledger.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { restartApiServer, type RestartedApiServer } from '../support/apiserver-restart.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { KscaleProcess, lineTime, type LogLine } from '../support/kscale-process.ts';
import { assertDirection, assertPodsPolicy, describeChanges, ReplicaTimeline } from '../support/replica-timeline.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);
const HZA = '/apis/kscale.dev/v1alpha1';

interface EventItem {
  reason: string; message: string; type: string; count?: number; reportingInstance?: string;
  involvedObject: { name: string; kind: string };
}

/** One line per fault, in the test output: how long the controller took to act right after the fault healed. */
const report = (fault: string, ms: number): void => { console.log(`  recovery ${fault}: ${String(Math.round(ms))} ms`); };

/** External metric `load` with an AverageValue target of 10: the load asks for ceil(load / 10) replicas. */
const LOAD: MetricSpec = { type: 'External', external: { metric: { name: 'load' }, target: { type: 'AverageValue', averageValue: '10' } } };

/** A behavior with no stabilization and at most `pods` pods per `periodSeconds` either way. */
const policy = (periodSeconds: number, pods = 1): HorizontalPodAutoscalerBehavior => ({
  scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: pods, periodSeconds }] },
  scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: pods, periodSeconds }] },
});

/** The decisions in the ledger that changed the replica count, as [from, to]. */
const scalesIn = (status: HorizontalAutoscaler['status']): [number, number][] =>
  ledgerEntries(status?.decisions)
    .filter((d) => d.desiredReplicas !== d.currentReplicas && !['scaleError', 'paused', 'dryRun'].includes(d.limitedBy ?? ''))
    .map((d) => [d.currentReplicas, d.desiredReplicas]);

describe('faults on a real control plane (issue 10)', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let restarted: RestartedApiServer | undefined;

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
  });
  after(async () => {
    await cp.stop();
    await restarted?.stop(); // after the control plane: it stands in for its kube-apiserver
  });

  // ---- objects and what they say ----

  const deploymentPath = (ns: string, name: string): string => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const deployment = (ns: string, name: string, replicas: number, cpu?: string) => admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] } },
    },
  });
  const autoscaler = (ns: string, name: string, spec: Partial<HorizontalAutoscalerSpec> = {}) => admin.post(`${HZA}/namespaces/${ns}/horizontalautoscalers`, {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: 1, metrics: [LOAD], ...spec },
  });
  const setLoad = (ns: string, value: number): void => { cp.metrics.setExternalMetric(ns, 'load', [{ labels: {}, value: String(value) }]); };
  const getHza = (ns: string, name: string) => admin.get<HorizontalAutoscaler>(`${HZA}/namespaces/${ns}/horizontalautoscalers/${name}`);
  const replicasOf = async (ns: string, name: string): Promise<number | undefined> => {
    try {
      return (await admin.get<{ spec: { replicas: number } }>(deploymentPath(ns, name))).spec.replicas;
    } catch (e) {
      if (e instanceof KubeApiError && e.notFound) return undefined;
      throw e;
    }
  };
  const events = async (ns: string, name: string): Promise<EventItem[]> =>
    (await admin.get<{ items: EventItem[] }>(`/api/v1/namespaces/${ns}/events`)).items.filter((e) => e.involvedObject.kind === 'HorizontalAutoscaler' && e.involvedObject.name === name);
  const warnings = async (ns: string, name: string): Promise<string[]> => (await events(ns, name)).filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);

  /** Waits for a condition with this status (and reason, when given); resolves to it. */
  const waitCondition = (ns: string, name: string, type: string, status: 'True' | 'False', reason?: string, timeoutMs = 20_000): Promise<Condition> =>
    eventually(`${ns}/${name} ${type}=${status}${reason ? ` ${reason}` : ''}`, async () => {
      const c = (await getHza(ns, name)).status?.conditions?.find((x) => x.type === type);
      return c?.status === status && (reason === undefined || c.reason === reason) ? c : undefined;
    }, timeoutMs, 100);
  const waitEvent = (ns: string, name: string, reason: string, match: (e: EventItem) => boolean = () => true, timeoutMs = 20_000): Promise<EventItem> =>
    eventually(`a ${reason} Event on ${ns}/${name}`, async () => (await events(ns, name)).find((e) => e.reason === reason && match(e)), timeoutMs, 200);

  // ---- one controller per test, in this process, optionally through a fault proxy ----

  interface Scenario {
    ns: string;
    proxy: FaultProxy;
    /** The controller's log, as parsed JSON lines. */
    logs: LogLine[];
    /** A started timeline of the Deployment's replicas. */
    timeline(name: string): Promise<ReplicaTimeline>;
  }

  /**
   * A fresh namespace, a fault proxy and (unless `controller: false`) a controller for it, connected
   * through the proxy (or straight to the API server: `direct`), without leader election unless
   * `leaderElect`. Everything is stopped after the test.
   */
  async function scenario(t: TestContext, prefix: string, o: { flags?: string[]; direct?: boolean; controller?: boolean; readier?: boolean; leaderElect?: boolean } = {}): Promise<Scenario> {
    const ns = await createTestNamespace(cp.kubeConfig, prefix);
    const proxy = await startFaultProxy(cp.kubeConfig);
    const logs: LogLine[] = [];
    const timelines: ReplicaTimeline[] = [];
    const readier = o.readier ? startPodReadier(cp.kubeConfig, ns) : undefined;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(l) as LogLine);
        done();
      },
    });
    const kc: KubeConfig = o.direct ? cp.kubeConfig : loadKubeConfig({ server: proxy.url }).kc;
    const election = o.leaderElect
      ? ['--leader-election-namespace=default', `--leader-election-id=faults-${ns}`, '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms']
      : ['--leader-elect=false'];
    const controller = o.controller === false ? undefined : await startController(
      parseConfig(['--http-address=127.0.0.1:0', `--namespace=${ns}`, '--sync-period=1s', '--metrics-tick=500ms', '--api-timeout=3s', ...election, ...(o.flags ?? [])]),
      kc, createLogger({ level: 'info', destination: sink, format: 'json' }));
    t.after(async () => {
      proxy.rules.length = 0;
      await Promise.all(timelines.map((tl) => tl.stop()));
      await controller?.stop();
      await readier?.stop();
      await proxy.close();
    });
    return {
      ns, proxy, logs,
      timeline: async (name) => {
        const tl = await new ReplicaTimeline(() => replicasOf(ns, name)).start();
        timelines.push(tl);
        return tl;
      },
    };
  }

  // ---- the metrics APIs ----

  test('metrics API answers 503: no scale on missing data, FailedGetExternalMetric, scales once it answers', async (t) => {
    const s = await scenario(t, 'm503');
    setLoad(s.ns, 30); // 3 replicas: steady
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(3) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');

    t.after(() => { cp.metrics.setFailure('external', null); });
    cp.metrics.setFailure('external', { status: 503, message: 'service unavailable' });
    setLoad(s.ns, 10); // asks for 1, but nobody can read it
    const faultAt = Date.now();
    const c = await waitCondition(s.ns, 'web', 'ScalingActive', 'False', 'FailedGetExternalMetric');
    assert.match(c.message ?? '', /^the HPA was unable to compute the replica count: .*load/);
    assert.equal((await waitEvent(s.ns, 'web', 'FailedGetExternalMetric')).type, 'Warning');
    assert.equal((await waitEvent(s.ns, 'web', 'FailedComputeMetricsReplicas')).type, 'Warning');
    await sleep(2_000); // more passes on the failing API
    assertDirection(tl.since(faultAt), 'none', 'while the metrics API answered 503');
    assert.equal((await getHza(s.ns, 'web')).status?.desiredReplicas, 3, 'desiredReplicas is kept, as upstream keeps it');

    const healAt = Date.now();
    cp.metrics.setFailure('external', null);
    const scaledAt = await tl.waitFor('the scale-down once the metric reads', (r) => r < 3, 10_000);
    report('metrics API 503', scaledAt - healAt);
    assert.ok(scaledAt - healAt < 5_000, `scaled ${String(scaledAt - healAt)} ms after the metrics API healed`);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    assertDirection(tl.since(healAt), 'down', 'after healing');
    assertPodsPolicy(tl.changes, { direction: 'down', pods: 1, periodMs: 3_000 }, 'scale-down policy');
  });

  test('metrics API unreachable (requests hang): no scale, FailedGetExternalMetric, scales once it answers', async (t) => {
    const s = await scenario(t, 'mhang', { flags: ['--api-timeout=2s'] });
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(3) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');

    s.proxy.rules.push({ path: /^\/apis\/external\.metrics\.k8s\.io\//, fault: 'hang' });
    setLoad(s.ns, 10);
    const faultAt = Date.now();
    const c = await waitCondition(s.ns, 'web', 'ScalingActive', 'False', 'FailedGetExternalMetric');
    assert.match(c.message ?? '', /unable to compute the replica count/);
    assert.equal((await waitEvent(s.ns, 'web', 'FailedGetExternalMetric')).type, 'Warning');
    await sleep(2_500); // at least one more pass ends in the API timeout
    assertDirection(tl.since(faultAt), 'none', 'while the metrics API hung');
    const hung = s.proxy.seen.filter((r) => r.at >= faultAt && r.path.startsWith('/apis/external.metrics.k8s.io/'));
    assert.ok(hung.length >= 2 && hung.every((r) => r.status === undefined), `metric reads kept trying and none was answered: ${String(hung.length)}`);

    const healAt = Date.now();
    s.proxy.rules.length = 0;
    const scaledAt = await tl.waitFor('the scale-down once the metric reads', (r) => r < 3, 10_000);
    report('metrics API unreachable', scaledAt - healAt);
    assert.ok(scaledAt - healAt < 6_000, `scaled ${String(scaledAt - healAt)} ms after the metrics API healed (API timeout 2 s)`);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    assertDirection(tl.since(healAt), 'down', 'after healing');
    assertPodsPolicy(tl.changes, { direction: 'down', pods: 1, periodMs: 3_000 }, 'scale-down policy');
  });

  test('metrics API slow (1.5 s per request): evaluations go on, scale-up in steps, nothing reported as failed', async (t) => {
    const s = await scenario(t, 'mslow');
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(2) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');

    t.after(() => { cp.metrics.setLatency('external', 0); });
    cp.metrics.setLatency('external', 1_500);
    setLoad(s.ns, 60); // asks for 6; the policy allows 1 pod per 2 s
    const faultAt = Date.now();
    const firstAt = await tl.waitFor('the first step up', (r) => r > 3, 10_000);
    console.log(`  reaction under a slow metrics API: ${String(firstAt - faultAt)} ms`);
    await tl.waitFor('a second step up', (r) => r >= 5, 15_000);
    assertDirection(tl.since(faultAt), 'up', 'while the metrics API was slow');
    assertPodsPolicy(tl.changes, { direction: 'up', pods: 1, periodMs: 2_000 }, 'scale-up policy');
    assert.equal((await getHza(s.ns, 'web')).status?.conditions?.find((c) => c.type === 'ScalingActive')?.reason, 'ValidMetricFound');
    assert.deepEqual(await warnings(s.ns, 'web'), [], 'a slow API is not an error');

    const top = tl.current ?? 0;
    const healAt = Date.now();
    cp.metrics.setLatency('external', 0);
    setLoad(s.ns, 10);
    const downAt = await tl.waitFor('the first step down', (r) => r < top, 10_000);
    report('metrics API slow', downAt - healAt);
    assert.ok(downAt - healAt < 4_000, `reacted ${String(downAt - healAt)} ms after the metrics API healed`);
    assertDirection(tl.since(healAt), 'down', 'after healing');
  });

  test('partial metrics (pods without metrics): the missing pods count against the move, never for it', async (t) => {
    const s = await scenario(t, 'partial', { readier: true });
    const cpuUtilization50: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };
    await deployment(s.ns, 'web', 4, '100m');
    const pods = await eventually('4 running, ready pods', async () => {
      const list = await admin.get<{ items: { metadata: { name: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } }[] }>(
        `/api/v1/namespaces/${s.ns}/pods`, { labelSelector: 'app=web' });
      const ready = list.items.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === 4 ? ready.map((p) => p.metadata.name) : undefined;
    }, 60_000);
    const usage = (names: readonly string[], milli: number): void => { for (const p of names) cp.metrics.setPodUsage(s.ns, p, { app: { cpu: `${String(milli)}m` } }); };
    const [withMetrics, without] = [pods.slice(0, 2), pods.slice(2)];

    // Two pods at 60% of a 50% target: ratio 1.2 on the pods that report. The two without metrics
    // count as 0% on a scale-up: 30% over four pods, so the direction flips and the HPA stays at 4.
    // (Leaving them out would propose ceil(1.2 × 2) = 3: a scale-down under load.)
    usage(withMetrics, 60);
    const tl = await s.timeline('web');
    const startAt = Date.now();
    await autoscaler(s.ns, 'web', { metrics: [cpuUtilization50], behavior: policy(3) });
    const decided = await eventually('a decision on partial metrics', async () => {
      const st = (await getHza(s.ns, 'web')).status;
      return st?.lastDecision?.metrics?.[0]?.replicas !== undefined ? st : undefined;
    });
    assert.equal(decided.lastDecision?.metrics?.[0]?.replicas, 4, `the metric proposes the current count: ${JSON.stringify(decided.lastDecision)}`);
    await sleep(3_000);
    // Two pods at 10%: ratio 0.2 on the pods that report. On a scale-down the missing pods count as
    // 100%: 55% over four, the direction flips again. (Leaving them out would propose 1.)
    usage(withMetrics, 10);
    await sleep(3_500);
    assertDirection(tl.since(startAt), 'none', 'with two of four pods reporting no metrics');
    assert.equal((await waitCondition(s.ns, 'web', 'ScalingActive', 'True')).reason, 'ValidMetricFound', 'as upstream: missing pods are not an error');
    assert.deepEqual(await warnings(s.ns, 'web'), [], 'no Warning Event for missing pod metrics, as upstream');

    const healAt = Date.now();
    usage(without, 10); // every pod at 10%: ceil(0.2 × 4) = 1, one pod per 3 s
    const downAt = await tl.waitFor('the first step down once every pod reports', (r) => r < 4, 10_000);
    report('partial metrics', downAt - healAt);
    assert.ok(downAt - healAt < 4_000, `scaled ${String(downAt - healAt)} ms after the metrics were complete`);
    assertDirection(tl.since(healAt), 'down', 'with every pod reporting');
    assertPodsPolicy(tl.changes, { direction: 'down', pods: 1, periodMs: 3_000 }, 'scale-down policy');
  });

  // ---- the API server ----

  test('409 Conflict on every /scale update: FailedUpdateScale and FailedRescale, nothing recorded, scales once healed', async (t) => {
    const s = await scenario(t, 'conflict');
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(10) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');

    const conflict = { status: 409, message: 'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again' };
    s.proxy.rules.push({ method: 'PUT', path: /\/deployments\/web\/scale(\?|$)/, fault: conflict }, { method: 'PATCH', path: /\/deployments\/web\/scale(\?|$)/, fault: conflict });
    setLoad(s.ns, 60); // asks for 6; the policy allows 1 pod per 10 s
    const faultAt = Date.now();
    const c = await waitCondition(s.ns, 'web', 'AbleToScale', 'False', 'FailedUpdateScale');
    assert.match(c.message ?? '', /^the HPA controller was unable to update the target scale: .*the object has been modified/);
    const e = await waitEvent(s.ns, 'web', 'FailedRescale');
    assert.equal(e.type, 'Warning');
    assert.match(e.message, /^New size: 4; reason: external metric load above target; error: .*the object has been modified/);
    await sleep(1_500);
    assertDirection(tl.since(faultAt), 'none', 'while every scale update conflicted');
    const updates = s.proxy.seen.filter((r) => r.at >= faultAt && r.method === 'PUT' && /\/deployments\/web\/scale/.test(r.path));
    assert.ok(updates.length >= 5 && updates.every((r) => r.status === 409), `each conflict was retried on a fresh read, and all were refused: ${String(updates.length)} PUTs`);

    // A refused update is no scale event: the policy must not hold back the first real step.
    const healAt = Date.now();
    s.proxy.rules.length = 0;
    const scaledAt = await tl.waitFor('the scale-up once updates succeed', (r) => r > 3, 10_000);
    report('409 on /scale', scaledAt - healAt);
    assert.ok(scaledAt - healAt < 4_000, `scaled ${String(scaledAt - healAt)} ms after healing, not held by the 10 s policy`);
    await waitCondition(s.ns, 'web', 'AbleToScale', 'True');
    await sleep(1_500);
    assert.deepEqual(tl.since(faultAt).map((x) => [x.from, x.to]), [[3, 4]], `one step of one pod: ${describeChanges(tl.changes)}`);
  });

  // ---- the target's scale from the workload cache (issue 11 item 5) ----

  const scaleRequests = (p: FaultProxy, name: string, since = 0): string[] =>
    p.seen.filter((r) => r.at >= since && new RegExp(`/deployments/${name}/scale(\\?|$)`).test(r.path)).map((r) => r.method);

  test('a steady autoscaler reads its target\'s scale from the cache: no GET /scale until it changes it, then a fresh read first', async (t) => {
    const s = await scenario(t, 'cached');
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(1, 10) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const from = Date.now();
    await sleep(3_500); // three or more passes at a 1 s sync period
    const passes = s.proxy.seen.filter((r) => r.at >= from && r.method === 'GET' && /external\.metrics\.k8s\.io.*\/load/.test(r.path)).length;
    assert.ok(passes >= 3, `${String(passes)} passes read the metric`);
    // (The very first pass may have run before the Deployment reached the cache: a miss reads /scale.)
    assert.deepEqual(scaleRequests(s.proxy, 'web', from), [], 'no /scale request while nothing changes');

    setLoad(s.ns, 50); // asks for 5
    await eventually('scaled to 5', async () => ((await replicasOf(s.ns, 'web')) === 5 ? true : undefined), 10_000, 100);
    const reqs = scaleRequests(s.proxy, 'web', from);
    assert.deepEqual(reqs.slice(0, 2), ['GET', 'PUT'], `the update followed a fresh read: ${reqs.join(' ')}`);
  });

  test('a stale cache decides no change: a manual scale it has not seen is read before anything is written', async (t) => {
    const s = await scenario(t, 'stale');
    setLoad(s.ns, 20);
    await Promise.all([deployment(s.ns, 'web', 2), autoscaler(s.ns, 'web', { behavior: policy(1, 10) })]);
    await eventually('a decision at 2', async () => ((await getHza(s.ns, 'web')).status?.lastDecision?.desiredReplicas === 2 ? true : undefined), 20_000, 100);

    // Freeze the controller's Deployment cache: its list and watch hang from now on.
    s.proxy.rules.push({ path: new RegExp(`/apis/apps/v1/namespaces/${s.ns}/deployments(\\?|$)`), fault: 'hang' });
    s.proxy.dropWatches();
    await sleep(500);
    // Someone scales the Deployment to 4 by hand, and the load asks for exactly 4: the cache (2) says
    // "scale to 4", the API server says "already there".
    await admin.mergePatch(`${deploymentPath(s.ns, 'web')}/scale`, { spec: { replicas: 4 } });
    const frozenAt = Date.now();
    setLoad(s.ns, 40);
    const seen = await eventually('a decision on the fresh scale', async () => {
      const d = (await getHza(s.ns, 'web')).status?.lastDecision;
      return d && Date.parse(d.time ?? '') >= frozenAt - 1000 && d.currentReplicas === 4 ? d : undefined;
    }, 15_000, 100);
    assert.equal(seen.desiredReplicas, 4);
    await sleep(2_000);
    const writes = scaleRequests(s.proxy, 'web', frozenAt).filter((m) => m !== 'GET');
    assert.deepEqual(writes, [], 'no scale update: the API server already had 4');
    assert.ok(scaleRequests(s.proxy, 'web', frozenAt).length > 0, 'the scale was read from the API server');
    assert.equal(await replicasOf(s.ns, 'web'), 4);
    assert.deepEqual((await events(s.ns, 'web')).filter((e) => e.reason === 'SuccessfulRescale' && /New size: 4/.test(e.message)), []);
  });

  test('failed status writes lose no scale event: 1 pod per 10 s still holds (issue 9 defect 3)', async (t) => {
    const s = await scenario(t, 'status');
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: { scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 10 }] } } })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');

    const statusWrite = /^\/apis\/kscale\.dev\/v1alpha1\/namespaces\/[^/]+\/horizontalautoscalers\/web\/status(\?|$)/;
    s.proxy.rules.push({ method: 'PATCH', path: statusWrite, fault: { status: 500, message: 'etcdserver: request timed out' } });
    setLoad(s.ns, 90); // asks for 9: 3 → 4 at once, then nothing for 10 s
    const faultAt = Date.now();
    const firstAt = await tl.waitFor('the first step', (r) => r > 3, 10_000);
    await sleep(Math.max(0, firstAt + 12_000 - Date.now()));
    const changes = tl.since(faultAt);
    const windowEnd = Date.now();
    assert.equal(changes[0]?.to, 4, `first step 3 → 4: ${describeChanges(changes, faultAt)}`);
    assertPodsPolicy(changes, { direction: 'up', pods: 1, periodMs: 10_000 }, 'scale-up policy with every status write failing');
    const writes = s.proxy.seen.filter((r) => r.at >= faultAt && r.at <= windowEnd && r.method === 'PATCH' && statusWrite.test(r.path));
    const afterStep = writes.filter((r) => r.at > firstAt);
    assert.ok(afterStep.length >= 3, `the status was written (and failed) again and again after the step: ${String(afterStep.length)}`);
    assert.deepEqual([...new Set(writes.map((r) => r.status))], [500], 'every status write in the window failed');
    assert.equal((await waitEvent(s.ns, 'web', 'FailedUpdateStatus')).type, 'Warning');

    const healAt = Date.now();
    s.proxy.rules.length = 0;
    const healed = await eventually('the status to catch up', async () => {
      const st = (await getHza(s.ns, 'web')).status;
      return st?.currentReplicas === (await replicasOf(s.ns, 'web')) && (st?.scaleUpEvents?.length ?? 0) > 0 ? st : undefined;
    }, 10_000, 100);
    report('failed status writes', Date.now() - healAt);
    assert.ok((healed.scaleUpEvents ?? []).every((e) => e.replicaChange === 1), 'each recorded step is one pod');
    // The ledger (status.decisions) lists every decision that changed the replica count: the steps
    // taken while status writes failed must be there once they succeed again.
    const taken = tl.since(faultAt).map((c) => [c.from, c.to]);
    assert.deepEqual(scalesIn(healed), taken, `the ledger has the steps taken while status writes failed; status.decisions: ${JSON.stringify(healed.decisions)}`);
  });

  test('target deleted and recreated: FailedGetScale while it is gone, then scaled up in policy steps', async (t) => {
    const s = await scenario(t, 'target');
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(2) })]);
    await waitCondition(s.ns, 'web', 'AbleToScale', 'True');
    const tl = await s.timeline('web');

    await admin.request('DELETE', deploymentPath(s.ns, 'web'));
    const c = await waitCondition(s.ns, 'web', 'AbleToScale', 'False', 'FailedGetScale');
    assert.match(c.message ?? '', /^the HPA controller was unable to get the target's current scale: .*not found/);
    const e = await waitEvent(s.ns, 'web', 'FailedGetScale');
    assert.equal(e.type, 'Warning');
    await sleep(1_000);

    const recreatedAt = Date.now();
    await deployment(s.ns, 'web', 1); // the load asks for 3
    const scaledAt = await tl.waitFor('the first step on the new target', (r) => r > 1, 10_000);
    report('target deleted and recreated', scaledAt - recreatedAt);
    assert.ok(scaledAt - recreatedAt < 4_000, `scaled ${String(scaledAt - recreatedAt)} ms after the target came back`);
    await tl.waitFor('3 replicas', (r) => r === 3, 10_000);
    await waitCondition(s.ns, 'web', 'AbleToScale', 'True');
    assertDirection(tl.changes, 'up', 'around the deletion');
    assertPodsPolicy(tl.changes, { direction: 'up', pods: 1, periodMs: 2_000 }, 'scale-up policy');
  });

  test('watch expiry (410 Gone): existing autoscalers keep working, a new one is picked up', async (t) => {
    const s = await scenario(t, 'watch');
    setLoad(s.ns, 20);
    await Promise.all([deployment(s.ns, 'web', 2), deployment(s.ns, 'during', 1), deployment(s.ns, 'later', 1), autoscaler(s.ns, 'web', { behavior: policy(2) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');
    const expired = 'too old resource version: 1 (2)';

    // As an HTTP 410 answer to each watch, then as a 410 ERROR event on an open watch (the API
    // server's usual way); every open watch is cut so that all of them meet it.
    const faultAt = Date.now();
    s.proxy.rules.push({ path: /./, watch: true, fault: { status: 410, message: expired } });
    s.proxy.dropWatches();
    setLoad(s.ns, 40); // the existing autoscaler: 2 → 4 in steps
    await sleep(3_000);
    await autoscaler(s.ns, 'during', { behavior: policy(2) }); // created while watches expire
    s.proxy.rules.splice(0, s.proxy.rules.length, { path: /./, watch: true, fault: { watchError: 410, message: expired } });
    s.proxy.dropWatches();
    await sleep(3_000);
    const watches = s.proxy.seen.filter((r) => r.at >= faultAt && /[?&]watch=true/.test(r.path));
    assert.ok(watches.some((r) => r.status === 410) && watches.some((r) => r.status === 200), 'watches met both kinds of expiry');
    assert.ok(s.proxy.seen.some((r) => r.at >= faultAt && r.method === 'GET' && !/[?&]watch=/.test(r.path) && /\/horizontalautoscalers(\?|$)/.test(r.path)), 'autoscalers were listed again');

    const healAt = Date.now();
    s.proxy.rules.length = 0;
    await autoscaler(s.ns, 'later', { behavior: policy(2) });
    const laterAt = await eventually('the autoscaler created after the expiry to scale', async () => ((await replicasOf(s.ns, 'later')) ?? 0) > 1 ? Date.now() : undefined, 40_000, 100);
    report('watch expiry (new autoscaler picked up)', laterAt - healAt);
    await eventually('the autoscaler created during the expiry to scale', async () => ((await replicasOf(s.ns, 'during')) ?? 0) > 1 ? true : undefined, 20_000);
    await tl.waitFor('the existing autoscaler at 4', (r) => r === 4, 10_000);
    // Bounded by the watch's reconnect backoff, which repeated expiries double (client-node: 1 s, 2 s, 4 s, 8 s ...).
    assert.ok(laterAt - healAt < 15_000, `a new autoscaler took ${String(laterAt - healAt)} ms to be picked up after watches healed`);
    assertDirection(tl.changes, 'up', 'the existing autoscaler');
    assertPodsPolicy(tl.changes, { direction: 'up', pods: 1, periodMs: 2_000 }, 'scale-up policy');
    assert.deepEqual(await warnings(s.ns, 'web'), [], 'an expired watch is not the autoscaler\'s fault');
    assert.equal((await getHza(s.ns, 'web')).status?.conditions?.find((c) => c.type === 'AbleToScale')?.status, 'True');
  });

  test('slow API (every request delayed 400 ms through a loopback proxy): evaluations go on, leader election holds', async (t) => {
    const s = await scenario(t, 'slowapi', { leaderElect: true });
    setLoad(s.ns, 30);
    await Promise.all([deployment(s.ns, 'web', 3), autoscaler(s.ns, 'web', { behavior: policy(2) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    s.proxy.rules.push({ path: /./, fault: { delayMs: 400 } });
    const tl = await s.timeline('web');

    setLoad(s.ns, 60);
    const loadAt = Date.now();
    const firstAt = await tl.waitFor('the first step up', (r) => r > 3, 15_000);
    console.log(`  reaction under a slow API: ${String(firstAt - loadAt)} ms`);
    await tl.waitFor('6 replicas', (r) => r === 6, 20_000);
    assertDirection(tl.changes, 'up', 'with a slow API');
    assertPodsPolicy(tl.changes, { direction: 'up', pods: 1, periodMs: 2_000 }, 'scale-up policy');
    assert.deepEqual(s.logs.filter((l) => l.msg === 'lost leadership').map((l) => l.why), [], 'the leader kept its Lease');
    assert.deepEqual(await warnings(s.ns, 'web'), [], 'a slow API is not an error');

    const healAt = Date.now();
    s.proxy.rules.length = 0;
    setLoad(s.ns, 30);
    const downAt = await tl.waitFor('the first step down', (r) => r < 6, 10_000);
    report('slow API', downAt - healAt);
    assert.ok(downAt - healAt < 4_000, `reacted ${String(downAt - healAt)} ms after the API was fast again`);
    assertDirection(tl.since(healAt), 'down', 'after healing');
  });

  // ---- the leader ----

  // --lease-duration=4s --retry-period=500ms. A standby polls the Lease every 0.5–1.1 s (the retry
  // period, jittered): it sees the leader's last renewal up to one poll late and takes over at its
  // first poll a whole lease after that, so at most a lease plus two polls after that renewal.
  const LEASE_MS = 4_000;
  const TAKEOVER_MARGIN_MS = 2 * 1_100;

  /** Two `kscale run` processes on one Lease, each through its own proxy (so each one's requests can be told apart). */
  async function leaderPair(t: TestContext, ns: string): Promise<{ leaseHolder(): Promise<string | undefined>; replicas: { id: string; proc: KscaleProcess; proxy: FaultProxy }[] }> {
    const leaseId = `faults-${ns}`;
    const replicas = await Promise.all(['a', 'b'].map(async (n) => {
      const proxy = await startFaultProxy(cp.kubeConfig);
      const id = `${ns}-${n}`;
      const proc = new KscaleProcess(id, [`--server=${proxy.url}`, `--namespace=${ns}`, '--http-address=127.0.0.1:0', `--identity=${id}`,
        '--leader-election-namespace=default', `--leader-election-id=${leaseId}`, '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms',
        '--sync-period=1s', '--metrics-tick=500ms', '--api-timeout=3s']);
      return { id, proc, proxy };
    }));
    t.after(async () => {
      await Promise.all(replicas.map((r) => r.proc.stop()));
      await Promise.all(replicas.map((r) => r.proxy.close()));
    });
    const leaseHolder = async (): Promise<string | undefined> => {
      try {
        return (await admin.get<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/default/leases/${leaseId}`)).spec?.holderIdentity || undefined;
      } catch { return undefined; }
    };
    return { leaseHolder, replicas };
  }

  /** PUTs of the Deployment's scale and PATCHes of the autoscaler's status, through this proxy since `at`. */
  const writesThrough = (proxy: FaultProxy, at: number) => proxy.seen.filter((r) => r.at >= at &&
    ((r.method === 'PUT' && /\/deployments\/web\/scale/.test(r.path)) || (r.method === 'PATCH' && /\/horizontalautoscalers\/web\/status/.test(r.path))));

  /**
   * Two replicas on one Lease, scaling "web" up one pod per `periodSeconds` (load asks for 10, max 5):
   * returns once the leader has taken the first step and recorded it, one second after that step.
   */
  const leaderScenario = async (t: TestContext, name: string, periodSeconds: number) => {
    const s = await scenario(t, name, { controller: false });
    setLoad(s.ns, 100);
    await Promise.all([deployment(s.ns, 'web', 1), autoscaler(s.ns, 'web', { maxReplicas: 5, behavior: { scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds }] } } })]);
    const tl = await s.timeline('web');
    const pair = await leaderPair(t, s.ns);
    const firstAt = await tl.waitFor('the first step', (r) => r >= 2, 60_000);
    const leaderId = await pair.leaseHolder();
    const leader = pair.replicas.find((r) => r.id === leaderId);
    const standby = pair.replicas.find((r) => r.id !== leaderId);
    assert.ok(leader && standby, `a leader holds the Lease: ${String(leaderId)}`);
    await eventually('the first step recorded in status', async () => (scalesIn((await getHza(s.ns, 'web')).status).length === 1 ? true : undefined), 5_000, 100);
    await sleep(Math.max(0, firstAt + 1_000 - Date.now()));
    return { s, tl, pair, firstAt, leader, standby };
  };

  test('leader killed with SIGKILL: the standby takes over within the lease, the policy holds across, no step lost or doubled', async (t) => {
    const { s, tl, pair, firstAt, leader, standby } = await leaderScenario(t, 'kill', 8);
    const killedAt = Date.now();
    leader.proc.signal('SIGKILL');
    const takeoverAt = await eventually('the standby to hold the Lease', async () => ((await pair.leaseHolder()) === standby.id ? Date.now() : undefined), 15_000, 100);
    const secondAt = await tl.waitFor('the next step, by the new leader', (r) => r >= 3, 20_000);
    report('leader kill -9 (Lease taken over)', takeoverAt - killedAt);
    report('leader kill -9 (next scale)', secondAt - killedAt);
    assert.ok(takeoverAt - killedAt <= LEASE_MS + TAKEOVER_MARGIN_MS, `the standby took over ${String(takeoverAt - killedAt)} ms after the kill (lease 4 s)`);
    assert.ok(secondAt - firstAt >= 8_000 - 1_000, `the 8 s policy held across the failover: steps ${String(secondAt - firstAt)} ms apart`);
    await sleep(2_000);

    assert.deepEqual(tl.changes.map((c) => [c.from, c.to]), [[1, 2], [2, 3]], `one pod at a time: ${describeChanges(tl.changes, firstAt)}`);
    assert.deepEqual(scalesIn((await getHza(s.ns, 'web')).status), [[1, 2], [2, 3]], 'the ledger has each step exactly once');
    const rescales = (await events(s.ns, 'web')).filter((e) => e.reason === 'SuccessfulRescale');
    assert.deepEqual(rescales.map((e) => [e.message.slice(0, 11), e.count ?? 1, e.reportingInstance]).sort(),
      [['New size: 2', 1, leader.id], ['New size: 3', 1, standby.id]], 'one SuccessfulRescale per step, by the replica that took it');
  });

  test('leader frozen (SIGSTOP) then continued: the standby takes over, the old leader does not act when it wakes', async (t) => {
    const { s, tl, pair, firstAt, leader, standby } = await leaderScenario(t, 'freeze', 6);
    const frozenAt = Date.now();
    leader.proc.signal('SIGSTOP');
    t.after(() => { leader.proc.signal('SIGCONT'); });
    const takeoverAt = await eventually('the standby to hold the Lease', async () => ((await pair.leaseHolder()) === standby.id ? Date.now() : undefined), 15_000, 100);
    const secondAt = await tl.waitFor('the next step, by the new leader', (r) => r >= 3, 20_000);
    report('leader frozen (Lease taken over)', takeoverAt - frozenAt);
    assert.ok(takeoverAt - frozenAt <= LEASE_MS + TAKEOVER_MARGIN_MS, `the standby took over ${String(takeoverAt - frozenAt)} ms after the freeze (lease 4 s)`);

    // Woken inside the new leader's policy period: a step from it now would break the policy and
    // double the new leader's step.
    const continuedAt = Date.now();
    leader.proc.signal('SIGCONT');
    await sleep(3_500);
    const stale = writesThrough(leader.proxy, continuedAt);
    const story = [
      `${leader.id} frozen at 0 ms; ${standby.id} held the Lease at ${String(takeoverAt - frozenAt)} ms; ${leader.id} continued at ${String(continuedAt - frozenAt)} ms`,
      `replicas: ${describeChanges(tl.changes, frozenAt)}`,
      `writes by ${leader.id} once continued: ${stale.map((r) => `${r.method} ${r.path} → ${String(r.status)} @${String(r.at - frozenAt)}ms`).join(', ') || 'none'}`,
      `its log once continued:\n${leader.proc.lines.filter((l) => lineTime(l) >= continuedAt).map((l) => JSON.stringify(l)).join('\n')}`,
    ].join('\n');
    assert.deepEqual(stale.map((r) => `${r.method} ${r.path}`), [], `the old leader wrote nothing once continued\n${story}`);
    assert.deepEqual(leader.proc.logged('scaled', continuedAt).map((l) => l.scaledTo), [], `no scale by the old leader once continued\n${story}`);
    assert.ok(leader.proc.logged('lost leadership', continuedAt).length > 0, `the old leader says it lost leadership\n${story}`);
    assert.deepEqual(tl.changes.map((c) => [c.from, c.to]), [[1, 2], [2, 3]], `one pod at a time\n${story}`);
    assertPodsPolicy(tl.changes, { direction: 'up', pods: 1, periodMs: 6_000 }, 'scale-up policy across the freeze');
    assert.ok(secondAt - firstAt >= 6_000 - 1_000, `the 6 s policy held across the failover: steps ${String(secondAt - firstAt)} ms apart`);
    assert.deepEqual(scalesIn((await getHza(s.ns, 'web')).status), [[1, 2], [2, 3]], 'the ledger has each step exactly once');
  });

  // Last: it replaces the control plane's kube-apiserver process.
  test('kube-apiserver restarted: the controller rides it out and resumes, watches included', async (t) => {
    const s = await scenario(t, 'restart', { direct: true });
    setLoad(s.ns, 20);
    await Promise.all([deployment(s.ns, 'web', 2), deployment(s.ns, 'later', 1), autoscaler(s.ns, 'web', { behavior: policy(2) })]);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    const tl = await s.timeline('web');

    const faultAt = Date.now();
    setLoad(s.ns, 40); // asks for 4, one pod per 2 s; mostly while the API server is down
    restarted = await restartApiServer(cp, { graceMs: 2_000, downMs: 3_000 });
    console.log(`  kube-apiserver: ${String(restarted.downAt - restarted.stoppingAt)} ms from SIGTERM to gone (SIGKILL after 2 s), then down for ${String(restarted.readyAt - restarted.downAt)} ms`);
    const readyAt = restarted.readyAt;
    await tl.waitFor('a step up after the restart', () => tl.since(readyAt).length > 0, 30_000);
    const scaledAt = tl.since(readyAt)[0]!.at;
    report('kube-apiserver restart (next scale)', scaledAt - restarted.readyAt);
    await autoscaler(s.ns, 'later', { behavior: policy(2) });
    const createdAt = Date.now();
    const laterAt = await eventually('an autoscaler created after the restart to scale', async () => ((await replicasOf(s.ns, 'later')) ?? 0) > 1 ? Date.now() : undefined, 40_000, 100);
    report('kube-apiserver restart (new autoscaler picked up)', laterAt - createdAt);
    await tl.waitFor('4 replicas', (r) => r === 4, 15_000);
    await waitCondition(s.ns, 'web', 'ScalingActive', 'True', 'ValidMetricFound');
    await waitCondition(s.ns, 'web', 'AbleToScale', 'True');

    assertDirection(tl.since(faultAt), 'up', 'around the restart');
    assertPodsPolicy(tl.changes, { direction: 'up', pods: 1, periodMs: 2_000 }, 'scale-up policy');
    assert.ok(scaledAt - restarted.readyAt < 10_000, `the next step came ${String(scaledAt - restarted.readyAt)} ms after the API server was ready`);
    // Bounded by the informers' restart backoff, which grows while the API server is down (1 s, 2 s, 4 s, 8 s ...).
    assert.ok(laterAt - createdAt < 15_000, `a new autoscaler took ${String(laterAt - createdAt)} ms to be picked up`);
    const downAt = restarted.downAt;
    const during = s.logs.filter((l) => lineTime(l) >= downAt && lineTime(l) <= readyAt && (l.level === 'warn' || l.level === 'error')).map((l) => l.msg);
    assert.ok(during.length > 0, 'the outage was logged');
    assert.deepEqual(s.logs.filter((l) => l.level === 'fatal').map((l) => l.msg), [], 'nothing fatal');
  });
});
