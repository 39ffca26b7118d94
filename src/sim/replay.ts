// Replays a trace through the engine: one decide() per sync period, on a Snapshot built like the
// controller's, with the status each decision returns fed into the next tick (stabilization
// history, scale events and conditions carry over exactly as in the cluster) and the workload
// following each scale change. Pure and deterministic: same inputs, same steps. The trace's `rollout`
// column starts rolling updates of the simulated Deployment (deployment.ts) between ticks.
import { UPSTREAM_DEFAULTS, type ControllerDefaults } from '../api/defaults.ts';
import type { HorizontalAutoscaler } from '../api/types.ts';
import { decide } from '../engine/decide.ts';
import type { Decision, Snapshot } from '../engine/snapshot.ts';
import { advance, DEFAULT_ROLLOUT, rolloutState, scaleDeployment, type RolloutModel } from './deployment.ts';
import { containerNames, metricColumns, type MetricColumn } from './metric-columns.ts';
import { rolloutStarts } from './rollout-column.ts';
import { tickSnapshot, type PodShape } from './tick-snapshot.ts';
import { series, traceEnd, type Trace } from './trace.ts';
import { initialWorkload, isReady, type Workload } from './workload.ts';

/** t = 0 of a trace given in seconds (a trace with RFC 3339 times starts at its first time). */
export const DEFAULT_EPOCH = Date.parse('2026-01-01T00:00:00Z');

export interface ReplayOptions {
  /** Seconds from a pod's creation until it is Ready (default 30). */
  readyDelaySeconds?: number;
  /** Replicas at the start (default: minReplicas, at least 1). */
  initialReplicas?: number;
  /** Requests of each container (default cpu "1", memory "1Gi"). */
  requests?: Readonly<Record<string, string>>;
  /** Trace values of pod metrics are per Ready pod instead of totals. */
  perPod?: boolean;
  /** Replay until this many seconds (default: the trace's last point). */
  durationSeconds?: number;
  /** ms since the epoch of t = 0 (default: the trace's own start, else DEFAULT_EPOCH). */
  epoch?: number;
  /** Controller-wide defaults, as `kscale run` flags would set them. */
  config?: Partial<ControllerDefaults>;
  /** How the Deployment rolls out and how its new pods warm up (default DEFAULT_ROLLOUT). */
  rollout?: Partial<RolloutModel>;
}

export const DEFAULT_REQUESTS: Readonly<Record<string, string>> = Object.freeze({ cpu: '1', memory: '1Gi' });
export const DEFAULT_READY_DELAY_SECONDS = 30;

/** What one tick looked like, in plain numbers (the JSON timeline). */
export interface Tick {
  /** Seconds since the trace's start. */
  t: number;
  time: string;
  /** The trace's value per column (cores for cpu, bytes for memory, else as given); null in a gap. */
  load: Record<string, number | null>;
  /** The usage ratio the engine measured per column (1 = on target); null when not computed. */
  ratio: Record<string, number | null>;
  /** Replicas (the Scale's spec.replicas) when the tick began, and how many were Ready. */
  replicas: number;
  ready: number;
  proposed?: number;
  desired: number;
  /** The scale change applied at this tick, or null. */
  scaleTo: number | null;
  reason: string;
  limitedBy?: string;
  error?: string;
  /** The safety gate (spec.safety) that held this tick's change. */
  gate?: string;
  /** Metrics whose fallback stood in for them at this tick, e.g. "external metric queue → 8". */
  fallback?: string[];
  /** Columns whose sample was stale at this tick (a `~` cell), with the trace time (s) of the sample. */
  stale?: Record<string, number>;
  /** The target was rolling out at this tick: its pods by revision, e.g. "4 old + 1 new pods for spec.replicas 4". */
  rollout?: string;
}

export interface ReplayStep {
  snapshot: Snapshot;
  decision: Decision;
  tick: Tick;
}

export interface Replay {
  syncPeriodSeconds: number;
  columns: readonly MetricColumn[];
  steps: ReplayStep[];
}

const LABEL_VALUE = /^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$/i;

function podShape(autoscaler: HorizontalAutoscaler, o: ReplayOptions): PodShape {
  const target = autoscaler.spec.scaleTargetRef.name;
  const app = LABEL_VALUE.test(target) ? target : 'simulated';
  return {
    namespace: autoscaler.metadata?.namespace ?? 'default',
    prefix: target,
    labels: { app },
    selector: `app=${app}`,
    containers: containerNames(autoscaler.spec),
    requests: o.requests ?? DEFAULT_REQUESTS,
    perPod: o.perPod ?? false,
  };
}

/** A column's value as a plain number: milli-units / 1000. */
const plain = (milli: bigint | null): number | null => (milli === null ? null : Number(milli) / 1000);

