// npm run cluster:up / cluster:down / cluster:status: the embedded control plane (with
// kube-controller-manager) as a background "cluster" for demos and manual poking with kubectl.
//   up [--controller] [kube-controller-manager flags]  start it detached, install the
//        HorizontalAutoscaler CRD (and with --controller run kscale's controller in it too);
//        print `export KUBECONFIG=... PATH=...` (eval-able) on stdout
//   down                                      stop it by the recorded PIDs and clean up
//   status [--json]                           is it running, where, and the exports again
// State lives in <cache>/cluster/ (state.json, supervisor.log, work/ with certs, kubeconfig, logs,
// metrics.json for `kscale dev metrics`). A detached Node "supervisor" owns the control plane, in the
// kwok mode as `npm start` runs it (src/cli/embedded-cluster.ts: pods run on kwok nodes, the real
// metrics-server serves metrics.k8s.io), and applies metrics.json whenever it changes: pod usage as
// kwok's usage annotations (cluster-kwok-usage.ts), custom and external metrics to the fake metrics
// APIs. Without the kwok mode's binaries it falls back like `npm start`: a helper marks pods in
// `default` Running and Ready and pod usage goes to the fake metrics API too.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { appliedFile, applyDevMetrics, clusterDir, metricsFile, patternNamespaces, readDevMetrics, type DevMetrics } from '../src/cli/dev.ts';
import { startEmbeddedCluster } from '../src/cli/embedded-cluster.ts';
import { parseConfig } from '../src/config.ts';
import { statusOf } from '../src/controlplane/clients.ts';
import { binaryPath, installKscaleApi, type ControlPlane } from '../src/controlplane/index.ts';
import { startController, type RunningController } from '../src/main.ts';
import { createLogger } from '../src/observability/logger.ts';
import { usageNamespaces, usagePatches, wantedUsage } from './cluster-kwok-usage.ts';


interface State {
  supervisorPid: number;
  ready: boolean;
  server?: string;
  kubeconfig?: string;
  kubectl?: string;
  workDir: string;
  pids?: Record<string, number>;
  startedAt: string;
  /** kscale's controller, when started with --controller: its metrics and health endpoint. */
  controllerUrl?: string;
  /** Pods run on kwok nodes and metrics.k8s.io is metrics-server (false: the fallback). */
  kwok?: boolean;
}

const stateDir = clusterDir();
const stateFile = join(stateDir, 'state.json');
const workDir = join(stateDir, 'work');
const supervisorLog = join(stateDir, 'supervisor.log');
const say = (msg: string): void => { process.stderr.write(`kscale cluster: ${msg}\n`); };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Alive and started from our work dir (guards against a recycled PID). */
function ours(pid: number): boolean {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').includes(workDir);
  } catch {
    return false;
  }
}

