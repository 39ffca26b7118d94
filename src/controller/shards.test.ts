// The shard protocol's pure state (ShardView) in table tests, then the whole protocol as a model: a
// linearizable Lease store, replicas whose requests take time (a LIST read and a renew landing at
// some point between their start and their answer), joins (also two at once), crashes, restarts under
// the same identity, freezes longer than the lease, member Leases deleted by hand. After every step no key may be acted on by two replicas; after a
// quiet spell every key has exactly one.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { memberLeaseName, parseMemberLease, ShardTracker, ShardView, tokenOf, VIEW_ANNOTATION, type MemberLease, type ShardGate } from './shards.ts';
import { createLogger } from '../observability/logger.ts';

const T = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000 };
const RETRY_MS = 500;
const GROUP = 'kscale';
const KEYS = Array.from({ length: 40 }, (_, i) => `ns/hza-${String(i)}`);

const lease = (identity: string, incarnation: string, o: Partial<MemberLease> = {}): MemberLease => ({
  name: memberLeaseName(GROUP, identity), resourceVersion: '1', holder: identity, incarnation, renewTime: 't0', view: [], ...o,
});
const owned = (v: ShardView): string[] => KEYS.filter((k) => v.mayActOn(k));

describe('ShardView', () => {
  test('member Lease names are DNS names derived from the identity; the view annotation is read leniently', () => {
    assert.match(memberLeaseName(GROUP, 'Pod_Name/with:odd chars'), /^kscale-[0-9a-f]{10}$/);
    assert.notEqual(memberLeaseName(GROUP, 'a'), memberLeaseName(GROUP, 'b'));
    const parsed = parseMemberLease({ metadata: { name: 'x', resourceVersion: '7', annotations: { [VIEW_ANNOTATION]: '["a#1", 3, "b#2"]' } }, spec: { holderIdentity: '', renewTime: '2026-01-01T00:00:00.000000Z' } });
    assert.deepEqual(parsed, { name: 'x', resourceVersion: '7', holder: undefined, incarnation: undefined, renewTime: '2026-01-01T00:00:00.000000Z', view: ['a#1', 'b#2'] });
    assert.deepEqual(parseMemberLease({ metadata: { annotations: { [VIEW_ANNOTATION]: 'not json' } } }).view, []);
  });

  test('alone: acts on every key only after a LIST that started after acquiring', () => {
    const a = new ShardView(GROUP, 'a', T);
    a.observe([], 0, 10);
    a.acquired('i1', 20);
    assert.deepEqual(owned(a), [], 'not before a LIST after acquiring');
    a.observe([lease('a', 'i1')], 15, 30);
    assert.deepEqual(owned(a), [], 'a LIST that started before the acquisition does not count');
    a.observe([lease('a', 'i1')], 25, 40);
    assert.deepEqual(owned(a), KEYS);
  });

  // Each row: what A has seen of B, and what A may then do.
  const rows: { name: string; b: (MemberLease | undefined)[]; at?: number[]; acked: boolean; members: string[]; left?: string[]; expired?: boolean; garbage?: boolean }[] = [
    { name: 'B joined and acknowledged A: the keys are split', b: [lease('b', 'j1', { view: [tokenOf('a', 'i1')] })], acked: true, members: ['b#j1'] },
    { name: 'B joined without acknowledging A: A stops acting on every key', b: [lease('b', 'j1')], acked: false, members: ['b#j1'] },
    { name: 'B acknowledged an older incarnation of A only: not an ack', b: [lease('b', 'j1', { view: [tokenOf('a', 'i0')] })], acked: false, members: ['b#j1'] },
    { name: 'B released its Lease (graceful stop): dropped at once', b: [lease('b', 'j1', { view: ['a#i1'] }), lease('b', 'j1', { holder: undefined, resourceVersion: '2' })], acked: true, members: [], left: ['b#j1'] },
    { name: 'B vanished: kept (its ack too) for a renew deadline', b: [lease('b', 'j1', { view: ['a#i1'] }), undefined], at: [100, 2_000], acked: true, members: ['b#j1'] },
    { name: 'B vanished for a renew deadline: dropped', b: [lease('b', 'j1', { view: ['a#i1'] }), undefined, undefined], at: [100, 2_000, 5_100], acked: true, members: [], left: ['b#j1'] },
    { name: 'B came back as a new incarnation: the old one waits for a renew deadline, the new one must acknowledge', b: [lease('b', 'j1', { view: ['a#i1'] }), lease('b', 'j2')], acked: false, members: ['b#j1', 'b#j2'] },
    { name: 'B renewing: never expired', b: [1, 2, 3, 4, 5, 6].map((i) => lease('b', 'j1', { view: ['a#i1'], renewTime: `t${String(i)}` })), at: [0, 1_000, 2_000, 3_000, 4_000, 5_000], acked: true, members: ['b#j1'] },
    { name: 'B unchanged for a lease duration: to be released (not yet dropped)', b: [lease('b', 'j1', { view: ['a#i1'] }), lease('b', 'j1', { view: ['a#i1'] })], at: [100, 4_100], acked: true, members: ['b#j1'], expired: true },
    { name: 'a released Lease unchanged for a lease duration: garbage', b: [lease('b', 'j1', { holder: undefined }), lease('b', 'j1', { holder: undefined })], at: [100, 4_100], acked: true, members: [], garbage: true },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const a = new ShardView(GROUP, 'a', T);
      a.acquired('i1', 0);
      let last = { expired: [] as MemberLease[], garbage: [] as MemberLease[], left: [] as string[] };
      const left: string[] = [];
      r.b.forEach((b, i) => {
        const now = r.at?.[i] ?? 100 * (i + 1);
        last = a.observe([lease('a', 'i1'), ...(b ? [b] : [])], now - 5, now);
        left.push(...last.left);
      });
      assert.equal(a.acked, r.acked, 'acked');
      assert.deepEqual(a.members, r.members, 'members');
      assert.deepEqual(left, r.left ?? [], 'left');
      assert.equal(last.expired.length > 0, r.expired ?? false, 'expired');
      assert.equal(last.garbage.length > 0, r.garbage ?? false, 'garbage');
      const mine = owned(a);
      if (!r.acked) assert.deepEqual(mine, []);
      else if (r.members.length === 0) assert.deepEqual(mine, KEYS);
      else assert.ok(mine.length > 0 && mine.length < KEYS.length, `a share: ${String(mine.length)}`);
    });
  }

  test('a member released as expired is dropped and never counted again, even from a LIST that started earlier', () => {
    const a = new ShardView(GROUP, 'a', T);
    a.acquired('i1', 0);
    const b = lease('b', 'j1', { view: ['a#i1'] });
    a.observe([lease('a', 'i1'), b], 5, 10);
    assert.equal(a.released('b#j1', 4_100), true);
    assert.deepEqual(a.members, []);
    a.observe([lease('a', 'i1'), b], 4_000, 4_200); // started before the release landed
    assert.deepEqual(a.members, []);
    assert.deepEqual(owned(a), KEYS);
  });

  test('published acknowledges only when told (drained), and drops members as they leave', () => {
    const a = new ShardView(GROUP, 'a', T);
    a.acquired('i1', 0);
    a.observe([lease('a', 'i1'), lease('b', 'j1', { view: ['a#i1'] })], 5, 10);
    assert.deepEqual(a.published, []);
    assert.deepEqual(a.unpublished, ['b#j1']);
    a.publishAll();
    assert.deepEqual(a.published, ['b#j1']);
    a.observe([lease('a', 'i1'), lease('b', 'j1', { holder: undefined })], 15, 20);
    assert.deepEqual(a.published, []);
  });
});

