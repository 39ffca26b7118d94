// Polling with a deadline: the control plane's readiness checks all follow this shape.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called between attempts; throwing from it aborts the wait (e.g. the process already exited). */
  abortIf?: () => void;
}

/**
 * Calls `check` until it returns a value other than undefined, or throws after timeoutMs with the
 * last failure reason. `check` may throw to mean "not yet".
 */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let last: string;
  for (;;) {
    opts.abortIf?.();
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = 'not ready yet';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${String(Math.round(opts.timeoutMs / 1000))}s waiting for ${what}: ${last}`);
    }
    await sleep(interval);
  }
}

/**
 * Holds the event loop open until `work` settles. The harness unreferences its children and servers
 * (so a forgotten stop() cannot hang a process), which means an await on them alone would let
 * Node exit mid-start or mid-stop.
 */
export async function keepAlive<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => { /* only a reference on the event loop */ }, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