function describeTick(t: number, snapshot: Snapshot, d: Decision, columns: readonly MetricColumn[], loads: ReadonlyMap<string, bigint | null>, workload: Workload, sampledAt: ReadonlyMap<string, number>, epoch: number): Tick {
  const stale = Object.fromEntries([...sampledAt].map(([c, ms]) => [c, (ms - epoch) / 1000]));
  const load: Record<string, number | null> = {};
  const ratio: Record<string, number | null> = {};
  for (const c of columns) {
    load[c.column] = plain(loads.get(c.column) ?? null);
    const measured = d.explanation.metrics.find((m) => m.index === c.index)?.detail?.ratio;
    const known = measured !== undefined && Number.isFinite(measured) ? measured : null;
    const before = ratio[c.column];
    // Several metrics on one column (e.g. Resource and ContainerResource cpu): the largest counts.
    ratio[c.column] = before == null ? known : known === null ? before : Math.max(before, known);
  }
  const summary = d.status.lastDecision;
  return {
    t,
    time: new Date(snapshot.now).toISOString(),
    load,
    ratio,
    replicas: d.currentReplicas ?? workload.pods.length,
    ready: workload.pods.filter((p) => isReady(p, snapshot.now)).length,
    ...(d.explanation.proposed !== undefined ? { proposed: d.explanation.proposed } : {}),
    desired: d.desiredReplicas,
    scaleTo: d.scaleTo,
    reason: summary?.reason ?? d.rescaleReason ?? '',
    ...(d.explanation.limitedBy ? { limitedBy: d.explanation.limitedBy } : {}),
    ...(d.error ? { error: d.error } : {}),
    ...safetyOf(d),
    ...(sampledAt.size > 0 ? { stale } : {}),
    ...rolloutOf(workload),
  };
}

function rolloutOf(w: Workload): Pick<Tick, 'rollout'> {
  const old = w.pods.filter((p) => p.revision < w.revision).length;
  if (old === 0 && w.pods.length <= w.replicas) return {};
  return { rollout: `${old} old + ${w.pods.length - old} new pods for spec.replicas ${w.replicas}` };
}

/** What the fallback and the safety gates did at this tick (nothing when neither is configured). */
function safetyOf(d: Decision): Pick<Tick, 'gate' | 'fallback'> {
  const fallback = d.explanation.metrics.flatMap((m) => (m.fallback ? [`${m.name} → ${m.fallback.replicas}`] : []));
  return { ...(d.explanation.safetyGate ? { gate: d.explanation.safetyGate.gate } : {}), ...(fallback.length > 0 ? { fallback } : {}) };
}

export function replay(autoscaler: HorizontalAutoscaler, trace: Trace, o: ReplayOptions = {}): Replay {
  const config = { ...UPSTREAM_DEFAULTS, ...o.config };
  const syncPeriodSeconds = autoscaler.spec.syncPeriodSeconds ?? config.syncPeriodSeconds;
  const readyDelayMs = (o.readyDelaySeconds ?? DEFAULT_READY_DELAY_SECONDS) * 1000;
  const epoch = o.epoch ?? trace.startTime ?? DEFAULT_EPOCH;
  const end = o.durationSeconds ?? traceEnd(trace);
  const shape = podShape(autoscaler, o);
  const model: RolloutModel = { ...DEFAULT_ROLLOUT, ...o.rollout };
  const starts = rolloutStarts(trace).map((s) => epoch + s * 1000);
  const target = `${autoscaler.spec.scaleTargetRef.kind}/${autoscaler.spec.scaleTargetRef.name}`;
  // The controller reads the rollout only for this policy (controller/target-pods.ts).
  const excludeSurge = autoscaler.spec.rollout?.policy === 'ExcludeSurge';
  const columns = metricColumns(autoscaler.spec);
  const wanted = [...new Set(columns.map((c) => c.column))];
  const seriesOf = new Map(wanted.map((c) => [c, series(trace, c)]));

  // The simulator starts the object fresh: no status, as right after `kubectl apply`.
  const { status: _ignored, ...fresh } = autoscaler;
  let current: HorizontalAutoscaler = fresh;
  let workload = initialWorkload(o.initialReplicas ?? Math.max(1, autoscaler.spec.minReplicas ?? 1), epoch, readyDelayMs);
  const steps: ReplayStep[] = [];
  let previous = epoch - 1;
  for (let k = 0; k * syncPeriodSeconds <= end; k++) {
    const t = k * syncPeriodSeconds;
    const now = epoch + t * 1000;
    workload = advance(workload, previous, now, starts, readyDelayMs, model);
    previous = now;
    const loads = new Map(wanted.map((c) => [c, seriesOf.get(c)?.at(t) ?? null]));
    const sampledAt = new Map(wanted.flatMap((c) => {
      const since = seriesOf.get(c)?.staleSince(t);
      return since === undefined ? [] : [[c, epoch + since * 1000] as const];
    }));
    const rollout = excludeSurge ? rolloutState(workload, target, (p) => `${shape.prefix}-${p.index}`) : undefined;
    const snapshot = tickSnapshot({
      autoscaler: current, shape, workload, columns, loads, now, warmUpFactor: model.warmUpFactor, sampledAt,
      ...(o.config ? { config: o.config } : {}), ...(rollout ? { rollout } : {}),
    });
    const decision = decide(snapshot);
    steps.push({ snapshot, decision, tick: describeTick(t, snapshot, decision, columns, loads, workload, sampledAt, epoch) });
    current = { ...current, status: decision.status };
    if (decision.scaleTo !== null) workload = scaleDeployment(workload, decision.scaleTo, now, readyDelayMs, model);
  }
  return { syncPeriodSeconds, columns, steps };
}
