// Pod metrics are listed once per namespace per tick and shared: concurrent callers join one
// request, a fresh result is reused, failures are not kept past the callers that waited on them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeHttp } from '../kube/http.ts';
import { PodMetricsSource } from './pod-metrics.ts';

function counting(answer: (path: string) => Promise<unknown>): { http: KubeHttp; paths: string[] } {
  const paths: string[] = [];
  // Only get() is used; the source is given nothing else.
  const http = { get: (path: string) => { paths.push(path); return answer(path); } } as unknown as KubeHttp;
  return { http, paths };
}

describe('PodMetricsSource', () => {
  test('one listing per namespace per tick, shared by every caller', async () => {
    let clock = 0;
    const { http, paths } = counting(() => Promise.resolve({ items: [{ metadata: { name: 'a' } }] }));
    const source = new PodMetricsSource(http, 5000, () => clock);
    const results = await Promise.all([source.list('shop'), source.list('shop'), source.list('jobs')]);
    assert.deepEqual(paths, ['/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods', '/apis/metrics.k8s.io/v1beta1/namespaces/jobs/pods']);
    assert.equal(results[0], results[1]);
    clock = 4999;
    await source.list('shop');
    assert.equal(paths.length, 2, 'still fresh');
    clock = 5000;
    await source.list('shop');
    assert.equal(paths.length, 3, 'a new tick lists again');
  });

  test('a failure is reported to its callers and retried at the next call', async () => {
    let fail = true;
    const { http, paths } = counting(() => (fail ? Promise.reject(new Error('the server is currently unable to handle the request')) : Promise.resolve({ items: [] })));
    const source = new PodMetricsSource(http, 5000, () => 0);
    const [a, b] = await Promise.all([source.list('shop'), source.list('shop')]);
    assert.deepEqual(a, { error: 'the server is currently unable to handle the request' });
    assert.equal(a, b);
    fail = false;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(await source.list('shop'), []);
    assert.equal(paths.length, 2);
  });
  test('a listing is let go after its tick: a namespace gone quiet holds nothing', async () => {
    const { http } = counting(() => Promise.resolve({ items: [{ metadata: { name: 'a' } }] }));
    const source = new PodMetricsSource(http, 20);
    await source.list('shop');
    assert.equal(source.size, 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(source.size, 0);
  });
  test('matching: the items a selector can pick, computed once per listing and selector', () => {
    const { http } = counting(() => Promise.resolve({ items: [] }));
    const source = new PodMetricsSource(http);
    const item = (name: string, labels?: Record<string, string>) => ({ metadata: { name, ...(labels ? { labels } : {}) }, timestamp: '', window: '30s', containers: [] });
    const items = [item('a', { app: 'web' }), item('b', { app: 'api' }), item('c')];
    const picked = source.matching(items, 'app=web');
    assert.deepEqual(picked.map((m) => m.metadata.name), ['a', 'c'], 'matching labels, and unlabelled items (the engine picks those by pod name)');
    assert.equal(source.matching(items, 'app=web'), picked, 'memoized');
    assert.equal(source.matching(items, 'app in ('), items, 'a selector that does not parse filters nothing: the engine reports it');
  });

  test('matching with the selected pods: unlabeled items only by those pods\' names, memoized per pods list', () => {
    const { http } = counting(() => Promise.resolve({ items: [] }));
    const source = new PodMetricsSource(http);
    const item = (name: string, labels?: Record<string, string>) => ({ metadata: { name, ...(labels ? { labels } : {}) }, timestamp: '', window: '30s', containers: [] });
    const items = [item('c'), item('a', { app: 'web' }), item('d'), item('b', { app: 'api' }), item('e')];
    const pods = [{ metadata: { name: 'e' } }, { metadata: { name: 'c' } }, { metadata: { name: 'zz' } }];
    const picked = source.matching(items, 'app=web', pods);
    assert.deepEqual(picked.map((m) => m.metadata.name), ['c', 'a', 'e'], 'listing order; d is no selected pod');
    assert.equal(source.matching(items, 'app=web', pods), picked, 'memoized for the same pods list');
    const fewer = [{ metadata: { name: 'd' } }];
    assert.deepEqual(source.matching(items, 'app=web', fewer).map((m) => m.metadata.name), ['a', 'd'], 'a new pods list is picked again');
    assert.deepEqual(source.matching(items, 'app notin (web)', pods).map((m) => m.metadata.name), ['c', 'b', 'e'], 'set-based selectors too');
    assert.deepEqual(source.matching(items, 'app=web', []).map((m) => m.metadata.name), ['a'], 'no pods: no unlabeled item');
  });

  // The label index (candidates of one exact label) picks exactly what a scan of the listing picks, in listing order.
  const listing = [
    ['u1', undefined], ['w1', { app: 'web', tier: 'a' }], ['x1', { app: 'api' }], ['w2', { app: 'web', tier: 'b' }], ['u2', undefined],
    ['w3', { app: 'web' }], ['y1', { team: 'x', app: 'web-2' }], ['w4', { app: 'web', tier: 'a', canary: 'true' }],
  ] as const;
  for (const [selector, want] of [
    ['app=web', 'u1 w1 w2 u2 w3 w4'], ['app==web,tier=a', 'u1 w1 u2 w4'], ['app in (web)', 'u1 w1 w2 u2 w3 w4'],
    ['app in (web,api)', 'u1 w1 x1 w2 u2 w3 w4'], ['app=web,!canary', 'u1 w1 w2 u2 w3'], ['app notin (web)', 'u1 x1 u2 y1'],
    ['tier', 'u1 w1 w2 u2 w4'], ['app=nothing', 'u1 u2'], ['', 'u1 w1 x1 w2 u2 w3 y1 w4'],
  ] as const) {
    test(`matching ${JSON.stringify(selector)}: ${want}`, () => {
      const { http } = counting(() => Promise.resolve({ items: [] }));
      const source = new PodMetricsSource(http);
      const items = listing.map(([name, labels]) => ({ metadata: { name, ...(labels ? { labels: { ...labels } } : {}) }, timestamp: '', window: '30s', containers: [] }));
      assert.equal(source.matching(items, selector).map((m) => m.metadata.name).join(' '), want);
      const everyPod = listing.map(([name]) => ({ metadata: { name } }));
      assert.equal(new PodMetricsSource(http).matching(items, selector, everyPod).map((m) => m.metadata.name).join(' '), want, 'with every pod selected');
    });
  }
});
