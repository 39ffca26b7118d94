import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonEqual } from './json-equal.ts';

describe('jsonEqual: equal exactly when the JSON texts (keys sorted) are', () => {
  const sorted = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => p.localeCompare(q))) : x)));
  const cases: [string, unknown, unknown, boolean][] = [
    ['same primitives', 1, 1, true],
    ['different numbers', 1, 2, false],
    ['string vs number', '1', 1, false],
    ['null vs object', null, {}, false],
    ['key order', { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ['undefined key is absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['undefined key on the other side', { a: 1 }, { a: 1, b: undefined }, true],
    ['null is not absent', { a: 1, b: null }, { a: 1 }, false],
    ['missing key', { a: 1 }, { a: 1, b: 2 }, false],
    ['extra key', { a: 1, c: 3 }, { a: 1 }, false],
    ['same count, other keys', { a: 1, c: 3 }, { a: 1, b: 3 }, false],
    ['nested', { a: [{ x: 1, y: undefined }, 2] }, { a: [{ x: 1 }, 2] }, true],
    ['nested differ', { a: [{ x: 1 }, 2] }, { a: [{ x: 2 }, 2] }, false],
    ['array order matters', [1, 2], [2, 1], false],
    ['array length', [1], [1, 1], false],
    ['undefined array element is null', [undefined], [null], true],
    ['array vs object', [], {}, false],
    ['empty objects', {}, { a: undefined }, true],
  ];
  for (const [name, a, b, want] of cases) {
    test(name, () => {
      assert.equal(jsonEqual(a, b), want);
      assert.equal(jsonEqual(b, a), want, 'symmetric');
      if (typeof a === 'object' && typeof b === 'object') assert.equal(isDeepJson(sorted(a), sorted(b)), want, 'agrees with a JSON round trip');
    });
  }
});

function isDeepJson(a: unknown, b: unknown): boolean { return JSON.stringify(a) === JSON.stringify(b); }
