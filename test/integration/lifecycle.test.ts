// A controller that runs for months (issue 10) on a real control plane: deleted autoscalers leave
// nothing behind, an object deleted during its pass is not an error, SIGTERM ends the process
// within 5 s in every state (startup, steady, a pass in flight, watches failing, API unreachable),
// and /metrics can be served apart from the probes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import type { ControlPlane } from '../../src/controlplane/index.ts';
import { parseConfig } from '../../src/config.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { startController, type RunningController } from '../../src/main.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';

const repo = (p: string): string => new URL(`../../${p}`, import.meta.url).pathname;
const HZA = 'apis/kscale.dev/v1alpha1';

describe('lifecycle on a real control plane', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;

  before(async () => {
    cp = await startSuiteControlPlane();
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
  });
  after(async () => { await cp.stop(); });

  const hza = (ns: string, name: string, extra: { annotations?: Record<string, string>; metrics?: unknown[]; syncPeriodSeconds?: number } = {}) =>
    admin.post(`/${HZA}/namespaces/${ns}/horizontalautoscalers`, {
      apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: extra.syncPeriodSeconds ?? 1,
        metrics: extra.metrics ?? [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '10' } } }],
      },
    });
  const deployment = (ns: string, name: string) => admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const evaluated = async (ns: string, name: string): Promise<boolean> =>
    (await admin.get<HorizontalAutoscaler>(`/${HZA}/namespaces/${ns}/horizontalautoscalers/${name}`)).status?.conditions !== undefined;

  describe('in process', () => {
    let ns: string;
    let controller: RunningController;
    const lines: { level: number; msg: string; name?: string }[] = [];

    before(async () => {
      ns = await createTestNamespace(cp.kubeConfig, 'life');
      const sink = new Writable({ write(chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as never); done(); } });
      controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--metrics-bind-address=127.0.0.1:0', '--leader-elect=false', `--namespace=${ns}`, '--metrics-tick=500ms']),
        cp.kubeConfig, pino({ level: 'info' }, sink));
    });
    after(async () => { await controller.stop(); });

    test('deleting autoscalers frees every per-object entry and metric series (defect 1)', async () => {
      cp.metrics.setExternalMetric(ns, 'queue', [{ labels: {}, value: '5' }]);
      // Large annotations, as kubectl's last-applied-configuration makes them: whatever is kept per
      // object after its deletion shows as heap growth in the soak benchmark.
      const big = { 'example.com/blob': 'x'.repeat(100 * 1024) };
      const names = Array.from({ length: 30 }, (_, i) => `churn-${String(i)}`);
      for (let round = 0; round < 2; round++) {
        await Promise.all(names.map(async (n) => { await hza(ns, n, { annotations: big }); }));
        await eventually('every autoscaler evaluated', async () => ((await Promise.all(names.map((n) => evaluated(ns, n)))).every(Boolean) ? true : undefined), 60_000);
        // A metadata update of each (an annotation change) goes through the update path too.
        await Promise.all(names.map((n) => admin.mergePatch(`/${HZA}/namespaces/${ns}/horizontalautoscalers/${n}`, { metadata: { annotations: { touched: String(round) } } })));
        assert.ok((controller.manager.retained().seen ?? 0) >= names.length, 'the controller tracks the live objects');
        await Promise.all(names.map((n) => admin.request('DELETE', `/${HZA}/namespaces/${ns}/horizontalautoscalers/${n}`)));
        const left = await eventually('every per-object entry freed', () => {
          const r = controller.manager.retained();
          return Promise.resolve(Object.values(r).every((v) => v === 0) ? r : undefined);
        }, 20_000).catch(() => controller.manager.retained());
        assert.deepEqual(left, Object.fromEntries(Object.keys(left).map((k) => [k, 0])), `round ${String(round)}: nothing is kept for deleted objects`);
        const scrape = await (await fetch(`${String(controller.metricsUrl)}/metrics`)).text();
        assert.equal(scrape.split('\n').filter((l) => l.includes('name="churn-')).length, 0, 'no metric series of a deleted autoscaler');
      }
    });

    test('/metrics is served on its own address, the probes on theirs (defect 8)', async () => {
      assert.notEqual(controller.metricsUrl, controller.url);
      assert.equal((await fetch(`${controller.url}/metrics`)).status, 404, 'the probe address does not list autoscalers');
      assert.equal((await fetch(`${controller.url}/readyz`)).status, 200);
      const metrics = await fetch(`${String(controller.metricsUrl)}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /kscale_reconciliations_total/);
      assert.equal((await fetch(`${String(controller.metricsUrl)}/healthz`)).status, 404, 'probes stay on their own address');
    });

    test('an object deleted while its pass is in flight: no error logged, no FailedUpdateStatus Event (defect 6)', async () => {
      cp.metrics.setExternalMetric(ns, 'slow', [{ labels: {}, value: '5' }]);
      await deployment(ns, 'doomed');
      const before = cp.metrics.requests('external').length;
      cp.metrics.setLatency('external', 3_000);
      try {
        await hza(ns, 'doomed', { metrics: [{ type: 'External', external: { metric: { name: 'slow' }, target: { type: 'Value', value: '10' } } }], syncPeriodSeconds: 60 });
        await eventually('the pass to fetch its metric', () => Promise.resolve(cp.metrics.requests('external').slice(before).some((r) => r.path.includes('/slow')) ? true : undefined), 20_000);
        await admin.request('DELETE', `/${HZA}/namespaces/${ns}/horizontalautoscalers/doomed`);
        await sleep(5_000); // the fetch returns, the pass decides and tries to write its status
      } finally {
        cp.metrics.setLatency('external', 0);
      }
      const errors = lines.filter((l) => l.level >= 50);
      assert.deepEqual(errors.map((l) => l.msg), [], 'nothing logged at error level');
      const events = await admin.get<{ items: { reason: string; involvedObject: { name: string } }[] }>(`/api/v1/namespaces/${ns}/events`);
      assert.deepEqual(events.items.filter((e) => e.involvedObject.name === 'doomed').map((e) => e.reason).filter((r) => r === 'FailedUpdateStatus'), []);
    });
  });

  test('an elector that dies after start is fatal: onFatal, /healthz and /readyz fail, nothing is reconciled (defect 3)', async () => {
    const ns = await createTestNamespace(cp.kubeConfig, 'fatal');
    let fatal: unknown;
    let leading = false;
    const controller = await startController(parseConfig(['--http-address=127.0.0.1:0', `--namespace=${ns}`, '--leader-election-namespace=default', '--leader-election-id=fatal-test']),
      cp.kubeConfig, pino({ level: 'silent' }), {
        onFatal: (err) => { fatal = err; },
        // Leads at once, then its loop fails, as a bug in the election loop would.
        makeElector: (o) => ({
          run: async () => { o.onStartedLeading(); leading = true; await sleep(300); throw new Error('the election loop died'); },
          stop: () => Promise.resolve(),
          holdsLease: () => leading,
        }),
      });
    try {
      assert.equal((await fetch(`${controller.url}/healthz`)).status, 200, 'healthy while the elector runs');
      await eventually('onFatal', () => Promise.resolve(fatal !== undefined ? true : undefined), 5_000, 50);
      assert.match(String(fatal), /the election loop died/);
      assert.equal((await fetch(`${controller.url}/healthz`)).status, 500, 'liveness fails: the kubelet restarts the container');
      const ready = await fetch(`${controller.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(await ready.text(), /fatal/);
      assert.equal(controller.manager.leading, false, 'it stopped acting');
    } finally {
      await controller.stop();
    }
  });

  describe('SIGTERM exits within 5 s in every state (defect 2)', () => {
    let ns: string;
    let proxy: FaultProxy;

    before(async () => {
      ns = await createTestNamespace(cp.kubeConfig, 'term');
      proxy = await startFaultProxy(cp.kubeConfig);
      cp.metrics.setExternalMetric(ns, 'queue', [{ labels: {}, value: '5' }]);
      await deployment(ns, 'app');
      await hza(ns, 'app');
    });
    after(async () => { await proxy.close(); });

    interface Child { stderr: string; stdout: string; exited: Promise<{ code: number | null; signal: string | null }>; term(): Promise<{ ms: number; code: number | null }> }
    const startKscale = (extra: string[] = []): Child => {
      const child = spawn(repo('scripts/node.sh'), [repo('src/cli/main.ts'), 'run', `--server=${proxy.url}`, `--namespace=${ns}`, '--http-address=127.0.0.1:0',
        '--leader-election-namespace=default', `--leader-election-id=life-${String(Date.now())}`, '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms',
        '--sync-period=1s', '--metrics-tick=500ms', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
      const c: Child = {
        stderr: '', stdout: '',
        exited: new Promise((resolve) => { child.on('exit', (code, signal) => { resolve({ code, signal }); }); }),
        term: async () => {
          const t0 = performance.now();
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          const { code } = await c.exited;
          clearTimeout(killer);
          return { ms: performance.now() - t0, code };
        },
      };
      child.stderr.on('data', (d: Buffer) => { c.stderr += d.toString(); });
      child.stdout.on('data', (d: Buffer) => { c.stdout += d.toString(); });
      return c;
    };
    const running = (c: Child) => eventually('kscale to start', () => Promise.resolve(c.stderr.includes('controller running') ? true : undefined), 60_000);
    const seen = (what: string, test: (r: { method: string; path: string }) => boolean, since = 0) =>
      eventually(what, () => Promise.resolve(proxy.seen.slice(since).some(test) ? true : undefined), 30_000);
    const assertClean = (c: Child, r: { ms: number; code: number | null }, state: string): void => {
      console.log(`  SIGTERM ${state}: exited in ${r.ms.toFixed(0)} ms, code ${String(r.code)}`);
      assert.ok(r.ms < 5_000, `${state}: exited in ${r.ms.toFixed(0)} ms, over 5 s\n${c.stderr}`);
      assert.equal(r.code, 0, `${state}: exit code\n${c.stderr}`);
      assert.doesNotMatch(c.stderr + c.stdout, /\n\s+at .+:\d+:\d+\)?\n/, `${state}: no stack trace`);
    };

    test('steady: watches open, leading, evaluating', async () => {
      proxy.rules.length = 0;
      const c = startKscale();
      await running(c);
      const since = proxy.seen.length;
      // A pass reads the external metric (the target's scale comes from the cache).
      await seen('a pass (metric read)', (r) => r.path.includes('external.metrics.k8s.io') && r.path.includes('/queue'), since);
      assertClean(c, await c.term(), 'steady');
      assert.match(c.stdout, /released the Lease/, 'the Lease was handed over on the way out');
    });

    test('a pass in flight: the metrics API answers after 60 s', async () => {
      proxy.rules.length = 0;
      const c = startKscale();
      await running(c);
      const before = cp.metrics.requests('external').length;
      cp.metrics.setLatency('external', 60_000);
      try {
        await eventually('a metric fetch in flight', () => Promise.resolve(cp.metrics.requests('external').length > before ? true : undefined), 30_000);
        assertClean(c, await c.term(), 'pass in flight');
      } finally {
        cp.metrics.setLatency('external', 0);
      }
    });

    test('startup: the pod list never answers', async () => {
      proxy.rules.splice(0, proxy.rules.length, { method: 'GET', path: /^\/api\/v1\/namespaces\/[^/]+\/pods(\?|$)/, watch: false, fault: 'hang' });
      const since = proxy.seen.length;
      const c = startKscale();
      await seen('the pod list', (r) => /\/pods(\?|$)/.test(r.path), since);
      await sleep(300);
      assertClean(c, await c.term(), 'startup, list hanging');
    });

    test('watches failing and reconnecting', async () => {
      proxy.rules.length = 0;
      const c = startKscale();
      await running(c);
      proxy.rules.push({ path: /./, watch: true, fault: { status: 500 } });
      const since = proxy.seen.length;
      proxy.dropConnections();
      await seen('a watch retried', (r) => /[?&]watch=/.test(r.path), since);
      assertClean(c, await c.term(), 'watches reconnecting');
    });

    test('the API server unreachable: every request hangs', async () => {
      proxy.rules.length = 0;
      const c = startKscale();
      await running(c);
      proxy.rules.push({ path: /./, fault: 'hang' });
      proxy.dropConnections();
      await sleep(2_000);
      assertClean(c, await c.term(), 'API unreachable');
    });
  });
});
