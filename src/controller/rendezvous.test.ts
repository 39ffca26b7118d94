import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hash53, ownerOf, weight } from './rendezvous.ts';

const keys = Array.from({ length: 6_000 }, (_, i) => `ns-${String(i % 50)}/autoscaler-${String(i)}`);
const members = (n: number): string[] => Array.from({ length: n }, (_, i) => `kscale-7d9f8c-${String.fromCharCode(97 + i)}x${String(i * 7919)}`);
const shares = (ms: string[]): Map<string, number> => {
  const count = new Map(ms.map((m) => [m, 0]));
  for (const k of keys) { const o = ownerOf(k, ms) ?? ''; count.set(o, (count.get(o) ?? 0) + 1); }
  return count;
};

describe('rendezvous hashing', () => {
  test('hash53 is a deterministic integer below 2^53 that depends on every character', () => {
    assert.equal(hash53('default/web'), hash53('default/web'));
    assert.notEqual(hash53('default/web'), hash53('default/wea'));
    assert.notEqual(hash53('ab'), hash53('ba'));
    for (const k of keys.slice(0, 500)) {
      const h = hash53(k);
      assert.ok(Number.isSafeInteger(h) && h >= 0, `${k}: ${String(h)}`);
    }
    // The high bits vary too (weights are compared as whole numbers).
    assert.ok(keys.slice(0, 500).some((k) => hash53(k) > 2 ** 52));
  });

  test('no members: no owner; one member owns everything; the owner does not depend on the order of members', () => {
    assert.equal(ownerOf('a/b', []), undefined);
    assert.ok(keys.every((k) => ownerOf(k, ['only']) === 'only'));
    const ms = members(4);
    for (const k of keys.slice(0, 300)) assert.equal(ownerOf(k, ms), ownerOf(k, [...ms].reverse()));
    assert.equal(ownerOf('x/y', ['a', 'b']), weight('a', 'x/y') >= weight('b', 'x/y') ? 'a' : 'b');
  });

  for (const n of [2, 3, 4, 5]) {
    test(`${String(n)} members share ${String(keys.length)} keys within 15 % of an equal share each`, () => {
      const fair = keys.length / n;
      for (const [m, c] of shares(members(n))) assert.ok(Math.abs(c - fair) <= 0.15 * fair, `${m}: ${String(c)} keys, fair share ${fair.toFixed(0)}`);
    });

    test(`a member joining ${String(n)} takes only keys for itself, about 1/${String(n + 1)} of them`, () => {
      const before = members(n);
      const newcomer = 'kscale-new-0';
      let moved = 0;
      for (const k of keys) {
        const a = ownerOf(k, before);
        const b = ownerOf(k, [...before, newcomer]);
        if (a !== b) { assert.equal(b, newcomer, `${k} moved from ${String(a)} to ${String(b)}, not to the newcomer`); moved++; }
      }
      const fair = keys.length / (n + 1);
      assert.ok(Math.abs(moved - fair) <= 0.15 * fair, `moved ${String(moved)}, fair ${fair.toFixed(0)}`);
    });

    test(`a member leaving ${String(n)} hands over only its own keys`, () => {
      const before = members(n);
      const leaver = before[1] ?? '';
      const after = before.filter((m) => m !== leaver);
      for (const k of keys) {
        const a = ownerOf(k, before);
        const b = ownerOf(k, after);
        if (a !== leaver) assert.equal(b, a, `${k} moved from ${String(a)} though ${leaver} left`);
        else assert.notEqual(b, leaver);
      }
    });
  }
});
