// `kscale demo` interrupted before its first sample still writes its chart: an empty one that says
// why and after how long (src/cli/demo-empty-chart.ts). The real Ctrl-C during the control plane's
// start is in test/integration/demo.test.ts; here the chart itself and the exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CommandIO } from '../../src/cli/io.ts';
import { emptyDemoChart, emptyNote, writeEmptyDemoChart } from '../../src/cli/demo-empty-chart.ts';
import { findAll, parseXml } from '../../src/sim/xml-check.ts';

const tmp = mkdtempSync(join(tmpdir(), 'kscale-demo-empty-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

/** A CommandIO that keeps what is written to stderr. */
function capture(): { io: CommandIO; err: () => string } {
  let err = '';
  return { io: { out: () => undefined, err: (t) => { err += t; }, readStdin: () => Promise.resolve('') }, err: () => err };
}

describe('the empty demo chart', () => {
  test('well-formed SVG with the title, and "no samples yet" with the reason and the time in the frame', () => {
    const svg = emptyDemoChart('kscale demo — demo/worker <live> & "quoted"', emptyNote(true, 12.4));
    const root = parseXml(svg);
    assert.equal(root.name, 'svg');
    const texts = findAll(root, (e) => e.name === 'text').map((e) => e.text);
    assert.deepEqual(texts, ['kscale demo — demo/worker <live> & "quoted"', 'no samples yet: interrupted after 12 s']);
    assert.equal(findAll(root, (e) => e.name === 'title')[0]?.text, 'kscale demo — demo/worker <live> & "quoted"');
    assert.doesNotMatch(svg, /ks-series/, 'nothing is plotted');
  });

  test('the note: interrupted, or no sample could be read; whole seconds, never negative', () => {
    assert.equal(emptyNote(true, 0.4), 'interrupted after 0 s');
    assert.equal(emptyNote(true, -3), 'interrupted after 0 s');
    assert.equal(emptyNote(false, 241.6), 'no sample could be read after 242 s');
  });

  test('written to --out with one line on stderr; exit 130 when interrupted, else 1', async () => {
    const out = join(tmp, 'demo.svg');
    const a = capture();
    assert.equal(await writeEmptyDemoChart(out, 'kscale demo', Date.now() - 7_000, true, a.io), 130);
    assert.equal(a.err(), `kscale demo: interrupted after 7 s, before the first sample: wrote an empty chart to ${out}\n`);
    assert.match(readFileSync(out, 'utf8'), />no samples yet: interrupted after 7 s</);

    const b = capture();
    assert.equal(await writeEmptyDemoChart(out, 'kscale demo', Date.now(), false, b.io), 1);
    assert.match(b.err(), /^kscale demo: no sample could be read after 0 s, before the first sample: wrote an empty chart to /);
    assert.match(readFileSync(out, 'utf8'), />no samples yet: no sample could be read after 0 s</);
  });
});
