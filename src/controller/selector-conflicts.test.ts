// Upstream's AmbiguousSelector bookkeeping: who else selects the pods an autoscaler selects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../engine/inputs.ts';
import { SelectorRegistry } from './selector-conflicts.ts';

const pod = (name: string, labels: Record<string, string>): Pod => ({ metadata: { name, namespace: 'ns', labels } });
const shared = [pod('a-1', { app: 'shop', tier: 'a' }), pod('b-1', { app: 'shop', tier: 'b' })];
const onlyA = () => shared.filter((p) => p.metadata.labels?.tier === 'a');

test('an autoscaler alone, or one whose pods nobody else selects, has no conflict', () => {
  const r = new SelectorRegistry();
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), []);
  assert.deepEqual(r.conflicts('ns', 'b', 'tier=b', () => shared.filter((p) => p.metadata.labels?.tier === 'b')), []);
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), []);
});

test('a selector that picks another autoscaler\'s pods conflicts with it, both ways, once both have run', () => {
  const r = new SelectorRegistry();
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), [], 'b has not run yet: it selects nothing (upstream\'s Nothing selector)');
  assert.deepEqual(r.conflicts('ns', 'wide', 'app=shop', () => shared), ['ns/a'], 'partial overlap is enough');
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), ['ns/wide']);
  assert.deepEqual(r.conflicts('other', 'c', 'app=shop', () => []), [], 'other namespaces never conflict');
});

test('a changed selector, a deleted autoscaler and a pod change are seen', () => {
  const r = new SelectorRegistry();
  r.conflicts('ns', 'wide', 'app=shop', () => shared);
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), ['ns/wide']);
  r.conflicts('ns', 'wide', 'app=other', () => []);
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), [], 'wide no longer selects a\'s pods');
  r.conflicts('ns', 'wide', 'app=shop', () => shared);
  r.forget('ns', 'wide');
  assert.deepEqual(r.conflicts('ns', 'a', 'tier=a', onlyA), [], 'deleted');
  assert.equal(r.size, 1);
  r.forget('ns', 'a');
  assert.equal(r.size, 0, 'nothing kept for deleted autoscalers');
  let pods = [pod('x', { tier: 'z' })];
  r.conflicts('ns', 'z', 'tier=z', () => pods);
  assert.deepEqual(r.conflicts('ns', 'y', 'color=red', () => []), []);
  pods = [pod('x', { tier: 'z', color: 'red' })];
  r.touch('ns');
  assert.deepEqual(r.conflicts('ns', 'z', 'tier=z', () => pods), ['ns/y'], 'a pod relabelled: computed again');
});

test('a selector that does not parse is not recorded (the engine reports it)', () => {
  const r = new SelectorRegistry();
  assert.deepEqual(r.conflicts('ns', 'a', 'app in (', () => shared), []);
  assert.equal(r.size, 0);
});
