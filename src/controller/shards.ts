// Active-active sharding (--sharding): the pure parts. Each replica holds a member Lease of its own;
// the autoscalers are split among the members by rendezvous hashing of namespace/name. The I/O (the
// Lease reads and writes, the timers) is in src/kube/membership.ts; what a replica does with the keys
// it gains and loses is ShardTracker, below.
//
// THE PROTOCOL
// - Member Lease: `<leader-election-id>-<hash of identity>` in the lease namespace, labelled
//   kscale.dev/shard-group=<leader-election-id>; holderIdentity = identity; an incarnation (random,
//   new each time the replica acquires its Lease, annotation kscale.dev/shard-incarnation); and the
//   replica's published view (annotation kscale.dev/shard-view: JSON list of member tokens
//   "identity#incarnation"). Renewed every retry period with the leader-election timings; every write
//   carries the resourceVersion last read or written.
// - Every retry period a replica LISTs the group's Leases (a fresh, consistent read), then renews its
//   own Lease. Its view V holds the other members' tokens:
//     * a token joins V when its Lease is first seen held by it;
//     * a held Lease whose renewTime stayed unchanged for a whole lease duration, timed by the local
//       monotonic clock from when this replica first saw that value (client-go's observedTime), is
//       released by this replica with a PUT carrying the resourceVersion it read (holder cleared). Only
//       if that write succeeds is the token dropped. The resourceVersion fences the release: had the
//       member renewed meanwhile, the release fails; once released, the member's own renew fails (409)
//       and it stops at once. A token is never re-added once dropped (tombstones);
//     * a token whose Lease shows it released (by itself on shutdown, or by another replica as above)
//       is dropped at once; one whose Lease vanished or changed incarnation without this replica seeing
//       it released is dropped only after a renew deadline (it may have been deleted by hand while its
//       replica was still acting; that replica stops within a renew deadline of its last renewal).
//   A released Lease unchanged for a lease duration is deleted (resourceVersion precondition).
// - Ownership: key k belongs to the highest rendezvous weight among the identities of V ∪ {self}.
// - Publication (acks): the published view P ⊆ V. A replica adds a joined token to P only once none
//   of its passes in flight is for a key it does not own under V ("drained"): the passes it may still
//   finish for keys the newcomer takes are over, their status written. Dropped tokens leave P at once.
// - A replica acts on key k (scale, status, Events), checked before every write, only while
//   (1) it holds its own Lease: renewed within the renew deadline by the monotonic clock, the
//       incarnation unchanged;
//   (2) it has LISTed the group since acquiring that incarnation;
//   (3) every member in V has published a view that contains this replica's token (acknowledged it);
//   (4) it owns k under V.
// - Keys gained (a member left, acks arrived, the Lease was regained) are re-read from the API server
//   and resumed from the status history their previous owner persisted (Reconciler.resumeKey), then
//   evaluated at once; keys lost leave the queue and the in-memory history.
//
// WHY TWO REPLICAS NEVER WRITE ONE OBJECT AT ONCE
// Suppose A and B both act on k. If B ∈ V(A) and A ∈ V(B), rendezvous over V(A) says A outweighs B
// for k and over V(B) the opposite: impossible. So say A ∉ V(B) (B never added A, since tokens are
// dropped only once dead and A is acting). A acts, so by (3) it saw a view published by every member
// of V(A) containing A. If B ∈ V(A), B published A, so A ∈ V(B) from then on: contradiction. If
// B ∉ V(A) either, neither added the other: but each created its Lease before the LIST it acts on (2),
// and of two create-then-list sequences on one linearizable store at least one list sees the other's
// Lease. A dropped token's replica has stopped: released by itself (after its workers stopped) or
// released by another as expired (its last successful renew began before the value the other saw,
// over a lease duration ago, so its renew deadline, shorter, had passed; any later renew fails on the
// resourceVersion); vanished: the renew deadline is waited for. A joiner takes keys only after every
// member acknowledged it, and a member acknowledges only once drained.
//
// HANDOVER TIME: a graceful leave is seen at the next LIST (a retry period); a crashed member's Lease
// is released a lease duration after its last renewal was seen, i.e. within lease duration + two retry
// periods of the crash (the same bound as leader election); a join within a couple of retry periods.
import { createHash } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ownerOf } from './rendezvous.ts';

