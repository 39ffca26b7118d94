// `npm run bench -- --vs-hpa --objects N --replicas R [--namespaces K] [--duration S] [--pods-per-object P] [--kwok]`
//
// Active-active sharding measured: R `kscale run --sharding=true` processes (as the container image
// starts them, each its own identity, with the RBAC of deploy/overlays/sharding) share N
// HorizontalAutoscalers (CPU utilization, P pods each at a steady load exactly on target) on the
// embedded control plane. No HPA twins: this run is about kscale alone. After every object has been
// evaluated and a sync period of settling, one window of S seconds; then per replica: objects owned
// (kscale_owned_autoscalers), evaluations per second against those due, controller CPU per evaluation,
// evaluation spacing p50/p99 (its kscale_evaluation_spacing_seconds histogram: start to start of one
// object's passes), evaluation lag p50/p99 (its kscale_evaluation_lag_seconds histogram) and RSS. Compare `--objects 1000 --replicas 2` with `--objects 500 --replicas 1`.
// --kwok: pods on kwok nodes, CPU through the real metrics-server, as in bench/vs-hpa.ts.
// Prints figures, never asserts.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../src/controlplane/index.ts';
import { registerTeardown } from '../src/controlplane/cleanup.ts';
import { freePorts } from '../src/controlplane/ports.ts';
import { ManagedProcess } from '../src/controlplane/process.ts';
import { pollUntil, sleep } from '../src/controlplane/wait.ts';
import { ownerOf } from '../src/controller/rendezvous.ts';
import { KubeHttp } from '../src/kube/http.ts';
import { cpuSeconds, histogramDelta, histogramQuantile, memoryMiB, mergeHistograms, parseProm, promSum, type Sample } from './vs-hpa-stats.ts';
import { imageLaunch } from './image-launch.ts';
import { kwokOption, startLoad } from './vs-hpa-kwok.ts';
import { BENCH_LABEL, createNamespaces, pairs, pool, REQUEST_MILLI, STEADY_MILLI, TARGET_UTILIZATION, type Load } from './vs-hpa-workload.ts';
import { prepareBench, startKcm, waitPodsReady, type VsHpaOptions } from './vs-hpa.ts';

const SYNC_S = 15;
const NS = 'kscale-system';
const repo = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
const started = Date.now();
const say = (msg: string): void => { process.stderr.write(`[shards +${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`); };

interface Replica { identity: string; port: number; proc: ManagedProcess }
interface Snap { t: number; cpu: number; prom: Sample[] | undefined }

