// Both sides of the differential test: kscale's decide() stepped through a case, and upstream's
// controller through tools/parity (a Go binary reading cases on stdin), plus the comparison that
// turns two step lists into disagreements.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HorizontalAutoscaler, MetricStatus } from '../../src/api/types.ts';
import { decide } from '../../src/engine/decide.ts';
import { goFormatLabelSelector, metricIdentity } from '../../src/values/labels.ts';
import type { Scale } from '../../src/engine/inputs.ts';
import type { Snapshot } from '../../src/engine/snapshot.ts';
import type { ParityCase } from './generator.ts';

export interface StepOutcome {
  currentReplicas?: number;
  desiredReplicas: number;
  /** The replica count written to the target's scale, or null. */
  scaleWritten: number | null;
  conditions: { type: string; status: string; reason: string; message: string }[];
  currentMetrics: unknown;
  events: { type: string; reason: string; message: string }[];
  error?: string;
}

export interface CaseOutcome {
  id: string;
  steps: StepOutcome[];
  /** The harness could not run the case (bad input, a panic in upstream code). */
  error?: string;
}

// --- kscale -----------------------------------------------------------------------------------

/** Runs a case through decide(), feeding each step's status into the next (as the controller does). */
export function runKscale(c: ParityCase): CaseOutcome {
  let autoscaler: HorizontalAutoscaler = structuredClone(c.autoscaler);
  let replicas: number | undefined;
  const steps: StepOutcome[] = [];
  for (const s of c.steps) {
    let scale: Scale | { error: string } = s.scale;
    if (!('error' in scale) && s.followScale && replicas !== undefined) {
      scale = { ...scale, spec: { ...scale.spec, replicas }, status: { ...scale.status, replicas } };
    }
    const snapshot: Snapshot = {
      autoscaler, scale, pods: s.pods, podMetrics: s.podMetrics, metricValues: s.metricValues, now: s.now,
      config: { ...c.config },
      ...(s.rescaleError !== undefined ? { rescaleError: s.rescaleError } : {}),
    };
    let d;
    try {
      d = decide(snapshot);
    } catch (e) {
      return { id: c.id, steps, error: `decide() threw: ${(e as Error).stack ?? String(e)}` };
    }
    steps.push({
      currentReplicas: d.status.currentReplicas,
      desiredReplicas: d.status.desiredReplicas ?? 0,
      scaleWritten: d.scaleTo,
      conditions: (d.status.conditions ?? []).map((x) => ({ type: x.type, status: x.status, reason: x.reason ?? '', message: x.message ?? '' })),
      currentMetrics: d.status.currentMetrics ?? null,
      events: d.events.map((e) => ({ type: e.type, reason: e.reason, message: e.message })),
      ...(d.error !== undefined ? { error: d.error } : {}),
    });
    autoscaler = { ...autoscaler, status: d.status };
    if (d.scaleTo !== null) replicas = d.scaleTo;
    else if (!('error' in scale)) replicas = scale.spec?.replicas ?? 0;
  }
  return { id: c.id, steps };
}

// --- upstream ---------------------------------------------------------------------------------

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const buildScript = fileURLToPath(new URL('../../tools/parity/build.sh', import.meta.url));

