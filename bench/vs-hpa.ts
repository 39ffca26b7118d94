// `npm run bench -- --vs-hpa --objects N [--namespaces K] [--duration S] [--pods-per-object P]
//    [--step-pairs M] [--upstream-qps Q] [--metrics-tick T] [--kwok] [--json]`
//
// kscale and kube-controller-manager's HPA side by side on the embedded control plane, each as its
// own process with its own ServiceAccount (so the API server's audit log tells them apart):
//  - a kube-controller-manager running only the HPA controller, with kscale's settings (sync period
//    15 s, tolerance, CPU initialization, readiness delay, downscale stabilization, 5 workers);
//  - `kscale run` (scripts/node.sh src/cli/main.ts), leader election off.
// A second kube-controller-manager (deployment and replicaset controllers, as admin) serves the
// workloads and is not measured. N twin pairs in K namespaces: Deployment k-i under a
// HorizontalAutoscaler, Deployment u-i under an autoscaling/v2 HPA with the same spec, P pods each
// at a steady CPU load exactly on target.
//
// Timeline: setup → cold start of the HPA (kscale not yet running) → HPA paused (SIGSTOP), cold
// start of kscale → window "both" (both running: per-controller CPU, requests, spacing, queue wait,
// RSS) → "idle" (both paused) → "kscale alone" → "upstream alone" → "idle" again (API server and
// etcd CPU attributable to each: alone minus the mean idle) → both running, a ×2 load step on M
// pairs at phases spread over one sync period (reaction time) → stop, read the audit log, print one
// table. Each window lasts S seconds; every resume is followed by a sync period of settling.
// With --kwok the pods run on kwok nodes (the control plane's kwok mode: kube-scheduler binds them,
// kwok's stages make them Running and Ready) and the load is kwok usage (vs-hpa-kwok.ts), so both
// controllers read CPU from the real metrics-server; without it the bench marks pods Ready itself
// and serves CPU from the fake metrics API (exact values at once).
// Prints figures, never asserts. Everything listens on loopback; Ctrl-C stops and removes everything.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlPlaneBinaries, metricsPipelineBinaries, startControlPlane, type ControlPlane } from '../src/controlplane/index.ts';
import { registerTeardown } from '../src/controlplane/cleanup.ts';
import { DEFAULT_METRIC_RESOLUTION_SECONDS } from '../src/controlplane/metrics-server.ts';
import { binaryPath } from '../src/controlplane/paths.ts';
import { markPodReady } from '../src/controlplane/pods.ts';
import { freePorts } from '../src/controlplane/ports.ts';
import { probe } from '../src/controlplane/probe.ts';
import { ManagedProcess } from '../src/controlplane/process.ts';
import { pollUntil, sleep } from '../src/controlplane/wait.ts';
import { KubeHttp } from '../src/kube/http.ts';
import {
  auditPolicy, isScaleRead, isScaleWrite, isStatusWrite, readAudit, requestsByKind, spacings, timesByObject,
  type AuditRecord, type Window,
} from './vs-hpa-audit.ts';
import {
  cmdlineFlag, cpuSeconds, histogramDelta, histogramMax, histogramQuantile, memoryMiB, parseProm, percentile, promSum, type Sample,
} from './vs-hpa-stats.ts';
import { buildDist, imageLaunch } from './image-launch.ts';
import { benchShards } from './vs-hpa-shards.ts';
import { renderJson, renderText, type Row } from './vs-hpa-table.ts';
import {
  createAutoscalers, createDeployments, createNamespaces, pairs, pool, STEADY_MILLI, type Pair,
  type Load,
} from './vs-hpa-workload.ts';
import { kwokOption, startLoad } from './vs-hpa-kwok.ts';

export interface VsHpaOptions {
  objects: number;
  namespaces: number;
  durationS: number;
  podsEach: number;
  json: boolean;
  /** Twin pairs that get the load step. */
  stepPairs: number;
  /** --kube-api-qps of the HPA's kube-controller-manager (burst twice that). */
  upstreamQps: number;
  /** --replicas R: R sharded kscale processes alone, no HPA twins (bench/vs-hpa-shards.ts). */
  replicas?: number;
  /** --kwok: pods on kwok nodes, CPU through the real metrics-server. */
  kwok: boolean;
  /** --metrics-tick T: kscale's --metrics-tick (how long one pod metrics listing serves a namespace); its default when unset. */
  metricsTick?: string;
}

const SYNC_S = 15;
// Both sides get the same controller-wide settings: kube-controller-manager's defaults, spelled out.
const SETTINGS = { tolerance: '0.1', cpuInit: '5m0s', readinessDelay: '30s', downscale: '5m0s', workers: 5 };
const NS = 'kscale-system';
const USERS = {
  kscale: `system:serviceaccount:${NS}:kscale-controller`,
  upstream: `system:serviceaccount:${NS}:upstream-hpa`,
} as const;
const repo = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

