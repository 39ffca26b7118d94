// Rollout-aware scaling (spec.rollout.policy: ExcludeSurge). Why: upstream multiplies a metric's usage
// ratio by the pods it sees — ready pods (Resource, Pods, Object/External Value), pods with samples
// (the rebalance path), or status.replicas (AverageValue per pod) — and during a rolling update those
// include the surge pods the Deployment adds beyond spec.replicas. A proposal made over the surged
// count becomes the new spec.replicas, the Deployment surges again over that, and the count ratchets
// up for as long as the rollout lasts (kubernetes #72775; #90461, #98914).
//
// The rule, exact: while the target rolls out, a metric's proposal above the current replica count is
// bounded by the same metric computed over the view the rollout converges to — the pods minus the
// surge pods (the youngest pods beyond spec.replicas, named by the controller), their samples left
// out, and status.replicas capped at spec.replicas. The result is
//   max(current, min(upstream's proposal, the view's proposal)),
// so the rule never scales down and never raises a proposal; when the view cannot be computed (no
// sample of a kept pod), a scale-up is held at the current count. Proposals at or below the current
// count, and every pass outside a rollout, are upstream's.
import type { Pod } from './inputs.ts';
import { listNames } from './pod-selection.ts';
import type { MetricContext, MetricResult } from './metric-sources.ts';

/** The target's rollout as the controller saw it (controller/rollout-state.ts). Absent: not rolling out. */
export interface RolloutState {
  /** "Deployment/web". */
  workload: string;
  /** Why it counts as rolling out, for people. */
  reason: string;
  /** The count the rollout converges to: the workload's spec.replicas. */
  desiredReplicas: number;
  /** Pods of older revisions (an old ReplicaSet; a StatefulSet's current revision while it updates). */
  old: readonly string[];
  /** Pods beyond desiredReplicas, the youngest: left out of the view a scale-up is bounded by. */
  surge: readonly string[];
}

export interface Bounded {
  result: MetricResult;
  /** The explanation's line, when the rule looked at this metric. */
  step?: string;
}

/** Applies the rule to one metric's result; `compute` recomputes the metric on another context. */
export function boundByRollout(ctx: MetricContext, result: MetricResult, rollout: RolloutState, compute: (view: MetricContext) => MetricResult): Bounded {
  if (!result.ok || result.replicas <= ctx.specReplicas) return { result };
  const surge = new Set(rollout.surge);
  const left = ctx.pods.filter((p: Pod) => surge.has(p.metadata.name)).map((p) => p.metadata.name);
  const statusReplicas = Math.min(ctx.statusReplicas, ctx.specReplicas);
  if (left.length === 0 && statusReplicas === ctx.statusReplicas) return { result };
  const view: MetricContext = {
    ...ctx,
    pods: ctx.pods.filter((p) => !surge.has(p.metadata.name)),
    exclude: new Set([...(ctx.exclude ?? []), ...surge]),
    statusReplicas,
  };
  const v = compute(view);
  const bound = v.ok ? v.replicas : ctx.specReplicas;
  const replicas = Math.max(ctx.specReplicas, Math.min(result.replicas, bound));
  const over = `over the ${view.pods.length} pods of spec.replicas ${ctx.specReplicas}` +
    (left.length > 0 ? ` (${left.length} surge pods left out: ${listNames(left)})` : '') +
    (statusReplicas !== ctx.statusReplicas ? ` and status.replicas ${ctx.statusReplicas} counted as ${statusReplicas}` : '');
  const says = v.ok ? `proposes ${v.replicas}` : `cannot be computed (${v.inner})`;
  const step = `rollout of ${rollout.workload} (${rollout.reason}): ${result.name} proposes ${result.replicas} over all pods; ${over} it ${says}` +
    (replicas < result.replicas ? `: bounded to ${replicas} (rollout.policy ExcludeSurge)` : ': not bounded');
  if (replicas >= result.replicas) return { result, step };
  return { result: { ...result, replicas, detail: { ...result.detail, heldBy: 'rollout' } }, step };
}

/** The line that says a rollout is under way and what the controller classified. */
export function describeRollout(r: RolloutState): string {
  return `${r.workload} is rolling out (${r.reason}): ${r.old.length} pods of older revisions, ` +
    `${r.surge.length} surge pods beyond spec.replicas ${r.desiredReplicas}${r.surge.length > 0 ? ` (${listNames(r.surge)})` : ''}`;
}
