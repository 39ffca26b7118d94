// `npm run cluster:up`, `cluster:status`, `cluster:down` and `kscale dev metrics`, as the README
// describes them for experiments: the background cluster has the CRD and (with --controller) kscale's
// controller; it runs in the kwok mode as `npm start` does, so pod usage set from a shell reaches
// metrics.k8s.io through kwok and the real metrics-server (pod patterns follow a Deployment's pods,
// and the controller scales on them), while custom and external metrics come from the fake metrics
// APIs through the aggregation layer. Runs in a cache dir of its own (the control-plane and kwok-mode
// binaries linked in), so a developer's own background cluster is left alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { devCommand } from '../../src/cli/dev.ts';
import { binaryPath, kscaleCacheDir, USAGE_ANNOTATIONS } from '../../src/controlplane/index.ts';
import { approximateFloat64, parseQuantity } from '../../src/values/quantity.ts';
import { controlPlaneSuiteOptions } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const execFileP = promisify(execFile);
const CLUSTER = fileURLToPath(new URL('../../scripts/cluster.ts', import.meta.url));

describe('npm run cluster:up / cluster:status / cluster:down, and kscale dev metrics', controlPlaneSuiteOptions(), () => {
  const savedCache = process.env.KSCALE_CACHE_DIR;
  let cache = '';
  let kubeconfig = '';

  async function cluster(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await execFileP(process.execPath, [CLUSTER, ...args], { env: { ...process.env, KSCALE_CACHE_DIR: cache } });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }
  const kubectl = async (...args: string[]): Promise<string> => (await execFileP(binaryPath('kubectl'), ['--kubeconfig', kubeconfig, ...args])).stdout;
  async function apply(manifest: string): Promise<void> {
    const child = execFile(binaryPath('kubectl'), ['--kubeconfig', kubeconfig, 'apply', '-f', '-']);
    child.stdin?.end(manifest);
    await new Promise((resolve, reject) => { child.on('exit', (code) => { if (code === 0) resolve(undefined); else reject(new Error(`kubectl apply exited ${String(code)}`)); }); });
  }
  async function dev(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await devCommand(args, { out: (t) => { out += t; }, err: (t) => { out += t; }, readStdin: () => Promise.resolve('') });
    return { code, out };
  }

  before(async () => {
    cache = await mkdtemp(join(tmpdir(), 'kscale-cluster-'));
    for (const dir of ['k8s', 'metrics-pipeline']) await symlink(join(kscaleCacheDir(), dir), join(cache, dir));
    process.env.KSCALE_CACHE_DIR = cache; // for devCommand, in this process
  });

  after(async () => {
    await cluster(['down']);
    if (savedCache === undefined) delete process.env.KSCALE_CACHE_DIR; else process.env.KSCALE_CACHE_DIR = savedCache;
    await rm(cache, { recursive: true, force: true });
  });

  test('up --controller prints eval-able exports; the CRD is installed and the controller healthy; status says so', async () => {
    const up = await cluster(['up', '--controller']);
    assert.equal(up.code, 0, up.stderr);
    const exports = up.stdout.trim().split('\n');
    assert.equal(exports.length, 2, up.stdout);
    assert.match(exports[0] ?? '', /^export KUBECONFIG=\S+\/cluster\/work\/admin\.kubeconfig$/);
    assert.match(exports[1] ?? '', /^export PATH=\S+\/k8s\/v1\.36\.3\/bin:\$PATH$/);
    kubeconfig = (exports[0] ?? '').slice('export KUBECONFIG='.length);
    assert.match(await kubectl('get', 'crd', 'horizontalautoscalers.kscale.dev', '-o', 'name'), /horizontalautoscalers\.kscale\.dev/);
    const state = JSON.parse(await readFile(join(cache, 'cluster', 'state.json'), 'utf8')) as { controllerUrl?: string };
    assert.ok(state.controllerUrl, 'the controller runs');
    assert.equal((await fetch(`${state.controllerUrl}/healthz`)).status, 200);

    const status = await cluster(['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stderr, /running since .*supervisor PID \d+/);
    assert.match(status.stderr, /kscale controller running/);
    assert.equal(status.stdout, up.stdout, 'the same exports again');
    assert.match(status.stderr, /pods run on kwok nodes/);
    assert.equal((JSON.parse(await readFile(join(cache, 'cluster', 'state.json'), 'utf8')) as { kwok?: boolean }).kwok, true, 'the kwok mode');
    assert.equal((await cluster(['status', '--json'])).code, 0);
  });

  test('kscale dev metrics set: pod usage through kwok and metrics-server, Pods, Object and External metrics from the fake', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: default}
spec: {containers: [{name: app, image: example/web:1}]}
`);
    for (const args of [['default/web-0', 'cpu=250m', 'memory=64Mi'], ['default/web-0', 'requests_per_second=20'], ['default/deployments.apps/web', 'hits=100'], ['default', 'queue_messages_ready{queue=orders}=30']]) {
      const r = await dev(['metrics', 'set', ...args]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /^served; \d+ fake metric settings? in all/);
    }
    const get = async <T>(path: string): Promise<T> => JSON.parse(await kubectl('get', '--raw', path)) as T;
    const annotations = async (): Promise<Record<string, string>> => JSON.parse(await kubectl('get', 'pod', 'web-0', '-o', 'jsonpath={.metadata.annotations}') || '{}') as Record<string, string>;
    assert.equal((await annotations())[USAGE_ANNOTATIONS.cpu], '250m', 'applied as kwok usage before `set` returned');
    type Usage = { containers: { name: string; usage: Record<string, string> }[] };
    const usageOf = async (): Promise<{ name: string; cpu: number; memory: number }[] | undefined> => {
      const pod = await get<Usage>('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-0').catch(() => undefined);
      return pod?.containers.map((c) => ({ name: c.name, cpu: approximateFloat64(parseQuantity(c.usage.cpu ?? '0')), memory: approximateFloat64(parseQuantity(c.usage.memory ?? '0')) }));
    };
    // metrics-server: CPU is a rate over its scrapes of kwok's counter (close to, not exactly, 250m); memory a gauge.
    await eventually('metrics-server reports web-0 at 250m and 64Mi', async () => {
      const u = await usageOf();
      return u?.length === 1 && u[0]?.name === 'app' && Math.abs((u[0]?.cpu ?? 0) - 0.25) < 0.01 && u[0]?.memory === 64 * 1024 * 1024 ? true : undefined;
    }, 90_000, 1000);
    const rps = await get<{ items: { value: string }[] }>('/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-0/requests_per_second');
    assert.equal(rps.items[0]?.value, '20');
    const hits = await get<{ items: { value: string }[] }>('/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/deployments.apps/web/hits');
    assert.equal(hits.items[0]?.value, '100');
    const queue = await get<{ items: { value: string; metricLabels: Record<string, string> }[] }>('/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready?labelSelector=queue%3Dorders');
    assert.deepEqual(queue.items.map((i) => [i.metricLabels, i.value]), [[{ queue: 'orders' }, '30']]);
    assert.match((await dev(['metrics', 'show'])).out, /^default\/web-0 cpu=250m memory=64Mi --container app$/m);
    const cleared = await dev(['metrics', 'clear']);
    assert.equal(cleared.code, 0, cleared.out);
    await assert.rejects(kubectl('get', '--raw', '/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/web-0/requests_per_second'), /NotFound|not found/i);
    const left = await annotations();
    assert.ok(!(USAGE_ANNOTATIONS.cpu in left) && !(USAGE_ANNOTATIONS.memory in left), `usage annotations removed: ${JSON.stringify(left)}`);
    await kubectl('delete', 'pod', 'web-0', '--timeout=60s'); // kwok completes the deletion; web-* below must not match it
  });

  test('an experiment: a pod pattern gives every pod of a Deployment its CPU, and the controller scales it', async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: example/web:1, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: kscale.dev/v1alpha1
kind: HorizontalAutoscaler
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 4
  syncPeriodSeconds: 2
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
`;
    await apply(manifest);
    const set = await dev(['metrics', 'set', 'default/web-*', 'cpu=200m']);
    assert.equal(set.code, 0, set.out);
    // 200m of 100m requested = 400 % of a 50 % target: up to maxReplicas.
    await eventually('web scaled to 4', async () => (await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).trim() === '4' ? true : undefined, 90_000, 500);
    // The pattern followed the new pods: each has PodMetrics.
    await eventually('PodMetrics for all 4 pods', async () => {
      const list = JSON.parse(await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods')) as { items: { metadata: { name: string } }[] };
      return list.items.filter((i) => i.metadata.name.startsWith('web-')).length === 4 ? true : undefined;
    }, 60_000, 500);
    // Until every new pod has PodMetrics the missing ones count as idle (upstream's rule), so a
    // decision may read "no change" meanwhile; once all report 200m the reason is the CPU above target.
    await eventually('the decision names CPU above target', async () => {
      const why = (await kubectl('get', 'hza', 'web', '-o', 'jsonpath={.status.lastDecision.reason}')).trim();
      return /cpu resource utilization \(percentage of request\) above target/.test(why) ? true : undefined;
    }, 60_000, 1000);
  });

  test('down stops everything; status then says it is not running', async () => {
    const pids = Object.values((JSON.parse(await readFile(join(cache, 'cluster', 'state.json'), 'utf8')) as { pids: Record<string, number> }).pids);
    const down = await cluster(['down']);
    assert.equal(down.code, 0, down.stderr);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `PID ${String(pid)} still runs`);
    const status = await cluster(['status']);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /not running; start it with `npm run cluster:up`/);
    const r = await dev(['metrics', 'set', 'default/web-0', 'cpu=1']);
    assert.equal(r.code, 1);
    assert.match(r.out, /no running cluster applied it/);
  });
});
