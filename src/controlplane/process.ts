// One child process of the control plane (etcd, kube-apiserver, kube-controller-manager): started
// with its output in a log file, stopped by its own PID (SIGTERM, then SIGKILL after a grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
}

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null }

/** The last `lines` lines of a log file ('' when it cannot be read). */
export function tailFile(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
  } catch {
    return '';
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly #child: ChildProcess;
  readonly #exit: Promise<ExitInfo>;
  #exitInfo: ExitInfo | undefined;

  private constructor(spec: ProcessSpec, child: ChildProcess, pid: number) {
    this.name = spec.name;
    this.logFile = spec.logFile;
    this.pid = pid;
    this.#child = child;
    this.#exit = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exitInfo = { code, signal };
        resolve(this.#exitInfo);
      });
    });
  }

  static async start(spec: ProcessSpec): Promise<ManagedProcess> {
    const fd = openSync(spec.logFile, 'a');
    let child: ChildProcess;
    try {
      // Same process group as the parent on purpose: a Ctrl-C in a terminal reaches the children
      // too, so they go away even if the parent's own cleanup never gets to run.
      child = spawn(spec.command, spec.args, { stdio: ['ignore', fd, fd], env: spec.env ?? process.env });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports ENOENT/EACCES asynchronously through 'error'.
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`cannot start ${spec.name} (${spec.command}): ${err.message}`);
    }
    child.on('error', () => { /* reported through 'exit' and the log */ });
    // A caller that forgets stop() must not hang its process (node --test waits for it to exit):
    // unreferenced, the child no longer keeps the event loop alive, and the 'exit' handler in
    // cleanup.ts kills it when the process ends.
    child.unref();
    return new ManagedProcess(spec, child, pid);
  }

  get exitInfo(): ExitInfo | undefined { return this.#exitInfo; }

  logTail(lines = 40): string { return tailFile(this.logFile, lines); }

  /** Throws (with the log tail) if the process has already exited; used while waiting for readiness. */
  assertRunning(): void {
    const info = this.#exitInfo;
    if (!info) return;
    const how = info.signal ? `signal ${info.signal}` : `code ${String(info.code)}`;
    throw new Error(`${this.name} exited early with ${how}; last lines of ${this.logFile}:\n${this.logTail()}`);
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. Idempotent. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.#exitInfo) return;
    this.#child.ref(); // keep the process alive until the child is really gone
    this.#signal('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => { resolve('timeout'); }, graceMs).unref());
    if ((await Promise.race([this.#exit, timer])) === 'timeout') {
      this.#signal('SIGKILL');
      await this.#exit;
    }
  }

  /** Synchronous last resort for process 'exit' handlers, where nothing can be awaited. */
  killNow(): void {
    if (!this.#exitInfo) this.#signal('SIGKILL');
  }

  #signal(sig: NodeJS.Signals): void {
    try {
      this.#child.kill(sig);
    } catch {
      // already gone
    }
  }
}
