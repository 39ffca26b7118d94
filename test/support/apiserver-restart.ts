// A real kube-apiserver restart on the embedded control plane, without changing it: stop the running
// kube-apiserver by its PID (SIGTERM, then SIGKILL after a short grace period, as the kubelet stops a
// static pod), leave the port closed for a while, then start the same binary with the same command
// line (same port, certificates and etcd). Clients see connections refused, then the same server
// again. (Left alone, kube-apiserver takes about 30 s to drain on SIGTERM.)
//
// The new process is not known to the control plane's own stop(): call stop() on the handle this
// returns after cp.stop(). A process exit handler and the control plane's watchdog (its pid file)
// also end it should the test process die first.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../src/controlplane/index.ts';
import { probe } from '../../src/controlplane/probe.ts';

export interface RestartedApiServer {
  /** When the old process was sent SIGTERM (it stops serving soon after). */
  stoppingAt: number;
  /** When the old process was gone (the API unreachable from then on). */
  downAt: number;
  /** When the new process answered /readyz with 200. */
  readyAt: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const alive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true; } catch { return false; }
};

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Restarts the control plane's kube-apiserver: SIGTERM, SIGKILL after `graceMs`, down for `downMs`
 * after the old process exited; resolves once the new one is ready.
 */
export async function restartApiServer(cp: ControlPlane, o: { downMs: number; graceMs: number }): Promise<RestartedApiServer> {
  const oldPid = cp.pids['kube-apiserver'];
  if (oldPid === undefined) throw new Error('the control plane runs no kube-apiserver');
  // The exact command line it was started with (NUL-separated), so the new process is the same server.
  const [command = '', ...args] = readFileSync(`/proc/${String(oldPid)}/cmdline`, 'utf8').split('\0').filter(Boolean);
  const pki = (file: string): Buffer => readFileSync(join(cp.workDir, 'pki', file));
  const tls = { ca: pki('ca.crt'), cert: pki('admin.crt'), key: pki('admin.key') };

  const stoppingAt = Date.now();
  process.kill(oldPid, 'SIGTERM');
  if (!await waitGone(oldPid, o.graceMs)) {
    process.kill(oldPid, 'SIGKILL');
    if (!await waitGone(oldPid, 10_000)) throw new Error(`kube-apiserver (PID ${String(oldPid)}) did not exit on SIGKILL`);
  }
  const downAt = Date.now();
  await sleep(o.downMs);

  const log = openSync(join(cp.workDir, 'logs', 'kube-apiserver-restarted.log'), 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${command} again`);
  child.unref();
  child.on('error', () => { /* reported by the readiness wait below */ });
  const exited = new Promise<void>((resolve) => { child.once('exit', () => { resolve(); }); });
  const killAtExit = (): void => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killAtExit);
  // The watchdog stops the PIDs listed here if this process is killed outright.
  appendFileSync(join(cp.workDir, 'pids'), `${String(pid)}\n`);

  const end = Date.now() + 90_000;
  for (;;) {
    const r = await probe(`${cp.server}/readyz`, tls, 2_000).catch(() => undefined);
    if (r?.status === 200) break;
    if (!alive(pid)) throw new Error(`the restarted kube-apiserver exited; see ${join(cp.workDir, 'logs', 'kube-apiserver-restarted.log')}`);
    if (Date.now() > end) throw new Error('the restarted kube-apiserver was not ready within 90 s');
    await sleep(200);
  }
  const readyAt = Date.now();

  return {
    stoppingAt, downAt, readyAt, pid,
    stop: async (graceMs = 10_000) => {
      process.removeListener('exit', killAtExit);
      if (!alive(pid)) return;
      child.ref();
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => { killAtExit(); }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
