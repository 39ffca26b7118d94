// docs/deviations.md cannot drift from test/parity/deviations.ts: every deliberate deviation the
// differential suite accepts has exactly one row in the doc's first table (keyed by its id, naming
// its upstream code), and the table lists nothing else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DEVIATIONS, KNOWN_BUGS } from '../parity/deviations.ts';

const doc = readFileSync(new URL('../../docs/deviations.md', import.meta.url), 'utf8');

/** The table rows under a "## " heading: the cells of each row after the header and separator. */
function tableUnder(heading: string): string[][] {
  const start = doc.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `docs/deviations.md has a "## ${heading}" section`);
  const next = doc.indexOf('\n## ', start + 3);
  const section = doc.slice(start, next < 0 ? undefined : next);
  return section.split('\n').filter((l) => l.startsWith('|')).slice(2)
    .map((l) => l.slice(1, l.endsWith('|') ? -1 : undefined).split(' | ').map((c) => c.trim()));
}

describe('docs/deviations.md', () => {
  const rows = tableUnder('Disagreements the differential suite accepts');
  const rowOf = new Map(rows.map((cells) => [/^`([^`]+)`$/.exec(cells[0] ?? '')?.[1] ?? cells[0] ?? '', cells]));

  test('every deviation in DEVIATIONS has a row', () => {
    const missing = DEVIATIONS.filter((d) => !rowOf.has(d.id)).map((d) => d.id);
    assert.deepEqual(missing, [], `add a row to docs/deviations.md for: ${missing.join(', ')}`);
  });

  test('the table lists no deviation that DEVIATIONS does not (nor a known bug)', () => {
    const ids = new Set(DEVIATIONS.map((d) => d.id));
    assert.deepEqual([...rowOf.keys()].filter((id) => !ids.has(id)), []);
    assert.deepEqual(KNOWN_BUGS.filter((b) => rowOf.has(b.id)).map((b) => b.id), [], 'known bugs are not deliberate deviations');
    assert.equal(rowOf.size, rows.length, 'one row per id');
  });

  test('each row is complete and names the upstream code its entry names', () => {
    for (const d of DEVIATIONS) {
      const cells = rowOf.get(d.id);
      if (!cells) continue; // reported above
      assert.equal(cells.length, 6, `${d.id}: id | upstream v1.36.3 | kscale | why | upstream code | tests`);
      for (const [i, cell] of cells.entries()) assert.notEqual(cell, '', `${d.id}: column ${i + 1} is empty`);
      const files = [...d.upstream.matchAll(/[\w./-]+\.go\b/g)].map((m) => m[0].split('/').pop()!);
      for (const f of files) assert.ok(cells[4]!.includes(f), `${d.id}: the upstream code column names ${f}, as deviations.ts does`);
      // The functions it names before any parenthesized note, e.g. groupPods, GetObjectMetricReplicas, MilliValue.
      const functions = (d.upstream.split('(')[0] ?? '').match(/\b[a-z]*[A-Z]?[a-z]+[A-Z]\w*\b/g) ?? [];
      for (const fn of functions) assert.ok(cells[4]!.includes(fn), `${d.id}: the upstream code column names ${fn}, as deviations.ts does`);
      assert.match(cells[5]!, /differential/, `${d.id}: the tests column names the differential suite`);
    }
  });

  test('the behaviour-by-design table keeps its rows', () => {
    const choices = tableUnder('Behaviour that differs by design').map((cells) => cells[0]);
    for (const c of ['history survives a restart or failover', 'compact recommendation history', 'retry of a failed pass', 'scale to zero always on']) {
      assert.ok(choices.includes(c), `row "${c}"`);
    }
  });

  test('every linked file exists', () => {
    for (const [, target] of doc.matchAll(/\]\(([^)#]+)\)/g)) {
      assert.doesNotThrow(() => readFileSync(new URL(target!, new URL('../../docs/', import.meta.url))), `docs/deviations.md links ${target}`);
    }
  });
});
