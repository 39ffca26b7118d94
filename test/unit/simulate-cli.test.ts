// `kscale simulate`: the examples replay to known timelines, reports name both configurations,
// charts are well-formed, bad input exits 2 naming its place, Prometheus ranges become traces.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError, type CommandIO } from '../../src/cli/io.ts';
import { simulateCommand } from '../../src/cli/simulate.ts';
import { SnapshotError } from '../../src/cli/snapshot-file.ts';
import type { JsonReport } from '../../src/sim/report-json.ts';
import { findAll, parseXml } from '../../src/sim/xml-check.ts';

const ex = (f: string): string => new URL(`../../examples/traces/${f}`, import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'kscale-simulate-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

interface Result { code: number; stdout: string; stderr: string }

/** Runs the command the way `kscale` does: bad input (UsageError, SnapshotError, bad flags) exits 2. */
async function run(args: string[], stdin = ''): Promise<Result> {
  const r = { stdout: '', stderr: '' };
  const io: CommandIO = { out: (t) => { r.stdout += t; }, err: (t) => { r.stderr += t; }, readStdin: () => Promise.resolve(stdin) };
  try {
    return { code: await simulateCommand(args, io), ...r };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof UsageError || e instanceof SnapshotError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      return { code: 2, stdout: r.stdout, stderr: `${r.stderr}kscale simulate: ${(e as Error).message}\n` };
    }
    throw e;
  }
}

async function json(args: string[], stdin = ''): Promise<JsonReport> {
  const r = await run([...args, '--output', 'json'], stdin);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

const spike = ['-f', ex('spike-default.yaml'), '--trace', ex('spike.csv')];
const spikeCompare = [...spike, '--compare', ex('spike-fast-up.yaml')];

describe('kscale simulate reports', () => {
  test('--compare: text names both configurations side by side and says how they differ', async () => {
    const r = await run(spikeCompare);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Trace .*spike\.csv: cpu; 0:00–30:00 \(4 points\)$/m);
    assert.match(r.stdout, /^A: spike-default \(.*spike-default\.yaml\): every 15 s, 2–30 replicas/m);
    assert.match(r.stdout, /^B: spike-fast-up \(.*spike-fast-up\.yaml\)/m);
    assert.match(r.stdout, /^Summary\n +spike-default {2,}spike-fast-up\n {2}scale events +5 \(4 up, 1 down\) +2 \(1 up, 1 down\)$/m, 'summary, both side by side');
    assert.match(r.stdout, /^ {2}5:45 +14 \(292%\) +16 → 24 +stabilization +stabilization window: a recent recommendation was higher$/m);
    assert.match(r.stdout, /^ {2}5:00 +14 \(1167%\) +2 → 4 +scaleUpLimit +cpu resource utilization/m);
    assert.match(r.stdout, /^ {2}20:00 +1 \(7%\) +24 → 2 /m);
    assert.match(r.stdout, /^Differences\n {2}- spike-fast-up spends 45 s less above target than spike-default \(30 s vs 75 s\) and uses 1% more replica-seconds/m);
  });

  test('--output json: full timelines; the legacy limit and the 300 s stabilization show at their exact ticks', async () => {
    const report = await json(spikeCompare);
    assert.deepEqual(report.configurations.map((c) => c.name), ['spike-default', 'spike-fast-up']);
    const [a, b] = report.configurations;
    assert.ok(a && b);
    assert.equal(a.timeline.length, 121);
    const scaled = (c: typeof a): [number, number, number | null][] => c.timeline.filter((t) => t.scaleTo !== null).map((t) => [t.t, t.replicas, t.scaleTo]);
    assert.deepEqual(scaled(a), [[300, 2, 4], [315, 4, 8], [330, 8, 16], [345, 16, 24], [1200, 24, 2]]);
    assert.deepEqual(scaled(b), [[300, 2, 24], [1185, 24, 2]]);
    assert.equal(a.summary.scaleEvents, 5);
    assert.equal(a.summary.secondsAboveTarget, 75);
    assert.equal(b.summary.secondsAboveTarget, 30);
    assert.equal(report.differences.length, 3);
  });

  test('the same run prints the same JSON', async () => {
    const first = await run([...spikeCompare, '-o', 'json']);
    const second = await run([...spikeCompare, '-o', 'json']);
    assert.equal(first.stdout, second.stdout);
  });

  test('workload flags change the replay: --replicas, --cpu-request, --ready-delay, --duration', async () => {
    const base = (await json([...spike])).configurations[0];
    const changed = (await json([...spike, '--replicas', '4', '--cpu-request', '500m', '--ready-delay', '1m', '--duration', '10m'])).configurations[0];
    assert.equal(base?.timeline[0]?.replicas, 2);
    assert.equal(changed?.timeline[0]?.replicas, 4);
    assert.equal(base?.timeline[0]?.ratio.cpu, 50 / 60);
    assert.equal(changed?.timeline[0]?.ratio.cpu, 50 / 60, '1 core on 4 pods of 500m is 50% as well');
    assert.equal(changed?.timeline.length, 41, 'ten minutes of 15 s ticks');
    // The ready delay: pods added at 5:00 are Ready 60 s later instead of 30 s.
    const readyAt = (c: typeof base, t: number): number | undefined => c?.timeline.find((x) => x.t === t)?.ready;
    assert.equal(readyAt(base, 330), 4);
    assert.equal(readyAt(changed, 330), 4, 'still only the initial pods');
    assert.ok((readyAt(changed, 360) ?? 0) > 4);
  });

  test('--per-pod reads cpu values per Ready pod', async () => {
    const perPod = await json(['-f', ex('spike-default.yaml'), '--trace', '-', '--per-pod'], 'time,cpu\n0,600m\n60,600m\n');
    assert.equal(perPod.configurations[0]?.timeline[0]?.ratio.cpu, 1);
  });

  test('reads a trace from standard input and a `kscale decide` snapshot as the autoscaler', async () => {
    const decideExample = new URL('../../examples/decide/cpu-scale-up.yaml', import.meta.url).pathname;
    const report = await json(['-f', decideExample, '--trace', '-'], '{"points":[{"t":0,"cpu":"1800m"},{"t":30,"cpu":"1800m"}]}');
    assert.equal(report.trace.source, 'stdin');
    assert.equal(report.configurations[0]?.name, 'cpu-scale-up');
    assert.equal(report.configurations[0]?.timeline[0]?.scaleTo, 3, '1.8 cores on 1 pod at a 60% target');
  });

  test('warns about trace columns no autoscaler uses', async () => {
    const r = await run(['-f', ex('spike-default.yaml'), '--trace', '-'], 'time,cpu,memory\n0,1,1Gi\n');
    assert.equal(r.code, 0);
    assert.match(r.stderr, /trace column memory not used by the autoscaler/);
  });
});

