// The Lease elector and the Event recorder against a real kube-apiserver: leadership is exclusive,
// handed over on stop(), given up when renewing fails; Events are created, aggregated and limited.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { CoordinationV1Api, CoreV1Api, KubeConfig, V1MicroTime, type CoreV1Event } from '@kubernetes/client-node';
import { getJson, type ControlPlane } from '../../src/controlplane/index.ts';
import { pollUntil, sleep } from '../../src/controlplane/wait.ts';
import { EventRecorder, MAX_MESSAGE_BYTES, RATE_BURST, RATE_REFILL_MS, type InvolvedObject } from '../../src/kube/events.ts';
import { LeaderElector, type LeaderElectorOptions } from '../../src/kube/lease.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';

// Short timings keep the suite fast; the ratios are client-go's (15/10/2 s).
const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 400 };
const quiet = createLogger({ level: 'silent' });

/** A logger whose lines the test can read. */
function capturingLogger(): { logger: Logger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  return { lines, logger: createLogger({ level: 'debug', destination: { write: (s: string) => { lines.push(JSON.parse(s) as { level: string; msg: string }); } } }) };
}

interface Probe { elector: LeaderElector; started: number[]; stopped: number[]; holders: (string | undefined)[]; done: Promise<void> }

function startElector(kubeConfig: KubeConfig, namespace: string, name: string, identity: string, extra: Partial<LeaderElectorOptions> = {}): Probe {
  const started: number[] = [];
  const stopped: number[] = [];
  const holders: (string | undefined)[] = [];
  const elector = new LeaderElector({
    kubeConfig, namespace, name, identity, logger: quiet, ...TIMING,
    onStartedLeading: () => { started.push(Date.now()); },
    onStoppedLeading: () => { stopped.push(Date.now()); },
    onLeaderChange: (h) => { holders.push(h); },
    ...extra,
  });
  return { elector, started, stopped, holders, done: elector.run() };
}

interface LeaseJson { metadata: { resourceVersion: string }; spec: { holderIdentity?: string; renewTime?: string; acquireTime?: string; leaseTransitions?: number; leaseDurationSeconds?: number } }

const readLease = async (kc: KubeConfig, ns: string, name: string): Promise<LeaseJson> =>
  await getJson(kc, `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`) as LeaseJson;

