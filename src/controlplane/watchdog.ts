// Orphan guard: a tiny detached shell that outlives a parent killed with SIGKILL (or crashed hard),
// where no JavaScript cleanup can run. It polls the parent's PID; once the parent is gone it stops the
// PIDs listed in the pid file, but only those whose command line still mentions the work dir (so a
// recycled PID is never touched), then removes the work dir. stop() ends it on an orderly shutdown.
import { spawn } from 'node:child_process';

const SCRIPT = `
parent="$1"; dir="$2"; pidfile="$3"; remove="$4"
while kill -0 "$parent" 2>/dev/null; do sleep 2; done
ours() { [ -r "/proc/$1/cmdline" ] && tr '\\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$dir"; }
# Reverse start order (KCM, apiserver, etcd), each given 10 s after SIGTERM before SIGKILL.
pids=""; for p in $(cat "$pidfile" 2>/dev/null); do pids="$p $pids"; done
for p in $pids; do
  ours "$p" || continue
  kill -TERM "$p" 2>/dev/null
  i=0; while [ $i -lt 20 ] && ours "$p"; do sleep 0.5; i=$((i+1)); done
  ours "$p" && kill -KILL "$p" 2>/dev/null
done
[ "$remove" = "1" ] && rm -rf -- "$dir"
exit 0
`;

export interface Watchdog { readonly pid: number; stop(): void }

export function startWatchdog(workDir: string, pidFile: string, removeWorkDir: boolean): Watchdog {
  const child = spawn('sh', ['-c', SCRIPT, 'kscale-controlplane-watchdog', String(process.pid), workDir, pidFile,
    removeWorkDir ? '1' : '0'], { detached: true, stdio: 'ignore' });
  child.on('error', () => { /* best effort: the in-process cleanup still runs */ });
  child.unref();
  const pid = child.pid ?? -1;
  return {
    pid,
    stop(): void {
      if (pid <= 0) return;
      try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
    },
  };
}
