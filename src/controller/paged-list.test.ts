import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { listInPages } from './paged-list.ts';

type Obj = KubernetesObject & { big?: string };
const obj = (name: string): Obj => ({ metadata: { name }, big: 'x'.repeat(10) });

/** Pages of `size` from `names`, as the API server cuts them: a continue token until the last. */
function pager(names: string[]) {
  const queries: Record<string, string>[] = [];
  const get = (q: Record<string, string>): Promise<KubernetesListObject<Obj>> => {
    queries.push(q);
    const start = Number(q.continue ?? '0');
    const end = start + Number(q.limit);
    const more = end < names.length;
    return Promise.resolve({ apiVersion: 'v1', kind: 'PodList', items: names.slice(start, end).map(obj),
      metadata: { resourceVersion: start === 0 ? '100' : '999', ...(more ? { continue: String(end) } : {}) } } as KubernetesListObject<Obj>);
  };
  return { get, queries };
}

describe('listInPages', () => {
  const cases: [string, number, number, number][] = [
    ['no objects: one request', 0, 2, 1],
    ['fewer than a page', 3, 5, 1],
    ['exactly one page: the API server sends no continue token', 4, 4, 1],
    ['several pages, the last one short', 5, 2, 3],
  ];
  for (const [name, count, limit, requests] of cases) {
    test(name, async () => {
      const names = Array.from({ length: count }, (_, i) => `p${String(i)}`);
      const p = pager(names);
      const slimmed: string[] = [];
      const list = await listInPages(p.get, (o) => { delete o.big; slimmed.push(o.metadata?.name ?? ''); }, limit);
      assert.deepEqual(list.items.map((o) => o.metadata?.name), names);
      assert.deepEqual(slimmed, names, 'every object slimmed once, as its page arrived');
      assert.ok(list.items.every((o) => o.big === undefined));
      assert.equal(p.queries.length, requests);
      assert.ok(p.queries.every((q) => q.limit === String(limit)));
      assert.deepEqual(p.queries.slice(1).map((q) => q.continue), names.length > limit ? Array.from({ length: requests - 1 }, (_, i) => String((i + 1) * limit)) : []);
      assert.equal(list.metadata?.resourceVersion, '100', 'the watch starts at the first page\'s snapshot');
    });
  }

  test('a failed page fails the list (the informer retries it whole)', async () => {
    let n = 0;
    const get = (q: Record<string, string>): Promise<KubernetesListObject<Obj>> => (n++ === 0
      ? Promise.resolve({ items: [obj('a')], metadata: { resourceVersion: '1', continue: 'next' } } as unknown as KubernetesListObject<Obj>)
      : Promise.reject(new Error(`410 Gone: continue token ${q.continue ?? ''} expired`)));
    await assert.rejects(listInPages(get, undefined, 1), /410 Gone/);
  });
});