export function parseVsHpaArgs(argv: readonly string[]): VsHpaOptions {
  const value = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const a = argv[i] ?? '';
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
  };
  const int = (name: string, dflt: number, min: number): number => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${String(min)}, got ${JSON.stringify(v)}`);
    return n;
  };
  const objects = int('--objects', 50, 1);
  return {
    objects,
    namespaces: Math.min(objects, int('--namespaces', 50, 1)),
    durationS: int('--duration', 60, 15),
    podsEach: int('--pods-per-object', 3, 1),
    json: argv.includes('--json'),
    kwok: argv.includes('--kwok'),
    stepPairs: Math.min(objects, int('--step-pairs', 5, 1)),
    upstreamQps: int('--upstream-qps', 100, 1),
    ...(value('--replicas') !== undefined ? { replicas: int('--replicas', 1, 1) } : {}),
    ...(value('--metrics-tick') !== undefined ? { metricsTick: value('--metrics-tick') ?? '' } : {}),
  };
}

const started = Date.now();
const say = (msg: string): void => { process.stderr.write(`[vs-hpa +${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`); };

interface Snapshot {
  t: number;
  cpu: Record<string, number>;
  kscaleProm?: Sample[];
  upstreamProm?: Sample[];
  etcdProm?: Sample[];
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

/**
 * What both benchmarks need first: the binaries (false, with the reason said, when they are
 * missing) and a fresh dist/, since kscale runs as its container image starts it.
 */
export function prepareBench(o: Pick<VsHpaOptions, 'kwok'>): boolean {
  const bins = controlPlaneBinaries();
  if (!bins.ok) { say(`skipped: ${bins.reason}; run tools/control-plane/build.sh`); return false; }
  const extra = o.kwok ? metricsPipelineBinaries() : { ok: true as const };
  if (!extra.ok) { say(`skipped: ${extra.reason}; run tools/metrics-pipeline/build.sh`); return false; }
  say('building dist/: kscale runs as its container image starts it');
  buildDist();
  return true;
}

export async function benchVsHpa(o: VsHpaOptions): Promise<void> {
  if (o.replicas !== undefined) { await benchShards({ ...o, replicas: o.replicas }); return; }
  if (!prepareBench(o)) return;
  say(`${String(o.objects)} twin pairs in ${String(o.namespaces)} namespaces, ${String(o.podsEach)} pods each, windows of ${String(o.durationS)} s`);

  let load: Load | undefined;
  let cp: ControlPlane | undefined;
  const procs: { kscale?: ManagedProcess; upstream?: ManagedProcess; infra?: ManagedProcess } = {};
  const readiers: { stop(): Promise<void> }[] = [];
  const state = { aborted: false };
  let stopping: Promise<void> | undefined;
  const stopControllers = async (): Promise<void> => {
    // A stopped (SIGSTOP) process would not act on SIGTERM: continue it first.
    signal(procs.kscale?.pid, 'SIGCONT'); signal(procs.upstream?.pid, 'SIGCONT');
    await Promise.all([procs.kscale?.stop(10_000), procs.upstream?.stop(10_000)]);
  };
  const stopAll = (): Promise<void> => (stopping ??= (async () => {
    await stopControllers();
    await Promise.allSettled(readiers.map((r) => r.stop()));
    await procs.infra?.stop(10_000);
    await load?.stop();
    await cp?.stop();
  })());
  const unregister = registerTeardown({
    stop: () => { state.aborted = true; say('interrupted: stopping everything'); return stopAll(); },
    killNow: () => { procs.kscale?.killNow(); procs.upstream?.killNow(); procs.infra?.killNow(); },
  });

  try {
    const result = await run(o, {
      setLoad: (l) => { load = l; },
      setCp: (c) => { cp = c; },
      procs, readiers, stopControllers,
      lookup: (ns, sel) => (load ? load.lookup(ns, sel) : Promise.resolve(undefined)),
    });
    await stopAll();
    process.stdout.write(`${o.json ? renderJson(result.table, { ...o, syncPeriodSeconds: SYNC_S }) : renderText(result.table)}\n`);
  } catch (e) {
    if (state.aborted) return;
    throw e;
  } finally {
    await stopAll();
    unregister();
  }
}

interface Ctx {
  setLoad(l: Load): void;
  setCp(c: ControlPlane): void;
  procs: { kscale?: ManagedProcess; upstream?: ManagedProcess; infra?: ManagedProcess };
  readiers: { stop(): Promise<void> }[];
  stopControllers(): Promise<void>;
  lookup(ns: string, selector: string): Promise<Set<string> | undefined>;
}

async function run(o: VsHpaOptions, ctx: Ctx): Promise<{ table: { title: string; notes: string[]; rows: Row[] } }> {
  // ---- control plane: etcd, kube-apiserver (audit log of the two controllers), a KCM for the workloads ----
  say('starting the control plane');
  // No KCM from the control plane itself: its --controllers list always includes the HPA (a repeated
  // --controllers flag appends to it), so this bench runs its two KCMs itself.
  const cp = await startControlPlane({
    auditPolicy: auditPolicy([USERS.kscale, USERS.upstream]),
    metricsPodLookup: (ns, sel) => ctx.lookup(ns, sel),
    ...(o.kwok ? kwokOption(2 * o.objects * o.podsEach) : {}),
  });
  ctx.setCp(cp);
  const benchDir = join(cp.workDir, 'vs-hpa');
  await mkdir(benchDir, { recursive: true });
  const [infraPort = 0, kcmPort = 0, kscalePort = 0] = await freePorts(3);
  // The workloads' KCM (deployment and replicaset controllers, as admin): not measured.
  say('starting kube-controller-manager for the Deployments (not measured)');
  ctx.procs.infra = await startKcm(join(benchDir, 'infra'), cp.kubeconfigPath, infraPort, 'deployment-controller,replicaset-controller',
    ['--concurrent-deployment-syncs=10', '--concurrent-replicaset-syncs=10', '--kube-api-qps=200', '--kube-api-burst=400']);
  const admin = new KubeHttp({ kubeConfig: cp.kubeConfig, concurrency: 30, timeoutMs: 60_000 });
  const apiserverPid = cp.pids['kube-apiserver'] ?? 0;
  const etcdPid = cp.pids.etcd ?? 0;
  const etcdUrl = (cmdlineFlag(etcdPid, '--listen-client-urls') ?? '').split(',')[0] ?? '';

  await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
  await createNamespaces(admin, [NS]);
  await cp.applyYaml(await readFile(repo('deploy/base/rbac.yaml'), 'utf8')); // kscale's ServiceAccount and its exact RBAC
  // The HPA's identity. In a cluster KCM runs it as system:serviceaccount:kube-system:horizontal-pod-autoscaler
  // plus its own user for the shared informers; here one ServiceAccount does both (cluster-admin, for simplicity).
  await cp.applyYaml(`apiVersion: v1
kind: ServiceAccount
metadata: { name: upstream-hpa, namespace: ${NS} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: upstream-hpa }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: upstream-hpa, namespace: ${NS} }]
`);
  const kubeconfigs = {
    kscale: await cp.writeKubeconfig(await cp.mintToken(NS, 'kscale-controller', 6 * 3600), join(benchDir, 'kscale.kubeconfig')),
    upstream: await cp.writeKubeconfig(await cp.mintToken(NS, 'upstream-hpa', 6 * 3600), join(benchDir, 'upstream.kubeconfig')),
  };

  // ---- workloads ----
  const all = pairs(o.objects, o.namespaces);
  const namespaces = [...new Set(all.map((p) => p.namespace))];
  await createNamespaces(admin, namespaces);
  const { load, readiers } = await startLoad(cp, namespaces);
  ctx.setLoad(load);
  ctx.readiers.push(...readiers);
  const base = o.podsEach * STEADY_MILLI;
  for (const p of all) { load.setTotal(p.namespace, p.kscale, base); load.setTotal(p.namespace, p.upstream, base); }
  say(`creating ${String(2 * o.objects)} Deployments (${String(2 * o.objects * o.podsEach)} pods)`);
  await createDeployments(admin, all, o.podsEach);
  await waitPodsReady(cp, load, 2 * o.objects * o.podsEach);
  say('creating the HorizontalAutoscalers and HPAs');
  await createAutoscalers(admin, all, o.podsEach);

  // ---- cold start: the HPA first (kscale not running), then kscale (the HPA paused) ----
  const upstreamStart = Date.now();
  say('starting kube-controller-manager with only the HPA controller');
  const upstream = await startKcm(join(benchDir, 'upstream'), kubeconfigs.upstream, kcmPort, 'horizontal-pod-autoscaler-controller', [
    `--horizontal-pod-autoscaler-sync-period=${String(SYNC_S)}s`, `--horizontal-pod-autoscaler-tolerance=${SETTINGS.tolerance}`,
    `--horizontal-pod-autoscaler-cpu-initialization-period=${SETTINGS.cpuInit}`,
    `--horizontal-pod-autoscaler-initial-readiness-delay=${SETTINGS.readinessDelay}`,
    `--horizontal-pod-autoscaler-downscale-stabilization=${SETTINGS.downscale}`,
    `--concurrent-horizontal-pod-autoscaler-syncs=${String(SETTINGS.workers)}`,
    `--kube-api-qps=${String(o.upstreamQps)}`, `--kube-api-burst=${String(2 * o.upstreamQps)}`,
  ]);
  ctx.procs.upstream = upstream;
  const upstreamMetrics = async (): Promise<Sample[] | undefined> => {
    try {
      const r = await probe(`https://127.0.0.1:${String(kcmPort)}/metrics`, { insecure: true }, 10_000);
      return r.status === 200 ? parseProm(r.body) : undefined;
    } catch { return undefined; }
  };
  const coldTimeout = Math.max(300_000, o.objects * 600);
  await pollUntil('every HPA evaluated', async () => {
    const l = await admin.get<{ items: { status?: { conditions?: unknown[] } }[] }>('/apis/autoscaling/v2/horizontalpodautoscalers');
    const done = l.items.filter((h) => (h.status?.conditions?.length ?? 0) > 0).length;
    return done >= o.objects ? true : undefined;
  }, { timeoutMs: coldTimeout, intervalMs: 1000, abortIf: () => { upstream.assertRunning(); } });
  const upstreamColdPolled = (Date.now() - upstreamStart) / 1000;
  say(`every HPA evaluated after ${upstreamColdPolled.toFixed(1)} s; pausing it (SIGSTOP) for kscale's cold start`);
  signal(upstream.pid, 'SIGSTOP');

  const kscaleStart = Date.now();
  const kscaleLog = join(benchDir, 'kscale.log');
  const image = imageLaunch();
  const kscale = await ManagedProcess.start({
    name: 'kscale', command: image.command, logFile: kscaleLog,
    args: [...image.args, 'run', `--kubeconfig=${kubeconfigs.kscale}`, '--leader-elect=false', `--http-address=127.0.0.1:${String(kscalePort)}`,
      `--sync-period=${String(SYNC_S)}s`, `--tolerance=${SETTINGS.tolerance}`, `--cpu-initialization-period=${SETTINGS.cpuInit}`,
      `--initial-readiness-delay=${SETTINGS.readinessDelay}`, `--downscale-stabilization=${SETTINGS.downscale}`,
      `--workers=${String(SETTINGS.workers)}`, '--log-level=info', ...(o.metricsTick !== undefined ? [`--metrics-tick=${o.metricsTick}`] : [])],
    env: { ...process.env, ...image.env, KUBECONFIG: kubeconfigs.kscale },
  });
  ctx.procs.kscale = kscale;
  const kscaleMetrics = async (): Promise<Sample[] | undefined> => {
    try {
      const r = await fetch(`http://127.0.0.1:${String(kscalePort)}/metrics`, { signal: AbortSignal.timeout(10_000) });
      return r.ok ? parseProm(await r.text()) : undefined;
    } catch { return undefined; }
  };
  await pollUntil('every HorizontalAutoscaler evaluated', async () => {
    const l = await admin.get<{ items: { status?: Record<string, unknown> }[] }>('/apis/kscale.dev/v1alpha1/horizontalautoscalers');
    const done = l.items.filter((h) => Object.keys(h.status ?? {}).length > 0).length;
    return done >= o.objects ? true : undefined;
  }, { timeoutMs: coldTimeout, intervalMs: 1000, abortIf: () => { kscale.assertRunning(); } });
  const kscaleColdPolled = (Date.now() - kscaleStart) / 1000;
  say(`every HorizontalAutoscaler evaluated after ${kscaleColdPolled.toFixed(1)} s; resuming the HPA`);
  signal(upstream.pid, 'SIGCONT');

  // ---- steady windows ----
  const pids = { kscale: kscale.pid, upstream: upstream.pid, apiserver: apiserverPid, etcd: etcdPid };
  const etcdMetrics = async (): Promise<Sample[] | undefined> => {
    try {
      const r = await probe(`${etcdUrl}/metrics`, {}, 10_000);
      return r.status === 200 ? parseProm(r.body) : undefined;
    } catch { return undefined; }
  };
  const snap = async (which: { kscale?: boolean; upstream?: boolean }): Promise<Snapshot> => {
    const [kscaleProm, upstreamProm, etcdProm] = await Promise.all([
      which.kscale ? kscaleMetrics() : Promise.resolve(undefined),
      which.upstream ? upstreamMetrics() : Promise.resolve(undefined),
      etcdMetrics(),
    ]);
    const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    return { t: Date.now(), cpu, ...(kscaleProm ? { kscaleProm } : {}), ...(upstreamProm ? { upstreamProm } : {}), ...(etcdProm ? { etcdProm } : {}) };
  };
  const settle = async (why: string): Promise<void> => { say(`settling ${String(SYNC_S + 5)} s (${why})`); await sleep((SYNC_S + 5) * 1000); };
  const windowOf = async (name: string, which: { kscale?: boolean; upstream?: boolean }): Promise<[Snapshot, Snapshot]> => {
    say(`window "${name}": ${String(o.durationS)} s`);
    const a = await snap(which);
    await sleep(o.durationS * 1000);
    const b = await snap(which);
    return [a, b];
  };

  await settle('both controllers running');
  const both = await windowOf('both running', { kscale: true, upstream: true });
  const mem = { kscale: memoryMiB(kscale.pid), upstream: memoryMiB(upstream.pid) };

  signal(kscale.pid, 'SIGSTOP'); signal(upstream.pid, 'SIGSTOP');
  await sleep(3_000); // requests in flight finish
  const idle1 = await windowOf('idle (both paused)', {});

  signal(kscale.pid, 'SIGCONT');
  await settle('kscale resumed');
  const kscaleAlone = await windowOf('kscale alone', { kscale: true });

  signal(kscale.pid, 'SIGSTOP'); signal(upstream.pid, 'SIGCONT');
  await settle('HPA resumed, kscale paused');
  const upstreamAlone = await windowOf('upstream HPA alone', { upstream: true });

  signal(upstream.pid, 'SIGSTOP');
  await sleep(3_000);
  const idle2 = await windowOf('idle again (both paused)', {});

  signal(kscale.pid, 'SIGCONT'); signal(upstream.pid, 'SIGCONT');
  await settle('both running');

  // ---- reaction to a load step: twice the load (ratio 2) on a few pairs spread over the list, one
  // pair after the other at offsets spread evenly over a sync period (each controller evaluates its
  // objects in bursts, so one step alone would measure only where it fell in that cycle) ----
  const stepped = Array.from({ length: o.stepPairs }, (_, i) => all[Math.floor((i * o.objects) / o.stepPairs)]).filter((p): p is Pair => p !== undefined);
  const stepAt = new Map<Pair, number>();
  const polledReaction = new Map<string, number>();
  const firstStep = Date.now();
  say(`load step ×2 on ${String(stepped.length)} pair(s), ${(SYNC_S / stepped.length).toFixed(1)} s apart; waiting for each side to scale`);
  const deadline = firstStep + SYNC_S * 1000 + 4 * SYNC_S * 1000 + 30_000;
  while (Date.now() < deadline && polledReaction.size < 2 * stepped.length) {
    stepped.forEach((p, i) => {
      if (stepAt.has(p) || Date.now() < firstStep + (i * SYNC_S * 1000) / stepped.length) return;
      stepAt.set(p, Date.now());
      load.setTotal(p.namespace, p.kscale, 2 * o.podsEach * STEADY_MILLI);
      load.setTotal(p.namespace, p.upstream, 2 * o.podsEach * STEADY_MILLI);
    });
    await pool([...stepAt.keys()].flatMap((p) => [[p, p.kscale], [p, p.upstream]] as const), 10, async ([p, name]) => {
      const key = `${p.namespace}/${name}`;
      if (polledReaction.has(key)) return;
      const d = await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${p.namespace}/deployments/${name}`).catch(() => undefined);
      if (d && d.spec.replicas > o.podsEach) polledReaction.set(key, (Date.now() - (stepAt.get(p) ?? 0)) / 1000);
    });
    await sleep(200);
  }
  const endedAt = Date.now();

  // ---- stop the controllers, then read what they left behind ----
  say('stopping the controllers; reading the audit log');
  await ctx.stopControllers();
  const audit = await readAudit(join(cp.workDir, 'logs'));
  say(`${String(audit.length)} audit records`);

  const table = buildTable(o, {
    audit, both, idle: [idle1, idle2], kscaleAlone, upstreamAlone, mem,
    cold: { kscaleStart, upstreamStart, kscalePolled: kscaleColdPolled, upstreamPolled: upstreamColdPolled },
    step: { at: stepAt, end: endedAt, pairs: stepped, polled: polledReaction },
  });
  return { table };
}

/** A kube-controller-manager on loopback running exactly `controllers`; resolves once /healthz answers. */
export async function startKcm(dir: string, kubeconfig: string, port: number, controllers: string, extra: string[]): Promise<ManagedProcess> {
  await mkdir(dir, { recursive: true });
  const proc = await ManagedProcess.start({
    name: 'kube-controller-manager', command: binaryPath('kube-controller-manager'), logFile: join(dir, 'kcm.log'),
    args: [
      `--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--use-service-account-credentials=false',
      `--controllers=${controllers}`,
      '--bind-address=127.0.0.1', `--secure-port=${String(port)}`, `--cert-dir=${join(dir, 'certs')}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics', '--v=1',
      ...extra,
    ],
  });
  await pollUntil(`kube-controller-manager (${controllers}) /healthz`, async () => {
    const r = await probe(`https://127.0.0.1:${String(port)}/healthz`, { insecure: true });
    return r.status === 200 ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, abortIf: () => { proc.assertRunning(); } });
  return proc;
}