describe('kscale simulate --rollout-* flags set the simulated rolling update', () => {
  // rollout-exclude-surge holds 4 replicas through every rollout, so its timeline is the
  // Deployment's alone: 4 pods replaced one at a time (maxSurge 25 % of 4 is 1 pod).
  const rollouts = ['--trace', ex('rollouts.csv'), '--per-pod'];
  const exclude = ['-f', ex('rollout-exclude-surge.yaml'), ...rollouts];
  const first = async (args: string[]) => {
    const c = (await json(args)).configurations[0];
    assert.ok(c);
    return c;
  };
  /** The pods by revision at the ticks of the first rollout (starting at 5:00). */
  const pods = (c: Awaited<ReturnType<typeof first>>, ...ts: number[]): (string | undefined)[] => ts.map((t) => c.timeline.find((x) => x.t === t)?.rollout);

  test('the defaults are the model\'s: giving them changes nothing', async () => {
    const plain = await run([...exclude, '-o', 'json']);
    const explicit = await run([...exclude, '-o', 'json', '--rollout-max-surge=25%', '--rollout-min-ready=30s', '--rollout-warm-up=20s', '--rollout-warm-up-factor=1.7']);
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.equal(explicit.stdout, plain.stdout);
  });

  test('--rollout-min-ready: an old pod goes only once the new one has been Ready that long', async () => {
    const base = await first(exclude);
    const slow = await first([...exclude, '--rollout-min-ready', '90s']);
    // The first new pod is created at 5:00 and Ready at 5:30: available at 6:00 by default, at 7:00 with 90 s.
    assert.deepEqual(pods(base, 345, 360), ['4 old + 1 new pods for spec.replicas 4', '3 old + 2 new pods for spec.replicas 4']);
    assert.deepEqual(pods(slow, 405, 420), ['4 old + 1 new pods for spec.replicas 4', '3 old + 2 new pods for spec.replicas 4']);
    assert.equal(base.summary.secondsRollingOut, 3 * 4 * (30 + 30), 'three rollouts of 4 pods, each Ready after 30 s and available 30 s later');
    assert.equal(slow.summary.secondsRollingOut, 3 * 4 * (30 + 90));
  });

  test('--rollout-max-surge: 50 % of 4 replaces two pods at a time, both warm together', async () => {
    const base = await first(exclude);
    const wide = await first([...exclude, '--rollout-max-surge=50%']);
    assert.deepEqual(pods(wide, 300, 360, 420), ['4 old + 2 new pods for spec.replicas 4', '2 old + 4 new pods for spec.replicas 4', undefined]);
    assert.equal(wide.summary.secondsRollingOut, 3 * 2 * 60);
    // At 5:30 both surge pods are Ready and warm: (4 × 1 + 2 × 1.7) / 6 pods = 123 %, against (4 + 1.7) / 5.
    const ratioAt = (c: typeof base, t: number): number | null | undefined => c.timeline.find((x) => x.t === t)?.ratio.memory;
    assert.equal(ratioAt(base, 330), 1.14);
    assert.equal(ratioAt(wide, 330), 1.23);
  });

  test('--rollout-warm-up-factor and --rollout-warm-up: how hot a new pod runs, and for how long', async () => {
    const hottest = (c: Awaited<ReturnType<typeof first>>): number => Math.max(...c.timeline.map((t) => t.ratio.memory ?? 0));
    const hotTicks = (c: Awaited<ReturnType<typeof first>>): number[] => c.timeline.filter((t) => t.t < 600 && (t.ratio.memory ?? 0) > 1).map((t) => t.t);
    const base = await first(exclude);
    assert.equal(hottest(base), 1.14, '(4 × 1Gi + 1.7Gi) / 5 pods');
    assert.deepEqual(hotTicks(base), [330, 345, 390, 405, 450, 465, 510, 525], 'each new pod for 20 s after Ready');
    assert.equal(hottest(await first([...exclude, '--rollout-warm-up-factor', '2.2'])), 1.24);
    assert.equal(hottest(await first([...exclude, '--rollout-warm-up-factor', '1'])), 1, 'no warm-up: every pod at its request');
    assert.equal(hottest(await first([...exclude, '--rollout-warm-up', '0s'])), 1);
    assert.deepEqual(hotTicks(await first([...exclude, '--rollout-warm-up', '5s'])), [330, 390, 450, 510], 'warm for 5 s: one tick each');
  });

  test('the flags apply to both configurations of --compare: without a warm-up Upstream does not ratchet', async () => {
    const compare = ['-f', ex('rollout-exclude-surge.yaml'), ...rollouts, '--compare', ex('rollout-upstream.yaml')];
    const before = (await json(compare)).configurations[1];
    assert.ok(before && before.summary.scaleEvents > 0, 'by default the warm surge pod makes Upstream scale up');
    const report = await json([...compare, '--rollout-warm-up-factor=1', '--rollout-min-ready=1m']);
    const [a, b] = report.configurations;
    assert.ok(a && b);
    assert.equal(b.summary.scaleEvents, 0);
    assert.equal(b.summary.peakReplicas, 4);
    assert.equal(a.summary.secondsRollingOut, 3 * 4 * 90);
    assert.equal(b.summary.secondsRollingOut, 3 * 4 * 90);
  });

  test('without a rollout column the flags change nothing, and a warning says so', async () => {
    const r = await run([...spike, '--rollout-min-ready=1m']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /the --rollout-\* flags change nothing: the trace has no rollout column/);
    assert.equal(r.stdout, (await run(spike)).stdout);
  });
});

