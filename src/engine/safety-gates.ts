// Safety gates (spec.safety): checks that hold the current replica count when a change is about to
// be made on metrics that look wrong. Each gate is off unless its object is set:
// - staleMetrics: a metric's newest sample is older than maxAgeSyncPeriods × the sync period;
// - dropToZero: a scale-down while a metric that was well above target fell to exactly 0 with the
//   pods still running, until holdSeconds after the drop (a broken exporter often reads 0);
// - maxJump: a change larger than percent % of the median recent recommendation.
// Metrics in fallback have no samples and are not looked at; a change driven by a fallback (the
// user's own replica count) is never held as a jump. Pure: reads the snapshot and the history.
import { Reason } from '../api/constants.ts';
import { SAFETY_DEFAULTS } from '../api/safety.ts';
import type { MetricSpec, SafetySpec } from '../api/types.ts';
import { parseSelector } from '../values/labels.ts';
import type { PodMetrics } from './inputs.ts';
import type { MetricMemory } from './metric-history.ts';
import { entryFetch } from './metric-values.ts';
import type { TimedRecommendation } from './normalize.ts';
import type { Snapshot } from './snapshot.ts';

export type GateName = 'staleMetrics' | 'dropToZero' | 'maxJump';

export interface GateTrip {
  gate: GateName;
  /** Condition and Event reason, naming the gate. */
  reason: string;
  message: string;
}

export interface GateInput {
  safety: SafetySpec | undefined;
  snapshot: Snapshot;
  metrics: readonly MetricSpec[];
  /** Metrics that produced a value this pass: index and readable name. */
  measured: readonly { index: number; name: string }[];
  memory: MetricMemory;
  current: number;
  desired: number;
  syncPeriodSeconds: number;
  /** The stabilization history before this pass, and the longest stabilization window. */
  recommendations: readonly TimedRecommendation[];
  windowMs: number;
  /** The largest proposal came from a fallback. */
  fallbackWins: boolean;
}

/** The first gate (in the order stale, dropToZero, maxJump) that holds this change, if any. */
export function checkGates(g: GateInput): GateTrip | undefined {
  if (!g.safety || g.desired === g.current) return undefined;
  return staleMetrics(g) ?? dropToZero(g) ?? maxJump(g);
}

const secs = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** The time (ms) of the newest sample behind a measured metric; undefined when it has none. */
export function newestSample(s: Snapshot, m: MetricSpec, index: number): number | undefined {
  let times: number[] = [];
  if (m.type === 'Resource' || m.type === 'ContainerResource') {
    const items: readonly PodMetrics[] = Array.isArray(s.podMetrics) ? s.podMetrics as readonly PodMetrics[] : [];
    const text = 'error' in s.scale ? '' : s.scale.status?.selector ?? '';
    let matches: (labels: Record<string, string> | undefined, name: string) => boolean = () => true;
    try {
      const selector = parseSelector(text);
      const names = new Set(s.pods.filter((p) => selector.matches(p.metadata.labels)).map((p) => p.metadata.name));
      matches = (labels, name) => (labels ? selector.matches(labels) : names.has(name));
    } catch { /* the engine already failed this metric */ }
    times = items.filter((p) => matches(p.metadata.labels, p.metadata.name)).map((p) => Date.parse(p.timestamp));
  } else {
    const f = entryFetch(s, m, index);
    if (f && 'custom' in f) times = f.custom.map((v) => Date.parse(v.timestamp));
    if (f && 'external' in f) times = f.external.map((v) => Date.parse(v.timestamp));
  }
  const valid = times.filter((t) => Number.isFinite(t));
  return valid.length > 0 ? Math.max(...valid) : undefined;
}

function staleMetrics(g: GateInput): GateTrip | undefined {
  const cfg = g.safety?.staleMetrics;
  if (!cfg) return undefined;
  const periods = cfg.maxAgeSyncPeriods ?? SAFETY_DEFAULTS.maxAgeSyncPeriods;
  const maxAgeMs = periods * g.syncPeriodSeconds * 1000;
  for (const { index, name } of g.measured) {
    const m = g.metrics[index];
    const newest = m ? newestSample(g.snapshot, m, index) : undefined;
    if (newest === undefined || g.snapshot.now - newest <= maxAgeMs) continue;
    return {
      gate: 'staleMetrics', reason: Reason.StaleMetricsGate,
      message: `safety gate staleMetrics: the newest sample of ${name} is ${secs(g.snapshot.now - newest)} old, older than ${periods} sync periods (${secs(maxAgeMs)}); ` +
        `holding ${g.current} replicas instead of scaling to ${g.desired}`,
    };
  }
  return undefined;
}

function dropToZero(g: GateInput): GateTrip | undefined {
  const cfg = g.safety?.dropToZero;
  if (!cfg || g.desired >= g.current) return undefined;
  const holdMs = (cfg.holdSeconds ?? SAFETY_DEFAULTS.holdSeconds) * 1000;
  const threshold = cfg.minPreviousPercent ?? SAFETY_DEFAULTS.minPreviousPercent;
  for (const { index, name } of g.measured) {
    const dropped = g.memory.current(index)?.droppedToZeroTime;
    if (dropped === undefined) continue;
    const since = g.snapshot.now - Date.parse(dropped);
    if (since >= holdMs) continue;
    return {
      gate: 'dropToZero', reason: Reason.DropToZeroGate,
      message: `safety gate dropToZero: ${name} dropped to 0 from at least ${threshold}% of its target ${secs(since)} ago while pods are running; ` +
        `holding ${g.current} replicas instead of scaling to ${g.desired} until it stays 0 for ${secs(holdMs)}`,
    };
  }
  return undefined;
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] ?? 0 : ((v[mid - 1] ?? 0) + (v[mid] ?? 0)) / 2;
}

function maxJump(g: GateInput): GateTrip | undefined {
  const cfg = g.safety?.maxJump;
  // Waking a workload from zero is not a jump; neither is applying a fallback the user set.
  if (!cfg || g.fallbackWins || g.current === 0) return undefined;
  // The recommendations of the stabilization window; with a window of 0, the last pass's.
  const inWindow = g.recommendations.filter((r) => r.time >= g.snapshot.now - g.windowMs);
  const recent = (inWindow.length > 0 ? inWindow : g.recommendations.slice(-1)).map((r) => r.replicas);
  if (recent.length === 0) return undefined;
  const percent = cfg.percent ?? SAFETY_DEFAULTS.percent;
  const minChange = cfg.minChange ?? SAFETY_DEFAULTS.minChange;
  const mid = median(recent);
  const change = Math.abs(g.desired - g.current);
  if (change <= minChange || change * 100 <= percent * mid) return undefined;
  return {
    gate: 'maxJump', reason: Reason.MaxJumpGate,
    message: `safety gate maxJump: a change of ${change} replicas (${g.current} → ${g.desired}) is more than ${percent}% of the median recent recommendation (${mid}); ` +
      `holding ${g.current} replicas until the recent recommendations come closer to it`,
  };
}
