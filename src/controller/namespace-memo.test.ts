import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NamespaceMemo } from './namespace-memo.ts';

test('a value is computed once per namespace and key, and again after the namespace changes', () => {
  const memo = new NamespaceMemo<string[]>();
  let computed = 0;
  const compute = (v: string) => () => { computed++; return [v]; };
  assert.deepEqual(memo.get('a', 'app=web', compute('1')), ['1']);
  assert.deepEqual(memo.get('a', 'app=web', compute('2')), ['1'], 'kept');
  assert.deepEqual(memo.get('b', 'app=web', compute('3')), ['3'], 'per namespace');
  assert.equal(computed, 2);
  memo.touch('a');
  assert.deepEqual(memo.get('a', 'app=web', compute('4')), ['4'], 'recomputed after a change in the namespace');
  assert.deepEqual(memo.get('b', 'app=web', compute('5')), ['3'], 'other namespaces untouched');
  memo.touch('a');
  memo.touch('b');
  assert.equal(memo.size, 0, 'a change frees the namespace\'s values');
});
