// `kscale decide` on bad snapshots: every malformed field is reported with its path (exit 2), YAML
// alias bombs are refused fast, and a seeded fuzzer over the worked examples never makes it crash.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { decideCommand } from '../../src/cli/decide.ts';
import type { CommandIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { parseSnapshotText } from '../../src/cli/snapshot-file.ts';

const examples = new URL('../../examples/decide/', import.meta.url);
const exampleFiles = readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort();
const dir = mkdtempSync(join(tmpdir(), 'kscale-decide-fuzz-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

type Captured = CommandIO & { stdout: string; stderr: string };
function capture(stdin = ''): Captured {
  const io = { stdout: '', stderr: '', out: (t: string) => { io.stdout += t; }, err: (t: string) => { io.stderr += t; }, readStdin: () => Promise.resolve(stdin) };
  return io;
}

const STACK_LINE = /^ {4}at /m;

/** Runs `kscale decide -f -` on a text; returns the exit code and the captured output. */
async function decideText(text: string): Promise<Captured & { code: number }> {
  const io = capture(text);
  const code = await main(['decide', '-f', '-'], io);
  return Object.assign(io, { code });
}

const NOW = '2026-11-23T12:00:00Z';
const base = (status: string): string => `now: "${NOW}"
autoscaler:
  metadata: { name: web, namespace: shop }
  spec:
    scaleTargetRef: { kind: Deployment, name: web }
    maxReplicas: 10
    behavior: { scaleUp: { stabilizationWindowSeconds: 60 } }
  status: ${status}
scale: { spec: { replicas: 3 }, status: { replicas: 3, selector: app=web } }
`;

describe('kscale decide: a malformed status names the field', () => {
  const cases: { name: string; status: string; message: RegExp }[] = [
    { name: 'recommendation without a time (was RangeError: Invalid time value)', status: '{recommendations: [{replicas: 1}]}',
      message: /autoscaler\.status\.recommendations\[0\]\.time: required/ },
    { name: 'recommendation with a bad time', status: '{recommendations: [{replicas: 1, time: soon}]}',
      message: /autoscaler\.status\.recommendations\[0\]\.time: must be an RFC 3339 time, got "soon"/ },
    { name: 'recommendation replicas a string', status: '{recommendations: [{replicas: "3", time: "2026-11-23T11:59:00Z"}]}',
      message: /autoscaler\.status\.recommendations\[0\]\.replicas: must be an integer/ },
    { name: 'recommendation replicas beyond int32', status: '{recommendations: [{replicas: 1e12, time: "2026-11-23T11:59:00Z"}]}',
      message: /autoscaler\.status\.recommendations\[0\]\.replicas: must be an integer/ },
    { name: 'recommendations not a list', status: '{recommendations: {replicas: 1}}', message: /autoscaler\.status\.recommendations: must be a list/ },
    { name: 'recommendation not an object', status: '{recommendations: [3]}', message: /autoscaler\.status\.recommendations\[0\]: must be an object/ },
    { name: 'scale event without replicaChange', status: '{scaleUpEvents: [{time: "2026-11-23T11:59:00Z"}]}',
      message: /autoscaler\.status\.scaleUpEvents\[0\]\.replicaChange: required/ },
    { name: 'scale event with a negative change', status: '{scaleDownEvents: [{replicaChange: -2, time: "2026-11-23T11:59:00Z"}]}',
      message: /autoscaler\.status\.scaleDownEvents\[0\]\.replicaChange: must be an integer >= 0/ },
    { name: 'scale event outdated not a boolean', status: '{scaleDownEvents: [{replicaChange: 2, time: "2026-11-23T11:59:00Z", outdated: "yes"}]}',
      message: /autoscaler\.status\.scaleDownEvents\[0\]\.outdated: must be true or false/ },
    { name: 'scale event without a time', status: '{scaleUpEvents: [{replicaChange: 1}]}', message: /autoscaler\.status\.scaleUpEvents\[0\]\.time: required/ },
    { name: 'condition without a type', status: '{conditions: [{status: "True"}]}', message: /autoscaler\.status\.conditions\[0\]\.type: required/ },
    { name: 'condition with a bad status', status: '{conditions: [{type: AbleToScale, status: true}]}',
      message: /autoscaler\.status\.conditions\[0\]\.status: must be "True", "False" or "Unknown"/ },
    { name: 'condition with a bad lastTransitionTime', status: '{conditions: [{type: AbleToScale, status: "True", lastTransitionTime: 12}]}',
      message: /autoscaler\.status\.conditions\[0\]\.lastTransitionTime: must be an RFC 3339 time/ },
    { name: 'lastScaleTime', status: '{lastScaleTime: never}', message: /autoscaler\.status\.lastScaleTime: must be an RFC 3339 time/ },
    { name: 'desiredReplicas', status: '{desiredReplicas: -1}', message: /autoscaler\.status\.desiredReplicas: must be an integer >= 0/ },
    { name: 'currentReplicas', status: '{currentReplicas: many}', message: /autoscaler\.status\.currentReplicas: must be an integer >= 0/ },
    { name: 'currentMetrics not a list', status: '{currentMetrics: cpu}', message: /autoscaler\.status\.currentMetrics: must be a list/ },
    { name: 'currentMetrics entry with an unknown type', status: '{currentMetrics: [{type: Cpu}]}', message: /autoscaler\.status\.currentMetrics\[0\]\.type: must be one of/ },
    { name: 'currentMetrics entry with a bad current value', status: '{currentMetrics: [{type: Resource, resource: {name: cpu, current: {averageUtilization: "93%"}}}]}',
      message: /autoscaler\.status\.currentMetrics\[0\]\.resource\.current\.averageUtilization: must be an integer/ },
    { name: 'status not an object', status: '[]', message: /autoscaler\.status: must be an object/ },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await decideText(base(c.status));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^kscale decide: invalid snapshot:/);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, STACK_LINE);
      assert.equal(r.stdout, '');
    });
  }
  test('every problem is listed, one a line', async () => {
    const r = await decideText(base('{lastScaleTime: never, recommendations: [{replicas: x}], conditions: [{}]}'));
    assert.equal(r.code, 2, r.stderr);
    for (const field of ['lastScaleTime', 'recommendations[0].replicas', 'recommendations[0].time', 'conditions[0].type', 'conditions[0].status']) {
      assert.match(r.stderr, new RegExp(`^ {2}autoscaler\\.status\\.${field.replace(/[.[\]]/g, '\\$&')}: `, 'm'));
    }
  });
  test('a well-formed full status is read and used', async () => {
    const r = await decideText(base(`
    currentReplicas: 3
    desiredReplicas: 3
    lastScaleTime: "2026-11-23T11:50:00Z"
    conditions: [{ type: AbleToScale, status: "True", lastTransitionTime: "2026-11-23T11:00:00Z", reason: ReadyForNewScale, message: ok }]
    currentMetrics: [{ type: Resource, resource: { name: cpu, current: { averageValue: 250m, averageUtilization: 50 } } }]
    recommendations: [{ replicas: 3, time: "2026-11-23T11:59:00.123Z" }]
    scaleUpEvents: [{ replicaChange: 1, time: "2026-11-23T11:50:00Z", outdated: true }]
    scaleDownEvents: []`));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: { scaleUpEvents?: unknown[]; conditions?: { type: string }[] } };
    assert.equal(out.status.scaleUpEvents?.length, 1, 'the history read is carried on');
    assert.ok(out.status.conditions?.some((c) => c.type === 'AbleToScale'));
  });
  test('metadata annotations must be strings (an unquoted true is a YAML boolean)', async () => {
    const r = await decideText(base('{}').replace('namespace: shop }', 'namespace: shop, annotations: { kscale.dev/paused: true } }'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /autoscaler\.metadata\.annotations\.kscale\.dev\/paused: must be a string/);
  });
});