/** A loopback TCP relay to the apiserver that can be made to swallow all traffic. */
class BlackHoleProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #holed = false;
  constructor(target: URL) {
    this.#server = createServer((client) => {
      this.#sockets.add(client);
      client.on('close', () => this.#sockets.delete(client));
      client.on('error', () => { /* reset by the test */ });
      if (this.#holed) return; // accept, never answer
      const upstream = connect(Number(target.port), target.hostname);
      this.#sockets.add(upstream);
      upstream.on('close', () => this.#sockets.delete(upstream));
      upstream.on('error', () => { client.destroy(); });
      client.pipe(upstream).pipe(client);
    });
  }
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => { this.#server.listen(0, '127.0.0.1', resolve); });
    return (this.#server.address() as { port: number }).port;
  }
  /** From now on nothing gets through: open connections are cut, new ones hang. */
  hole(): void {
    this.#holed = true;
    for (const s of this.#sockets) s.destroy();
  }
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => { this.#server.close(() => { resolve(); }); });
  }
}

/** The same credentials, another server address. */
function viaServer(kc: KubeConfig, server: string): KubeConfig {
  const doc = JSON.parse(kc.exportConfig()) as { clusters: { cluster: { server: string } }[] };
  for (const c of doc.clusters) c.cluster.server = server;
  const out = new KubeConfig();
  out.loadFromString(JSON.stringify(doc));
  return out;
}

describe('Lease leader election', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  before(async () => { cp = await startSuiteControlPlane(); kc = cp.kubeConfig; });
  after(async () => { await cp?.stop(); }); // cp is undefined when before() failed

  test('of two electors exactly one leads; stop() hands over to the other at once', async () => {
    const ns = await createTestNamespace(kc, 'lease');
    const a = startElector(kc, ns, 'kscale', 'replica-a');
    const b = startElector(kc, ns, 'kscale', 'replica-b');
    try {
      const leader = await pollUntil('one leader', () => Promise.resolve(a.elector.isLeader ? a : b.elector.isLeader ? b : undefined), { timeoutMs: 10_000, intervalMs: 50 });
      const standby = leader === a ? b : a;
      const leaderId = leader === a ? 'replica-a' : 'replica-b';
      // Stays exclusive across several renewals (more than a leaseDuration).
      for (let i = 0; i < 16; i++) {
        assert.ok(leader.elector.isLeader !== standby.elector.isLeader, 'exactly one leads');
        await sleep(250);
      }
      assert.equal(leader.started.length, 1);
      assert.equal(standby.started.length, 0);
      assert.deepEqual(standby.holders, [leaderId]);

      const lease = await readLease(kc, ns, 'kscale');
      assert.equal(lease.spec.holderIdentity, leaderId);
      assert.equal(lease.spec.leaseDurationSeconds, 3);
      // MicroTime goes over the wire with 6 fractional digits; renewals keep acquireTime.
      assert.match(lease.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.match(lease.spec.acquireTime ?? '', /\.\d{6}Z$/);
      assert.notEqual(lease.spec.renewTime, lease.spec.acquireTime, 'renewed since acquired');
      const transitions = lease.spec.leaseTransitions ?? 0;

      const t0 = Date.now();
      await leader.elector.stop();
      assert.equal(leader.elector.isLeader, false);
      assert.equal(leader.stopped.length, 1, 'onStoppedLeading on stop()');
      // Released: the standby need not wait out the leaseDuration.
      await pollUntil('the standby to lead', () => Promise.resolve(standby.elector.isLeader ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      const handover = Date.now() - t0;
      assert.ok(handover < TIMING.leaseDurationMs, `handover took ${String(handover)} ms`);
      const after = await readLease(kc, ns, 'kscale');
      assert.equal(after.spec.holderIdentity, standby === a ? 'replica-a' : 'replica-b');
      assert.equal(after.spec.leaseTransitions, transitions + 1, 'a change of holder bumps leaseTransitions');
      assert.notEqual(after.spec.acquireTime, lease.spec.acquireTime, 'and sets acquireTime');
      assert.ok(leader.stopped[0] !== undefined && standby.started[0] !== undefined && leader.stopped[0] <= standby.started[0], 'no overlap');
    } finally {
      await Promise.all([a.elector.stop(), b.elector.stop()]);
      await Promise.all([a.done, b.done]);
    }
  });

  test('a leader whose Lease is taken by another identity stops at once and waits a full leaseDuration to retake it', async () => {
    const ns = await createTestNamespace(kc, 'hijack');
    const a = startElector(kc, ns, 'kscale', 'replica-a');
    try {
      await pollUntil('a to lead', () => Promise.resolve(a.elector.isLeader ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
      const coordination = kc.makeApiClient(CoordinationV1Api);
      const lease = await coordination.readNamespacedLease({ namespace: ns, name: 'kscale' });
      const now = new V1MicroTime();
      lease.spec ??= {};
      lease.spec.holderIdentity = 'intruder';
      lease.spec.renewTime = now;
      lease.spec.acquireTime = now;
      lease.spec.leaseTransitions = (lease.spec.leaseTransitions ?? 0) + 1;
      await coordination.replaceNamespacedLease({ namespace: ns, name: 'kscale', body: lease });
      const hijacked = Date.now();

      await pollUntil('a to stop leading', () => Promise.resolve(a.stopped.length > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      assert.equal(a.elector.isLeader, false);
      assert.ok((a.stopped[0] ?? Infinity) - hijacked <= TIMING.renewDeadlineMs, 'stopped within the renew deadline');
      assert.ok(a.holders.includes('intruder'), 'onLeaderChange reported the intruder');

      // The intruder never renews: a retakes only once holder and renewTime stood still for a
      // whole leaseDuration on its own clock.
      await pollUntil('a to lead again', () => Promise.resolve(a.started.length === 2 ? true : undefined), { timeoutMs: 15_000, intervalMs: 50 });
      const waited = (a.started[1] ?? 0) - hijacked;
      assert.ok(waited >= TIMING.leaseDurationMs, `retook after ${String(waited)} ms`);
      assert.equal((await readLease(kc, ns, 'kscale')).spec.holderIdentity, 'replica-a');
    } finally {
      await a.elector.stop();
      await a.done;
    }
  });

  test('a leader that cannot reach the API stops leading by its renew deadline, before a standby takes over', async () => {
    const ns = await createTestNamespace(kc, 'partition');
    const proxy = new BlackHoleProxy(new URL(cp.server));
    const port = await proxy.listen();
    const a = startElector(viaServer(kc, `https://127.0.0.1:${String(port)}`), ns, 'kscale', 'replica-a');
    let b: Probe | undefined;
    try {
      await pollUntil('a to lead', () => Promise.resolve(a.elector.isLeader ? true : undefined), { timeoutMs: 10_000, intervalMs: 50 });
      b = startElector(kc, ns, 'kscale', 'replica-b');
      await sleep(1_000);
      assert.equal(b.elector.isLeader, false, 'the standby waits while a renews');

      const cut = Date.now();
      proxy.hole();
      await pollUntil('a to stop leading', () => Promise.resolve(a.stopped.length > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });
      const lostAfter = (a.stopped[0] ?? Infinity) - cut;
      assert.ok(lostAfter <= TIMING.renewDeadlineMs + 500, `stopped ${String(lostAfter)} ms after the cut`);
      assert.equal(a.elector.isLeader, false);

      const standby = b;
      await pollUntil('b to lead', () => Promise.resolve(standby.elector.isLeader ? true : undefined), { timeoutMs: 15_000, intervalMs: 50 });
      assert.ok((a.stopped[0] ?? Infinity) < (b.started[0] ?? 0), 'a stopped before b started');

      // stop() still returns promptly: the release attempt is bounded by the request timeout.
      const t0 = Date.now();
      await a.elector.stop();
      assert.ok(Date.now() - t0 < TIMING.renewDeadlineMs * 2 + 1_000, 'stop() is bounded');
      assert.equal(a.stopped.length, 1);
    } finally {
      await a.elector.stop();
      await b?.elector.stop();
      await proxy.close();
    }
  });

  test('bad timings are rejected up front', () => {
    const base = { kubeConfig: kc, namespace: 'x', name: 'y', identity: 'z', logger: quiet, onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 5_000, renewDeadlineMs: 5_000 }), /leaseDuration must be greater/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadline must be greater/);
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), /identity/);
  });
});

describe('Event recorder', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  before(async () => { cp = await startSuiteControlPlane(); kc = cp.kubeConfig; });
  after(async () => { await cp?.stop(); }); // cp is undefined when before() failed

  const target = (namespace: string, name = 'web'): InvolvedObject =>
    ({ apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', namespace, name, uid: '0b9d3a5e-1111-4222-8333-444455556666', resourceVersion: '42' });

  const listEvents = async (ns: string): Promise<CoreV1Event[]> =>
    ((await getJson(kc, `/api/v1/namespaces/${ns}/events`)) as { items: CoreV1Event[] }).items
      .sort((x, y) => String(x.metadata.name).localeCompare(String(y.metadata.name)));

  test('creates an Event, counts a repeat on the same Event, and creates another for a new message', async () => {
    const ns = await createTestNamespace(kc, 'events');
    const rec = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: 'kscale-7d9f-abcde', logger: quiet });
    const obj = target(ns);
    rec.record(obj, 'Normal', 'SuccessfulRescale', 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    await rec.flush();
    let events = await listEvents(ns);
    assert.equal(events.length, 1);
    const [ev] = events;
    assert.ok(ev);
    assert.deepEqual(
      { apiVersion: ev.involvedObject.apiVersion, kind: ev.involvedObject.kind, namespace: ev.involvedObject.namespace, name: ev.involvedObject.name, uid: ev.involvedObject.uid, resourceVersion: ev.involvedObject.resourceVersion },
      { apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', namespace: ns, name: 'web', uid: obj.uid, resourceVersion: '42' });
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.reason, 'SuccessfulRescale');
    assert.equal(ev.message, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    assert.equal(ev.count, 1);
    assert.equal(ev.source?.component, 'kscale');
    assert.equal(ev.reportingComponent, 'kscale');
    assert.equal(ev.reportingInstance, 'kscale-7d9f-abcde');
    assert.match(ev.metadata.name ?? '', /^web\.[0-9a-f]+$/);
    assert.ok(ev.firstTimestamp && ev.lastTimestamp);

    await sleep(1_100); // lastTimestamp has second precision
    rec.record(obj, 'Normal', 'SuccessfulRescale', 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    await rec.flush();
    events = await listEvents(ns);
    assert.equal(events.length, 1, 'a repeat does not create a second Event');
    assert.equal(events[0]?.metadata.name, ev.metadata.name);
    assert.equal(events[0]?.count, 2);
    assert.ok(Date.parse(String(events[0]?.lastTimestamp)) > Date.parse(String(events[0]?.firstTimestamp)), 'lastTimestamp moved');

    rec.record(obj, 'Normal', 'SuccessfulRescale', 'New size: 2; reason: All metrics below target');
    await rec.flush();
    events = await listEvents(ns);
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => [e.message, e.count]).sort(), [
      ['New size: 2; reason: All metrics below target', 1],
      ['New size: 4; reason: cpu resource utilization (percentage of request) above target', 2],
    ]);

    // The events.k8s.io view (what `kubectl events` reads) shows the same Event.
    const v1 = await getJson(kc, `/apis/events.k8s.io/v1/namespaces/${ns}/events`) as { items: { regarding: { name: string }; note: string; reason: string }[] };
    assert.ok(v1.items.some((e) => e.regarding.name === 'web' && e.reason === 'SuccessfulRescale' && e.note.startsWith('New size: 2')));
  });

  test('a burst of repeats coalesces into few writes with the final count', async () => {
    const ns = await createTestNamespace(kc, 'coalesce');
    const rec = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: 'i', logger: quiet });
    for (let i = 0; i < 10; i++) rec.record(target(ns), 'Warning', 'FailedGetResourceMetric', 'no metrics returned');
    await rec.flush();
    const events = await listEvents(ns);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count, 10);
    assert.equal(events[0]?.type, 'Warning');
  });

  test('a repeat after the 10 minute window, or of a deleted Event, creates a new Event', async () => {
    const ns = await createTestNamespace(kc, 'window');
    let clock = Date.now();
    const rec = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: 'i', logger: quiet, now: () => new Date(clock) });
    rec.record(target(ns), 'Normal', 'R', 'same');
    await rec.flush();
    clock += 10 * 60_000 + 1_000;
    rec.record(target(ns), 'Normal', 'R', 'same');
    await rec.flush();
    let events = await listEvents(ns);
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => e.count), [1, 1]);

    for (const e of events) await kc.makeApiClient(CoreV1Api).deleteNamespacedEvent({ namespace: ns, name: e.metadata.name ?? '' });
    rec.record(target(ns), 'Normal', 'R', 'same'); // would PATCH the deleted one: 404, so create
    await rec.flush();
    events = await listEvents(ns);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.count, 2, 'keeps the count of the series (second window: 2 occurrences)');
  });

  test('floods per object are rate limited and reported; other objects are not affected; long messages are cut', async () => {
    const ns = await createTestNamespace(kc, 'flood');
    let clock = Date.now();
    let dropped = 0;
    const rec = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: 'i', logger: quiet, now: () => new Date(clock), onDropped: () => { dropped++; } });
    for (let i = 0; i < RATE_BURST + 5; i++) rec.record(target(ns, 'hot'), 'Warning', 'FailedRescale', `attempt ${String(i)}`);
    rec.record(target(ns, 'calm'), 'Normal', 'SuccessfulRescale', `é${'x'.repeat(3000)}€`);
    await rec.flush();
    assert.equal(dropped, 5);
    let events = await listEvents(ns);
    assert.equal(events.filter((e) => e.involvedObject.name === 'hot').length, RATE_BURST);
    const calm = events.find((e) => e.involvedObject.name === 'calm');
    assert.ok(calm?.message !== undefined && Buffer.byteLength(calm.message) <= MAX_MESSAGE_BYTES && calm.message.startsWith('éxxx'));

    clock += RATE_REFILL_MS; // one token back
    rec.record(target(ns, 'hot'), 'Warning', 'FailedRescale', 'after refill');
    rec.record(target(ns, 'hot'), 'Warning', 'FailedRescale', 'still too soon');
    await rec.flush();
    assert.equal(dropped, 6);
    events = await listEvents(ns);
    assert.ok(events.some((e) => e.message === 'after refill'));
    assert.ok(!events.some((e) => e.message === 'still too soon'));
  });
});

describe('Event recorder without an API server', () => {
  test('record() never throws and flush() resolves; failures are logged', async () => {
    // A port nothing listens on: the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => { probe.listen(0, '127.0.0.1', resolve); });
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => { probe.close(() => { resolve(); }); });
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser({ name: 'dead', server: `http://127.0.0.1:${String(port)}`, skipTLSVerify: true }, { name: 'dead' });
    const { logger, lines } = capturingLogger();
    const rec = new EventRecorder({ kubeConfig: kc, component: 'kscale', instance: 'i', logger });
    const t0 = Date.now();
    assert.doesNotThrow(() => { rec.record({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: 'p' }, 'Warning', 'R', 'm'); });
    assert.ok(Date.now() - t0 < 50, 'record() does not wait for the API');
    await rec.flush();
    assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'writing an Event failed'));
  });
});