describe('kscale simulate --out', () => {
  test('.svg: a well-formed chart with one replicas series per configuration and the metric series', async () => {
    const out = join(tmp, 'spike.svg');
    const r = await run([...spikeCompare, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*spike\.svg/);
    const root = parseXml(readFileSync(out, 'utf8'));
    assert.equal(root.name, 'svg');
    const series = findAll(root, (e) => e.name === 'path' && (e.attributes.class ?? '').includes('ks-series'));
    assert.deepEqual(series.map((s) => `${(s.attributes.class ?? '').replace('ks-series ', '')}:${s.attributes['data-config'] ?? ''}:${s.attributes['data-metric'] ?? ''}`),
      ['ks-load:spike-default:cpu', 'ks-load:spike-fast-up:cpu', 'ks-replicas:spike-default:', 'ks-replicas:spike-fast-up:']);
  });

  test('.svg also gets a PNG when a real converter works, and no bogus PNG otherwise', async () => {
    const out = join(tmp, 'png-check.svg');
    assert.equal((await run([...spike, '--out', out])).code, 0);
    const png = join(tmp, 'png-check.png');
    if (converterWorks()) {
      assert.ok(existsSync(png), 'a converter is installed and works: the PNG must be written');
      assert.deepEqual([...readFileSync(png).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    } else {
      // A stand-in `convert` may produce something else or nothing: nothing may be left behind.
      assert.ok(!existsSync(png) || readFileSync(png).subarray(1, 4).toString() === 'PNG');
    }
  });

  test('.html: the chart and the summary table in one page', async () => {
    const out = join(tmp, 'report.html');
    assert.equal((await run([...spikeCompare, '--out', out])).code, 0);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(html, /<th>spike-default<\/th><th>spike-fast-up<\/th>/);
    assert.match(html, /<td>time above target<\/td><td>75 s<\/td><td>30 s<\/td>/);
  });
});

/** Whether rsvg-convert or ImageMagick turns a tiny SVG into a real PNG on this machine. */
function converterWorks(): boolean {
  const svg = join(tmp, 'probe.svg');
  writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="red"/></svg>');
  for (const [tool, args] of [['rsvg-convert', ['-o', join(tmp, 'probe1.png'), svg]], ['convert', [svg, join(tmp, 'probe2.png')]]] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore', timeout: 30_000 });
      const out = args[0] === '-o' ? args[1] : args[1];
      if (existsSync(out) && readFileSync(out).subarray(1, 4).toString() === 'PNG') return true;
    } catch { /* not installed or not a real converter */ }
  }
  return false;
}

describe('kscale simulate examples (examples/traces/README.md)', () => {
  const pair = async (a: string, trace: string, b: string): Promise<JsonReport> => json(['-f', ex(a), '--trace', ex(trace), '--compare', ex(b)]);

  test('flapping: the stabilization window turns 21 scale events into 1', async () => {
    const r = await pair('flapping-no-window.yaml', 'flapping.csv', 'flapping-stabilized.yaml');
    assert.deepEqual(r.configurations.map((c) => c.summary.scaleEvents), [21, 1]);
    assert.deepEqual(r.configurations.map((c) => c.summary.scaleDowns), [10, 0]);
  });

  test('slow ramp: a scale-up window trails the load and spends far longer above target', async () => {
    const [a, b] = (await pair('slow-ramp-default.yaml', 'slow-ramp.csv', 'slow-ramp-up-window.yaml')).configurations;
    assert.ok(a && b);
    assert.ok(b.summary.secondsAboveTarget > 4 * a.summary.secondsAboveTarget, `${b.summary.secondsAboveTarget} vs ${a.summary.secondsAboveTarget}`);
    assert.ok(b.summary.replicaSeconds < a.summary.replicaSeconds);
  });

  test('diurnal: a tighter tolerance scales more often, and the report warns that the thresholds differ', async () => {
    const r = await pair('diurnal-default.yaml', 'diurnal.csv', 'diurnal-tight.yaml');
    assert.equal(r.trace.startTime, '2026-11-23T00:00:00.000Z');
    assert.equal(r.configurations[0]?.timeline.length, 24 * 240 + 1);
    const [a, b] = r.configurations;
    assert.ok(a && b && b.summary.scaleEvents > a.summary.scaleEvents);
    assert.match(r.differences.at(-1) ?? '', /tolerances differ/);
  });

  test('metric outage: four minutes without metrics, held, then scaled', async () => {
    const report = await json(['-f', ex('metric-outage.yaml'), '--trace', ex('metric-outage.json')]);
    const c = report.configurations[0];
    assert.equal(c?.summary.secondsWithoutMetrics, 240);
    const gap = c?.timeline.filter((t) => t.error !== undefined) ?? [];
    assert.deepEqual([gap[0]?.t, gap.at(-1)?.t], [600, 825]);
    assert.ok(gap.every((t) => t.scaleTo === null && t.limitedBy === 'invalidMetric'));
    assert.deepEqual(c?.timeline.filter((t) => t.scaleTo !== null).map((t) => [t.t, t.scaleTo]), [[840, 4], [855, 5]]);
  });

  test('every command in the README runs', async () => {
    const readme = readFileSync(ex('README.md'), 'utf8');
    const commands = [...readme.matchAll(/^\s*kscale simulate (.+)$/gm)].map((m) => (m[1] ?? '').trim());
    assert.ok(commands.length >= 5, `found ${commands.length} commands`);
    for (const c of commands) {
      const args = c.split(/\s+/).map((a) => (a.startsWith('examples/') ? new URL(`../../${a}`, import.meta.url).pathname : a))
        .map((a, i, all) => (all[i - 1] === '--out' ? join(tmp, `readme-${i}.${a.split('.').pop() ?? 'svg'}`) : a));
      const r = await run(args);
      assert.equal(r.code, 0, `${c}\n${r.stderr}`);
    }
  });
});

describe('kscale simulate errors exit 2 and name the problem', () => {
  const badCsv = join(tmp, 'bad.csv');
  writeFileSync(badCsv, 'time,cpu\n0,1\n15,1\n30,two\n');
  const badJson = join(tmp, 'bad.json');
  writeFileSync(badJson, '{"points":[{"t":0,"cpu":1},{"t":15,"cpu":[1]}]}');
  const badYaml = join(tmp, 'bad.yaml');
  writeFileSync(badYaml, 'spec:\n  maxReplicas: [1\n');
  const invalid = join(tmp, 'invalid.yaml');
  writeFileSync(invalid, 'apiVersion: kscale.dev/v1alpha1\nkind: HorizontalAutoscaler\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 0\n');
  const external = join(tmp, 'external.yaml');
  writeFileSync(external, 'apiVersion: kscale.dev/v1alpha1\nkind: HorizontalAutoscaler\nspec:\n  scaleTargetRef: {kind: Deployment, name: web}\n  maxReplicas: 5\n  metrics:\n    - type: External\n      external: {metric: {name: queue_ready}, target: {type: AverageValue, averageValue: "10"}}\n');

  const cases: { name: string; args: string[]; stdin?: string; message: RegExp }[] = [
    { name: 'malformed CSV names line and column', args: ['-f', ex('spike-default.yaml'), '--trace', badCsv], message: /bad\.csv: line 4, column 2 \(cpu\): "two" is not a number or a quantity/ },
    { name: 'malformed JSON trace names the path', args: ['-f', ex('spike-default.yaml'), '--trace', badJson], message: /bad\.json: \$\.points\[1\]\.cpu: must be a number/ },
    { name: 'YAML syntax error names line and column', args: ['-f', badYaml, '--trace', ex('spike.csv')], message: /bad\.yaml:\d+:\d+: / },
    { name: 'an invalid spec', args: ['-f', invalid, '--trace', ex('spike.csv')], message: /invalid\.yaml: the spec is invalid: spec\.maxReplicas/ },
    { name: 'a metric without a trace column', args: ['-f', external, '--trace', ex('spike.csv')], message: /metric 0 \(External queue_ready\) has no column "queue_ready" in the trace \(it has: cpu\)/ },
    { name: 'not an autoscaler', args: ['-f', '-', '--trace', ex('spike.csv')], stdin: 'apiVersion: v1\nkind: Pod\nspec: {}\n', message: /unsupported "v1" "Pod"/ },
    { name: 'missing -f', args: ['--trace', ex('spike.csv')], message: /missing -f AUTOSCALER/ },
    { name: 'missing --trace', args: ['-f', ex('spike-default.yaml')], message: /missing --trace FILE/ },
    { name: 'missing trace file', args: ['-f', ex('spike-default.yaml'), '--trace', '/nonexistent/t.csv'], message: /cannot read trace \/nonexistent\/t\.csv: no such file/ },
    { name: 'bad --output', args: [...spike, '--output', 'xml'], message: /--output must be text or json/ },
    { name: 'bad --out', args: [...spike, '--out', 'chart.pdf'], message: /--out must name a \.svg or \.html file/ },
    { name: 'bad --ready-delay', args: [...spike, '--ready-delay', 'soon'], message: /--ready-delay must be seconds or a duration/ },
    { name: 'bad --replicas', args: [...spike, '--replicas', '0'], message: /--replicas must be an integer >= 1/ },
    { name: 'bad --cpu-request', args: [...spike, '--cpu-request', 'lots'], message: /--cpu-request must be a quantity/ },
    { name: 'bad --rollout-max-surge (an absolute count)', args: [...spike, '--rollout-max-surge', '2'], message: /--rollout-max-surge must be a percentage .*\(an absolute pod count is not supported\), got "2"/ },
    { name: 'bad --rollout-min-ready', args: [...spike, '--rollout-min-ready=-5s'], message: /--rollout-min-ready must be seconds or a duration/ },
    { name: 'bad --rollout-warm-up', args: [...spike, '--rollout-warm-up', 'a while'], message: /--rollout-warm-up must be seconds or a duration/ },
    { name: 'bad --rollout-warm-up-factor', args: [...spike, '--rollout-warm-up-factor=hot'], message: /--rollout-warm-up-factor must be a number >= 0/ },
    { name: 'unknown flag', args: [...spike, '--bogus'], message: /bogus/ },
    { name: 'both --trace and --prometheus', args: [...spike, '--prometheus', 'http://127.0.0.1:1'], message: /alternatives/ },
    { name: '--prometheus without --query', args: ['-f', ex('spike-default.yaml'), '--prometheus', 'http://127.0.0.1:1', '--start', '0', '--end', '60'], message: /needs at least one --query/ },
    { name: '--prometheus with a bad --start', args: ['-f', ex('spike-default.yaml'), '--prometheus', 'http://127.0.0.1:1', '--query', 'cpu=x', '--start', 'yesterday', '--end', '60'], message: /--start must be an RFC 3339 time/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await run(c.args, c.stdin);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, c.message);
      assert.equal(r.stdout, '');
    });
  }

  test('--help prints the usage', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: kscale simulate -f AUTOSCALER --trace TRACE/);
  });
});

