// What an autoscaler did to its target, as seen from outside: the target's spec.replicas polled
// often, each change with the time it was first seen. Fault tests assert on it that nothing scaled
// the wrong way and that a behavior policy held.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReplicaChange { from: number; to: number; at: number }

export class ReplicaTimeline {
  readonly changes: ReplicaChange[] = [];
  readonly #read: () => Promise<number | undefined>;
  readonly #intervalMs: number;
  #current: number | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  /** `read` returns the replica count, or undefined while the target does not exist. */
  constructor(read: () => Promise<number | undefined>, intervalMs = 100) {
    this.#read = read;
    this.#intervalMs = intervalMs;
  }

  get current(): number | undefined { return this.#current; }

  /** Reads the starting count, then polls until stop(). */
  async start(): Promise<this> {
    this.#current = await this.#read();
    this.#running = this.#poll();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  /** Changes first seen at or after `at` (a Date.now() value). */
  since(at: number): ReplicaChange[] {
    return this.changes.filter((c) => c.at >= at);
  }

  /** Waits until the count satisfies `ok`; resolves to when that was first seen. */
  async waitFor(what: string, ok: (replicas: number) => boolean, timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (this.#current !== undefined && ok(this.#current)) return this.changes.at(-1)?.at ?? Date.now();
      if (Date.now() > end) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}; replicas ${String(this.#current)}, changes ${describeChanges(this.changes)}`);
      await sleep(this.#intervalMs / 2);
    }
  }

  async #poll(): Promise<void> {
    while (!this.#stopped) {
      const r = await this.#read().catch(() => this.#current);
      // A target that disappears and comes back starts a new baseline: its new count is not a scale.
      if (r !== undefined && this.#current !== undefined && r !== this.#current) this.changes.push({ from: this.#current, to: r, at: Date.now() });
      this.#current = r;
      await sleep(this.#intervalMs);
    }
  }
}

export const describeChanges = (changes: readonly ReplicaChange[], origin?: number): string =>
  changes.length === 0 ? '(none)' : changes.map((c) => `${String(c.from)}→${String(c.to)}${origin !== undefined ? ` @${String(c.at - origin)}ms` : ''}`).join(', ');

/** Every change went this way; 'none': nothing changed. */
export function assertDirection(changes: readonly ReplicaChange[], want: 'up' | 'down' | 'none', what: string): void {
  const wrong = changes.filter((c) => want === 'none' || (want === 'up' ? c.to < c.from : c.to > c.from));
  assert.deepEqual(wrong, [], `${what}: ${want === 'none' ? 'no scale expected' : `only scale-${want} expected`}, saw ${describeChanges(changes)}`);
}

/**
 * A Pods behavior policy held: within any `periodMs`, changes in `direction` add up to at most `pods`.
 * Changes are timed by polling, a little after the controller made them: `slackMs` allows for that.
 */
export function assertPodsPolicy(changes: readonly ReplicaChange[], policy: { direction: 'up' | 'down'; pods: number; periodMs: number; slackMs?: number }, what: string): void {
  const slack = policy.slackMs ?? 1_000;
  const moves = changes.filter((c) => (policy.direction === 'up' ? c.to > c.from : c.to < c.from));
  for (const c of moves) {
    const window = moves.filter((m) => m.at <= c.at && m.at > c.at - (policy.periodMs - slack));
    const total = window.reduce((sum, m) => sum + Math.abs(m.to - m.from), 0);
    assert.ok(total <= policy.pods,
      `${what}: at most ${String(policy.pods)} pod(s) per ${String(policy.periodMs / 1000)} s scaling ${policy.direction}, saw ${describeChanges(window, moves[0]?.at)} (all: ${describeChanges(changes)})`);
  }
}
