// Issue 10 defect 7: two processes on one host must not share a leader-election identity (both
// would believe they lead). The default is the hostname plus a random suffix, as client-go's.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { defaultIdentity } from '../../src/kube/lease.ts';

test('the default identity is the hostname plus a random suffix, different per process', () => {
  const a = defaultIdentity();
  const b = defaultIdentity();
  assert.notEqual(a, b);
  assert.ok(a.startsWith(`${hostname()}_`), a);
  assert.match(defaultIdentity('node-1'), /^node-1_[0-9a-f-]{36}$/);
});
