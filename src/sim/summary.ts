// One configuration's replay in a few numbers. Each tick stands for the sync period that starts
// with it: the replicas it leaves in place are paid for that long, and the load it measured is
// what users saw that long.
import type { Tick } from './replay.ts';

export interface Summary {
  ticks: number;
  /** ticks × sync period. */
  durationSeconds: number;
  scaleEvents: number;
  scaleUps: number;
  scaleDowns: number;
  /** Σ replicas after each tick × sync period: what the configuration costs. */
  replicaSeconds: number;
  /** Seconds where some metric's usage ratio exceeded 1 + the scale-up tolerance. */
  secondsAboveTarget: number;
  /** Seconds at maxReplicas (after the tick's decision). */
  secondsAtMax: number;
  /** Seconds where some metric could not be computed (the engine reported an error). */
  secondsWithoutMetrics: number;
  /** Seconds where a metric's fallback stood in for it. */
  secondsInFallback: number;
  /** Ticks whose change a safety gate held, in all and by gate. */
  gateHolds: number;
  gateHoldsBy: Record<string, number>;
  /** Seconds while the target was rolling out (the trace's rollout column, deployment.ts). */
  secondsRollingOut: number;
  /** Ticks whose scale-up rollout.policy ExcludeSurge bounded. */
  rolloutHolds: number;
  largestStepUp: number;
  largestStepDown: number;
  peakReplicas: number;
  finalReplicas: number;
}

export interface SummaryContext {
  syncPeriodSeconds: number;
  maxReplicas: number;
  /** Scale-up tolerance: a ratio above 1 + this is "above target". */
  toleranceUp: number;
}

export const replicasAfter = (t: Tick): number => t.scaleTo ?? t.replicas;

export function summarize(ticks: readonly Tick[], ctx: SummaryContext): Summary {
  const p = ctx.syncPeriodSeconds;
  const s: Summary = {
    ticks: ticks.length, durationSeconds: ticks.length * p,
    scaleEvents: 0, scaleUps: 0, scaleDowns: 0, replicaSeconds: 0,
    secondsAboveTarget: 0, secondsAtMax: 0, secondsWithoutMetrics: 0, secondsInFallback: 0, gateHolds: 0, gateHoldsBy: {},
    secondsRollingOut: 0, rolloutHolds: 0,
    largestStepUp: 0, largestStepDown: 0, peakReplicas: 0, finalReplicas: ticks.at(-1) ? replicasAfter(ticks.at(-1) as Tick) : 0,
  };
  for (const t of ticks) {
    const after = replicasAfter(t);
    if (t.scaleTo !== null) {
      s.scaleEvents++;
      const step = t.scaleTo - t.replicas;
      if (step > 0) { s.scaleUps++; s.largestStepUp = Math.max(s.largestStepUp, step); }
      if (step < 0) { s.scaleDowns++; s.largestStepDown = Math.max(s.largestStepDown, -step); }
    }
    s.replicaSeconds += after * p;
    s.peakReplicas = Math.max(s.peakReplicas, t.replicas, after);
    if (after >= ctx.maxReplicas) s.secondsAtMax += p;
    const ratios = Object.values(t.ratio);
    if (ratios.some((r) => r !== null && r > 1 + ctx.toleranceUp)) s.secondsAboveTarget += p;
    if (t.error !== undefined) s.secondsWithoutMetrics += p;
    if (t.fallback) s.secondsInFallback += p;
    if (t.rollout !== undefined) s.secondsRollingOut += p;
    if (t.limitedBy === 'rollout') s.rolloutHolds++;
    if (t.gate !== undefined) { s.gateHolds++; s.gateHoldsBy[t.gate] = (s.gateHoldsBy[t.gate] ?? 0) + 1; }
  }
  return s;
}
