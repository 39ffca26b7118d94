// The I/O side of --sharding (the protocol and its safety argument: src/controller/shards.ts): this
// replica's member Lease (create, renew, release on shutdown), the LIST of its group every retry
// period, releasing expired members' Leases and deleting released ones, and publishing its view once
// drained. Like LeaderElector it has a client of its own, so renewals never queue behind slow calls.
import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { V1MicroTime } from './client-node.ts';
import type { Logger } from 'pino';
import {
  GROUP_LABEL, INCARNATION_ANNOTATION, parseMemberLease, ShardView, tokenOf, VIEW_ANNOTATION,
  type LeaseObject, type MemberLease, type ShardGate, type ShardMetrics,
} from '../controller/shards.ts';
import { KubeApiError } from './errors.ts';
import { KubeHttp, pathOf, type KubeHttpOptions } from './http.ts';
import { LEADER_JITTER_FACTOR } from './lease.ts';

export interface MembershipOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The group: --leader-election-id. Member Leases are named after it and labelled with it. */
  group: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  /** Keys being reconciled right now (the manager's workers). */
  inFlight: () => Iterable<string>;
  metrics?: ShardMetrics;
  onRequest?: KubeHttpOptions['onRequest'];
}

interface LeaseList { items?: LeaseObject[] }

const STOP_WAIT_MS = 500;
const RELEASE_TIMEOUT_MS = 1_000;
const DRAIN_POLL_MS = 50;

export class ShardMembership implements ShardGate {
  readonly metrics: ShardMetrics | undefined;
  readonly #o: MembershipOptions;
  readonly #view: ShardView;
  readonly #http: KubeHttp;
  readonly #collection: string;
  readonly #log: Logger;
  readonly #listeners: (() => void)[] = [];
  /** Our Lease as last written: its resourceVersion guards the next write. */
  #lease: LeaseObject | undefined;
  #incarnation: string | undefined;
  /** performance.now() before the last successful acquire or renew. */
  #renewedAt = -Infinity;
  #deadline: NodeJS.Timeout | undefined;
  #drainTimer: NodeJS.Timeout | undefined;
  #drainSince: number | undefined;
  #signature = '';
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(o: MembershipOptions) {
    if (!o.identity) throw new Error('sharding: identity must not be empty');
    if (!(o.leaseDurationMs > o.renewDeadlineMs)) throw new Error('sharding: leaseDuration must be greater than renewDeadline');
    if (!(o.renewDeadlineMs > LEADER_JITTER_FACTOR * o.retryPeriodMs)) throw new Error(`sharding: renewDeadline must be greater than retryPeriod*${String(LEADER_JITTER_FACTOR)}`);
    this.#o = o;
    this.metrics = o.metrics;
    this.#view = new ShardView(o.group, o.identity, o);
    this.#http = new KubeHttp({ kubeConfig: o.kubeConfig, timeoutMs: o.renewDeadlineMs, concurrency: 4, userAgent: 'kscale/sharding', ...(o.onRequest ? { onRequest: o.onRequest } : {}) });
    this.#collection = `/apis/coordination.k8s.io/v1${pathOf('namespaces', o.namespace, 'leases')}`;
    this.#log = o.logger.child({ component: 'sharding', group: `${o.namespace}/${o.group}`, identity: o.identity });
  }

  // ---- ShardGate ----

  /** Our Lease renewed within the renew deadline by the monotonic clock (as LeaderElector.holdsLease). */
  holdsLease(): boolean {
    return this.#view.token !== undefined && performance.now() - this.#renewedAt < this.#o.renewDeadlineMs;
  }

