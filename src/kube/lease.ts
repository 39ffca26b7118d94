// Leader election on a coordination.k8s.io/v1 Lease, the algorithm of client-go's leaderelection
// package (client-node has none). Only the leader reconciles; standbys keep reading the Lease.
//
// Safety rests on three rules:
// - A standby takes over only when the Lease's holder and renewTime stayed unchanged for a whole
//   leaseDuration, timed on its OWN clock from when it saw them change. Times in the record are never
//   compared with local time, so clock skew between nodes cannot cause two leaders.
// - Every write carries the resourceVersion just read: of two racing replicas one gets 409 and loses.
// - A leader that has not renewed within renewDeadline (< leaseDuration) stops acting at once, so it
//   has stopped before any standby may consider the Lease expired.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { V1MicroTime } from './client-node.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeApiError } from './errors.ts';
import { KubeHttp, pathOf, type KubeHttpOptions } from './http.ts';
import { LEADER_JITTER_FACTOR } from './leader-jitter.ts';

/**
 * The default leader-election identity: the hostname plus a random suffix, as client-go makes it, so
 * that two processes on one host (or a restarted one whose old Lease is still held) never both
 * believe they hold the Lease.
 */
export function defaultIdentity(host: string = hostname()): string {
  return `${host}_${randomUUID()}`;
}

export interface LeaderElectorOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name: string;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  /** How long a standby waits on an unchanged Lease before taking over (client-go default 15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps acting without a successful renew (default 10 s). */
  renewDeadlineMs?: number;
  /** Pause between attempts; jittered up to 2.2x while not leading (default 2 s). */
  retryPeriodMs?: number;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  /** The holder seen on the Lease changed; undefined when released. */
  onLeaderChange?: (holder: string | undefined) => void;
  /** Per request: verb, HTTP code or error reason, seconds (for kscale_api_requests_total). */
  onRequest?: KubeHttpOptions['onRequest'];
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  // Strings when read back, V1MicroTime when written (6 fractional digits, as the apiserver expects).
  acquireTime?: string | V1MicroTime;
  renewTime?: string | V1MicroTime;
  leaseTransitions?: number;
  [field: string]: unknown;
}
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [field: string]: unknown };
  spec?: LeaseSpec;
}

// (in a module of its own so that src/config.ts, and with it `kscale --help`, need not load this one)
export { LEADER_JITTER_FACTOR };
// On stop: how long an attempt in flight is waited for, and how long releasing the Lease may take.
// Together well under a termination grace period; a Lease not released expires after leaseDuration.
const STOP_WAIT_MS = 500;
const RELEASE_TIMEOUT_MS = 1_000;

const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.conflict;

export class LeaderElector {
  readonly #o: LeaderElectorOptions;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #http: KubeHttp;
  readonly #collection: string;
  readonly #path: string;
  readonly #log: Logger;

  /** The Lease as last read or written: its resourceVersion guards the next write. */
  #lease: Lease | undefined;
  /** holder|renewTime last seen, and when (local monotonic clock) it last changed. */
  #observedKey = '';
  #observedAt = 0;
  #observedHolder: string | undefined;
  #leading = false;
  #deadline: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #released = false;
  /** performance.now() before the last successful acquire or renew. */
  #renewedAt = -Infinity;
  #wake: (() => void) | undefined;

