// Bad input on a real control plane (issue 10): at least 500 seeded malformed HorizontalAutoscalers,
// derived from the CRD schema by test/support/bad-input.ts, are applied while the controller runs.
// Each is refused at admission with a message naming the field, or reported by the controller (a
// condition with a reason from src/api/constants.ts and a Warning Event); none scales its target,
// although every metric reads 100 times its target; the controller logs nothing at error level and
// stays ready, and afterwards still scales valid autoscalers.
//   KSCALE_BAD_INPUT_SEED=<n>   the seed (printed on every run)
//   KSCALE_BAD_INPUT_CASES=<n>  how many cases (default 500; 5000 for a longer fuzz run)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Agent, fetch } from 'undici';
import { ConditionType, EventReason, Reason } from '../../src/api/constants.ts';
import type { Condition, HorizontalAutoscaler } from '../../src/api/types.ts';
import { markPodReady, type ControlPlane } from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { CRD_FILE, FIXTURE, generateCases, METRIC_TYPES, namesField, validAutoscaler, type BadCase } from '../support/bad-input.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const SEED = Number(process.env.KSCALE_BAD_INPUT_SEED ?? 20261110);
const COUNT = Number(process.env.KSCALE_BAD_INPUT_CASES ?? 500);
const PARALLEL = 16;
const HZA = '/apis/kscale.dev/v1alpha1';
const KNOWN_REASONS = new Set<string>([...Object.values(Reason), ...Object.values(EventReason)]);

interface Outcome { admitted: boolean; status: number; message: string }
interface EventItem { type: string; reason: string; message: string; involvedObject: { name: string; kind: string } }
interface DeploymentItem { metadata: { name: string; generation: number }; spec: { replicas: number } }

/** Runs f over items, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await f(item);
    }
  }));
}

/** A condition that reports a problem: AbleToScale or ScalingActive False, or AnnotationsInvalid True. */
function problem(conditions: readonly Condition[] | undefined, reasons: readonly string[] | undefined): Condition | undefined {
  return (conditions ?? []).find((c) => {
    const reported = c.type === ConditionType.AnnotationsInvalid ? c.status === 'True'
      : (c.type === ConditionType.AbleToScale || c.type === ConditionType.ScalingActive) && c.status === 'False';
    return reported && c.reason !== undefined && (reasons ? reasons.includes(c.reason) : KNOWN_REASONS.has(c.reason));
  });
}