describe('kscale decide: YAML aliases', () => {
  test('an alias bomb ("billion laughs") is refused fast, naming the problem', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = `${levels.join('\n')}\nnow: "${NOW}"\n`;
    const start = performance.now();
    const r = await decideText(bomb);
    const elapsed = performance.now() - start;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /kscale decide: invalid snapshot: stdin: too many YAML alias expansions/);
    assert.doesNotMatch(r.stderr, STACK_LINE);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });
  test('an alias bomb of mappings is refused too', async () => {
    const levels = ['a: &a {x: 1, y: 2}'];
    for (let i = 1; i < 20; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} {${Array.from({ length: 10 }, (_, k) => `k${k}: *${prev}`).join(', ')}}`);
    }
    const start = performance.now();
    const r = await decideText(`${levels.join('\n')}\nnow: "${NOW}"\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too many YAML alias expansions/);
    assert.ok(performance.now() - start < 1000);
  });
  test('merge keys copying a big mapping many times are refused before any copying', async () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: 1`).join(', ');
    const start = performance.now();
    const r = await decideText(`big: &big {${keys}}\ncopies: [${Array(600).fill('{<<: *big}').join(', ')}]\nnow: "${NOW}"\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too many YAML alias expansions: aliases expand the document by more than 200000 nodes/);
    assert.ok(performance.now() - start < 1000);
  });
  test('many aliases are refused (the yaml package resolves each by a scan of those before it)', async () => {
    const start = performance.now();
    const r = await decideText(`x: &x 1\nl: [${Array(20_000).fill('*x').join(',')}]\nnow: "${NOW}"\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too many YAML alias expansions: more than 5000 anchors and aliases/);
    assert.ok(performance.now() - start < 1000);
  });
  test('nested anchors referenced often are refused by the yaml package\'s own guard (maxAliasCount)', async () => {
    const r = await decideText(`a: &a 1\nb: &b [${Array(100).fill('*a').join(',')}]\nc: [${Array(101).fill('*b').join(',')}]\nnow: "${NOW}"\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /too many YAML alias expansions: more than 10000 references to one anchor/);
  });
  test('an alias inside the node it refers to (a cycle) is refused with its position', async () => {
    const r = await decideText(`now: "${NOW}"\nscale: &s { spec: { replicas: 1 }, status: *s }\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /stdin:2:\d+: the YAML alias \*s refers to a node that contains it \(a cycle\)/);
  });
  test('ordinary use of anchors (a thousand pods from one template) still reads', async () => {
    const pods = Array.from({ length: 1000 }, (_, i) => `  - { <<: ${i % 2 ? '*pod' : '*sidecar'}, metadata: { name: web-${i}, namespace: shop, labels: *labels } }`);
    const text = base('{}') + 'pods:\n  - &pod\n    metadata: { name: web-t, namespace: shop, labels: &labels { app: web } }\n' +
      '    spec: { containers: [&container { name: app, resources: { requests: { cpu: 500m } } }] }\n    status: { phase: Running }\n' +
      '  - &sidecar { <<: *pod, metadata: { name: web-s, namespace: shop, labels: *labels }, spec: { containers: [*container, *container] } }\n' +
      `${pods.join('\n')}\n`;
    const r = await decideText(text);
    assert.equal(r.code, 0, r.stderr);
  });
  test('an alias to an anchor defined later is a YAML error with a position', async () => {
    const r = await decideText(`now: *t\nx: &t "${NOW}"\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid snapshot: stdin/);
    assert.doesNotMatch(r.stderr, STACK_LINE);
  });
  test('a merge key on a scalar is a clear error', async () => {
    const r = await decideText(`x: &x 1\nscale: { <<: *x }\nnow: "${NOW}"\n`);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid snapshot: stdin/);
    assert.doesNotMatch(r.stderr, STACK_LINE);
  });
});