export const GROUP_LABEL = 'kscale.dev/shard-group';
export const INCARNATION_ANNOTATION = 'kscale.dev/shard-incarnation';
export const VIEW_ANNOTATION = 'kscale.dev/shard-view';

/** The member Lease of `identity` in `group`: a DNS subdomain for any identity. */
export function memberLeaseName(group: string, identity: string): string {
  return `${group}-${createHash('sha256').update(identity).digest('hex').slice(0, 10)}`;
}

export const tokenOf = (identity: string, incarnation: string): string => `${identity}#${incarnation}`;
export const identityOf = (token: string): string => token.slice(0, Math.max(0, token.lastIndexOf('#')));

/** A member Lease as read from the API server. */
export interface MemberLease {
  name: string;
  resourceVersion: string;
  /** The identity holding it; undefined when released. */
  holder: string | undefined;
  incarnation: string | undefined;
  renewTime: string;
  /** The tokens its holder published (acknowledged). */
  view: string[];
}

/** The fields of a Lease object the protocol reads. */
export interface LeaseObject {
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string>; [f: string]: unknown };
  spec?: { holderIdentity?: string; renewTime?: unknown; [f: string]: unknown };
  [f: string]: unknown;
}

export function parseMemberLease(o: LeaseObject): MemberLease {
  const a = o.metadata?.annotations ?? {};
  let view: string[] = [];
  try {
    const parsed: unknown = JSON.parse(a[VIEW_ANNOTATION] ?? '[]');
    if (Array.isArray(parsed)) view = parsed.filter((t): t is string => typeof t === 'string');
  } catch { /* an unreadable view acknowledges nobody */ }
  return {
    name: o.metadata?.name ?? '',
    resourceVersion: o.metadata?.resourceVersion ?? '',
    holder: o.spec?.holderIdentity || undefined,
    incarnation: a[INCARNATION_ANNOTATION] || undefined,
    renewTime: typeof o.spec?.renewTime === 'string' ? o.spec.renewTime : '',
    view,
  };
}

export interface ShardTimings { leaseDurationMs: number; renewDeadlineMs: number }

export interface Observation {
  /** Held Leases unchanged for a lease duration: to release, with this resourceVersion. */
  expired: MemberLease[];
  /** Released Leases unchanged for a lease duration: to delete. */
  garbage: MemberLease[];
  joined: string[];
  left: string[];
}

interface Seen { value: string; at: number }

/**
 * One replica's view of its group: which members it counts, which it has acknowledged, whether it is
 * acknowledged, and so which keys it owns. Pure: times (monotonic ms) are passed in.
 */
export class ShardView {
  readonly identity: string;
  readonly leaseName: string;
  readonly #group: string;
  readonly #t: ShardTimings;
  /** Own token while this replica holds its Lease. */
  #self: string | undefined;
  #acquiredAt = 0;
  #listedSinceAcquire = false;
  /** Other members' tokens counted (V). */
  readonly #view = new Set<string>();
  /** Tokens acknowledged in our Lease (P ⊆ V). */
  readonly #published = new Set<string>();
  /** Each Lease's holder|incarnation|renewTime and when it was first seen so. */
  readonly #seen = new Map<string, Seen>();
  /** The last view each counted token published: an ack outlives a Lease that vanished. */
  readonly #acks = new Map<string, ReadonlySet<string>>();
  /** Counted tokens no longer seen holding their Lease (not seen released), since when. */
  readonly #gone = new Map<string, number>();
  /** Dropped tokens, never counted again, with when (pruned after a while). */
  readonly #dead = new Map<string, number>();
  #acked = false;

  constructor(group: string, identity: string, timings: ShardTimings) {
    this.#group = group;
    this.identity = identity;
    this.leaseName = memberLeaseName(group, identity);
    this.#t = timings;
  }

