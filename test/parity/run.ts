// Differential fuzzing: N generated cases through kscale's decide() and upstream's HPA controller
// (tools/parity), disagreements grouped by kind, each with its smallest example shrunk further.
//   npm run fuzz:parity -- --cases 2000 --seed 1 [--show-known] [--show-deviations] [--json out.json]
//   npm run fuzz:parity -- --case SEED:INDEX     one generated case in full, both sides
//   npm run fuzz:parity -- --file test/parity/minimal-cases.json   given cases, each one's verdict
// Prints the kinds with unexplained disagreements (--show-known: also those known bugs explain;
// --show-deviations: every kind), each with a shrunk example; exits 1 if any is unexplained.
//     [--no-shrink] [--disable succeeded,podLevel,...] (generator features to switch off, for triage)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { matchingDeviation, matchingKnownBug } from './deviations.ts';
import { generateCase, type Feature, type GeneratorOptions, type ParityCase } from './generator.ts';
import { compare, ensureHarness, runKscale, UpstreamHarness, type CaseOutcome, type Disagreement } from './harness.ts';

export interface Finding {
  kind: string;
  count: number;
  /** How many of those cases a listed deviation excuses, and which deviations. */
  excused: number;
  deviations: string[];
  /** How many (of the rest) a known, reported bug explains, and which. */
  known: number;
  bugs: string[];
  example: { case: ParityCase; disagreement: Disagreement; upstream: CaseOutcome; kscale: CaseOutcome };
}

export interface FuzzReport {
  cases: number;
  seconds: number;
  findings: Finding[];
}

const size = (c: ParityCase): number =>
  c.steps.length * 100 + c.steps.reduce((s, st) => s + st.pods.length * 3 + st.metricValues.length, 0) + (c.autoscaler.spec.metrics?.length ?? 0) * 5;

/** Generates and runs cases [from, from + count) of `seed`, grouping disagreements by kind. */
export async function fuzz(harness: UpstreamHarness, seed: string, count: number, from = 0, options: GeneratorOptions = {}): Promise<FuzzReport> {
  const started = performance.now();
  const groups = new Map<string, Finding>();
  const batch = 200;
  for (let start = from; start < from + count; start += batch) {
    const cases = Array.from({ length: Math.min(batch, from + count - start) }, (_, i) => generateCase(seed, start + i, options));
    const ups = await harness.runAll(cases);
    cases.forEach((c, i) => {
      const up = ups[i]!;
      const ks = runKscale(c);
      const found = compare(up, ks);
      if (found.length === 0) return;
      // One disagreement kind per case: the first thing that differs at the first differing step.
      const d = found[0]!;
      const dev = matchingDeviation(c, d.kind);
      const bug = dev ? undefined : matchingKnownBug(c, d.kind);
      const example = { case: c, disagreement: d, upstream: up, kscale: ks };
      let g = groups.get(d.kind);
      if (!g) {
        g = { kind: d.kind, count: 0, excused: 0, deviations: [], known: 0, bugs: [], example };
        groups.set(d.kind, g);
      }
      g.count++;
      if (dev) {
        g.excused++;
        if (!g.deviations.includes(dev.id)) g.deviations.push(dev.id);
      } else if (bug) {
        g.known++;
        if (!g.bugs.includes(bug.id)) g.bugs.push(bug.id);
      }
      // The example: an unexplained case if there is one, then a known bug's, then the smallest.
      const rank = (x: ParityCase): number => (matchingDeviation(x, d.kind) ? 2e9 : matchingKnownBug(x, d.kind) ? 1e9 : 0) + size(x);
      if (rank(c) < rank(g.example.case)) g.example = example;
    });
  }
  const open = (f: Finding): number => f.count - f.excused - f.known;
  const findings = [...groups.values()].sort((a, b) => open(b) - open(a) || (b.count - b.excused) - (a.count - a.excused) || b.count - a.count);
  return { cases: count, seconds: (performance.now() - started) / 1000, findings };
}

// --- shrinking ----------------------------------------------------------------------------------

