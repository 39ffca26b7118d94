// Lint at admission and at runtime, and conflicts beyond HPAs, on one real control plane:
//   - `kubectl apply` (the real kubectl, the real kube-apiserver with deploy/crd/kscale-lint-policy.yaml) prints,
//     for every table case of test/support/lint-cases.ts, warnings naming exactly the checks and
//     paths the TypeScript finds, admits every case, and prints nothing for a sound spec;
//   - the controller (as its ServiceAccount, with deploy/base/rbac.yaml) reports runtime findings as
//     condition LintWarnings and one Warning Event each (not one per pass): a Utilization target on
//     pods without requests, a selector that picks another Deployment's pods, maxReplicas above the
//     namespace's pod quota, a VPA in Auto on the cpu of a cpu metric (a warning, scaling goes on);
//   - a KEDA ScaledObject on the same Deployment (the real CRDs of KEDA and the VPA are installed
//     from test/fixtures/crds) makes kscale refuse to scale: ScalingActive=False AmbiguousTarget and
//     an Event, until the ScaledObject is deleted;
//   - `kscale lint --live` reads the same objects and says the same.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { HorizontalAutoscaler, HorizontalAutoscalerSpec } from '../../src/api/types.ts';
import { main } from '../../src/cli/main.ts';
import { parseConfig } from '../../src/config.ts';
import { binaryPath, startPodReadier, type ControlPlane } from '../../src/controlplane/index.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { parseAdmissionWarning } from '../../src/lint/policy.ts';
import { lintSpec } from '../../src/lint/spec-checks.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { LINT_CASES } from '../support/lint-cases.ts';

const run = promisify(execFile);
const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);
interface EventItem { reason: string; message: string; type: string; count?: number; involvedObject: { name: string; kind: string } }