  mayAct(key: string): boolean { return this.holdsLease() && this.#view.mayActOn(key); }
  owns(key: string): boolean { return this.#view.token !== undefined && this.#view.owns(key); }
  subscribe(listener: () => void): void { this.#listeners.push(listener); }

  /** For tests and logs: the members counted, what is published, whether acknowledged. */
  state(): { token: string | undefined; members: string[]; published: string[]; acked: boolean; holds: boolean } {
    return { token: this.#view.token, members: this.#view.members, published: this.#view.published, acked: this.#view.acked, holds: this.holdsLease() };
  }

  // ---- lifecycle (the Elector interface of main.ts) ----

  run(): Promise<void> {
    if (!this.#running) {
      this.#stopped = false;
      this.#running = this.#loop().finally(() => { this.#running = undefined; });
    }
    return this.#running;
  }

  /** Stops acting, then releases our Lease so the others take our keys at their next LIST. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    const running = this.#running;
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => { timer = setTimeout(resolve, STOP_WAIT_MS); })]);
      clearTimeout(timer);
    }
    await this.#release();
  }

  async #loop(): Promise<void> {
    this.#log.info({ lease: this.#view.leaseName }, 'sharding started');
    while (!this.#stopped) {
      let again = false;
      try {
        again = await this.#tick();
      } catch (e) {
        this.#log.warn({ err: e }, this.#view.token ? 'member Lease: renew or list failed' : 'member Lease: acquire or list failed');
      }
      this.#changed();
      if (this.#stopped) break; // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the await
      this.#armDrain();
      if (!again) await this.#sleep(this.#view.token ? this.#o.retryPeriodMs : this.#o.retryPeriodMs * (1 + Math.random() * LEADER_JITTER_FACTOR));
    }
    await this.#release();
    this.#log.info('sharding stopped');
  }

  /** One round: LIST, update the view, acquire or renew our Lease, release and delete others. True: go again at once. */
  async #tick(): Promise<boolean> {
    const startedAt = performance.now();
    const list = await this.#http.get<LeaseList>(this.#collection, { labelSelector: `${GROUP_LABEL}=${this.#o.group}` }, this.#timeoutMs());
    if (this.#stopped) return false; // released meanwhile by stop(): never rejoin
    const now = performance.now();
    const raw = new Map((list.items ?? []).map((o) => [o.metadata?.name ?? '', o]));
    const leases = [...raw.values()].map(parseMemberLease);
    const own = leases.find((l) => l.name === this.#view.leaseName);
    // Anyone else writing our Lease released it (we had expired) or deleted it: we are out, at once.
    if (this.#view.token !== undefined && own?.resourceVersion !== this.#lease?.metadata?.resourceVersion) {
      this.#lose(own ? 'our member Lease was released by another member (we had not renewed within the lease duration)' : 'our member Lease was deleted');
    }
    const seen = this.#view.observe(leases, startedAt, now);
    if (seen.joined.length > 0 || seen.left.length > 0) {
      this.#log.info({ joined: seen.joined, left: seen.left, members: this.#view.members }, 'shard membership changed');
    }
    this.#o.metrics?.members.set(this.#view.identities.length);

    let again = false;
    if (this.#view.token === undefined) again = await this.#acquire(own, raw.get(this.#view.leaseName));
    else {
      if (this.#drained()) this.#view.publishAll();
      await this.#renew();
    }
    for (const l of seen.expired) await this.#releaseExpired(l, raw.get(l.name));
    for (const l of seen.garbage) await this.#deleteReleased(l);
    return again;
  }

  /** Creates or claims our Lease with a new incarnation; then a LIST at once (acting needs one after this). */
  async #acquire(own: MemberLease | undefined, current: LeaseObject | undefined): Promise<boolean> {
    if (own?.holder !== undefined && own.holder !== this.#o.identity) {
      this.#log.error({ holder: own.holder, lease: own.name }, 'our member Lease is held by another identity (same name hash?): not acting');
      return false;
    }
    // No pass in flight may outlive a lost incarnation into the next one unacknowledged: publish only
    // members we are drained for (none when something is still in flight).
    if (this.#drained()) this.#view.publishAll();
    const incarnation = randomUUID().slice(0, 8);
    const now = new V1MicroTime();
    const attemptAt = performance.now();
    const body = this.#leaseBody(current, incarnation, now, true);
    try {
      this.#lease = current
        ? await this.#http.request<LeaseObject>('PUT', `${this.#collection}${pathOf(this.#view.leaseName)}`, { body, timeoutMs: this.#timeoutMs() })
        : await this.#http.request<LeaseObject>('POST', this.#collection, { body, timeoutMs: this.#timeoutMs() });
    } catch (e) {
      if (e instanceof KubeApiError && e.conflict) { this.#log.debug('lost a race for our member Lease (409)'); return false; }
      throw e;
    }
    this.#incarnation = incarnation;
    this.#view.acquired(incarnation, performance.now());
    this.#succeeded(attemptAt);
    this.#log.info({ token: tokenOf(this.#o.identity, incarnation), members: this.#view.members }, 'joined the shard group');
    return true;
  }

  async #renew(): Promise<void> {
    const lease = this.#lease;
    const incarnation = this.#incarnation;
    if (!lease || incarnation === undefined) return;
    const attemptAt = performance.now();
    try {
      this.#lease = await this.#http.request<LeaseObject>('PUT', `${this.#collection}${pathOf(this.#view.leaseName)}`, {
        body: this.#leaseBody(lease, incarnation, new V1MicroTime(), false), timeoutMs: this.#timeoutMs(),
      });
      this.#succeeded(attemptAt);
    } catch (e) {
      if (e instanceof KubeApiError && (e.conflict || e.notFound)) this.#lose(e.conflict ? 'our member Lease changed under us (409)' : 'our member Lease was deleted (404)');
      else throw e;
    }
  }

  #leaseBody(current: LeaseObject | undefined, incarnation: string, now: V1MicroTime, acquiring: boolean): LeaseObject {
    const meta = current?.metadata ?? {};
    const spec = current?.spec ?? {};
    return {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      ...current,
      metadata: {
        ...meta, name: this.#view.leaseName, namespace: this.#o.namespace,
        labels: { ...(meta.labels as Record<string, string> | undefined), [GROUP_LABEL]: this.#o.group },
        annotations: { ...meta.annotations, [INCARNATION_ANNOTATION]: incarnation, [VIEW_ANNOTATION]: JSON.stringify(this.#view.published) },
      },
      spec: {
        ...spec,
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000)),
        renewTime: now,
        ...(acquiring ? { acquireTime: now, leaseTransitions: (typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0) + (current ? 1 : 0) } : {}),
      },
    };
  }

  /** Fenced by the resourceVersion we read: fails if the member renewed meanwhile. */
  async #releaseExpired(l: MemberLease, current: LeaseObject | undefined): Promise<void> {
    if (!current || !l.holder || !l.incarnation) return;
    const token = tokenOf(l.holder, l.incarnation);
    try {
      await this.#http.request('PUT', `${this.#collection}${pathOf(l.name)}`, {
        body: { ...current, spec: { ...current.spec, holderIdentity: '' } }, timeoutMs: this.#timeoutMs(),
      });
    } catch (e) {
      if (e instanceof KubeApiError && (e.conflict || e.notFound)) { this.#log.info({ member: token }, 'an expired member renewed or went away meanwhile'); return; }
      throw e;
    }
    if (this.#view.released(token, performance.now())) {
      this.#log.info({ member: token, lease: l.name, members: this.#view.members }, 'released the Lease of an expired member; its autoscalers move');
    }
  }

  async #deleteReleased(l: MemberLease): Promise<void> {
    try {
      await this.#http.request('DELETE', `${this.#collection}${pathOf(l.name)}`, {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: l.resourceVersion } }, timeoutMs: this.#timeoutMs(),
      });
      this.#log.debug({ lease: l.name }, 'deleted a released member Lease');
    } catch (e) {
      if (!(e instanceof KubeApiError && (e.conflict || e.notFound))) throw e;
    }
  }