function candidates(c: ParityCase): ParityCase[] {
  const out: ParityCase[] = [];
  const clone = (): ParityCase => structuredClone(c);
  // Fewer steps (from the end: a disagreement at step k needs steps 0..k only).
  for (let n = 1; n < c.steps.length; n++) { const x = clone(); x.steps = x.steps.slice(0, n); out.push(x); }
  // Without one earlier step (the next one then starts from what that one started from).
  for (let n = 0; n < c.steps.length - 1; n++) { const x = clone(); x.steps.splice(n, 1); out.push(x); }
  // One pod less (in every step).
  const names = new Set(c.steps.flatMap((s) => s.pods.map((p) => p.metadata.name)));
  for (const name of names) {
    const x = clone();
    for (const s of x.steps) {
      s.pods = s.pods.filter((p) => p.metadata.name !== name);
      if (Array.isArray(s.podMetrics)) s.podMetrics = s.podMetrics.filter((m) => m.metadata.name !== name);
      s.metricValues = s.metricValues.map((f) => (f && 'custom' in f ? { custom: f.custom.filter((v) => v.describedObject.kind !== 'Pod' || v.describedObject.name !== name) } : f));
    }
    out.push(x);
  }
  // One metric entry less (with its fetched values).
  const metrics = c.autoscaler.spec.metrics ?? [];
  if (metrics.length > 1) {
    for (let i = 0; i < metrics.length; i++) {
      const x = clone();
      x.autoscaler.spec.metrics = metrics.filter((_, j) => j !== i);
      for (const s of x.steps) s.metricValues = s.metricValues.filter((_, j) => j !== i);
      out.push(x);
    }
  }
  // Simpler pods: without init containers / sidecars, overhead, a second container, pod-level requests.
  const simplify: [string, (p: Record<string, unknown>) => boolean][] = [
    ['initContainers', (spec) => delete spec.initContainers],
    ['overhead', (spec) => delete spec.overhead],
    ['resources', (spec) => delete spec.resources],
    ['containers', (spec) => { const cs = spec.containers as unknown[] | undefined; if (!cs || cs.length < 2) return false; spec.containers = cs.slice(0, 1); return true; }],
  ];
  for (const [field, edit] of simplify) {
    for (const name of names) {
      const x = clone();
      let changed = false;
      for (const s of x.steps) for (const p of s.pods) if (p.metadata.name === name && p.spec && field in p.spec) changed = edit(p.spec) || changed;
      if (changed) out.push(x);
    }
  }
  // No ghost samples; fewer external series.
  for (let i = 0; i < c.steps.length; i++) {
    const pm = c.steps[i]!.podMetrics;
    if (Array.isArray(pm) && pm.some((m) => m.metadata.name === 'ghost')) {
      const x = clone();
      const s = x.steps[i]!;
      if (Array.isArray(s.podMetrics)) s.podMetrics = s.podMetrics.filter((m) => m.metadata.name !== 'ghost');
      out.push(x);
    }
    c.steps[i]!.metricValues.forEach((f, j) => {
      if (f && 'external' in f && f.external.length > 1) {
        for (let k = 0; k < f.external.length; k++) {
          const x = clone();
          x.steps[i]!.metricValues[j] = { external: f.external.filter((_, n) => n !== k) };
          out.push(x);
        }
      }
    });
  }
  // No behavior; no initial status.
  if (c.autoscaler.spec.behavior) { const x = clone(); delete x.autoscaler.spec.behavior; out.push(x); }
  if (c.autoscaler.status) { const x = clone(); delete x.autoscaler.status; out.push(x); }
  return out;
}

/** Greedy shrinking: keep any smaller variant that still shows a disagreement of the same kind. */
export async function shrink(harness: UpstreamHarness, f: Finding, budget = 150): Promise<Finding> {
  let best = f.example;
  let tries = 0;
  let improved = true;
  while (improved && tries < budget) {
    improved = false;
    for (const cand of candidates(best.case)) {
      if (++tries > budget) break;
      const up = await harness.run(cand);
      const ks = runKscale(cand);
      const d = compare(up, ks)[0];
      if (d && d.kind === f.kind) { best = { case: cand, disagreement: d, upstream: up, kscale: ks }; improved = true; break; }
    }
  }
  return { ...f, example: best };
}

// --- CLI ----------------------------------------------------------------------------------------

