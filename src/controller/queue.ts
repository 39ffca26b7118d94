// A work queue with client-go's guarantees, for keys like "namespace/name":
//  - repeated adds of a waiting key coalesce into one (dirty set);
//  - a key is never handed to two workers at once (processing set): an add during processing
//    re-queues the key once processing is done;
//  - failures back off exponentially per key; forget() resets the count;
//  - addAfter() keeps only the earliest pending timer per key.
// Invariant: a key is in `ready` iff it is in `dirty` and not in `processing`.

export interface QueueHooks {
  /** Called when a key is handed out, with how long it waited since it became ready. */
  onGet?(key: string, waitedMs: number): void;
  onDepth?(depth: number): void;
}

export interface QueueOptions {
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  hooks?: QueueHooks;
}

export class WorkQueue {
  readonly #ready: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #readySince = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #idle: (() => void)[] = [];
  readonly #base: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #hooks: QueueHooks;
  #shuttingDown = false;

  constructor(o: QueueOptions = {}) {
    this.#base = o.baseBackoffMs ?? 1000;
    this.#max = o.maxBackoffMs ?? 300_000;
    this.#now = o.now ?? Date.now;
    this.#hooks = o.hooks ?? {};
  }

  get depth(): number { return this.#ready.length; }
  get processing(): number { return this.#processing.size; }
  get shuttingDown(): boolean { return this.#shuttingDown; }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Adds the key after a delay; an earlier pending timer for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) { this.add(key); return; }
    const at = this.#now() + delayMs;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => { this.#timers.delete(key); this.add(key); }, delayMs);
    timer.unref();
    this.#timers.set(key, { at, timer });
  }

  /** Re-adds a failed key after its exponential backoff: base × 2^failures, capped (also by capMs). */
  addRateLimited(key: string, capMs = Infinity): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = Math.min(this.#max, capMs, this.#base * 2 ** failures);
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: string): void { this.#failures.delete(key); }
  failures(key: string): number { return this.#failures.get(key) ?? 0; }

  /** Entries held per key, by structure (Manager.retained). */
  retained(): Record<string, number> {
    return { queued: this.#readySince.size, delayed: this.#timers.size, failures: this.#failures.size };
  }

  /** Drops a pending delayed add (e.g. the object was deleted). */
  cancel(key: string): void {
    const pending = this.#timers.get(key);
    if (pending) { clearTimeout(pending.timer); this.#timers.delete(key); }
    this.#failures.delete(key);
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks processing of a key finished; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#push(key);
    if (this.#processing.size === 0) for (const f of this.#idle.splice(0)) f();
  }

  /** Stops intake and hands no more keys out; resolves when in-flight keys are done. */
  async shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const w of this.#waiters.splice(0)) w(undefined);
    if (this.#processing.size > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #push(key: string): void {
    this.#readySince.set(key, this.#now());
    const waiter = this.#waiters.shift();
    if (waiter) { waiter(this.#handOut(key)); return; }
    this.#ready.push(key);
    this.#hooks.onDepth?.(this.#ready.length);
  }

  #take(): string | undefined {
    if (this.#shuttingDown) return undefined;
    const key = this.#ready.shift();
    if (key === undefined) return undefined;
    this.#hooks.onDepth?.(this.#ready.length);
    return this.#handOut(key);
  }

  #handOut(key: string): string {
    this.#processing.add(key);
    this.#dirty.delete(key);
    const since = this.#readySince.get(key) ?? this.#now();
    this.#readySince.delete(key);
    this.#hooks.onGet?.(key, this.#now() - since);
    return key;
  }
}