// ---- Fuzzing -------------------------------------------------------------------------------------

/** mulberry32: a tiny seeded PRNG, so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Container = Json[] | { [k: string]: Json };
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Values of the wrong type (or an absurd value of the right one). */
const WRONG: readonly Json[] = [
  'x', '', 'NaN', 'Infinity', '-1', '1e400', '2026-13-45T99:99:99Z', null, 0, -1, -2147483649, 1.5, 1e308, 2 ** 63,
  2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true, false, [], ['x'], [null], [1, 2], {}, { a: 1 }, { items: 3 },
];

const show = (v: Json): string => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v));

/** Every (container, key) slot of a document, depth first. */
function slots(root: Container): { parent: Container; key: string | number }[] {
  const out: { parent: Container; key: string | number }[] = [];
  const walk = (node: Container): void => {
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const k of keys) {
      out.push({ parent: node, key: k });
      const child = (node as Record<string | number, Json>)[k];
      if (isContainer(child)) walk(child);
    }
  };
  walk(root);
  return out;
}

/** Applies one random structural mutation; returns a description of it. */
function mutate(doc: Container, rnd: () => number): string {
  const all = slots(doc);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const { parent, key } = pick(all);
  const path = all.indexOf(all.find((s) => s.parent === parent && s.key === key)!);
  const roll = rnd();
  if (roll < 0.3) {
    if (Array.isArray(parent)) parent.splice(key as number, 1); else Reflect.deleteProperty(parent, key);
    return `delete slot #${path} (${String(key)})`;
  }
  if (roll < 0.85) {
    const value = pick(WRONG);
    (parent as Record<string | number, Json>)[key] = isContainer(value) ? structuredClone(value) : value;
    return `set slot #${path} (${String(key)}) to ${show(value)}`;
  }
  // Duplicate an item of a list (or the list holding this slot), sometimes many times.
  const lists = all.map((s) => (s.parent as Record<string | number, Json>)[s.key]).filter((v): v is Json[] => Array.isArray(v) && v.length > 0);
  if (lists.length === 0) return 'no list to duplicate into';
  const list = pick(lists);
  const times = rnd() < 0.2 ? 50 : 1;
  const item = pick(list);
  for (let i = 0; i < times; i++) list.push(structuredClone(item));
  return `duplicate an item of a list ${times}×`;
}

