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

// selectionStrategy OwnerReference: an autoscaler counts the pods its target owns, and conflicts over those only.
test('OwnerReference: overlapping selectors whose targets own different pods do not conflict', () => {
  const r = new SelectorRegistry();
  // Two Deployments' pods share app=shop; a owns a-1, b owns b-1.
  assert.deepEqual(r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1']), []);
  assert.deepEqual(r.conflicts('ns', 'b', 'app=shop', () => shared, ['b-1']), [], 'a counts a-1 only');
  assert.deepEqual(r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1']), [], 'b counts b-1 only');
});

test('OwnerReference next to LabelSelector: the one counting every matching pod conflicts with both sides', () => {
  const r = new SelectorRegistry();
  r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1']);
  assert.deepEqual(r.conflicts('ns', 'wide', 'app=shop', () => shared), ['ns/a'], 'wide counts a-1, which a counts');
  assert.deepEqual(r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1']), ['ns/wide'], 'a counts a-1, which wide\'s selector picks');
  assert.deepEqual(r.conflicts('ns', 'b', 'tier=b', () => shared.filter((p) => p.metadata.labels?.tier === 'b'), ['b-1']), ['ns/wide'], 'b-1 is counted by wide (LabelSelector), never by a');
});

test('OwnerReference: a change in the pods an autoscaler counts is seen by the others', () => {
  const r = new SelectorRegistry();
  r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1']);
  assert.deepEqual(r.conflicts('ns', 'b', 'app=shop', () => shared, ['b-1']), []);
  r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1', 'b-1']); // a's target now owns b-1 as well
  assert.deepEqual(r.conflicts('ns', 'b', 'app=shop', () => shared, ['b-1']), ['ns/a']);
  r.conflicts('ns', 'a', 'app=shop', () => shared, ['a-1']);
  assert.deepEqual(r.conflicts('ns', 'b', 'app=shop', () => shared, ['b-1']), []);
  r.conflicts('ns', 'a', 'app=shop', () => shared); // back to LabelSelector (or ownership not resolved)
  assert.deepEqual(r.conflicts('ns', 'b', 'app=shop', () => shared, ['b-1']), ['ns/a']);
});