  constructor(o: LeaderElectorOptions) {
    this.#o = o;
    this.#leaseDurationMs = o.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = o.retryPeriodMs ?? 2_000;
    // The same checks as client-go's NewLeaderElector: otherwise two leaders can overlap.
    if (!o.identity) throw new Error('leader election: identity must not be empty');
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs)) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (!(this.#renewDeadlineMs > LEADER_JITTER_FACTOR * this.#retryPeriodMs)) throw new Error(`leader election: renewDeadline must be greater than retryPeriod*${String(LEADER_JITTER_FACTOR)}`);
    if (!(this.#retryPeriodMs > 0)) throw new Error('leader election: retryPeriod must be positive');
    // A client of its own: renewals must not queue behind the controller's slow metric calls.
    this.#http = new KubeHttp({ kubeConfig: o.kubeConfig, timeoutMs: this.#renewDeadlineMs, concurrency: 2, userAgent: 'kscale/leader-election', onRequest: o.onRequest });
    this.#collection = `/apis/coordination.k8s.io/v1${pathOf('namespaces', o.namespace, 'leases')}`;
    this.#path = `${this.#collection}${pathOf(o.name)}`;
    this.#log = o.logger.child({ component: 'leader-election', lease: `${o.namespace}/${o.name}`, identity: o.identity });
  }

  get isLeader(): boolean { return this.#leading; }

  /**
   * Leading and renewed within the renew deadline, by the monotonic clock, now: unlike isLeader, true
   * only while no standby can have taken over, even if this process was frozen and its timers have
   * not run yet. Writers check it right before each write.
   */
  holdsLease(): boolean {
    return this.#leading && performance.now() - this.#renewedAt < this.#renewDeadlineMs;
  }

  /** Tries to acquire, then renews, until stop(); leadership may come and go meanwhile. */
  run(): Promise<void> {
    if (!this.#running) {
      this.#stopped = false;
      this.#released = false;
      this.#running = this.#loop().finally(() => { this.#running = undefined; });
    }
    return this.#running;
  }

  /**
   * Stops the loop; a leader stops acting, then releases the Lease so a standby takes over at once.
   * Bounded: an attempt hanging on a slow API server is not waited for beyond a moment.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    const running = this.#running;
    if (!running) return;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([running.then(() => true), new Promise<boolean>((resolve) => { timer = setTimeout(() => { resolve(false); }, STOP_WAIT_MS); })]);
    clearTimeout(timer);
    if (!finished) await this.#release();
  }

  async #loop(): Promise<void> {
    this.#log.info('leader election started');
    while (!this.#stopped) {
      // Measured from before the request: the Lease may have been written at any time during it.
      const attemptAt = performance.now();
      const ok = await this.#tryAcquireOrRenew();
      if (this.#stopped) break; // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
      if (ok) { this.#renewedAt = attemptAt; this.#succeeded(); }
      // Someone else holds a valid Lease: we know for certain we no longer lead, so don't wait for the deadline.
      else if (this.#leading && this.#observedHolder !== this.#o.identity) this.#lose(`the Lease is now held by ${this.#observedHolder ?? 'nobody'}`);
      const pause = this.#leading ? this.#retryPeriodMs : this.#retryPeriodMs * (1 + Math.random() * LEADER_JITTER_FACTOR);
      await this.#sleep(pause);
    }
    await this.#release();
    this.#log.info('leader election stopped');
  }

  /** One attempt, as client-go's tryAcquireOrRenew. Never throws: failures are logged and return false. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = new V1MicroTime();
    try {
      // Fast path: the leader overwrites the Lease it last wrote, saving a read. A 409 means someone
      // else wrote meanwhile: fall through and read.
      if (this.#leading && this.#lease) {
        try {
          this.#observe(await this.#write('PUT', this.#path, this.#claim(this.#lease, now)));
          return true;
        } catch (e) {
          if (!isConflict(e)) throw e;
        }
      }
      let current: Lease;
      try {
        current = await this.#http.get<Lease>(this.#path, undefined, this.#timeoutMs());
      } catch (e) {
        if (!(e instanceof KubeApiError && e.notFound)) throw e;
        const fresh: Lease = {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { name: this.#o.name, namespace: this.#o.namespace },
          spec: { holderIdentity: this.#o.identity, leaseDurationSeconds: this.#leaseSeconds(), acquireTime: now, renewTime: now, leaseTransitions: 0 },
        };
        this.#observe(await this.#write('POST', this.#collection, fresh)); // 409: another replica created it first
        return true;
      }
      this.#observe(current);
      const holder = current.spec?.holderIdentity;
      if (holder && holder !== this.#o.identity && performance.now() - this.#observedAt < this.#leaseDurationMs) return false;
      this.#observe(await this.#write('PUT', this.#path, this.#claim(current, now)));
      return true;
    } catch (e) {
      if (isConflict(e)) this.#log.debug('lost a race for the Lease (409)');
      else this.#log.warn({ err: e }, this.#leading ? 'failed to renew the Lease' : 'failed to acquire the Lease');
      return false;
    }
  }

  /** The Lease with us as holder; acquireTime and leaseTransitions change only on a change of holder. */
  #claim(current: Lease, now: V1MicroTime): Lease {
    const spec = current.spec ?? {};
    const ours = spec.holderIdentity === this.#o.identity;
    const transitions = spec.leaseTransitions ?? 0;
    return {
      ...current,
      spec: {
        ...spec,
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: this.#leaseSeconds(),
        renewTime: now,
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : now,
        leaseTransitions: ours ? transitions : transitions + 1,
      },
    };
  }

  #observe(lease: Lease): void {
    this.#lease = lease;
    const holder = lease.spec?.holderIdentity || undefined; // '' means released
    const key = `${holder ?? ''}|${String(lease.spec?.renewTime ?? '')}`;
    if (key !== this.#observedKey) {
      this.#observedKey = key;
      this.#observedAt = performance.now();
    }
    if (holder !== this.#observedHolder) {
      this.#observedHolder = holder;
      this.#log.info({ holder }, holder ? 'new leader observed' : 'the Lease was released');
      this.#call(() => { this.#o.onLeaderChange?.(holder); }, 'onLeaderChange');
    }
  }

  #succeeded(): void {
    // Re-armed after every successful write: past renewDeadline without one, stop acting at once
    // even if a request is still hanging.
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => { this.#lose(`no successful renew within ${String(this.#renewDeadlineMs)} ms`); }, this.#renewDeadlineMs);
    if (this.#leading) return;
    this.#leading = true;
    this.#log.info('became leader');
    this.#call(this.#o.onStartedLeading, 'onStartedLeading');
  }

  #lose(why: string): void {
    clearTimeout(this.#deadline);
    if (!this.#leading) return;
    this.#leading = false;
    this.#log.warn({ why }, 'lost leadership');
    this.#call(this.#o.onStoppedLeading, 'onStoppedLeading');
  }

  /** On stop: stop acting first (so leaders never overlap), then hand the Lease over. */
  async #release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearTimeout(this.#deadline);
    if (this.#leading) {
      this.#leading = false;
      this.#log.info('stopped leading (shutdown)');
      this.#call(this.#o.onStoppedLeading, 'onStoppedLeading');
    }
    const lease = this.#lease;
    if (lease?.spec?.holderIdentity !== this.#o.identity) return;
    const now = new V1MicroTime();
    // As client-go's release: an empty holder lets a standby take over on its next attempt.
    const released: Lease = { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } };
    try {
      this.#observe(await this.#write('PUT', this.#path, released, RELEASE_TIMEOUT_MS));
      this.#log.info('released the Lease');
    } catch (e) {
      if (isConflict(e)) this.#log.info('the Lease changed since we last wrote it; nothing to release');
      else this.#log.warn({ err: e }, 'could not release the Lease; a standby takes over after leaseDuration');
    }
  }

  #write(method: 'POST' | 'PUT', path: string, body: Lease, timeoutMs = this.#timeoutMs()): Promise<Lease> {
    return this.#http.request<Lease>(method, path, { body, timeoutMs });
  }

  /** A leader's call times out early enough to leave room for a retry before its renew deadline. */
  #timeoutMs(): number {
    return this.#leading ? Math.max(500, Math.min(this.#renewDeadlineMs, this.#retryPeriodMs * 2)) : this.#renewDeadlineMs;
  }

  #leaseSeconds(): number { return Math.max(1, Math.ceil(this.#leaseDurationMs / 1000)); }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void { clearTimeout(t); resolve(); }
      this.#wake = done;
    });
  }

  #call(fn: () => void, what: string): void {
    try { fn(); } catch (err) { this.#log.error({ err }, `${what} threw`); }
  }
}
