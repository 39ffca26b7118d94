// `kscale run` as a child process, as it runs in a pod: its JSON log lines collected as they come,
// and signals sent to its own PID (kill -9, SIGSTOP/SIGCONT) for leader-failure tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const repo = (p: string): string => new URL(`../../${p}`, import.meta.url).pathname;

/** One line of kscale's JSON log (src/observability/logger.ts): level by name, ISO time. */
export interface LogLine { level: string; msg: string; time: string; [field: string]: unknown }

/** A log line's time as a Date.now() value. */
export const lineTime = (l: LogLine): number => Date.parse(l.time);

export class KscaleProcess {
  readonly name: string;
  /** Every JSON log line (stdout), in order. */
  readonly lines: LogLine[] = [];
  /** Everything else it printed (stderr and non-JSON stdout), for failure messages. */
  other = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;

  constructor(name: string, args: string[]) {
    this.name = name;
    this.#child = spawn(repo('scripts/node.sh'), [repo('src/cli/main.ts'), 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => { this.#child.on('exit', (code, signal) => { resolve({ code, signal }); }); });
    const out = this.#child.stdout;
    const err = this.#child.stderr;
    if (out) {
      createInterface({ input: out }).on('line', (l) => {
        try { this.lines.push(JSON.parse(l) as LogLine); } catch { this.other += `${l}\n`; }
      });
    }
    err?.on('data', (d: Buffer) => { this.other += d.toString(); });
  }

  get pid(): number {
    if (this.#child.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.#child.pid;
  }

  /** The Node process itself: scripts/node.sh execs node, so the PID is node's. */
  signal(sig: NodeJS.Signals): void {
    this.#child.kill(sig);
  }

  /** Log lines with this message, optionally since a time (Date.now()). */
  logged(msg: string, since = 0): LogLine[] {
    return this.lines.filter((l) => l.msg === msg && lineTime(l) >= since);
  }

  /** SIGCONT (in case it is stopped), SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGCONT');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => { this.#child.kill('SIGKILL'); }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The last lines of its output, for assertion messages. */
  tail(n = 30): string {
    return [...this.lines.slice(-n).map((l) => JSON.stringify(l)), this.other.slice(-2_000)].join('\n');
  }
}