/** The example with a full status and a behavior, so mutations reach every status field the engine reads. */
function withFullStatus(doc: Record<string, Json>): Record<string, Json> {
  const next = structuredClone(doc);
  const autoscaler = next.autoscaler as Record<string, Json>;
  const spec = autoscaler.spec as Record<string, Json>;
  spec.behavior = { scaleUp: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] }, scaleDown: { selectPolicy: 'Min' } };
  autoscaler.metadata = { ...(autoscaler.metadata as Record<string, Json>), annotations: { 'kscale.dev/paused-scale-down': 'false' } };
  autoscaler.status = {
    observedGeneration: 1, currentReplicas: 3, desiredReplicas: 4, lastScaleTime: '2026-11-23T11:50:00Z',
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '250m', averageUtilization: 50 } } },
      { type: 'External', external: { metric: { name: 'q', selector: { matchLabels: { a: 'b' } } }, current: { value: '30', averageValue: '10' } } }, { type: '' }],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-11-23T11:00:00Z', reason: 'ReadyForNewScale', message: 'ok' },
      { type: 'ScaledToZero', status: 'False', lastTransitionTime: '2026-11-23T11:00:00Z' }],
    recommendations: [{ replicas: 4, time: '2026-11-23T11:59:30.500Z' }, { replicas: 2, time: '2026-11-23T11:40:00Z' }],
    scaleUpEvents: [{ replicaChange: 1, time: '2026-11-23T11:59:00Z' }, { replicaChange: 2, time: '2026-11-23T11:00:00Z', outdated: true }],
    scaleDownEvents: [{ replicaChange: 1, time: '2026-11-23T11:58:00Z' }],
    lastDecision: { time: '2026-11-23T11:59:30Z', currentReplicas: 3, desiredReplicas: 4, reason: 'r' },
  };
  return next;
}

/**
 * The example with three more metrics (Pods, Object, and an External one whose fetch failed), their
 * values given per entry in `metricValues` or, in the older form, in the flat customMetrics,
 * externalMetrics and metricErrors lists.
 */
