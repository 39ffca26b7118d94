// Pod grouping and requests (reference §5, §5.1) and the ratio math (§4).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupPods, podRequest, type PodSample } from '../../../src/engine/pods.ts';
import { utilizationRatio, usageRatio, within, ceilReplicas } from '../../../src/engine/ratio.ts';
import { NOW, pod } from '../../support/builders.ts';

const rules = { cpuInitializationPeriodMs: 300_000, initialReadinessDelayMs: 30_000, now: NOW };
const sample = (ageSeconds = 5, windowMs = 30_000): PodSample => ({ value: 500n, timestamp: NOW - ageSeconds * 1000, windowMs });
const group = (p: ReturnType<typeof pod>, resource: string | undefined, s: PodSample | null) =>
  groupPods([p], new Map(s ? [[p.metadata.name, s]] : []), resource, rules);
const kind = (g: ReturnType<typeof group>): string => g.readyCount === 1 ? 'ready' : g.unready.size ? 'unready' : g.missing.size ? 'missing' : 'ignored';

describe('groupPods', () => {
  const cases: { name: string; pod: ReturnType<typeof pod>; resource?: string | null; sample?: PodSample | null; want: string }[] = [
    { name: 'running, ready, old', pod: pod('p'), want: 'ready' },
    { name: 'being deleted', pod: pod('p', { deleting: true }), want: 'ignored' },
    { name: 'Failed', pod: pod('p', { phase: 'Failed' }), want: 'ignored' },
    { name: 'Succeeded (newest: terminal)', pod: pod('p', { phase: 'Succeeded' }), want: 'ignored' },
    { name: 'Pending, even with a sample', pod: pod('p', { phase: 'Pending' }), want: 'unready' },
    { name: 'no sample', pod: pod('p'), sample: null, want: 'missing' },
    { name: 'cpu: no Ready condition', pod: pod('p', { ready: null }), want: 'unready' },
    { name: 'cpu: no startTime', pod: pod('p', { startedAgo: null }), want: 'unready' },
    { name: 'memory: no Ready condition is fine', pod: pod('p', { ready: null }), resource: 'memory', want: 'ready' },
    { name: 'custom metric: unready is fine', pod: pod('p', { ready: 'False' }), resource: null, want: 'ready' },
    { name: 'cpu initializing, ready, full window since transition', pod: pod('p', { startedAgo: 100, readySinceAgo: 60 }), want: 'ready' },
    { name: 'cpu initializing, sample taken before transition + window', pod: pod('p', { startedAgo: 100, readySinceAgo: 20 }), want: 'unready' },
    { name: 'cpu initializing, sample exactly at transition + window counts', pod: pod('p', { startedAgo: 100, readySinceAgo: 35 }), want: 'ready' },
    { name: 'cpu initializing, Ready=False', pod: pod('p', { startedAgo: 100, ready: 'False', readySinceAgo: 90 }), want: 'unready' },
    { name: 'cpu initializing, Ready=Unknown with old transition is ready', pod: pod('p', { startedAgo: 100, ready: 'Unknown', readySinceAgo: 90 }), want: 'ready' },
    { name: 'cpu initialized, unready since within 30 s of start (never ready)', pod: pod('p', { startedAgo: 600, ready: 'False', readySinceAgo: 590 }), want: 'unready' },
    { name: 'cpu initialized, unready exactly 30 s after start (was ready once)', pod: pod('p', { startedAgo: 600, ready: 'False', readySinceAgo: 570 }), want: 'ready' },
    { name: 'cpu initialization period edge: start + 300 s == now is initialized', pod: pod('p', { startedAgo: 300, readySinceAgo: 2 }), want: 'ready' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const resource = c.resource === undefined ? 'cpu' : (c.resource ?? undefined);
      assert.equal(kind(group(c.pod, resource, c.sample === undefined ? sample() : c.sample)), c.want);
    });
  }
});

describe('podRequest', () => {
  test('sums containers and sidecars, not ordinary init containers', () => {
    const p = pod('p', { containers: [{ name: 'a', cpu: '250m' }, { name: 'b', cpu: '1' }], sidecars: [{ name: 's', cpu: '100m' }] });
    p.spec?.initContainers?.push({ name: 'init', resources: { requests: { cpu: '5' } } });
    assert.equal(podRequest(p, 'cpu', undefined), 1350n);
  });
  test('one container when targeted', () => {
    const p = pod('p', { containers: [{ name: 'a', cpu: '250m' }, { name: 'b', cpu: '1' }] });
    assert.equal(podRequest(p, 'cpu', 'b'), 1000n);
  });
  test('pod-level requests win when no container is targeted', () => {
    const p = pod('p', { containers: [{ name: 'a', cpu: '250m' }] });
    p.spec = { ...p.spec, resources: { requests: { cpu: '2' } } };
    assert.equal(podRequest(p, 'cpu', undefined), 2000n);
    assert.equal(podRequest(p, 'cpu', 'a'), 250n);
    assert.throws(() => podRequest(p, 'memory', undefined), { message: 'missing pod-level request for memory in Pod p' });
  });
  test('errors name the container and pod', () => {
    assert.throws(() => podRequest(pod('p', { cpu: null }), 'cpu', undefined), { message: 'missing request for cpu in container app of Pod p' });
    assert.throws(() => podRequest(pod('p'), 'cpu', 'nope'), { message: 'container nope not found in Pod p' });
  });
});

describe('ratios', () => {
  test('utilization is truncated before the ratio; average truncates', () => {
    const r = utilizationRatio(new Map([['a', 400n], ['b', 450n], ['c', 550n]]), new Map([['a', 500n], ['b', 500n], ['c', 500n]]), 60);
    assert.equal(r.utilization, 93);
    assert.equal(r.ratio, 93 / 60);
    assert.equal(r.rawAverage, 466n);
  });
  test('pods without requests are skipped; no requests at all is an error', () => {
    const r = utilizationRatio(new Map([['a', 500n], ['ghost', 9000n]]), new Map([['a', 1000n]]), 50);
    assert.equal(r.utilization, 50);
    assert.throws(() => utilizationRatio(new Map([['a', 1n]]), new Map([['a', 0n]]), 50), { message: 'no metrics returned matched known pods' });
  });
  test('memory sums beyond 2^53 stay exact', () => {
    const gi = 1073741824000n;
    const values = new Map(Array.from({ length: 100 }, (_, i) => [`p${i}`, gi * 100n] as [string, bigint]));
    const requests = new Map(Array.from({ length: 100 }, (_, i) => [`p${i}`, gi * 200n] as [string, bigint]));
    assert.equal(utilizationRatio(values, requests, 50).utilization, 50);
    assert.equal(usageRatio(values, gi * 50n).usage, gi * 100n);
  });
  test('tolerance is inclusive on both ends', () => {
    const t = { up: 0.1, down: 0.1 };
    assert.equal(within(t, 1.1), true);
    assert.equal(within(t, 0.9), true);
    assert.equal(within(t, 1.1000000000000003), false);
    assert.equal(within(t, 0.8999999999999999), false);
  });
  test('ceil(ratio × count) in float order: 111% × 10 → 12', () => {
    assert.equal(ceilReplicas(111 / 100, 10), 12);
    assert.equal(ceilReplicas(1e12, 1e12), 2 ** 31 - 1);
  });
});