  get token(): string | undefined { return this.#self; }
  get acked(): boolean { return this.#acked; }
  /** Other members counted, sorted. */
  get members(): string[] { return [...this.#view].sort(); }
  /** What our Lease publishes, sorted (own token first is not needed: order is irrelevant). */
  get published(): string[] { return [...this.#published].sort(); }
  /** Identities keys are spread over: ours and the counted members'. */
  get identities(): string[] { return [...new Set([this.identity, ...[...this.#view].map(identityOf)])].sort(); }

  /** Our Lease was acquired (created or claimed) with this incarnation, the write answered at `at`. */
  acquired(incarnation: string, at: number): void {
    this.#self = tokenOf(this.identity, incarnation);
    this.#acquiredAt = at;
    this.#listedSinceAcquire = false;
    this.#acked = false;
  }

  /** Our Lease is no longer ours (released by another, deleted, or given up). */
  lost(): void {
    this.#self = undefined;
    this.#acked = false;
  }

  /**
   * A LIST of the group's Leases that started at `startedAt` and answered at `now`: updates V and the
   * acks, returns what to release and delete.
   */
  observe(leases: readonly MemberLease[], startedAt: number, now: number): Observation {
    const out: Observation = { expired: [], garbage: [], joined: [], left: [] };
    const byName = new Map(leases.map((l) => [l.name, l]));
    for (const l of leases) {
      const value = `${l.holder ?? ''}|${l.incarnation ?? ''}|${l.renewTime}`;
      const seen = this.#seen.get(l.name);
      if (seen?.value !== value) this.#seen.set(l.name, { value, at: now });
    }
    for (const name of this.#seen.keys()) if (!byName.has(name)) this.#seen.delete(name);

    for (const l of leases) {
      if (l.name === this.leaseName) continue;
      const unchangedFor = now - (this.#seen.get(l.name)?.at ?? now);
      if (!l.holder) {
        if (unchangedFor >= this.#t.leaseDurationMs) out.garbage.push(l);
        continue;
      }
      if (!l.incarnation || l.name !== memberLeaseName(this.#group, l.holder)) continue; // not a member Lease of this protocol
      const token = tokenOf(l.holder, l.incarnation);
      if (this.#dead.has(token)) continue;
      this.#acks.set(token, new Set(l.view));
      if (!this.#view.has(token)) { this.#view.add(token); out.joined.push(token); }
      if (unchangedFor >= this.#t.leaseDurationMs) out.expired.push(l);
    }

    for (const token of this.#view) {
      const l = byName.get(memberLeaseName(this.#group, identityOf(token)));
      const incarnation = token.slice(token.lastIndexOf('#') + 1);
      if (l?.holder === identityOf(token) && l.incarnation === incarnation) { this.#gone.delete(token); continue; }
      if (l && !l.holder && l.incarnation === incarnation) { this.#drop(token, now); out.left.push(token); continue; } // released: it stopped first
      const since = this.#gone.get(token) ?? now;
      this.#gone.set(token, since);
      if (now - since >= this.#t.renewDeadlineMs) { this.#drop(token, now); out.left.push(token); }
    }
    for (const [token, at] of this.#dead) if (now - at > 20 * this.#t.leaseDurationMs) this.#dead.delete(token);

    if (this.#self !== undefined && startedAt >= this.#acquiredAt) this.#listedSinceAcquire = true;
    this.#updateAcked();
    return out;
  }

  /** We released this member's Lease as expired (the write succeeded): it has stopped. */
  released(token: string, now: number): boolean {
    if (!this.#view.has(token)) return false;
    this.#drop(token, now);
    this.#updateAcked();
    return true;
  }

  /** Members counted but not yet acknowledged. */
  get unpublished(): string[] { return [...this.#view].filter((t) => !this.#published.has(t)); }

  /** Acknowledges every counted member: call only when drained (no pass in flight for a key we do not own). */
  publishAll(): void {
    for (const t of this.#view) this.#published.add(t);
  }

  /** The owner of `key` under V ∪ {self}. */
  owner(key: string): string | undefined { return ownerOf(key, this.identities); }

  /** Whether `key` is ours under V (ignores acks and whether the Lease is held). */
  owns(key: string): boolean { return this.owner(key) === this.identity; }

  /** Conditions (2)–(4): whether we may act on `key`, given that our Lease is held (checked by the caller). */
  mayActOn(key: string): boolean { return this.#acked && this.owns(key); }

  /** Members whose acknowledgement of us is missing. */
  get missingAcks(): string[] {
    const self = this.#self;
    return self === undefined ? [] : [...this.#view].filter((t) => !(this.#acks.get(t)?.has(self) ?? false));
  }

  #drop(token: string, now: number): void {
    this.#view.delete(token);
    this.#published.delete(token);
    this.#acks.delete(token);
    this.#gone.delete(token);
    this.#dead.set(token, now);
  }

  #updateAcked(): void {
    this.#acked = this.#self !== undefined && this.#listedSinceAcquire && this.missingAcks.length === 0;
  }
}

/** kscale_shard_members, kscale_owned_autoscalers, kscale_shard_handovers_total. */
export class ShardMetrics {
  readonly members: Gauge;
  readonly owned: Gauge;
  readonly handovers: Counter;
  constructor(registry: Registry) {
    const registers = [registry];
    this.members = new Gauge({ name: 'kscale_shard_members', registers, help: 'Members of the shard group this replica counts, itself included (--sharding).' });
    this.owned = new Gauge({ name: 'kscale_owned_autoscalers', registers, help: 'HorizontalAutoscalers this replica currently acts on (--sharding).' });
    this.handovers = new Counter({ name: 'kscale_shard_handovers_total', registers, labelNames: ['direction'], help: 'HorizontalAutoscalers this replica gained or lost to another member (--sharding).' });
  }
}

/** What the manager needs of the membership. */
export interface ShardGate {
  /** Whether this replica may write for `key` now (Lease held, acknowledged, owner). */
  mayAct(key: string): boolean;
  /** Whether `key` is ours under the current view, whatever the Lease and acks say. */
  owns(key: string): boolean;
  /** Calls `listener` (synchronously) whenever what mayAct answers may have changed. */
  subscribe(listener: () => void): void;
  readonly metrics?: ShardMetrics;
}

export interface ShardTrackerOptions {
  gate: ShardGate;
  /** Every autoscaler key in the cache. */
  keys: () => Iterable<string>;
  /** The key became ours: resume it from its persisted status, evaluate it now. */
  gained: (key: string) => void;
  /** The key is no longer ours: drop what we remember of it. */
  lost: (key: string) => void;
  logger: Logger;
}

/**
 * The keys this replica acts on, kept in step with the gate: each change of the view, the acks or
 * the Lease is turned into keys gained and lost. A key is recorded as acted on the first time mayAct
 * allows it; since every change of the gate is synced at once, a recorded key was ours continuously.
 */
export class ShardTracker {
  readonly #o: ShardTrackerOptions;
  readonly #acting = new Set<string>();

  constructor(o: ShardTrackerOptions) { this.#o = o; }

  mayAct(key: string): boolean {
    const ok = this.#o.gate.mayAct(key);
    if (ok && !this.#acting.has(key)) { this.#acting.add(key); this.#o.gate.metrics?.owned.set(this.#acting.size); }
    return ok;
  }

  owns(key: string): boolean { return this.#o.gate.owns(key); }

  forget(key: string): void {
    if (this.#acting.delete(key)) this.#o.gate.metrics?.owned.set(this.#acting.size);
  }

  /** Re-evaluates every key against the gate: gained keys resumed and enqueued, lost ones dropped. */
  sync(): void {
    let gained = 0;
    let lost = 0;
    const keys = new Set(this.#o.keys());
    for (const key of this.#acting) {
      if (keys.has(key) && this.#o.gate.mayAct(key)) continue;
      this.#acting.delete(key);
      if (keys.has(key)) { lost++; this.#o.lost(key); }
    }
    for (const key of keys) {
      if (this.#acting.has(key) || !this.#o.gate.mayAct(key)) continue;
      this.#acting.add(key);
      gained++;
      this.#o.gained(key);
    }
    const m = this.#o.gate.metrics;
    m?.owned.set(this.#acting.size);
    if (gained > 0) m?.handovers.inc({ direction: 'gained' }, gained);
    if (lost > 0) m?.handovers.inc({ direction: 'lost' }, lost);
    if (gained > 0 || lost > 0) this.#o.logger.info({ gained, lost, owned: this.#acting.size }, 'shard changed');
  }
}