describe('ShardTracker', () => {
  test('keys gained are resumed once, keys lost dropped; a key first allowed between syncs is not a gain', () => {
    let allowed = (k: string): boolean => k < 'ns/hza-2';
    const gate: ShardGate = { mayAct: (k) => allowed(k), owns: (k) => allowed(k), subscribe: () => undefined };
    const keys = new Set(['ns/hza-0', 'ns/hza-1', 'ns/hza-2', 'ns/hza-3']);
    const gained: string[] = [];
    const lost: string[] = [];
    const tracker = new ShardTracker({ gate, keys: () => keys, gained: (k) => gained.push(k), lost: (k) => lost.push(k), logger: createLogger({ level: 'silent' }) });
    assert.equal(tracker.mayAct('ns/hza-0'), true); // acted on before any sync: not a gain
    tracker.sync();
    assert.deepEqual(gained, ['ns/hza-1']);
    allowed = (k) => k >= 'ns/hza-1';
    tracker.sync();
    assert.deepEqual(gained, ['ns/hza-1', 'ns/hza-2', 'ns/hza-3']);
    assert.deepEqual(lost, ['ns/hza-0']);
    keys.delete('ns/hza-3');
    allowed = () => false;
    tracker.sync();
    assert.deepEqual(lost, ['ns/hza-0', 'ns/hza-1', 'ns/hza-2'], 'a deleted key is not reported lost');
  });
});