export async function benchShards(o: VsHpaOptions & { replicas: number }): Promise<void> {
  if (!prepareBench(o)) return;
  let cp: ControlPlane | undefined;
  let load: Load | undefined;
  let infra: ManagedProcess | undefined;
  const replicas: Replica[] = [];
  const readiers: { stop(): Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => (stopping ??= (async () => {
    await Promise.all(replicas.map((r) => r.proc.stop(10_000)));
    await Promise.allSettled(readiers.map((r) => r.stop()));
    await infra?.stop(10_000);
    await load?.stop();
    await cp?.stop();
  })());
  const unregister = registerTeardown({ stop: () => stopAll(), killNow: () => { for (const r of replicas) r.proc.killNow(); infra?.killNow(); } });
  try {
    say(`${String(o.objects)} HorizontalAutoscalers in ${String(o.namespaces)} namespaces, ${String(o.podsEach)} pods each, ${String(o.replicas)} sharded replica(s), window ${String(o.durationS)} s`);
    cp = await startControlPlane({
      metricsPodLookup: (ns, sel) => (load ? load.lookup(ns, sel) : Promise.resolve(undefined)),
      ...(o.kwok ? kwokOption(o.objects * o.podsEach) : {}),
    });
    const dir = join(cp.workDir, 'shards');
    await mkdir(dir, { recursive: true });
    const [infraPort = 0, ...ports] = await freePorts(1 + o.replicas);
    infra = await startKcm(join(dir, 'infra'), cp.kubeconfigPath, infraPort, 'deployment-controller,replicaset-controller',
      ['--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--kube-api-qps=200', '--kube-api-burst=400']);
    const admin = new KubeHttp({ kubeConfig: cp.kubeConfig, concurrency: 30, timeoutMs: 60_000 });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    await createNamespaces(admin, [NS]);
    await cp.applyYaml(await readFile(repo('deploy/base/rbac.yaml'), 'utf8'));
    await cp.applyYaml(await readFile(repo('deploy/overlays/sharding/rbac-sharding.yaml'), 'utf8'));
    const kubeconfig = await cp.writeKubeconfig(await cp.mintToken(NS, 'kscale-controller', 6 * 3600), join(dir, 'kscale.kubeconfig'));

    const all = pairs(o.objects, o.namespaces);
    await createNamespaces(admin, all.map((p) => p.namespace));
    const withLoad = await startLoad(cp, [...new Set(all.map((p) => p.namespace))]);
    load = withLoad.load;
    readiers.push(...withLoad.readiers);
    for (const p of all) load.setTotal(p.namespace, p.kscale, o.podsEach * STEADY_MILLI);
    say(`creating ${String(o.objects)} Deployments (${String(o.objects * o.podsEach)} pods) and their HorizontalAutoscalers`);
    await pool(all, 20, async (p) => {
      await admin.post(`/apis/apps/v1/namespaces/${p.namespace}/deployments`, {
        metadata: { name: p.kscale, labels: { [BENCH_LABEL]: 'true' } },
        spec: { replicas: o.podsEach, selector: { matchLabels: { app: p.kscale } }, template: { metadata: { labels: { app: p.kscale, [BENCH_LABEL]: 'true' } },
          spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: `${String(REQUEST_MILLI)}m` } } }] } } },
      });
    });
    await waitPodsReady(cp, load, o.objects * o.podsEach);
    await pool(all, 20, async (p) => {
      await admin.post(`/apis/kscale.dev/v1alpha1/namespaces/${p.namespace}/horizontalautoscalers`, {
        apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: p.kscale },
        spec: { minReplicas: 1, maxReplicas: Math.max(10, o.podsEach * 4), scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: p.kscale },
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: TARGET_UTILIZATION } } }] },
      });
    });

    const image = imageLaunch();
    for (let i = 0; i < o.replicas; i++) {
      const identity = `kscale-r${String(i)}`;
      const port = ports[i] ?? 0;
      say(`starting ${identity}`);
      replicas.push({
        identity, port,
        proc: await ManagedProcess.start({
          name: identity, command: image.command, logFile: join(dir, `${identity}.log`),
          args: [...image.args, 'run', `--kubeconfig=${kubeconfig}`, '--sharding=true', `--leader-election-namespace=${NS}`, `--identity=${identity}`,
            `--http-address=127.0.0.1:${String(port)}`, `--sync-period=${String(SYNC_S)}s`, '--workers=5', '--log-level=info'],
          env: { ...process.env, ...image.env, KUBECONFIG: kubeconfig },
        }),
      });
    }
    const metricsOf = async (r: Replica): Promise<Sample[] | undefined> => {
      try {
        const res = await fetch(`http://127.0.0.1:${String(r.port)}/metrics`, { signal: AbortSignal.timeout(10_000) });
        return res.ok ? parseProm(await res.text()) : undefined;
      } catch { return undefined; }
    };
    const coldStart = Date.now();
    await pollUntil('every HorizontalAutoscaler evaluated', async () => {
      const l = await admin.get<{ items: { status?: Record<string, unknown> }[] }>('/apis/kscale.dev/v1alpha1/horizontalautoscalers');
      return l.items.filter((h) => Object.keys(h.status ?? {}).length > 0).length >= o.objects ? true : undefined;
    }, { timeoutMs: Math.max(300_000, o.objects * 600), intervalMs: 1000, abortIf: () => { for (const r of replicas) r.proc.assertRunning(); } });
    say(`every HorizontalAutoscaler evaluated after ${((Date.now() - coldStart) / 1000).toFixed(1)} s; settling ${String(SYNC_S + 5)} s`);
    await sleep((SYNC_S + 5) * 1000);

    const snap = async (): Promise<Snap[]> => Promise.all(replicas.map(async (r) => ({ t: Date.now(), cpu: cpuSeconds(r.proc.pid), prom: await metricsOf(r) })));
    say(`window: ${String(o.durationS)} s`);
    const a = await snap();
    await sleep(o.durationS * 1000);
    const b = await snap();
    const mem = replicas.map((r) => memoryMiB(r.proc.pid));
    await Promise.all(replicas.map((r) => r.proc.stop(10_000)));

    const identities = replicas.map((r) => r.identity);
    const rows = replicas.map((r, i) => {
      const before = a[i]; const after = b[i];
      const secs = ((after?.t ?? 0) - (before?.t ?? 0)) / 1000;
      const evals = (promSum(after?.prom ?? [], 'kscale_reconciliations_total') ?? Number.NaN) - (promSum(before?.prom ?? [], 'kscale_reconciliations_total') ?? Number.NaN);
      const owned = promSum(after?.prom ?? [], 'kscale_owned_autoscalers') ?? Number.NaN;
      const spacing = before?.prom && after?.prom ? histogramDelta(before.prom, after.prom, 'kscale_evaluation_spacing_seconds') : undefined;
      const lag = before?.prom && after?.prom ? histogramDelta(before.prom, after.prom, 'kscale_evaluation_lag_seconds') : undefined;
      const cpu = (after?.cpu ?? Number.NaN) - (before?.cpu ?? Number.NaN);
      return {
        replica: r.identity, owned, computedOwned: [...all].filter((p) => ownerOf(`${p.namespace}/${p.kscale}`, identities) === r.identity).length,
        evalsPerS: evals / secs, duePerS: owned / SYNC_S, cpuMsPerEval: (cpu * 1000) / evals, cpuMillicores: (cpu / secs) * 1000,
        spacingP50: histogramQuantile(spacing, 0.5), spacingP99: histogramQuantile(spacing, 0.99), spacing, lagP50: histogramQuantile(lag, 0.5), lagP99: histogramQuantile(lag, 0.99),
        rssMiB: mem[i]?.rss ?? Number.NaN, peakMiB: mem[i]?.peak ?? Number.NaN,
      };
    });
    const allSpacing = mergeHistograms(rows.map((r) => r.spacing));
    const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
    const lines = [
      `kscale --sharding: ${String(o.objects)} HorizontalAutoscalers, ${String(o.namespaces)} namespaces, ${String(o.podsEach)} pods each, ${String(o.replicas)} replica(s), sync ${String(SYNC_S)} s, window ${String(o.durationS)} s`,
      '',
      '| replica | objects owned (rendezvous) | evaluations/s (due) | CPU per evaluation | CPU | spacing p50 / p99 | lag p50 / p99 | RSS (peak) |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.replica} | ${f(r.owned, 0)} (${String(r.computedOwned)}) | ${f(r.evalsPerS)} (${f(r.duePerS)}) | ${f(r.cpuMsPerEval, 3)} ms | ${f(r.cpuMillicores, 1)} mcores | ${f(r.spacingP50)} / ${f(r.spacingP99)} s | ${f(r.lagP50, 3)} / ${f(r.lagP99, 3)} s | ${f(r.rssMiB, 0)} MiB (${f(r.peakMiB, 0)}) |`),
      `| all | ${f(rows.reduce((s, r) => s + r.owned, 0), 0)} | ${f(rows.reduce((s, r) => s + r.evalsPerS, 0))} (${f(o.objects / SYNC_S)}) | | | ${f(histogramQuantile(allSpacing, 0.5))} / ${f(histogramQuantile(allSpacing, 0.99))} s | | |`,
      '',
      `spacing: kscale_evaluation_spacing_seconds (start to start of one object's passes; buckets 0.25 s apart from 15 to 16 s, interpolated); lag: kscale_evaluation_lag_seconds (how late a pass started after it was due)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopAll();
    unregister();
  }
}