async function readState(): Promise<State | undefined> {
  try {
    return JSON.parse(await readFile(stateFile, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function printEnv(s: State): void {
  const bin = join(binaryPath('kubectl'), '..');
  process.stdout.write(`export KUBECONFIG=${s.kubeconfig ?? ''}\n`);
  process.stdout.write(`export PATH=${bin}:$PATH\n`);
  say(`apiserver ${s.server ?? '?'}; kubectl v1.36.3 at ${s.kubectl ?? ''} (the system kubectl may be outside the version skew)`);
  say(`HorizontalAutoscaler CRD installed; kscale controller ${s.controllerUrl ? `running (metrics and health at ${s.controllerUrl})` : 'not running (npm run cluster:up -- --controller runs one here, or run your own: npm run kscale -- run)'}`);
  if (s.kwok) {
    say('pods run on kwok nodes (kube-scheduler binds them, kwok makes them Running and Ready) and metrics.k8s.io is the real metrics-server;');
    say('pod usage: npm run --silent kscale -- dev metrics set default/POD cpu=250m (served after metrics-server\'s next scrapes); custom and external metrics are fake');
  } else {
    say('pods in namespace "default" are marked Running+Ready automatically (there is no kubelet); fake metrics: npm run --silent kscale -- dev metrics set default/POD cpu=250m');
  }
  say('stop with `npm run cluster:down`; `npm run cluster:status` prints these lines again');
}

async function up(args: string[]): Promise<number> {
  const existing = await readState();
  if (existing && alive(existing.supervisorPid) && existing.ready) {
    say(`already running (supervisor PID ${String(existing.supervisorPid)}); cluster:down first to change its flags`);
    printEnv(existing);
    return 0;
  }
  if (existing) await down(); // stale state from a crashed run
  await mkdir(stateDir, { recursive: true });
  const fd = openSync(supervisorLog, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', ...args],
    { detached: true, stdio: ['ignore', fd, fd] }); // own session: survives the npm command
  closeSync(fd);
  child.unref();
  say(`starting (supervisor PID ${String(child.pid ?? '?')}, log ${supervisorLog})`);
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const s = await readState();
    if (s?.ready && s.supervisorPid === child.pid) { printEnv(s); return 0; }
    if (child.pid === undefined || !alive(child.pid)) break;
    await sleep(300);
  }
  say(`failed to start; last lines of ${supervisorLog}:`);
  process.stderr.write(`${existsSync(supervisorLog) ? readFileSync(supervisorLog, 'utf8').split('\n').slice(-40).join('\n') : ''}\n`);
  if (child.pid !== undefined && alive(child.pid)) process.kill(child.pid, 'SIGTERM');
  return 1;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Applies metrics.json whenever it changes, and acknowledges its version: to the fake metrics APIs,
 * and in the kwok mode pod usage to kwok's annotations too. Entries with a pod pattern (web-*), and
 * in the kwok mode pods that did not exist yet, are applied again when the namespace's pods change.
 */
function followDevMetrics(cp: ControlPlane): { stop(): void } {
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const kwok = cp.kwok !== undefined;
  /** "namespace/pod" whose usage annotations were set here (kwok mode). */
  const annotated = new Set<string>();
  let seen = 0;
  let podsSeen = '';
  let busy = false;
  const applyKwokUsage = async (pods: Map<string, string[]>, listed: V1Pod[], metrics: DevMetrics): Promise<void> => {
    const wanted = wantedUsage(metrics, pods);
    for (const p of usagePatches(wanted, listed, annotated)) {
      try {
        await core.patchNamespacedPod({ name: p.pod, namespace: p.namespace, body: { metadata: { annotations: p.annotations } } }, mergePatch);
      } catch (err) {
        if (statusOf(err) !== 404) throw err; // deleted meanwhile; anything else: the next tick retries
      }
    }
    annotated.clear();
    for (const k of wanted.keys()) annotated.add(k);
  };
  const tick = async (): Promise<void> => {
    const mtime = (await stat(metricsFile()).catch(() => undefined))?.mtimeMs ?? 0;
    const metrics = await readDevMetrics();
    const pods = new Map<string, string[]>();
    const listed: V1Pod[] = [];
    for (const namespace of new Set([...patternNamespaces(metrics), ...(kwok ? usageNamespaces(metrics, annotated) : [])])) {
      const items = (await core.listNamespacedPod({ namespace })).items;
      listed.push(...items);
      pods.set(namespace, items.map((p) => p.metadata?.name ?? '').sort());
    }
    const podsNow = JSON.stringify([...pods]);
    if (mtime === seen && podsNow === podsSeen) return;
    applyDevMetrics(cp.metrics, metrics, pods);
    if (kwok) await applyKwokUsage(pods, listed, metrics);
    if (mtime !== seen) console.log(`fake metrics: applied version ${String(metrics.version)}`);
    seen = mtime;
    podsSeen = podsNow;
    await writeFile(appliedFile(), `${String(metrics.version)}\n`);
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    tick().catch((e: unknown) => { console.log(`fake metrics: ${(e as Error).message}`); }).finally(() => { busy = false; });
  }, 500);
  return { stop: () => { clearInterval(timer); } };
}

async function serve(args: string[]): Promise<void> {
  const withController = args.includes('--controller');
  const kcmArgs = args.filter((a) => a !== '--controller');
  await rm(workDir, { recursive: true, force: true });
  // A new cluster starts without fake metrics (`kscale dev metrics set` programs them).
  await Promise.all([rm(metricsFile(), { force: true }), rm(appliedFile(), { force: true })]);
  const base: State = { supervisorPid: process.pid, ready: false, workDir, startedAt: new Date().toISOString() };
  await writeFile(stateFile, JSON.stringify(base, null, 2));
  const cluster = await startEmbeddedCluster((line) => { process.stdout.write(line); }, ['default'], { controllerManagerArgs: kcmArgs, workDir });
  const cp = cluster.cp;
  await installKscaleApi(cp);
  const devMetrics = followDevMetrics(cp);
  let controller: RunningController | undefined;
  if (withController) {
    // One local replica: no Lease; its logs (JSON) go to supervisor.log.
    controller = await startController(parseConfig(['--http-address=127.0.0.1:0', '--leader-elect=false']), cp.kubeConfig, createLogger({ format: 'json' }));
  }
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // Reverse start order: nothing may still use the control plane when it goes.
    await controller?.stop();
    devMetrics.stop();
    await cluster.stopHelpers();
    await cp.stop();
    await rm(workDir, { recursive: true, force: true });
    await rm(stateFile, { force: true });
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => { void shutdown(); });
  const state: State = {
    ...base, ready: true, server: cp.server, kubeconfig: cp.kubeconfigPath, kubectl: binaryPath('kubectl'), pids: { ...cp.pids }, kwok: cp.kwok !== undefined,
    ...(controller ? { controllerUrl: controller.url } : {}),
  };
  await writeFile(stateFile, JSON.stringify(state, null, 2));
  console.log(`ready: ${cp.server} pids ${JSON.stringify(cp.pids)}${controller ? `; kscale controller at ${controller.url}` : ''}`);
  setInterval(() => { /* keep the supervisor alive until signalled */ }, 60_000);
}

async function down(): Promise<number> {
  const s = await readState();
  if (!s) { say('no cluster recorded; nothing to stop'); return 0; }
  if (alive(s.supervisorPid)) {
    process.kill(s.supervisorPid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(s.supervisorPid); i++) await sleep(300);
  }
  // Whatever survived (a supervisor killed with SIGKILL, a hang): by PID, only if it is still ours.
  for (const pid of Object.values(s.pids ?? {})) {
    if (ours(pid)) { process.kill(pid, 'SIGKILL'); say(`killed leftover PID ${String(pid)}`); }
  }
  if (alive(s.supervisorPid) && readFileSync(`/proc/${String(s.supervisorPid)}/cmdline`, 'utf8').includes('cluster.ts')) {
    process.kill(s.supervisorPid, 'SIGKILL');
  }
  await rm(workDir, { recursive: true, force: true });
  await rm(stateFile, { force: true });
  say('stopped');
  return 0;
}

async function status(args: string[]): Promise<number> {
  const s = await readState();
  const running = s !== undefined && alive(s.supervisorPid) && s.ready;
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(s ? { ...s, supervisorAlive: alive(s.supervisorPid) } : { running: false }, null, 2)}\n`);
    return running ? 0 : 1;
  }
  if (!s) { say('not running; start it with `npm run cluster:up`'); return 1; }
  if (!running) { say(`not running (stale state from supervisor PID ${String(s.supervisorPid)}; see ${supervisorLog}); npm run cluster:down cleans up`); return 1; }
  say(`running since ${s.startedAt} (supervisor PID ${String(s.supervisorPid)}; ${Object.entries(s.pids ?? {}).map(([n, p]) => `${n} ${String(p)}`).join(', ')})`);
  printEnv(s);
  return 0;
}

const [cmd = '', ...rest] = process.argv.slice(2);
switch (cmd) {
  case 'up': process.exitCode = await up(rest); break;
  case 'down': process.exitCode = await down(); break;
  case 'status': process.exitCode = await status(rest); break;
  case 'serve': await serve(rest); break;
  default:
    say('usage: scripts/node.sh scripts/cluster.ts up [--controller] [kube-controller-manager flags...] | down | status [--json]');
    process.exitCode = 2;
}