// ---- the protocol as a model ----

/** A seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stored { rv: number; holder: string | undefined; incarnation: string | undefined; renewTime: string; view: string[] }

/** The Lease store: linearizable, every write conditional on the resourceVersion. */
class Store {
  readonly leases = new Map<string, Stored>();
  #rv = 0;
  list(): MemberLease[] {
    return [...this.leases].map(([name, l]) => ({ name, resourceVersion: String(l.rv), holder: l.holder, incarnation: l.incarnation, renewTime: l.renewTime, view: [...l.view] }));
  }
  /** Create (rv undefined: must not exist) or update (rv must match); the new rv, or undefined on conflict. */
  write(name: string, rv: number | undefined, l: Omit<Stored, 'rv'>): number | undefined {
    const cur = this.leases.get(name);
    if (rv === undefined ? cur !== undefined : cur?.rv !== rv) return undefined;
    const next = ++this.#rv;
    this.leases.set(name, { ...l, rv: next });
    return next;
  }
  delete(name: string, rv: number): void {
    if (this.leases.get(name)?.rv === rv) this.leases.delete(name);
  }
}

interface Replica { id: number; identity: string; view: ShardView; renewedAt: number; rv: number | undefined; incarnation: string | undefined; program: Generator<undefined, void, undefined>; frozenUntil: number; crashed: boolean }

/** One replica's loop, as src/kube/membership.ts runs it; each yield is a point where others run and time passes. */
function* program(r: Replica, store: Store, clock: { t: number }, rand: () => number): Generator<undefined, void, undefined> {
  for (;;) {
    const startedAt = clock.t;
    yield;
    const snapshot = store.list(); // the read lands somewhere inside the request
    yield;
    const own = snapshot.find((l) => l.name === r.view.leaseName);
    if (r.view.token !== undefined && own?.resourceVersion !== String(r.rv)) r.view.lost();
    const seen = r.view.observe(snapshot, startedAt, clock.t);
    let again = false;
    if (r.view.token === undefined) {
      if (own?.holder === undefined || own.holder === r.identity) {
        r.view.publishAll();
        const incarnation = `i${String(Math.floor(rand() * 1e9))}`;
        const attemptAt = clock.t;
        yield;
        const rv = store.write(r.view.leaseName, own ? Number(own.resourceVersion) : undefined, { holder: r.identity, incarnation, renewTime: String(clock.t), view: r.view.published });
        yield;
        if (rv !== undefined) { r.rv = rv; r.incarnation = incarnation; r.view.acquired(incarnation, clock.t); r.renewedAt = attemptAt; again = true; }
      }
    } else {
      r.view.publishAll();
      const attemptAt = clock.t;
      const published = r.view.published;
      yield;
      const rv = store.write(r.view.leaseName, r.rv, { holder: r.identity, incarnation: r.incarnation, renewTime: String(clock.t), view: published });
      yield;
      if (rv === undefined) r.view.lost();
      else { r.rv = rv; r.renewedAt = attemptAt; }
    }
    for (const l of seen.expired) {
      yield;
      const ok = store.write(l.name, Number(l.resourceVersion), { holder: undefined, incarnation: l.incarnation, renewTime: l.renewTime, view: l.view }) !== undefined;
      yield;
      if (ok && l.holder !== undefined && l.incarnation !== undefined) r.view.released(tokenOf(l.holder, l.incarnation), clock.t);
    }
    for (const l of seen.garbage) { yield; store.delete(l.name, Number(l.resourceVersion)); }
    if (again) continue;
    const wake = clock.t + RETRY_MS * (r.view.token ? 1 : 1 + rand());
    while (clock.t < wake) yield;
  }
}