describe('lint at admission and at runtime; KEDA and VPA conflicts', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let admission: string;
  let tmp: string;
  let controller: RunningController | undefined;
  let readier: { stop(): Promise<void> } | undefined;
  const drivers: NodeJS.Timeout[] = [];

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    tmp = await mkdtemp(join(tmpdir(), 'kscale-lint-'));
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    await cp.applyYaml(await readFile(repo('deploy/crd/kscale-lint-policy.yaml'), 'utf8'));
    for (const crd of ['keda.sh_scaledobjects.yaml', 'vpa-v1-crd.yaml']) await cp.applyYaml(await readFile(repo(`test/fixtures/crds/${crd}`), 'utf8'));
    await cp.applyYaml('apiVersion: v1\nkind: Namespace\nmetadata: {name: kscale-system}\n');
    await cp.applyYaml(await readFile(repo('deploy/base/rbac.yaml'), 'utf8'));
    const token = await cp.mintToken('kscale-system', 'kscale-controller', 3600);
    const sa = new KubeConfig();
    sa.loadFromFile(await cp.writeKubeconfig(token));
    ns = await createTestNamespace(cp.kubeConfig, 'lint');
    admission = await createTestNamespace(cp.kubeConfig, 'admit'); // not watched by the controller
    readier = startPodReadier(cp.kubeConfig, ns);
    controller = await startController(parseConfig(['--http-address=127.0.0.1:0', `--namespace=${ns}`, '--leader-election-namespace=kscale-system',
      '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms', '--metrics-tick=500ms']), sa, createLogger({ level: 'error' }));
  });

  after(async () => {
    for (const d of drivers) clearInterval(d);
    await controller?.stop();
    await readier?.stop();
    await cp.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  const kubectl = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await run(binaryPath('kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args]);
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  };
  const manifest = (name: string, namespace: string, spec: HorizontalAutoscalerSpec): string =>
    stringify({ apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name, namespace }, spec });
  /** kubectl apply -f of one autoscaler; the admission policy's warnings, parsed, as "Check path". */
  const apply = async (name: string, namespace: string, spec: HorizontalAutoscalerSpec, dryRun = false) => {
    const file = join(tmp, `${name}.yaml`);
    await writeFile(file, manifest(name, namespace, spec));
    const r = await kubectl(['apply', '-f', file, ...(dryRun ? ['--dry-run=server'] : [])]);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('Warning: ')).map((l) => l.slice('Warning: '.length));
    const parsed = warnings.map(parseAdmissionWarning);
    return { ...r, warnings, found: parsed.flatMap((p) => (p ? p.paths.map((path) => `${p.check} ${path}`) : [])).sort() };
  };

  test('kubectl apply prints, for each table case, the checks and paths the TypeScript finds; every case is admitted', async () => {
    const probe = LINT_CASES.find((c) => c.expect.length > 0);
    assert.ok(probe);
    // The policy takes effect once the API server has loaded it.
    await eventually('the lint policy to warn', async () => ((await apply('probe', admission, probe.spec, true)).warnings.length > 0 ? true : undefined), 30_000);
    for (const [i, c] of LINT_CASES.entries()) {
      const r = await apply(`case-${String(i)}`, admission, c.spec);
      assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
      assert.match(r.stdout, /horizontalautoscaler\.kscale\.dev\/case-\d+ created/);
      const ts = lintSpec(c.spec).map((f) => `${f.check} ${f.path}`).sort();
      assert.deepEqual(r.found, ts, `${c.name}: kubectl printed ${JSON.stringify(r.warnings)}`);
      assert.deepEqual(r.found, [...c.expect].sort(), c.name);
      // Nothing but our warnings (no other admission or schema warning on these specs).
      assert.equal(r.warnings.length, new Set(c.expect.map((e) => e.split(' ')[0])).size, c.name);
    }
  });

  test('the warning as kubectl prints it', async () => {
    const r = await apply('printed', admission, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 3 });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "Warning: Validation failed for ValidatingAdmissionPolicy 'kscale-lint' with binding 'kscale-lint': FixedReplicaCount: spec.maxReplicas: maxReplicas equals minReplicas: the autoscaler never changes the replica count\n");
  });

  // ---- the controller ----------------------------------------------------------------------------

  const deployment = (name: string, o: { labels?: Record<string, string>; selector?: Record<string, string>; replicas?: number; requests?: Record<string, string> } = {}) =>
    admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
      metadata: { name },
      spec: {
        replicas: o.replicas ?? 1, selector: { matchLabels: o.selector ?? { app: name } },
        template: { metadata: { labels: o.labels ?? { app: name } }, spec: { containers: [{ name: 'app', image: 'x', ...(o.requests ? { resources: { requests: o.requests } } : {}) }] } },
      },
    });
  const autoscaler = (name: string, spec: Partial<HorizontalAutoscalerSpec>) => admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers`, {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 8, syncPeriodSeconds: 1, ...spec },
  });
  const getHza = (name: string) => admin.get<HorizontalAutoscaler>(`/apis/kscale.dev/v1alpha1/namespaces/${ns}/horizontalautoscalers/${name}`);
  const condition = async (name: string, type: string) => (await getHza(name)).status?.conditions?.find((c) => c.type === type);
  const events = async (name: string): Promise<EventItem[]> => (await admin.get<{ items: EventItem[] }>(`/api/v1/namespaces/${ns}/events`)).items
    .filter((e) => e.involvedObject.name === name && e.involvedObject.kind === 'HorizontalAutoscaler');
  const podsOf = async (label: string): Promise<string[]> => (await admin.get<{ items: { metadata: { name: string } }[] }>(`/api/v1/namespaces/${ns}/pods`, { labelSelector: label })).items.map((p) => p.metadata.name);
  const replicas = async (name: string): Promise<number> => (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`)).spec.replicas;
  const lintLive = async (name: string): Promise<{ code: number; out: string }> => {
    let out = '';
    const code = await main(['lint', '--live', `${ns}/${name}`, '--kubeconfig', cp.kubeconfigPath], { out: (t) => { out += t; }, err: (t) => { out += t; }, readStdin: () => Promise.resolve('') });
    return { code, out };
  };
  const external = (metric: string, value: string): HorizontalAutoscalerSpec['metrics'] => {
    cp.metrics.setExternalMetric(ns, metric, [{ labels: {}, value }]);
    return [{ type: 'External', external: { metric: { name: metric }, target: { type: 'AverageValue', averageValue: '10' } } }];
  };
  /** One Event of this reason, whose count stays 1 over several sync periods: reported once, not at every pass. */
  const reportedOnce = async (name: string, reason: string): Promise<EventItem> => {
    const first = await eventually(`a ${reason} Event for ${name}`, async () => (await events(name)).find((e) => e.reason === reason), 30_000);
    await sleep(3_000); // three sync periods
    const all = (await events(name)).filter((e) => e.reason === reason);
    assert.deepEqual(all.map((e) => [e.type, e.count ?? 1]), [['Warning', 1]], `${reason} reported once`);
    return first;
  };

  test('a Utilization target on pods without requests, and a selector that picks another Deployment\'s pods: LintWarnings and one Event each', async () => {
    await deployment('noreq');
    await deployment('web', { selector: { app: 'web' }, labels: { app: 'web' }, requests: { cpu: '100m' } });
    await deployment('web-canary', { selector: { app: 'web', track: 'canary' }, labels: { app: 'web', track: 'canary' } });
    await eventually('pods of all three', async () => ((await podsOf('app in (noreq,web)')).length === 3 ? true : undefined), 30_000);
    await autoscaler('noreq', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] });
    await autoscaler('web', { metrics: external('web_queue', '10') });

    const noreq = await reportedOnce('noreq', 'UtilizationWithoutRequests');
    assert.equal(noreq.message, "spec.metrics[0].resource.target.averageUtilization: a Utilization target is a percentage of the pods' cpu requests, but container app of the target's pods request no cpu: the metric cannot be computed (UtilizationWithoutRequests)");
    const c = await condition('noreq', 'LintWarnings');
    assert.deepEqual([c?.status, c?.reason, c?.message], ['True', 'UtilizationWithoutRequests', noreq.message]);

    const web = await reportedOnce('web', 'SelectorMatchesOtherPods');
    assert.match(web.message, /^spec\.scaleTargetRef: the selector of Deployment\/web also picks pods it does not own \(ReplicaSet\/web-canary-[a-z0-9]+\): they count in every metric/);
    assert.equal((await condition('web', 'LintWarnings'))?.reason, 'SelectorMatchesOtherPods');
    // Advice, not a refusal: the autoscaler works on.
    assert.equal((await condition('web', 'ScalingActive'))?.reason, 'ValidMetricFound');

    const live = await lintLive('web');
    assert.equal(live.code, 0, live.out);
    assert.match(live.out, new RegExp(`^${ns}/web: ${ns}/web: warning spec\\.scaleTargetRef: the selector of Deployment/web also picks pods it does not own \\(ReplicaSet/web-canary-`, 'm'));
    assert.match(live.out, /1 HorizontalAutoscaler: 0 errors, 1 warning\n$/);
  });

  test('maxReplicas above the namespace\'s pod quota: a warning, and `kscale lint --live` says so', async () => {
    await cp.applyYaml(`apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: pods, namespace: ${ns}}\nspec: {hard: {pods: "40"}}\n`);
    await deployment('big');
    await autoscaler('big', { maxReplicas: 50, metrics: external('big_queue', '10') });
    const e = await reportedOnce('big', 'MaxReplicasAboveQuota');
    assert.equal(e.message, 'spec.maxReplicas: maxReplicas 50 is above the pods limit 40 of ResourceQuota pods: the namespace can never run that many pods (MaxReplicasAboveQuota)');
    const live = await lintLive('big');
    assert.equal(live.code, 0);
    assert.match(live.out, /warning spec\.maxReplicas: maxReplicas 50 is above the pods limit 40/);
  });

  test('a VPA in Auto on the cpu of a cpu metric: a warning (condition and Event), scaling goes on', async () => {
    await deployment('vpa', { requests: { cpu: '100m' } });
    const usage = setInterval(() => { void podsOf('app=vpa').then((ps) => { for (const p of ps) cp.metrics.setPodUsage(ns, p, { app: { cpu: '100m' } }); }, () => undefined); }, 250);
    drivers.push(usage);
    await admin.post(`/apis/autoscaling.k8s.io/v1/namespaces/${ns}/verticalpodautoscalers`, {
      apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'vpa' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'vpa' }, updatePolicy: { updateMode: 'Auto' } },
    });
    await autoscaler('vpa', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } } }] });
    const e = await reportedOnce('vpa', 'VerticalPodAutoscalerConflict');
    assert.equal(e.message, 'spec.metrics[0]: VerticalPodAutoscaler vpa (updateMode Auto) also sets the cpu requests of Deployment/vpa: the two autoscalers act on the same cpu usage and fight (VerticalPodAutoscalerConflict)');
    assert.equal((await condition('vpa', 'LintWarnings'))?.reason, 'VerticalPodAutoscalerConflict');
    await eventually('the cpu metric computed (not refused)', async () => ((await condition('vpa', 'ScalingActive'))?.reason === 'ValidMetricFound' ? true : undefined), 30_000);
  });

  test('a KEDA ScaledObject on the same Deployment: kscale refuses to scale (AmbiguousTarget, Event) until it is gone', async () => {
    await deployment('keda', { replicas: 2 });
    // kind and apiVersion left out: KEDA defaults them to apps/v1 Deployment.
    await admin.post(`/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects`, {
      apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'keda-so' },
      spec: { scaleTargetRef: { name: 'keda' }, triggers: [{ type: 'cron', metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '5' } }] },
    });
    await sleep(1_000); // the ScaledObject reaches the controller's cache before the autoscaler does
    await autoscaler('keda', { metrics: external('keda_queue', '60') }); // 60 per 2 pods at 10 each → 6
    const refused = await eventually('ScalingActive=False AmbiguousTarget', async () => {
      const c = await condition('keda', 'ScalingActive');
      return c?.reason === 'AmbiguousTarget' ? c : undefined;
    }, 30_000);
    assert.equal(refused.status, 'False');
    assert.equal(refused.message, `the target Deployment/keda is also scaled by ScaledObject ${ns}/keda-so; kscale does not scale it until only one autoscaler targets it`);
    assert.ok((await events('keda')).some((e) => e.reason === 'AmbiguousTarget' && e.type === 'Warning' && e.message === refused.message));
    await sleep(2_000);
    assert.equal(await replicas('keda'), 2, 'not scaled while the ScaledObject exists');
    const live = await lintLive('keda');
    assert.equal(live.code, 1, live.out);
    assert.match(live.out, new RegExp(`error spec\\.scaleTargetRef: Deployment/keda is also scaled by ScaledObject ${ns}/keda-so: kscale does not scale it`));

    await admin.request('DELETE', `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/keda-so`);
    await eventually('keda scaled to 6 once the ScaledObject is gone', async () => ((await replicas('keda')) === 6 ? true : undefined), 30_000);
  });
});