/**
 * Waits until the bench's pods are all Running and Ready. Without kwok it also marks stragglers
 * itself now and then (a readier may miss an event); in the kwok mode kwok's stages alone do it.
 */
export async function waitPodsReady(cp: ControlPlane, load: Load, expected: number): Promise<void> {
  let lastFix = Date.now();
  let lastSay = 0;
  await pollUntil(`${String(expected)} pods Running and Ready`, async () => {
    const c = load.counts();
    if (Date.now() - lastSay > 10_000) { say(`pods: ${String(c.ready)}/${String(expected)} ready`); lastSay = Date.now(); }
    if (c.total >= expected && c.ready >= expected) return true;
    if (!cp.kwok && Date.now() - lastFix > 30_000 && c.notReady.length > 0) {
      lastFix = Date.now();
      await pool(c.notReady, 10, async (p) => { await markPodReady(cp.kubeConfig, p.namespace, p.name).catch(() => undefined); });
    }
    return undefined;
  }, { timeoutMs: Math.max(600_000, expected * 200), intervalMs: 1000 });
}

interface Measured {
  audit: AuditRecord[];
  both: [Snapshot, Snapshot];
  /** Both paused: before the alone windows, and after them. */
  idle: [[Snapshot, Snapshot], [Snapshot, Snapshot]];
  kscaleAlone: [Snapshot, Snapshot];
  upstreamAlone: [Snapshot, Snapshot];
  mem: { kscale: { rss: number; peak: number }; upstream: { rss: number; peak: number } };
  cold: { kscaleStart: number; upstreamStart: number; kscalePolled: number; upstreamPolled: number };
  step: { at: Map<Pair, number>; end: number; pairs: Pair[]; polled: Map<string, number> };
}