describe('bad input on a real control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let controller: RunningController;
  let post: (path: string, body: string) => Promise<{ status: number; body: { message?: string } }>;
  let dispatcher: Agent;
  const logs: { level: number; msg: string; err?: unknown; name?: string }[] = [];
  const cases = generateCases(SEED, COUNT);
  const outcomes = new Map<string, Outcome>();
  const started = performance.now();

  // Each target selects pods of its own: two autoscalers selecting the same pods would both stop
  // with AmbiguousSelector (as the HPA does), hiding what a case is about.
  const labelsOf = (target: string): Record<string, string> => ({ ...FIXTURE.podLabels, target });
  const deployment = (name: string, replicas: number = FIXTURE.replicas) => ({
    metadata: { name },
    spec: {
      replicas, selector: { matchLabels: labelsOf(name) },
      template: { metadata: { labels: labelsOf(name) }, spec: { containers: [{ name: FIXTURE.container, image: 'x' }] } },
    },
  });
  /** The load: two Ready pods behind the target, every metric at 100 times its target. */
  const loadPods = async (target: string): Promise<void> => {
    for (const suffix of FIXTURE.pods) {
      const pod = `${target}-${suffix}`;
      await admin.post(`/api/v1/namespaces/${ns}/pods`, {
        metadata: { name: pod, labels: labelsOf(target) },
        spec: { containers: [{ name: FIXTURE.container, image: 'x', resources: { requests: { cpu: FIXTURE.cpuRequest } } }] },
      });
      await markPodReady(cp.kubeConfig, ns, pod);
      cp.metrics.setPodUsage(ns, pod, { [FIXTURE.container]: { cpu: FIXTURE.cpuUsage, memory: FIXTURE.memoryUsage } });
      cp.metrics.setPodsMetric(ns, pod, FIXTURE.customMetric, FIXTURE.metricValue);
    }
  };
  const listAutoscalers = async (): Promise<Map<string, HorizontalAutoscaler>> =>
    new Map((await admin.get<{ items: HorizontalAutoscaler[] }>(`${HZA}/namespaces/${ns}/horizontalautoscalers`)).items.map((a) => [a.metadata?.name ?? '', a]));
  const warningEvents = async (): Promise<Map<string, EventItem[]>> => {
    const byName = new Map<string, EventItem[]>();
    for (const e of (await admin.get<{ items: EventItem[] }>(`/api/v1/namespaces/${ns}/events`)).items) {
      if (e.involvedObject.kind !== 'HorizontalAutoscaler') continue;
      byName.set(e.involvedObject.name, [...(byName.get(e.involvedObject.name) ?? []), e]);
    }
    return byName;
  };
  /** Why a case is not (yet) caught as it should be; undefined when it is. */
  const unmet = (c: BadCase, hzas: Map<string, HorizontalAutoscaler>, events: Map<string, EventItem[]>): string | undefined => {
    const o = outcomes.get(c.name);
    if (!o) return 'never applied';
    if (!o.admitted) {
      if (c.expect === 'controller') return `refused at admission, but it should reach the controller: ${o.message}`;
      if (o.status !== 400 && o.status !== 422) return `refused with HTTP ${o.status}, not as invalid: ${o.message}`;
      return namesField(o.message, c.path) ? undefined : `refused, but the message does not name ${c.path}: ${o.message}`;
    }
    if (c.expect === 'admission') return 'admitted, but admission should refuse it';
    const condition = problem(hzas.get(c.name)?.status?.conditions, c.reasons);
    const warning = (events.get(c.name) ?? []).find((e) => e.type === 'Warning' && KNOWN_REASONS.has(e.reason));
    if (!condition) return `admitted and not reported by a condition${c.reasons ? ` with reason ${c.reasons.join(' or ')}` : ''}: conditions ${JSON.stringify(hzas.get(c.name)?.status?.conditions ?? [])}`;
    if (!warning) return `reported by ${condition.type}=${condition.status} ${String(condition.reason)}, but no Warning Event`;
    return undefined;
  };

  before(async () => {
    console.log(`  bad input: seed ${SEED}, ${COUNT} cases (KSCALE_BAD_INPUT_SEED, KSCALE_BAD_INPUT_CASES)`);
    cp = await startSuiteControlPlane();
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig, concurrency: PARALLEL });
    await cp.applyYaml(await readFile(CRD_FILE, 'utf8'));
    ns = await createTestNamespace(cp.kubeConfig, 'bad');

    // Raw POSTs: a duplicate key cannot be expressed by a JS object. Strict field validation, as kubectl applies.
    const cluster = cp.kubeConfig.getCurrentCluster();
    const user = cp.kubeConfig.getCurrentUser();
    const pem = (b64: string | undefined): string | undefined => (b64 ? Buffer.from(b64, 'base64').toString() : undefined);
    dispatcher = new Agent({ connect: { ca: pem(cluster?.caData), cert: pem(user?.certData), key: pem(user?.keyData) }, connections: PARALLEL });
    post = async (path, body) => {
      const res = await fetch(`${cluster?.server ?? ''}${path}?fieldValidation=Strict`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, dispatcher });
      return { status: res.status, body: await res.json() as { message?: string } };
    };

    cp.metrics.setObjectMetric(ns, 'services', FIXTURE.service, FIXTURE.customMetric, FIXTURE.metricValue);
    cp.metrics.setExternalMetric(ns, FIXTURE.externalMetric, [{ labels: { ...FIXTURE.externalLabels }, value: FIXTURE.metricValue }]);

    // A target per case, and the second autoscaler of each conflict case, before the controller starts.
    await inParallel(cases, PARALLEL, async (c) => {
      await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(c.name, c.targetReplicas));
      await loadPods(c.name);
      if (c.conflict === 'hpa') {
        await admin.post(`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, {
          metadata: { name: `${c.name}-hpa` }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: c.name }, minReplicas: FIXTURE.replicas, maxReplicas: 10 },
        });
      } else if (c.conflict === 'hza') {
        const twin = validAutoscaler(`${c.name}-twin`, c.metricType);
        Object.assign(twin.spec as object, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: c.name }, dryRun: true });
        await admin.post(`${HZA}/namespaces/${ns}/horizontalautoscalers`, twin);
      }
    });

    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as never);
        done();
      },
    });
    controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=500ms', '--sync-period=1s']),
      cp.kubeConfig, pino({ level: 'info' }, sink));

    await inParallel(cases, PARALLEL, async (c) => {
      const r = await post(`${HZA}/namespaces/${ns}/horizontalautoscalers`, c.body);
      outcomes.set(c.name, { admitted: r.status === 201, status: r.status, message: r.body.message ?? JSON.stringify(r.body) });
    });
    const admitted = cases.filter((c) => outcomes.get(c.name)?.admitted);
    console.log(`  bad input: ${cases.length} applied in ${((performance.now() - started) / 1000).toFixed(1)} s, ${admitted.length} admitted`);

    // Until every admitted case is reported (or the time is up: the tests then say which are not).
    await eventually('every admitted case reported', async () => {
      const [hzas, events] = await Promise.all([listAutoscalers(), warningEvents()]);
      return admitted.every((c) => unmet(c, hzas, events) === undefined || c.expect === 'admission') ? true : undefined;
    }, Math.max(60_000, COUNT * 30), 1_000).catch(() => undefined);
    await sleep(3_000); // a few more passes of every object at its 1 s sync period
  });

  after(async () => {
    await controller?.stop();
    await dispatcher?.close();
    await cp?.stop();
    console.log(`  bad input: suite took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });

  test(`each of the ${COUNT} cases is refused naming its field, or reported by a condition and a Warning Event`, async () => {
    const [hzas, events] = await Promise.all([listAutoscalers(), warningEvents()]);
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    for (const c of cases) {
      const why = unmet(c, hzas, events);
      const admitted = outcomes.get(c.name)?.admitted ?? false;
      const key = `${c.kind} ${why ? 'FAILED' : admitted ? 'reported by the controller' : 'refused at admission'}`;
      counts[key] = (counts[key] ?? 0) + 1;
      if (why) failures.push(`${c.name} [${c.kind}] ${c.description}: ${why}\n    ${c.body}`);
    }
    const refused = cases.filter((c) => !outcomes.get(c.name)?.admitted);
    const wholePath = refused.filter((c) => outcomes.get(c.name)?.message.includes(c.path)).length;
    console.log(`  bad input: ${refused.length} refused at admission (${wholePath} naming the whole path), ${cases.length - refused.length} admitted (seed ${SEED})`);
    for (const [k, n] of Object.entries(counts).sort()) console.log(`    ${k}: ${n}`);
    for (const kind of new Set(refused.map((c) => c.kind))) {
      const c = refused.find((x) => x.kind === kind);
      if (c) console.log(`    e.g. ${kind} ${c.path}: ${(outcomes.get(c.name)?.message ?? '').slice(0, 240)}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases were not caught as they should be (seed ${SEED})`);
  });

  test('no bad autoscaler scales its target', async () => {
    const targets = (await admin.get<{ items: DeploymentItem[] }>(`/apis/apps/v1/namespaces/${ns}/deployments`)).items;
    const byName = new Map(targets.map((d) => [d.metadata.name, d]));
    const events = await warningEvents();
    const scaled = cases.flatMap((c) => {
      const d = byName.get(c.name);
      const rescales = (events.get(c.name) ?? []).filter((e) => e.reason === EventReason.SuccessfulRescale);
      // A scale write bumps the Deployment's generation: 1 means never scaled, not even back and forth.
      if (d?.spec.replicas === (c.targetReplicas ?? FIXTURE.replicas) && d.metadata.generation === 1 && rescales.length === 0) return [];
      return [`${c.name} [${c.kind}] ${c.description}: replicas ${String(d?.spec.replicas)}, generation ${String(d?.metadata.generation)}, `
        + `events ${JSON.stringify(rescales.map((e) => e.message))}\n    ${c.body}`];
    });
    assert.deepEqual(scaled, [], `${scaled.length} bad autoscalers scaled their target (seed ${SEED})`);
  });

  test('the controller logged nothing at error level, is ready, and still scales valid autoscalers', async () => {
    const errors = logs.filter((l) => l.level >= 50);
    assert.deepEqual(errors.map((l) => `${l.msg} ${l.name ?? ''} ${JSON.stringify(l.err ?? '')}`), [], 'nothing logged at error level or above');
    assert.equal((await fetch(`${controller.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${controller.url}/readyz`)).status, 200);
    // Controls: the valid autoscaler of every metric type, under the same load, scales its target up.
    // They show that the load would have made a bad autoscaler scale, had the controller acted on it.
    // And a target above maxReplicas is scaled down to it (the paused-scale-down cases run such targets).
    const controls = [
      ...METRIC_TYPES.map((type) => ({ name: `ok-${type.toLowerCase()}`, type, replicas: FIXTURE.replicas, scaled: (r: number) => r > FIXTURE.replicas })),
      { name: 'ok-above-max', type: 'External' as const, replicas: FIXTURE.aboveMax, scaled: (r: number) => r === FIXTURE.maxReplicas },
    ];
    await Promise.all(controls.map(async (c) => {
      await admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, deployment(c.name, c.replicas));
      await loadPods(c.name);
      await admin.post(`${HZA}/namespaces/${ns}/horizontalautoscalers`, validAutoscaler(c.name, c.type));
    }));
    for (const c of controls) {
      await eventually(`the valid autoscaler ${c.name} to scale its target from ${c.replicas}`, async () =>
        (c.scaled((await admin.get<DeploymentItem>(`/apis/apps/v1/namespaces/${ns}/deployments/${c.name}`)).spec.replicas) ? true : undefined), 30_000);
    }
  });
});