  /** On stop: our workers have stopped (main stops the manager first); clear the holder so the others take over at once. */
  async #release(): Promise<void> {
    clearTimeout(this.#deadline);
    clearTimeout(this.#drainTimer);
    const lease = this.#lease;
    const wasMember = this.#view.token !== undefined;
    this.#view.lost();
    this.#changed();
    if (!wasMember || !lease) return;
    this.#lease = undefined;
    try {
      await this.#http.request('PUT', `${this.#collection}${pathOf(this.#view.leaseName)}`, {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '' } }, timeoutMs: RELEASE_TIMEOUT_MS,
      });
      this.#log.info('released our member Lease');
    } catch (e) {
      this.#log.warn({ err: e }, 'could not release our member Lease; the others take over after the lease duration');
    }
  }

  #succeeded(attemptAt: number): void {
    this.#renewedAt = attemptAt;
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => {
      this.#log.warn({ renewDeadlineMs: this.#o.renewDeadlineMs }, 'member Lease not renewed within the renew deadline: not acting');
      this.#changed();
    }, this.#o.renewDeadlineMs);
  }

  #lose(why: string): void {
    clearTimeout(this.#deadline);
    if (this.#view.token === undefined) return;
    this.#view.lost();
    this.#lease = undefined;
    this.#incarnation = undefined;
    this.#log.warn({ why }, 'left the shard group; rejoining');
    this.#changed();
  }

  /** No pass in flight for a key we do not own under the current view. */
  #drained(): boolean {
    for (const key of this.#o.inFlight()) if (!this.#owns(key)) return false;
    return true;
  }

  #owns(key: string): boolean { return this.#view.token !== undefined && this.#view.owns(key); }

  /** While members wait for our acknowledgement, watch the in-flight passes and renew as soon as drained. */
  #armDrain(): void {
    clearTimeout(this.#drainTimer);
    if (this.#view.unpublished.length === 0 || this.#view.token === undefined) { this.#drainSince = undefined; return; }
    this.#drainSince ??= performance.now();
    const poll = (): void => {
      if (this.#stopped) return;
      if (this.#drained()) { this.#wake?.(); return; }
      const waited = performance.now() - (this.#drainSince ?? 0);
      if (waited > this.#o.renewDeadlineMs) this.#log.warn({ waitedMs: Math.round(waited), inFlight: [...this.#o.inFlight()] }, 'passes of keys a new member takes are still in flight; it waits for them');
      this.#drainTimer = setTimeout(poll, DRAIN_POLL_MS);
    };
    this.#drainTimer = setTimeout(poll, DRAIN_POLL_MS);
  }

  /** Tells the listeners when anything mayAct depends on changed. */
  #changed(): void {
    const signature = `${this.#view.token ?? ''}|${String(this.#view.acked)}|${String(this.holdsLease())}|${this.#view.identities.join(',')}`;
    if (signature === this.#signature) return;
    const before = this.#signature;
    this.#signature = signature;
    if (before.split('|')[1] !== String(this.#view.acked)) {
      this.#log.info({ acked: this.#view.acked, missing: this.#view.missingAcks }, this.#view.acked ? 'acknowledged by every member: acting on our shard' : 'not acknowledged by every member: not acting');
    }
    for (const l of this.#listeners) {
      try { l(); } catch (err) { this.#log.error({ err }, 'shard listener threw'); }
    }
  }

  #timeoutMs(): number {
    return this.#view.token ? Math.max(500, Math.min(this.#o.renewDeadlineMs, this.#o.retryPeriodMs * 2)) : this.#o.renewDeadlineMs;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void { clearTimeout(t); resolve(); }
      this.#wake = done;
    });
  }
}
