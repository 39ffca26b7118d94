// Two configurations' summaries, compared in words: what B does differently from A.
import { grouped } from './format.ts';
import type { Summary } from './summary.ts';

export interface Named {
  name: string;
  summary: Summary;
  /** The scale-up tolerance: "above target" means a ratio above 1 + this. */
  toleranceUp: number;
}

const seconds = (n: number): string => `${grouped(n)} s`;
const times = (n: number): string => (n === 1 ? '1 scale event' : `${n} scale events`);

/** "12% more" / "3% fewer" relative to a base; exact numbers when the base is zero. */
function relative(b: number, a: number, more: string, fewer: string): string {
  if (a === 0) return `${grouped(b - a)} ${b >= a ? more : fewer}`;
  const pct = Math.round((Math.abs(b - a) / a) * 100);
  return pct === 0 ? `about as many (${b >= a ? '+' : '−'}${grouped(Math.abs(b - a))})` : `${pct}% ${b > a ? more : fewer}`;
}

/** Sentences naming B's differences from A; the first is the headline (time above target and cost). */
export function differences(a: Named, b: Named): string[] {
  const A = a.summary;
  const B = b.summary;
  const lines: string[] = [];
  const above = B.secondsAboveTarget - A.secondsAboveTarget;
  const aboveText = above === 0
    ? `spends the same time above target as ${a.name} (${seconds(A.secondsAboveTarget)})`
    : `spends ${seconds(Math.abs(above))} ${above < 0 ? 'less' : 'more'} above target than ${a.name} (${seconds(B.secondsAboveTarget)} vs ${seconds(A.secondsAboveTarget)})`;
  const costText = B.replicaSeconds === A.replicaSeconds
    ? 'uses the same replica-seconds'
    : `uses ${relative(B.replicaSeconds, A.replicaSeconds, 'more', 'fewer')} replica-seconds (${grouped(B.replicaSeconds)} vs ${grouped(A.replicaSeconds)})`;
  lines.push(`${b.name} ${aboveText} and ${costText}.`);
  if (A.scaleEvents !== B.scaleEvents) {
    lines.push(`${b.name} makes ${times(B.scaleEvents)} (${B.scaleUps} up, ${B.scaleDowns} down); ${a.name} makes ${A.scaleEvents} (${A.scaleUps} up, ${A.scaleDowns} down).`);
  }
  const step = (n: number, sign: string, verb: string): string => (n === 0 ? `does not scale ${verb}` : `${sign}${n} replicas at once`);
  if (A.largestStepUp !== B.largestStepUp) {
    lines.push(`${b.name}'s largest scale-up: ${step(B.largestStepUp, '+', 'up')}; ${a.name}'s: ${step(A.largestStepUp, '+', 'up')}.`);
  }
  if (A.largestStepDown !== B.largestStepDown) {
    lines.push(`${b.name}'s largest scale-down: ${step(B.largestStepDown, '−', 'down')}; ${a.name}'s: ${step(A.largestStepDown, '−', 'down')}.`);
  }
  if (A.secondsAtMax !== B.secondsAtMax) {
    lines.push(`${b.name} is at maxReplicas for ${seconds(B.secondsAtMax)}; ${a.name} for ${seconds(A.secondsAtMax)}.`);
  }
  if (A.peakReplicas !== B.peakReplicas) lines.push(`${b.name} peaks at ${B.peakReplicas} replicas; ${a.name} at ${A.peakReplicas}.`);
  if (A.secondsWithoutMetrics !== B.secondsWithoutMetrics) {
    lines.push(`${b.name} has no usable metrics for ${seconds(B.secondsWithoutMetrics)}; ${a.name} for ${seconds(A.secondsWithoutMetrics)}.`);
  }
  if (A.secondsInFallback !== B.secondsInFallback) {
    lines.push(`${b.name} runs on a metric fallback for ${seconds(B.secondsInFallback)}; ${a.name} for ${seconds(A.secondsInFallback)}.`);
  }
  if (A.gateHolds !== B.gateHolds) {
    const held = (s: Summary): string => (s.gateHolds === 0 ? 'never' : `${s.gateHolds} times (${Object.entries(s.gateHoldsBy).map(([g, n]) => `${g} ${n}`).join(', ')})`);
    lines.push(`safety gates hold ${b.name}'s change ${held(B)}; ${a.name}'s ${held(A)}.`);
  }
  if (A.rolloutHolds !== B.rolloutHolds) {
    const held = (s: Summary): string => (s.rolloutHolds === 0 ? 'never' : s.rolloutHolds === 1 ? 'once' : `${s.rolloutHolds} times`);
    lines.push(`rollout.policy ExcludeSurge bounds ${b.name}'s scale-up during rollouts ${held(B)}; ${a.name}'s ${held(A)}.`);
  }
  if (A.secondsRollingOut !== B.secondsRollingOut) {
    lines.push(`${b.name}'s rollouts take ${seconds(B.secondsRollingOut)} in all; ${a.name}'s ${seconds(A.secondsRollingOut)}.`);
  }
  if (a.toleranceUp !== b.toleranceUp) {
    const pct = (t: number): string => `${grouped(Math.round((1 + t) * 1000) / 10)}%`;
    lines.push(`Note: the tolerances differ, so "above target" means above ${pct(b.toleranceUp)} of target for ${b.name} and above ${pct(a.toleranceUp)} for ${a.name}.`);
  }
  return lines;
}
