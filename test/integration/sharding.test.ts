// Active-active sharding (--sharding) on a real control plane: `kscale run` processes (child
// processes, as in pods) share 20 autoscalers whose load flips every 3 s, so each autoscaler is
// scaled and its status written every few seconds by whichever replica owns it.
//
// Who did what: each process reaches the API server through its own loopback proxy
// (test/support/fault-proxy.ts), so every scale update and status write is attributed to the process
// that sent it, over the whole suite; evaluations are attributed by each process's own log (the
// `evaluated`/`scaled` lines carry namespace and name).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HorizontalAutoscaler } from '../../src/api/types.ts';
import type { ControlPlane } from '../../src/controlplane/index.ts';
import { ledgerEntries } from '../../src/engine/ledger.ts';
import { KubeHttp } from '../../src/kube/http.ts';
import { controlPlaneSuiteOptions, createTestNamespace, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { KscaleProcess, lineTime } from '../support/kscale-process.ts';
import { assertPodsPolicy, describeChanges, ReplicaTimeline } from '../support/replica-timeline.ts';

const repo = (p: string): URL => new URL(`../../${p}`, import.meta.url);
const HZA = '/apis/kscale.dev/v1alpha1';
const OBJECTS = Array.from({ length: 20 }, (_, i) => `w${String(i)}`);
// --lease-duration=4s --renew-deadline=3s --retry-period=500ms
const LEASE_MS = 4_000;
const RETRY_MS = 500;
const SLOW_PERIOD_S = 20;

interface Replica { id: string; proc: KscaleProcess; proxy: FaultProxy; startedAt: number }

describe('active-active sharding', controlPlaneSuiteOptions(), () => {
  let cp: ControlPlane;
  let admin: KubeHttp;
  let ns: string;
  let toggle: NodeJS.Timeout | undefined;
  const replicas: Replica[] = [];
  /** Times at which keys may legitimately change hands: a replica started or was killed. */
  const handovers: number[] = [];

  const deployment = (name: string, replicas: number) => admin.post(`/apis/apps/v1/namespaces/${ns}/deployments`, {
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
  });
  const autoscaler = (name: string, metric: string, behavior: unknown) => admin.post(`${HZA}/namespaces/${ns}/horizontalautoscalers`, {
    apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 10, syncPeriodSeconds: 1,
      metrics: [{ type: 'External', external: { metric: { name: metric }, target: { type: 'AverageValue', averageValue: '10' } } }], behavior,
    },
  });
  const setLoad = (metric: string, value: number): void => { cp.metrics.setExternalMetric(ns, metric, [{ labels: {}, value: String(value) }]); };

  const start = (id: string): Promise<Replica> => (async () => {
    const proxy = await startFaultProxy(cp.kubeConfig);
    const proc = new KscaleProcess(id, [`--server=${proxy.url}`, `--namespace=${ns}`, '--http-address=127.0.0.1:0', `--identity=${id}`, '--sharding=true',
      '--leader-election-namespace=default', `--leader-election-id=shard-${ns}`, '--lease-duration=4s', '--renew-deadline=3s', '--retry-period=500ms',
      '--sync-period=1s', '--metrics-tick=500ms', '--api-timeout=3s', '--log-level=debug']);
    const r = { id, proc, proxy, startedAt: Date.now() };
    replicas.push(r);
    handovers.push(r.startedAt);
    return r;
  })();

  /** Which replicas evaluated each object in [from, to) (by their logs). */
  const evaluators = (from: number, to: number): Map<string, Set<string>> => {
    const out = new Map<string, Set<string>>();
    for (const r of replicas) {
      for (const l of r.proc.lines) {
        if ((l.msg !== 'evaluated' && l.msg !== 'scaled') || l.namespace !== ns) continue;
        const t = lineTime(l);
        if (t < from || t >= to) continue;
        const name = String(l.name);
        out.set(name, (out.get(name) ?? new Set()).add(r.id));
      }
    }
    return out;
  };
  /** A 3 s window in which every churning object was evaluated by exactly one replica: object → replica. */
  const splitWindow = async (ids: string[]): Promise<Map<string, string>> => eventually(`every object evaluated by exactly one of ${ids.join(', ')}, each with a share`, async () => {
    const from = Date.now();
    await sleep(3_000);
    const ev = evaluators(from, Date.now());
    const owner = new Map<string, string>();
    for (const o of OBJECTS) {
      const by = [...(ev.get(o) ?? [])];
      if (by.length !== 1 || !by[0]) return undefined;
      owner.set(o, by[0]);
    }
    return ids.every((id) => [...owner.values()].includes(id)) ? owner : undefined;
  }, 40_000, 0);
  const shares = (owner: Map<string, string>): string => [...new Set(owner.values())].sort().map((id) => `${id}: ${String([...owner.values()].filter((x) => x === id).length)}`).join(', ');

  before(async () => {
    cp = await startSuiteControlPlane({ controllerManager: true });
    admin = new KubeHttp({ kubeConfig: cp.kubeConfig });
    await cp.applyYaml(await readFile(repo('deploy/crd/horizontalautoscalers.kscale.dev.yaml'), 'utf8'));
    ns = await createTestNamespace(cp.kubeConfig, 'shard');
    setLoad('load', 20);
    let high = false;
    toggle = setInterval(() => { high = !high; setLoad('load', high ? 40 : 20); }, 3_000);
    const fast = { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 0 } };
    await Promise.all(OBJECTS.map(async (o) => { await deployment(o, 2); await autoscaler(o, 'load', fast); }));
  });
  after(async () => {
    clearInterval(toggle);
    await Promise.all(replicas.map((r) => r.proc.stop()));
    await Promise.all(replicas.map((r) => r.proxy.close()));
    await cp.stop();
  });

  let split2: Map<string, string> | undefined;

  test('two replicas: each evaluates a non-empty share, every autoscaler exactly one replica', async () => {
    await Promise.all([start('rep-a'), start('rep-b')]);
    split2 = await splitWindow(['rep-a', 'rep-b']);
    console.log(`  2 replicas: ${shares(split2)}`);
    for (const r of replicas) {
      assert.ok(r.proc.logged('acknowledged by every member: acting on our shard').length > 0, `${r.id} says it acts on its shard\n${r.proc.tail()}`);
    }
  });

  test('a third replica joins: it takes a share, and only keys that move to it change hands', async () => {
    assert.ok(split2, 'the first test ran');
    await start('rep-c');
    const split3 = await splitWindow(['rep-a', 'rep-b', 'rep-c']);
    console.log(`  3 replicas: ${shares(split3)}`);
    const moved = OBJECTS.filter((o) => split3.get(o) !== split2?.get(o));
    assert.ok(moved.length > 0);
    assert.deepEqual(moved.filter((o) => split3.get(o) !== 'rep-c'), [], 'keys moved only to the newcomer (rendezvous hashing)');
  });

  test('kill -9 of a replica: its share moves within the lease, and a 1 pod per 20 s scale-down policy holds across the handover', async () => {
    // "slow": 5 replicas, its load asks for 1, at most one pod down per 20 s.
    setLoad('slowload', 10);
    await deployment('slow', 5);
    const tl = await new ReplicaTimeline(async () => (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${ns}/deployments/slow`)).spec.replicas).start();
    await autoscaler('slow', 'slowload', { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: SLOW_PERIOD_S }] } });
    try {
      const firstAt = await tl.waitFor('the first step down', (r) => r <= 4, 30_000);
      const getSlow = () => admin.get<HorizontalAutoscaler>(`${HZA}/namespaces/${ns}/horizontalautoscalers/slow`);
      await eventually('the first step recorded in status', async () => ((await getSlow()).status?.scaleDownEvents?.length ? true : undefined), 5_000, 100);
      const scaleWrites = (r: Replica, name: string) => r.proxy.seen.filter((s) => s.method === 'PUT' && s.path.includes(`/deployments/${name}/scale`) && (s.status ?? 0) < 300);
      const victim = replicas.find((r) => scaleWrites(r, 'slow').length > 0);
      assert.ok(victim, 'one replica took the first step');
      const survivors = replicas.filter((r) => r !== victim);
      const owner = await splitWindow(replicas.map((r) => r.id));
      const victimKeys = OBJECTS.filter((o) => owner.get(o) === victim.id);
      assert.ok(victimKeys.length > 0, 'the victim owned some of the churning objects');

      const killedAt = Date.now();
      handovers.push(killedAt);
      victim.proc.signal('SIGKILL');
      // Each of the victim's keys: its first evaluation by a survivor.
      const takenAt = await eventually('every key of the killed replica evaluated by a survivor', () => {
        const ev = evaluators(killedAt, Infinity);
        const firsts = [...victimKeys, 'slow'].map((o) => Math.min(...survivors.flatMap((r) => r.proc.lines
          .filter((l) => (l.msg === 'evaluated' || l.msg === 'scaled') && l.namespace === ns && l.name === o && lineTime(l) >= killedAt).map(lineTime))));
        return Promise.resolve(firsts.every(Number.isFinite) && ev.size > 0 ? Math.max(...firsts) : undefined);
      }, 20_000, 100);
      const handover = takenAt - killedAt;
      console.log(`  kill -9 of ${victim.id}: its ${String(victimKeys.length + 1)} keys evaluated by the survivors after ${String(handover)} ms (lease ${String(LEASE_MS)} ms)`);
      // The expiry is seen at a LIST a lease after the last renewal was first seen (itself up to a
      // retry period late), then released and acted on: a lease plus two retry periods and a second of requests.
      assert.ok(handover <= LEASE_MS + 2 * RETRY_MS + 1_000, `handover took ${String(handover)} ms`);

      const secondAt = await tl.waitFor('the second step down, by a survivor', (r) => r <= 3, 40_000);
      assert.ok(secondAt - firstAt >= (SLOW_PERIOD_S - 1) * 1_000, `the 20 s policy held across the handover: steps ${String(secondAt - firstAt)} ms apart (${describeChanges(tl.changes, firstAt)})`);
      assertPodsPolicy(tl.changes, { direction: 'down', pods: 1, periodMs: SLOW_PERIOD_S * 1_000 }, 'scale-down policy across the kill');
      assert.deepEqual(tl.changes.map((c) => [c.from, c.to]).slice(0, 2), [[5, 4], [4, 3]], 'one pod at a time, no step lost or doubled');
      assert.ok(survivors.some((r) => scaleWrites(r, 'slow').length === 1), 'a survivor took the second step');
      // The decision ledger (status.decisions) has each step exactly once, whichever replica took it.
      const steps = await eventually('the second step recorded in status', async () => {
        const d = ledgerEntries((await getSlow()).status?.decisions).filter((x) => x.desiredReplicas !== x.currentReplicas).map((x) => [x.currentReplicas, x.desiredReplicas]);
        return d.length >= 2 ? d : undefined;
      }, 5_000, 100);
      assert.deepEqual(steps, [[5, 4], [4, 3]], 'the ledger has each step exactly once');
    } finally {
      await tl.stop();
    }
  });

  test('over the whole suite no object had two writers: writers change only at a join or a kill, never back and forth', () => {
    const writes = new Map<string, { at: number; id: string }[]>();
    for (const r of replicas) {
      for (const s of r.proxy.seen) {
        const m = /\/namespaces\/[^/]+\/(?:deployments\/([^/]+)\/scale|horizontalautoscalers\/([^/]+)\/status)/.exec(s.path);
        if (!m || !['PUT', 'PATCH'].includes(s.method)) continue;
        const name = m[1] ?? m[2] ?? '';
        writes.set(name, [...(writes.get(name) ?? []), { at: s.at, id: r.id }]);
      }
    }
    assert.ok(writes.size >= OBJECTS.length, `writes seen for every object (${String(writes.size)})`);
    // The latest join or kill whose window holds t: replicas that start close together (each a join)
    // have overlapping windows, and a key may move at each of them.
    const inHandover = (t: number): number => handovers.findLastIndex((h) => t >= h && t < h + LEASE_MS + 2 * RETRY_MS + 3_000);
    const problems: string[] = [];
    for (const [name, ws] of writes) {
      ws.sort((a, b) => a.at - b.at);
      const changes: { at: number; from: string; to: string }[] = [];
      for (let i = 1; i < ws.length; i++) {
        const prev = ws[i - 1];
        const cur = ws[i];
        if (prev && cur && prev.id !== cur.id) changes.push({ at: cur.at, from: prev.id, to: cur.id });
      }
      for (const c of changes) if (inHandover(c.at) < 0) problems.push(`${name}: ${c.from} → ${c.to} at ${new Date(c.at).toISOString()}, outside any join or kill`);
      // Within one handover the writer changes once: A, A, B, B, never A, B, A.
      const perWindow = new Map<number, number>();
      for (const c of changes) perWindow.set(inHandover(c.at), (perWindow.get(inHandover(c.at)) ?? 0) + 1);
      for (const [w, n] of perWindow) if (n > 1) problems.push(`${name}: ${String(n)} writer changes around handover ${String(w)}: ${changes.map((c) => `${c.from}→${c.to}`).join(', ')}`);
    }
    const total = [...writes.values()].reduce((s, w) => s + w.length, 0);
    console.log(`  ${String(total)} writes to ${String(writes.size)} objects by ${String(replicas.length)} replicas`);
    assert.deepEqual(problems, []);
  });
});
