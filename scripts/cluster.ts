// npm run cluster:up / cluster:down: the embedded control plane (with kube-controller-manager) as a
// background "cluster" for demos and manual poking with kubectl.
//   up [extra kube-controller-manager flags]  start it detached; print `export KUBECONFIG=...`
//   down                                      stop it by the recorded PIDs and clean up
//   status                                    print the recorded state
// State lives in <cache>/cluster/ (state.json, supervisor.log, work/ with certs, kubeconfig, logs).
// A detached Node "supervisor" owns the control plane; it also marks pods in `default` Running and
// Ready, since there is no kubelet.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPath, kscaleCacheDir, startControlPlane, startPodReadier } from '../src/controlplane/index.ts';

interface State {
  supervisorPid: number;
  ready: boolean;
  server?: string;
  kubeconfig?: string;
  kubectl?: string;
  workDir: string;
  pids?: Record<string, number>;
  startedAt: string;
}

const stateDir = join(kscaleCacheDir(), 'cluster');
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
  say('pods in namespace "default" are marked Running+Ready automatically (there is no kubelet); stop with `npm run cluster:down`');
}

async function up(kcmArgs: string[]): Promise<number> {
  const existing = await readState();
  if (existing && alive(existing.supervisorPid) && existing.ready) {
    say(`already running (supervisor PID ${String(existing.supervisorPid)})`);
    printEnv(existing);
    return 0;
  }
  if (existing) await down(); // stale state from a crashed run
  await mkdir(stateDir, { recursive: true });
  const fd = openSync(supervisorLog, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', ...kcmArgs],
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

async function serve(kcmArgs: string[]): Promise<void> {
  await rm(workDir, { recursive: true, force: true });
  const base: State = { supervisorPid: process.pid, ready: false, workDir, startedAt: new Date().toISOString() };
  await writeFile(stateFile, JSON.stringify(base, null, 2));
  const cp = await startControlPlane({ controllerManager: true, controllerManagerArgs: kcmArgs, workDir });
  const readier = startPodReadier(cp.kubeConfig, 'default');
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await readier.stop();
    await cp.stop();
    await rm(workDir, { recursive: true, force: true });
    await rm(stateFile, { force: true });
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => { void shutdown(); });
  const state: State = { ...base, ready: true, server: cp.server, kubeconfig: cp.kubeconfigPath, kubectl: binaryPath('kubectl'), pids: { ...cp.pids } };
  await writeFile(stateFile, JSON.stringify(state, null, 2));
  console.log(`ready: ${cp.server} pids ${JSON.stringify(cp.pids)}`);
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

async function status(): Promise<number> {
  const s = await readState();
  if (!s) { say('not running'); return 1; }
  process.stdout.write(`${JSON.stringify({ ...s, supervisorAlive: alive(s.supervisorPid) }, null, 2)}\n`);
  return 0;
}

const [cmd = '', ...rest] = process.argv.slice(2);
switch (cmd) {
  case 'up': process.exitCode = await up(rest); break;
  case 'down': process.exitCode = await down(); break;
  case 'status': process.exitCode = await status(); break;
  case 'serve': await serve(rest); break;
  default:
    say('usage: scripts/node.sh scripts/cluster.ts up [kube-controller-manager flags...] | down | status');
    process.exitCode = 2;
}