function withMoreMetrics(doc: Record<string, Json>, form: 'metricValues' | 'flat'): Record<string, Json> {
  const next = structuredClone(doc);
  const spec = (next.autoscaler as Record<string, Json>).spec as Record<string, Json>;
  const namespace = ((next.autoscaler as Record<string, Json>).metadata as Record<string, Json>).namespace as string;
  const metrics = spec.metrics as Record<string, Json>[];
  const timestamp = '2026-11-23T11:59:50Z';
  const podValues: Json[] = ((next.pods ?? []) as Record<string, Record<string, Json>>[]).map((pod) => ({
    describedObject: { kind: 'Pod', name: pod.metadata!.name!, namespace }, metric: { name: 'requests_per_second' }, timestamp, value: '12',
  }));
  const objectValues: Json[] = [{ describedObject: { kind: 'Service', name: 'front', namespace }, metric: { name: 'hits', selector: { matchLabels: { path: 'api' } } }, timestamp, value: '250' }];
  const external = (next.externalMetrics ?? []) as Record<string, Json>[];
  const added: Record<string, Json>[] = [
    { type: 'Pods', pods: { metric: { name: 'requests_per_second' }, target: { type: 'AverageValue', averageValue: '10' } } },
    { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' }, metric: { name: 'hits', selector: { matchLabels: { path: 'api' } } }, target: { type: 'Value', value: '100' } } },
    { type: 'External', external: { metric: { name: 'backlog' }, target: { type: 'Value', value: '5' } } },
  ];
  if (form === 'metricValues') {
    next.metricValues = [
      ...metrics.map((m): Json => (m.type === 'External'
        ? { external: external.filter((v) => v.metricName === ((m.external as Record<string, Json>).metric as Record<string, Json>).name) } : null)),
      { custom: podValues }, { custom: objectValues }, { error: 'the server could not find the requested resource' },
    ];
    delete next.externalMetrics;
  } else {
    next.customMetrics = [...podValues, ...objectValues];
    next.metricErrors = { [String(metrics.length + 2)]: 'the server could not find the requested resource' };
  }
  spec.metrics = [...metrics, ...added];
  return next;
}

describe('kscale decide fuzzing: structural mutations of the examples never crash it', () => {
  // 4 variants × 100 rounds: 400 mutated snapshots per example (KSCALE_FUZZ_ROUNDS=5000 to search longer).
  const ROUNDS = Number(process.env.KSCALE_FUZZ_ROUNDS ?? 100);
  for (const file of exampleFiles) {
    const original = JSON.parse(JSON.stringify(parseSnapshotText(readFileSync(new URL(file, examples), 'utf8'), file))) as Record<string, Json>;
    const variants = [['as is', original], ['with a full status', withFullStatus(original)],
      ['with per-entry metricValues', withMoreMetrics(original, 'metricValues')], ['with flat metric lists', withMoreMetrics(original, 'flat')]] as const;
    for (const [variant, seedDoc] of variants) {
      test(`${file} (${variant}): ${ROUNDS} mutated snapshots exit 0 or 2, never a stack trace`, async () => {
        let seed = 0;
        for (const ch of `${file}/${variant}`) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) >>> 0;
        const rnd = prng(seed);
        // Failures grouped by kind (the error and where it was thrown), each with its first input.
        const failures = new Map<string, { count: number; first: string }>();
        const fail = (kind: string, detail: string): void => {
          const f = failures.get(kind);
          if (f) f.count++; else failures.set(kind, { count: 1, first: detail });
        };
        const codes = { 0: 0, 2: 0 };
        // Unmutated, the variant is a valid snapshot.
        const seedPath = join(dir, `${file}.seed.yaml`);
        writeFileSync(seedPath, stringify(seedDoc));
        const seedIO = capture();
        assert.equal(await decideCommand(['-f', seedPath], seedIO), 0, seedIO.stderr);
        for (let round = 0; round < ROUNDS; round++) {
          const doc = structuredClone(seedDoc);
          const steps: string[] = [];
          const n = 1 + Math.floor(rnd() * 3);
          for (let i = 0; i < n; i++) steps.push(mutate(doc, rnd));
          const text = stringify(doc, { aliasDuplicateObjects: false });
          const path = join(dir, `${file}.${round}.yaml`);
          writeFileSync(path, text);
          const io = capture();
          const input = `round ${round} [${steps.join('; ')}]:\n${text}`;
          let code: number;
          try {
            code = await decideCommand(['-f', path], io);
          } catch (e) {
            const where = e instanceof Error ? /\(file:\/\/\S*?(src\/\S+?):\d+\)/.exec(e.stack ?? '')?.[1] ?? '' : '';
            fail(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} at ${where}`, input);
            continue;
          } finally {
            rmSync(path);
          }
          if (code !== 0 && code !== 2) fail(`exit ${code}: ${io.stderr.split('\n')[0] ?? ''}`, input);
          else if (STACK_LINE.test(io.stderr)) fail('stack trace on stderr', `${io.stderr}\n${input}`);
          else if (code === 2 && !/^kscale decide: invalid snapshot:/.test(io.stderr)) fail('exit 2 without "invalid snapshot:"', `${io.stderr}\n${input}`);
          else if (code === 0) {
            try { JSON.parse(io.stdout); codes[0]++; } catch { fail('output is not JSON', input); }
          } else codes[2]++;
        }
        const report = [...failures].map(([kind, f]) => `${f.count}× ${kind}\n  first: ${f.first}`).join('\n');
        assert.equal(failures.size, 0, `mutated snapshots that crashed kscale decide:\n${report}`);
        // The mutations exercise both outcomes: some snapshots stay valid, others are refused.
        assert.ok(codes[0] > 0 && codes[2] > 0, JSON.stringify(codes));
      });
    }
  }
});
