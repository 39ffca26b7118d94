// `npm run demo`: the main job on the embedded control plane, end to end: it scales the demo
// workload, prints the decisions, writes a chart, and leaves nothing running.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { parseXml } from '../../src/sim/xml-check.ts';
import { controlPlaneSuiteOptions } from '../support/control-plane.ts';

describe('kscale demo', controlPlaneSuiteOptions(), () => {
  test('scales the demo workload live and writes a chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kscale-demo-'));
    const out = join(dir, 'demo.svg');
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    try {
      assert.equal(await main(['demo', '--duration', '30s', '--period', '40s', '--out', out], io), 0, io.stderr + io.stdout);
      assert.match(io.stdout, /\d+ → \d+ +external metric queue_messages_ready\{queue=orders\} above target/);
      assert.match(io.stdout, /scale events \(\d+ up, \d+ down\), peak \d+ replicas\. Chart: /);
      const svg = await readFile(out, 'utf8');
      assert.equal(parseXml(svg).name, 'svg', 'the chart is well-formed SVG');
      assert.match(svg, /class="ks-series ks-replicas"/);
      assert.match(svg, /class="ks-series ks-load"[^>]*data-metric="queue_messages_ready"/);
      assert.match(io.stdout, /Cleaning up/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('bad flags exit 2 with the reason', async () => {
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    assert.equal(await main(['demo', '--duration', 'soon'], io), 2);
    assert.match(io.stderr, /--duration: "soon" is not a duration/);
  });
});
