// `npm run demo`: the main job on the embedded control plane, end to end: it scales the demo
// workload, prints the decisions, writes a chart, and leaves nothing running — also when Ctrl-C
// ends it early (then as a real process receiving a real SIGINT, as from a terminal).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kubectlWatches, remindWatchInstructions } from '../../src/cli/embedded-demo.ts';
import { main } from '../../src/cli/main.ts';
import { binaryPath } from '../../src/controlplane/index.ts';
import { parseXml } from '../../src/sim/xml-check.ts';
import { controlPlaneSuiteOptions, startSuiteControlPlane } from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** `kscale demo` as a child process: its output so far, and its exit. */
function demoProcess(args: string[], cwd: string): { output: () => string; stderr: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; interrupt: () => void } {
  const child = spawn(process.execPath, [MAIN, 'demo', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => { child.on('exit', (code, signal) => { resolve({ code, signal }); }); });
  return { output: () => out + err, stderr: () => err, exited, interrupt: () => { child.kill('SIGINT'); } };
}

/** No "    at file:line" frames and no uncaught-error banner: Ctrl-C is an ending, not a crash. */
function assertNoCrash(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace:\n${text}`);
  assert.doesNotMatch(text, /unexpected error|Uncaught|ECONNREFUSED|no metrics server/, text);
}

describe('kscale demo', controlPlaneSuiteOptions(), () => {
  test('scales the demo workload live and writes a chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kscale-demo-'));
    const out = join(dir, 'demo.svg');
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    try {
      assert.equal(await main(['demo', '--duration', '30s', '--period', '40s', '--out', out], io), 0, io.stderr + io.stdout);
      assert.match(io.stdout, /\d+ → \d+ +external metric queue_messages_ready\{queue=orders\} above target/);
      assert.match(io.stdout, /scale events \(\d+ up, \d+ down\), peak \d+ replicas\. Chart: /);
      assert.match(io.stdout, /kubectl get hza -n demo -w -o wide/, 'says how to watch it');
      const svg = await readFile(out, 'utf8');
      assert.equal(parseXml(svg).name, 'svg', 'the chart is well-formed SVG');
      assert.match(svg, /class="ks-series ks-replicas"/);
      assert.match(svg, /class="ks-series ks-load"[^>]*data-metric="queue_messages_ready"/);
      assert.match(svg, /<title id="ks-title">kscale demo — demo\/worker/, 'the chart says it is the live demo');
      assert.doesNotMatch(svg, /kscale simulate/);
      assert.match(svg, />queue_messages_ready\{queue=orders\} per pod \/ target</, 'the legend names the metric as the status does');
      assert.match(io.stdout, /Cleaning up/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C after the first decision: the chart of the run so far is written, no crash, nothing left behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kscale-demo-int-'));
    try {
      const demo = demoProcess(['--duration', '2m', '--period', '40s', '--out', 'demo.svg'], dir);
      // The first scale decision, or the demo's end (then the test fails below with its output).
      await eventually('the first scale decision', () => Promise.resolve(/\d+ → \d+ +external metric/.test(demo.output()) ? true : undefined), 90_000, 200)
        .catch(async (e: unknown) => { demo.interrupt(); await demo.exited; throw new Error(`${(e as Error).message}\n${demo.output()}`); });
      const workDir = /KUBECONFIG=(\S+)\/admin\.kubeconfig/.exec(demo.output())?.[1];
      assert.ok(workDir, demo.output());
      demo.interrupt();
      const { code, signal } = await demo.exited;
      const text = demo.output();
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, text);
      assertNoCrash(text);
      assert.match(text, /SIGINT: stopping early/);
      assert.match(text, /scale events \(\d+ up, \d+ down\), peak \d+ replicas\. Chart: demo\.svg/);
      const svg = await readFile(join(dir, 'demo.svg'), 'utf8');
      assert.equal(parseXml(svg).name, 'svg');
      assert.match(svg, /class="ks-series ks-replicas"/);
      assert.ok(!existsSync(workDir), `the control plane's work dir ${workDir} is removed`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('Ctrl-C while the control plane starts: a one-line reason, exit 130, no crash, an empty chart that says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kscale-demo-int-'));
    try {
      const demo = demoProcess(['--duration', '2m', '--out', 'demo.svg'], dir);
      await eventually('the start message', () => Promise.resolve(demo.output().includes('Starting the embedded control plane') ? true : undefined), 60_000, 20);
      await new Promise((r) => setTimeout(r, 300)); // inside startControlPlane (etcd is starting)
      demo.interrupt();
      const { code } = await demo.exited;
      const text = demo.output();
      assert.equal(code, 130, text);
      assertNoCrash(text);
      assert.match(demo.stderr(), /kscale demo: interrupted after \d+ s, before the first sample: wrote an empty chart to demo\.svg\n/);
      const svg = await readFile(join(dir, 'demo.svg'), 'utf8');
      assert.equal(parseXml(svg).name, 'svg');
      assert.match(svg, />no samples yet: interrupted after \d+ s</);
      assert.doesNotMatch(svg, /ks-series/, 'nothing plotted');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the watch instructions come back every few minutes only while no kubectl watches', async () => {
    const cp = await startSuiteControlPlane({ controllerManager: true });
    const watchers: ReturnType<typeof spawn>[] = [];
    try {
      await cp.applyYaml(await readFile(new URL('../../deploy/crd/horizontalautoscalers.kscale.dev.yaml', import.meta.url), 'utf8'));
      // kube-controller-manager and the API server's own clients watch neither autoscalers nor Events.
      assert.equal(await kubectlWatches(cp.kubeConfig, 0), 0);
      let printed = 0;
      const reminder = remindWatchInstructions(() => { printed++; }, cp.kubeConfig, { everyMs: 300, ownWatches: 0, input: new PassThrough() });
      try {
        await eventually('a reminder while nobody watches', () => Promise.resolve(printed >= 1 ? true : undefined), 10_000, 50);
        for (const args of [['get', 'hza', '-n', 'demo', '-w', '-o', 'wide'], ['events', '-n', 'demo', '-w']]) {
          watchers.push(spawn(binaryPath('kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args], { stdio: 'ignore' }));
        }
        await eventually('both kubectl watches counted', async () => ((await kubectlWatches(cp.kubeConfig, 0)) === 2 ? true : undefined), 20_000, 200);
        const before = printed;
        await new Promise((r) => setTimeout(r, 1_500));
        assert.ok(printed <= before + 1, `printed ${printed - before} times while kubectl watched`); // one check may have been in flight
      } finally {
        reminder.stop();
      }
    } finally {
      for (const w of watchers) w.kill();
      await cp.stop();
    }
  });

  test('bad flags exit 2 with the reason', async () => {
    const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve('') };
    assert.equal(await main(['demo', '--duration', 'soon'], io), 2);
    assert.match(io.stderr, /--duration: "soon" is not a duration/);
  });
});