const holds = (r: Replica, now: number): boolean => r.view.token !== undefined && now - r.renewedAt < T.renewDeadlineMs;
const actors = (rs: Replica[], key: string, now: number): Replica[] => rs.filter((r) => !r.crashed && holds(r, now) && r.view.mayActOn(key));

function simulate(seed: number): { steps: number; maxMembers: number; handovers: number } {
  const rand = rng(seed);
  const store = new Store();
  const clock = { t: 0 };
  const replicas: Replica[] = [];
  let next = 0;
  const start = (identity: string): void => {
    const r: Replica = { id: next++, identity, view: new ShardView(GROUP, identity, T), renewedAt: -Infinity, rv: undefined, incarnation: undefined, program: undefined as never, frozenUntil: 0, crashed: false };
    r.program = program(r, store, clock, rand);
    replicas.push(r);
  };
  start('r0'); start('r1'); start('r2');
  let maxMembers = 0;
  let handovers = 0;
  const owners = new Map<string, number>();
  const faultsUntil = 120_000;
  for (let step = 0; clock.t < faultsUntil + 20_000; step++) {
    clock.t += Math.floor(rand() * 120);
    const live = replicas.filter((r) => !r.crashed);
    if (clock.t < faultsUntil) {
      const x = rand();
      if (x < 0.001 && live.length < 5) start(`r${String(next)}`);
      else if (x < 0.002 && live.length < 4) { start(`r${String(next)}`); start(`r${String(next)}`); } // two join at once
      else if (x < 0.0025) { const names = [...store.leases.keys()]; const n = names[Math.floor(rand() * names.length)]; if (n) store.leases.delete(n); } // deleted by hand
      else if (x < 0.003 && live.length > 1) { const v = live[Math.floor(rand() * live.length)]; if (v) v.crashed = true; }
      else if (x < 0.004 && live.length > 0) {
        // A restart under the same identity (a StatefulSet pod): the old process is gone.
        const v = live[Math.floor(rand() * live.length)];
        if (v) { v.crashed = true; start(v.identity); }
      } else if (x < 0.005 && live.length > 0) { const v = live[Math.floor(rand() * live.length)]; if (v) v.frozenUntil = clock.t + Math.floor(rand() * 3 * T.leaseDurationMs); }
    }
    // Every running replica takes one step, in a random order (so which write lands first varies).
    const runnable = live.filter((r) => r.frozenUntil <= clock.t).sort(() => rand() - 0.5);
    for (const r of runnable) r.program.next();
    for (const key of KEYS) {
      const a = actors(replicas, key, clock.t);
      assert.ok(a.length <= 1, `seed ${String(seed)} t=${String(clock.t)}: ${key} acted on by ${a.map((x) => `${x.identity}(${String(x.id)})`).join(' and ')}`);
      const o = a[0]?.id;
      if (o !== undefined && owners.has(key) && owners.get(key) !== o) handovers++;
      if (o !== undefined) owners.set(key, o);
    }
    maxMembers = Math.max(maxMembers, live.length);
    if (clock.t >= faultsUntil + 20_000 - 200) {
      const unowned = KEYS.filter((k) => actors(replicas, k, clock.t).length !== 1);
      const state = replicas.filter((x) => !x.crashed).map((x) => `${x.identity}(${String(x.id)}) token=${String(x.view.token)} holds=${String(holds(x, clock.t))} acked=${String(x.view.acked)} members=${x.view.members.join(",")} missing=${x.view.missingAcks.join(",")} published=${x.view.published.join(",")}`).join("\n");
      assert.deepEqual(unowned, [], `seed ${String(seed)}: after a quiet spell every key has exactly one actor\n${state}`);
      return { steps: step, maxMembers, handovers };
    }
  }
  return { steps: 0, maxMembers, handovers };
}

describe('the shard protocol as a model (random interleavings, crashes, restarts, freezes)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`seed ${String(seed)}: never two actors for one key; one actor per key once quiet`, () => {
      const { maxMembers, handovers } = simulate(seed);
      assert.ok(maxMembers >= 2, 'several members at once');
      assert.ok(handovers > 0, 'keys moved between members');
    });
  }
});