const KSCALE_EVALS = 'kscale_reconciliations_total';
const UPSTREAM_EVALS = 'horizontal_pod_autoscaler_controller_reconciliations_total';

function buildTable(o: VsHpaOptions, m: Measured): { title: string; notes: string[]; rows: Row[] } {
  const notes: string[] = [];
  const win = ([a, b]: [Snapshot, Snapshot]): Window => ({ from: a.t, to: b.t });
  const secs = ([a, b]: [Snapshot, Snapshot]): number => (b.t - a.t) / 1000;
  const cpuDelta = ([a, b]: [Snapshot, Snapshot], k: string): number => (b.cpu[k] ?? Number.NaN) - (a.cpu[k] ?? Number.NaN);
  const scaleReads = (user: string, w: Window): number => m.audit.filter((r) => r.user === user && isScaleRead(r) && r.t >= w.from && r.t < w.to).length;

  // Evaluations: kscale's counter; upstream's counter from KCM's /metrics, else its scale reads in the audit log.
  const evals = (side: 'kscale' | 'upstream', s: [Snapshot, Snapshot]): number => {
    const [a, b] = s;
    const prom = side === 'kscale' ? [a.kscaleProm, b.kscaleProm] : [a.upstreamProm, b.upstreamProm];
    const name = side === 'kscale' ? KSCALE_EVALS : UPSTREAM_EVALS;
    const before = prom[0] ? promSum(prom[0], name) : undefined;
    const after = prom[1] ? promSum(prom[1], name) : undefined;
    if (before !== undefined && after !== undefined) return after - before;
    if (side === 'upstream') notes.push('upstream evaluations counted from its scale reads in the audit log (KCM /metrics not scraped)');
    return scaleReads(USERS[side], win(s));
  };
  const bothS = secs(m.both);
  const ev = { kscale: evals('kscale', m.both), upstream: evals('upstream', m.both) };
  const aloneEv = { kscale: evals('kscale', m.kscaleAlone), upstream: evals('upstream', m.upstreamAlone) };
  const due = o.objects / SYNC_S;

  // Attributable API server / etcd CPU: (rate with that controller alone) − (rate with both paused).
  const rate = (s: [Snapshot, Snapshot], k: string): number => cpuDelta(s, k) / secs(s);
  const idleRate = (k: string): number => (cpuDelta(m.idle[0], k) + cpuDelta(m.idle[1], k)) / (secs(m.idle[0]) + secs(m.idle[1]));
  const attributable = (alone: [Snapshot, Snapshot], k: string): number => rate(alone, k) - idleRate(k);
  const perEval = (alone: [Snapshot, Snapshot], k: string, n: number): number => (n > 0 ? (attributable(alone, k) * secs(alone) * 1000) / n : Number.NaN);

  // etcd: DB size and revision growth per minute, alone minus idle.
  const etcdGrowth = (s: [Snapshot, Snapshot], name: string): number => {
    const a = s[0].etcdProm ? promSum(s[0].etcdProm, name) : undefined;
    const b = s[1].etcdProm ? promSum(s[1].etcdProm, name) : undefined;
    return a === undefined || b === undefined ? Number.NaN : ((b - a) / secs(s)) * 60;
  };
  const etcdAttr = (alone: [Snapshot, Snapshot], name: string): number => etcdGrowth(alone, name) - (etcdGrowth(m.idle[0], name) + etcdGrowth(m.idle[1], name)) / 2;

  // Requests per evaluation by verb and resource, from the audit log of the "both" window.
  const req = { kscale: requestsByKind(m.audit, USERS.kscale, win(m.both)), upstream: requestsByKind(m.audit, USERS.upstream, win(m.both)) };
  const kinds = [...new Set([...req.kscale.keys(), ...req.upstream.keys()])].sort();
  const total = (x: Map<string, number>): number => [...x.values()].reduce((s, v) => s + v, 0);
  const per = (n: number, d: number): number => (d > 0 ? n / d : Number.NaN);
  const statusWrites = (user: string, w: Window): number => m.audit.filter((r) => r.user === user && isStatusWrite(r) && r.t >= w.from && r.t < w.to).length;

  // Evaluation spacing per object. The HPA reads the target's /scale once at the start of every
  // evaluation, so the gaps between one object's scale reads in the audit log are its spacing (said
  // when that one-read-per-evaluation premise does not hold). kscale reads the scale of Deployments
  // from its cache, so it measures the same thing itself: kscale_evaluation_spacing_seconds.
  const upstreamGaps = spacings(timesByObject(m.audit, USERS.upstream, isScaleRead), win(m.both));
  const upstreamReads = per(scaleReads(USERS.upstream, win(m.both)), ev.upstream);
  if (!(upstreamReads > 0.95 && upstreamReads < 1.05)) notes.push(`upstream: ${upstreamReads.toFixed(2)} scale reads per evaluation, so its spacing figures are not one gap per evaluation`);
  const kscaleSpacing = m.both[0].kscaleProm && m.both[1].kscaleProm ? histogramDelta(m.both[0].kscaleProm, m.both[1].kscaleProm, 'kscale_evaluation_spacing_seconds') : undefined;
  const spacing = {
    p50: { kscale: histogramQuantile(kscaleSpacing, 0.5), upstream: percentile(upstreamGaps, 0.5) },
    p99: { kscale: histogramQuantile(kscaleSpacing, 0.99), upstream: percentile(upstreamGaps, 0.99) },
    max: { kscale: histogramMax(kscaleSpacing), upstream: upstreamGaps.length ? Math.max(...upstreamGaps) : Number.NaN },
  };

  // Queue wait in the "both" window.
  const qk = m.both[0].kscaleProm && m.both[1].kscaleProm ? histogramDelta(m.both[0].kscaleProm, m.both[1].kscaleProm, 'kscale_workqueue_wait_seconds') : undefined;
  const qu = m.both[0].upstreamProm && m.both[1].upstreamProm
    ? histogramDelta(m.both[0].upstreamProm, m.both[1].upstreamProm, 'workqueue_queue_duration_seconds', { name: 'horizontalpodautoscaler' }) : undefined;
  const mean = (h: typeof qk): number => (h && h.count > 0 ? (h.sum / h.count) * 1000 : Number.NaN);

  // Cold start: process start → the last object's first status write (audit log); the poll as a fallback.
  const coldStart = (user: string, resource: string, start: number, polled: number): number => {
    const first = new Map<string, number>();
    for (const r of m.audit) if (r.user === user && isStatusWrite(r) && r.resource === resource && r.t >= start && !first.has(`${r.namespace}/${r.name}`)) first.set(`${r.namespace}/${r.name}`, r.t);
    if (first.size < o.objects) return polled;
    return (Math.max(...first.values()) - start) / 1000;
  };

  // Reaction: the load step → that Deployment's first scale write (audit), else the poll that saw it.
  const reaction = (user: string, name: (p: Pair) => string): number[] => m.step.pairs.map((p) => {
    const at = m.step.at.get(p);
    if (at === undefined) return Number.NaN;
    const w = m.audit.find((r) => r.user === user && isScaleWrite(r) && r.namespace === p.namespace && r.name === name(p) && r.t >= at);
    return w ? (w.t - at) / 1000 : (m.step.polled.get(`${p.namespace}/${name(p)}`) ?? Number.NaN);
  });
  const react = { kscale: reaction(USERS.kscale, (p) => p.kscale), upstream: reaction(USERS.upstream, (p) => p.upstream) };
  const median = (xs: number[]): number => percentile(xs.filter(Number.isFinite), 0.5);
  const max = (xs: number[]): number => (xs.some((x) => !Number.isFinite(x)) ? Number.NaN : Math.max(...xs));

  const rows: Row[] = [
    { label: 'evaluations in the "both" window', unit: 'count', kscale: ev.kscale, upstream: ev.upstream, digits: 0 },
    { label: `evaluations per second (due ${due.toFixed(2)})`, unit: '/s', kscale: ev.kscale / bothS, upstream: ev.upstream / bothS, digits: 2 },
    { label: 'controller CPU per evaluation', unit: 'ms', kscale: per(cpuDelta(m.both, 'kscale') * 1000, ev.kscale), upstream: per(cpuDelta(m.both, 'upstream') * 1000, ev.upstream), digits: 3 },
    { label: 'controller CPU', unit: 'millicores', kscale: rate(m.both, 'kscale') * 1000, upstream: rate(m.both, 'upstream') * 1000, digits: 1 },
    { label: 'API server CPU attributable', unit: 'millicores', kscale: attributable(m.kscaleAlone, 'apiserver') * 1000, upstream: attributable(m.upstreamAlone, 'apiserver') * 1000, digits: 1 },
    { label: 'API server CPU per evaluation', unit: 'ms', kscale: perEval(m.kscaleAlone, 'apiserver', aloneEv.kscale), upstream: perEval(m.upstreamAlone, 'apiserver', aloneEv.upstream), digits: 3 },
    { label: 'etcd CPU attributable', unit: 'millicores', kscale: attributable(m.kscaleAlone, 'etcd') * 1000, upstream: attributable(m.upstreamAlone, 'etcd') * 1000, digits: 1 },
    { label: 'etcd CPU per evaluation', unit: 'ms', kscale: perEval(m.kscaleAlone, 'etcd', aloneEv.kscale), upstream: perEval(m.upstreamAlone, 'etcd', aloneEv.upstream), digits: 3 },
    { label: 'API requests per evaluation', unit: 'all', kscale: per(total(req.kscale), ev.kscale), upstream: per(total(req.upstream), ev.upstream), digits: 3 },
    ...kinds.map((k): Row => ({ label: `  ${k}`, unit: '', kscale: per(req.kscale.get(k) ?? 0, ev.kscale), upstream: per(req.upstream.get(k) ?? 0, ev.upstream), digits: 3 })),
    { label: 'status writes per evaluation', unit: '', kscale: per(statusWrites(USERS.kscale, win(m.both)), ev.kscale), upstream: per(statusWrites(USERS.upstream, win(m.both)), ev.upstream), digits: 3 },
    { label: 'etcd revisions (writes) attributable', unit: '/min', kscale: etcdAttr(m.kscaleAlone, 'etcd_debugging_mvcc_current_revision'), upstream: etcdAttr(m.upstreamAlone, 'etcd_debugging_mvcc_current_revision'), digits: 1 },
    { label: 'etcd DB size growth attributable', unit: 'KiB/min', kscale: etcdAttr(m.kscaleAlone, 'etcd_mvcc_db_total_size_in_bytes') / 1024, upstream: etcdAttr(m.upstreamAlone, 'etcd_mvcc_db_total_size_in_bytes') / 1024, digits: 1 },
    { label: 'etcd DB in-use growth attributable', unit: 'KiB/min', kscale: etcdAttr(m.kscaleAlone, 'etcd_mvcc_db_total_size_in_use_in_bytes') / 1024, upstream: etcdAttr(m.upstreamAlone, 'etcd_mvcc_db_total_size_in_use_in_bytes') / 1024, digits: 1 },
    { label: `evaluation spacing p50 (period ${String(SYNC_S)} s)`, unit: 's', ...spacing.p50, digits: 2 },
    { label: 'evaluation spacing p99', unit: 's', ...spacing.p99, digits: 2 },
    { label: 'evaluation spacing max (kscale: bucket bound)', unit: 's', ...spacing.max, digits: 2 },
    { label: 'queue wait mean', unit: 'ms', kscale: mean(qk), upstream: mean(qu), digits: 2 },
    { label: 'queue wait p99 (from histogram buckets)', unit: 'ms', kscale: histogramQuantile(qk, 0.99) * 1000, upstream: histogramQuantile(qu, 0.99) * 1000, digits: 2 },
    { label: 'RSS at the end of the "both" window', unit: 'MiB', kscale: m.mem.kscale.rss, upstream: m.mem.upstream.rss, digits: 0 },
    { label: 'peak RSS (VmHWM) by then', unit: 'MiB', kscale: m.mem.kscale.peak, upstream: m.mem.upstream.peak, digits: 0 },
    { label: 'cold start to all evaluated', unit: 's', kscale: coldStart(USERS.kscale, 'horizontalautoscalers.kscale.dev/status', m.cold.kscaleStart, m.cold.kscalePolled),
      upstream: coldStart(USERS.upstream, 'horizontalpodautoscalers.autoscaling/status', m.cold.upstreamStart, m.cold.upstreamPolled), digits: 1 },
    { label: `reaction to a ×2 load step, median of ${String(m.step.pairs.length)} phases`, unit: 's', kscale: median(react.kscale), upstream: median(react.upstream), digits: 1 },
    { label: `reaction to a ×2 load step, max of ${String(m.step.pairs.length)}`, unit: 's', kscale: max(react.kscale), upstream: max(react.upstream), digits: 1 },
  ];
  notes.push(
    `windows: "both" ${bothS.toFixed(0)} s, kscale alone ${secs(m.kscaleAlone).toFixed(0)} s, upstream alone ${secs(m.upstreamAlone).toFixed(0)} s, idle 2 × ${secs(m.idle[0]).toFixed(0)} s; evaluations alone: kscale ${String(aloneEv.kscale)}, upstream ${String(aloneEv.upstream)}`,
    `idle baseline (both paused, before/after the alone windows): API server ${(rate(m.idle[0], 'apiserver') * 1000).toFixed(1)}/${(rate(m.idle[1], 'apiserver') * 1000).toFixed(1)} millicores, etcd ${(rate(m.idle[0], 'etcd') * 1000).toFixed(1)}/${(rate(m.idle[1], 'etcd') * 1000).toFixed(1)} millicores`,
    `step reactions (s): kscale ${react.kscale.map((x) => x.toFixed(1)).join(', ')}; upstream ${react.upstream.map((x) => x.toFixed(1)).join(', ')}`,
    'spacing: upstream from the gaps between its scale reads (audit log); kscale from its kscale_evaluation_spacing_seconds histogram (buckets 0.25 s apart from 15 to 16 s, interpolated), since it reads Deployments\' scale from its cache',
    'attributable = rate with that controller alone (the other SIGSTOPped) − mean rate of the two windows with both SIGSTOPped; per evaluation divides by the evaluations in that alone window',
    ...(o.kwok ? [
      'kwok: pods on kwok nodes (kube-scheduler, kwok stages), CPU from the real metrics-server scraping kwok: API server and etcd CPU include kube-scheduler, kwok and metrics-server (in the idle baseline too)',
      `kwok: reaction times include metrics-server's resolution (${String(DEFAULT_METRIC_RESOLUTION_SECONDS)} s: a load change shows after its next scrapes) and its delay for new pods (PodMetrics after about its third scrape of them, some 30–40 s after Ready), as in a cluster`,
    ] : []),
  );
  const title = `kscale vs kube-controller-manager's HPA: ${String(o.objects)} twin pairs, ${String(o.namespaces)} namespaces, ${String(o.podsEach)} ${o.kwok ? 'kwok ' : ''}pods each, sync ${String(SYNC_S)} s, windows ${String(o.durationS)} s, upstream qps ${String(o.upstreamQps)}${o.metricsTick !== undefined ? `, kscale --metrics-tick=${o.metricsTick}` : ''}`;
  return { title, notes, rows };
}