function describeStep(o: CaseOutcome, step: number): unknown {
  const s = o.steps[step];
  if (!s) return o.error ?? null;
  return { desiredReplicas: s.desiredReplicas, scaleWritten: s.scaleWritten, conditions: s.conditions.map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`), currentMetrics: s.currentMetrics, events: s.events.map((e) => `${e.type} ${e.reason}: ${e.message}`) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      cases: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      from: { type: 'string', default: '0' },
      case: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'string' },
      'show-deviations': { type: 'boolean', default: false },
      'show-known': { type: 'boolean', default: false },
      'no-shrink': { type: 'boolean', default: false },
      disable: { type: 'string', default: '' },
    },
  });
  const built = ensureHarness();
  if (!built.ok) { console.error(built.reason); process.exit(2); }
  const harness = new UpstreamHarness(built.path);
  try {
    if (values.file) {
      // Cases from a file (a JSON array, e.g. test/parity/minimal-cases.json): each one's verdict.
      const cases = JSON.parse(readFileSync(values.file, 'utf8')) as ParityCase[];
      let disagreeing = 0;
      for (const c of cases) {
        const up = await harness.run(c);
        const ks = runKscale(c);
        const found = compare(up, ks);
        if (found.length > 0) disagreeing++;
        console.log(`## ${c.id}: ${found.length === 0 ? 'agree' : found.map((d) => d.kind).join(' | ')}`);
        if (found.length > 0) {
          const step = found[0]!.step;
          console.log(`upstream: ${JSON.stringify(describeStep(up, step))}`);
          console.log(`kscale:   ${JSON.stringify(describeStep(ks, step))}`);
        }
      }
      process.exitCode = disagreeing > 0 ? 1 : 0;
      return;
    }
    if (values.case) {
      // One case by id ("seed:index"): print both sides in full.
      const at = values.case.lastIndexOf(':');
      const c = generateCase(values.case.slice(0, at), Number(values.case.slice(at + 1)), { disable: new Set(values.disable.split(',').filter((x) => x !== '') as Feature[]) });
      const up = await harness.run(c);
      const ks = runKscale(c);
      console.log(JSON.stringify({ case: c, upstream: up, kscale: ks, disagreements: compare(up, ks) }, null, 2));
      return;
    }
    const disable = new Set(values.disable.split(',').filter((x) => x !== '') as Feature[]);
    const report = await fuzz(harness, values.seed, Number(values.cases), Number(values.from), { disable });
    const shown = report.findings.filter((f) => values['show-deviations'] || f.excused + f.known < f.count || (values['show-known'] && f.excused < f.count));
    const shrunk: Finding[] = [];
    for (const f of shown) shrunk.push(values['no-shrink'] ? f : await shrink(harness, f));
    const total = report.findings.reduce((s, f) => s + f.count, 0);
    const excused = report.findings.reduce((s, f) => s + f.excused, 0);
    const known = report.findings.reduce((s, f) => s + f.known, 0);
    console.log(`${report.cases} cases (seed ${values.seed}) in ${report.seconds.toFixed(1)} s: ` +
      `${total} disagreeing cases in ${report.findings.length} kinds; ${excused} excused by listed deviations, ` +
      `${known} explained by known bugs (test/parity/deviations.ts KNOWN_BUGS), ${total - excused - known} unexplained`);
    for (const f of shrunk) {
      const { case: c, disagreement: d, upstream, kscale } = f.example;
      const dev = (f.excused > 0 ? ` (${f.excused} excused: ${f.deviations.join(', ')})` : '') + (f.known > 0 ? ` (${f.known} known bugs: ${f.bugs.join(', ')})` : '');
      console.log(`\n## ${f.kind} — ${f.count} case(s)${dev}; example ${c.id}, step ${d.step}`);
      console.log(`case: ${JSON.stringify(c)}`);
      console.log(`upstream: ${JSON.stringify(describeStep(upstream, d.step))}`);
      console.log(`kscale:   ${JSON.stringify(describeStep(kscale, d.step))}`);
    }
    if (values.json) writeFileSync(values.json, JSON.stringify({ ...report, findings: [...shrunk, ...report.findings.filter((f) => !shown.includes(f))] }, null, 2));
    process.exitCode = total - excused - known > 0 ? 1 : 0;
  } finally {
    harness.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