/** Where the harness binary for the current sources is (or would be) cached. */
export function harnessPath(): string {
  const r = spawnSync('bash', [buildScript, '--print-path'], { encoding: 'utf8', cwd: repoRoot });
  if (r.status !== 0) throw new Error(`tools/parity/build.sh --print-path failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Builds the harness when needed (a no-op when cached). Returns the binary, or why it is unavailable. */
export function ensureHarness(): { ok: true; path: string } | { ok: false; reason: string } {
  const path = harnessPath();
  if (existsSync(path)) return { ok: true, path };
  const r = spawnSync('bash', [buildScript], { encoding: 'utf8', cwd: repoRoot, stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status === 0 && existsSync(path)) return { ok: true, path };
  const tail = (r.stderr || '').trim().split('\n').slice(-3).join(' | ');
  return { ok: false, reason: `the upstream harness could not be built (tools/parity/build.sh: ${tail || `exit ${r.status}`})` };
}

/** The Go harness as a long-running process: one case per line in, one result per line out. */
export class UpstreamHarness {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private closed: Error | undefined;

  constructor(path: string) {
    this.child = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    createInterface({ input: this.child.stdout }).on('line', (line) => { this.waiting.shift()?.(line); });
    this.child.on('exit', (code) => {
      this.closed = new Error(`upstream harness exited (${code}): ${this.stderr}`);
      for (const w of this.waiting.splice(0)) w('');
    });
  }

  run(c: ParityCase): Promise<CaseOutcome> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        if (line === '') { reject(this.closed ?? new Error('upstream harness: empty answer')); return; }
        resolve(withReadableIdentities(c, JSON.parse(line) as CaseOutcome));
      });
      this.child.stdin.write(`${JSON.stringify(c)}\n`);
    });
  }

  /** Runs many cases pipelined (the harness answers in order). */
  runAll(cases: readonly ParityCase[]): Promise<CaseOutcome[]> {
    return Promise.all(cases.map((c) => this.run(c)));
  }

  close(): void { this.child.stdin.end(); }
}

/**
 * kscale names metrics as people read them (queue{queue=a}) where upstream prints Go's selector
 * dump (queue(&LabelSelector{...})) (docs/deviations.md). Upstream's messages are rewritten with the
 * engine's own formatters, so that every other word of them is still compared.
 */
function withReadableIdentities(c: ParityCase, o: CaseOutcome): CaseOutcome {
  const renames: [string, string][] = [];
  for (const m of c.autoscaler.spec.metrics ?? []) {
    const id = m.type === 'External' ? m.external?.metric : m.type === 'Object' ? m.object?.metric : undefined;
    if (!id) continue;
    renames.push([`external metric ${id.name}(${goFormatLabelSelector(id.selector)})`, `external metric ${metricIdentity(id.name, id.selector)}`]);
    renames.push([`/${id.name}/${goFormatLabelSelector(id.selector)}:`, `/${metricIdentity(id.name, id.selector)}:`]);
  }
  if (renames.length === 0) return o;
  const rewrite = (text: string): string => renames.reduce((t, [from, to]) => t.split(from).join(to), text);
  return {
    ...o,
    steps: o.steps.map((st) => ({
      ...st,
      conditions: st.conditions.map((x) => ({ ...x, message: rewrite(x.message) })),
      events: st.events.map((e) => ({ ...e, message: rewrite(e.message) })),
    })),
  };
}

// --- comparison -------------------------------------------------------------------------------

export interface Disagreement {
  /** Short name of what differs, e.g. "desiredReplicas" or "conditions ScalingActive: FailedGetPodsMetric ≠ ValidMetricFound". */
  kind: string;
  step: number;
  upstream: unknown;
  kscale: unknown;
}

/** JSON with sorted keys, without null/undefined members: the shape both sides agree on. */
export function canonical(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(norm);
    if (x !== null && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) {
        const val = (x as Record<string, unknown>)[k];
        if (val !== null && val !== undefined) out[k] = norm(val);
      }
      return out;
    }
    return x;
  };
  return JSON.stringify(norm(v)) ?? 'null';
}

/**
 * Upstream computes requests over the pod lister's answer, whose order is a Go map's (random): which
 * pod a "missing request" error names varies from run to run. Compare such messages without the pod.
 */
const REQUEST_ERROR = /(missing (pod-level )?request for \S+ in (container \S+ of )?Pod \S+|container \S+ not found in Pod \S+)/g;
export const comparableMessage = (m: string): string => m.replace(REQUEST_ERROR, '<a pod request error>');

const metricsOf = (m: unknown): unknown => (Array.isArray(m) && m.length === 0 ? null : m);

/** Leaf paths where two JSON values differ ("current.averageUtilization"), for grouping. */
function diffPaths(a: unknown, b: unknown, path = ''): string[] {
  if (canonical(a) === canonical(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].sort().flatMap((k) => diffPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [path || '(value)'];
}

/** Which metric status entry differs first, and how: "Object → ∅" or "Resource: resource.current.averageUtilization". */
function metricDiff(u: unknown, k: unknown): string {
  const ua = Array.isArray(u) ? u as MetricStatus[] : [];
  const ka = Array.isArray(k) ? k as MetricStatus[] : [];
  if (ua.length !== ka.length) return `${ua.length} entries vs ${ka.length}`;
  for (let i = 0; i < ua.length; i++) {
    const x = ua[i]!, y = ka[i]!;
    if (canonical(x) === canonical(y)) continue;
    if (x.type !== y.type) return `${x.type || '∅'} vs ${y.type || '∅'}`;
    return `${x.type}: ${diffPaths(x, y).join(', ')}`;
  }
  return '?';
}

/**
 * The first step at which the two sides part, and everything that differs there. Later steps are
 * not compared: their inputs already differ (history, replicas).
 */
export function compare(up: CaseOutcome, ks: CaseOutcome): Disagreement[] {
  if (up.error) return [{ kind: 'upstream harness error', step: -1, upstream: up.error, kscale: null }];
  if (ks.error) return [{ kind: 'kscale error', step: ks.steps.length, upstream: null, kscale: ks.error }];
  const out: Disagreement[] = [];
  const n = Math.min(up.steps.length, ks.steps.length);
  for (let i = 0; i < n && out.length === 0; i++) {
    const u = up.steps[i]!;
    const k = ks.steps[i]!;
    if (u.scaleWritten !== k.scaleWritten) out.push({ kind: `scale written (${u.scaleWritten === null ? 'none' : 'n'} vs ${k.scaleWritten === null ? 'none' : 'n'})`, step: i, upstream: u.scaleWritten, kscale: k.scaleWritten });
    if (u.desiredReplicas !== k.desiredReplicas) out.push({ kind: 'status.desiredReplicas', step: i, upstream: u.desiredReplicas, kscale: k.desiredReplicas });
    if ((u.currentReplicas ?? 0) !== (k.currentReplicas ?? 0)) out.push({ kind: 'status.currentReplicas', step: i, upstream: u.currentReplicas, kscale: k.currentReplicas });
    const uc = u.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);
    const kc = k.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);
    if (uc.join(' ') !== kc.join(' ')) {
      const j = uc.findIndex((c, x) => c !== kc[x]);
      const at = j === -1 ? uc.length : j;
      out.push({ kind: `conditions: ${uc[at] ?? '(none)'} ≠ ${kc[at] ?? '(none)'}`, step: i, upstream: uc, kscale: kc });
    } else {
      const j = u.conditions.findIndex((c, x) => comparableMessage(c.message) !== comparableMessage(k.conditions[x]?.message ?? ''));
      if (j !== -1) out.push({ kind: `condition message: ${u.conditions[j]!.type}/${u.conditions[j]!.reason}`, step: i, upstream: u.conditions[j]!.message, kscale: k.conditions[j]!.message });
    }
    if (canonical(metricsOf(u.currentMetrics)) !== canonical(metricsOf(k.currentMetrics))) {
      out.push({ kind: `currentMetrics ${metricDiff(metricsOf(u.currentMetrics), metricsOf(k.currentMetrics))}`, step: i, upstream: u.currentMetrics, kscale: k.currentMetrics });
    }
    const ue = u.events.map((e) => `${e.type}/${e.reason}`);
    const ke = k.events.map((e) => `${e.type}/${e.reason}`);
    if (ue.join(' ') !== ke.join(' ')) {
      out.push({ kind: `events: [${ue.join(' ')}] ≠ [${ke.join(' ')}]`, step: i, upstream: u.events, kscale: k.events });
    } else {
      const j = u.events.findIndex((e, x) => comparableMessage(e.message) !== comparableMessage(k.events[x]?.message ?? ''));
      if (j !== -1) out.push({ kind: `event message: ${u.events[j]!.reason}`, step: i, upstream: u.events[j]!.message, kscale: k.events[j]!.message });
    }
  }
  if (out.length === 0 && up.steps.length !== ks.steps.length) {
    out.push({ kind: 'step count', step: n, upstream: up.steps.length, kscale: ks.steps.length });
  }
  return out;
}