describe('kscale simulate --prometheus (a local server on 127.0.0.1)', () => {
  test('fetches each --query over the range into a trace column', async () => {
    const seen: URLSearchParams[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      seen.push(url.searchParams);
      if (url.pathname !== '/api/v1/query_range') { res.writeHead(404).end(); return; }
      const start = Number(url.searchParams.get('start'));
      const values = Array.from({ length: 9 }, (_, i) => [start + i * 15, i < 4 ? '1.2' : '3']);
      // Two series: the command sums them.
      const half = values.map(([t, v]) => [t, String(Number(v) / 2)]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { pod: 'a' }, values: half }, { metric: { pod: 'b' }, values: half }] } }));
    });
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    try {
      const { port } = server.address() as AddressInfo;
      const report = await json(['-f', ex('spike-default.yaml'), '--prometheus', `http://127.0.0.1:${port}`,
        '--query', 'cpu=sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="shop"}[1m]))',
        '--start', '2026-11-23T10:00:00Z', '--end', '2026-11-23T10:02:00Z', '--step', '15s']);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.get('query'), 'sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="shop"}[1m]))');
      assert.equal(seen[0]?.get('start'), String(Date.parse('2026-11-23T10:00:00Z') / 1000));
      assert.equal(seen[0]?.get('step'), '15');
      assert.equal(report.trace.source, 'prometheus');
      assert.equal(report.trace.startTime, '2026-11-23T10:00:00.000Z');
      const timeline = report.configurations[0]?.timeline ?? [];
      assert.deepEqual(timeline.map((t) => t.load.cpu), [1.2, 1.2, 1.2, 1.2, 3, 3, 3, 3, 3]);
      assert.deepEqual(timeline.filter((t) => t.scaleTo !== null).map((t) => [t.t, t.scaleTo]), [[60, 4], [75, 5]]);
    } finally {
      await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    }
  });

  test('a Prometheus error exits 2 with its message', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": parse error' }));
    });
    await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
    try {
      const { port } = server.address() as AddressInfo;
      const r = await run(['-f', ex('spike-default.yaml'), '--prometheus', `http://127.0.0.1:${port}`, '--query', 'cpu=rate(', '--start', '0', '--end', '60']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /prometheus query cpu: Prometheus answered invalid parameter "query": parse error/);
    } finally {
      await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
    }
  });
});
