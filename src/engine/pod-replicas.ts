// Replica proposals from per-pod samples (reference/hpa-algorithm.md §6.1–6.3): the fast path,
// and the rebalance path that fills in missing and unready pods conservatively.
import type { Pod } from './inputs.ts';
import { groupPods, type PodGroups, type PodSample, type ReadinessRules } from './pods.ts';
import { ceilReplicas, within, type Tolerance } from './ratio.ts';

export interface PodReplicasInput<M extends { ratio: number }> {
  specReplicas: number;
  pods: readonly Pod[];
  samples: ReadonlyMap<string, PodSample>;
  /** Resource name for Resource metrics (cpu enables readiness gating); undefined for custom. */
  resource: string | undefined;
  rules: ReadinessRules;
  tolerance: Tolerance;
  /** Computes the usage ratio (and details) over pod values. May throw. */
  measure: (values: ReadonlyMap<string, bigint>) => M;
  /** The value a missing pod is assumed to use when scaling down. */
  missingOnScaleDown: (pod: string) => bigint;
}

export interface PodReplicas<M> {
  replicas: number;
  /** The first (pre-rebalance) measurement: what status reports. */
  measured: M;
  groups: PodGroups;
  /** Present when missing or unready pods were filled in and the ratio recomputed. */
  rebalanced?: { ratio: number; podCount: number };
  /** Why the proposal stayed at the current replica count, if it did by rule. */
  heldBy?: 'tolerance' | 'direction-change';
}

export function podReplicas<M extends { ratio: number }>(input: PodReplicasInput<M>): PodReplicas<M> {
  const { specReplicas, tolerance } = input;
  if (input.pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const groups = groupPods(input.pods, input.samples, input.resource, input.rules);
  const values = new Map<string, bigint>();
  for (const [pod, sample] of input.samples) {
    if (!groups.ignored.has(pod) && !groups.unready.has(pod)) values.set(pod, sample.value);
  }
  if (values.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');

  const measured = input.measure(values);
  const ratio = measured.ratio;
  const scaleUpWithUnready = groups.unready.size > 0 && ratio > 1.0;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (within(tolerance, ratio)) return { replicas: specReplicas, measured, groups, heldBy: 'tolerance' };
    return { replicas: ceilReplicas(ratio, groups.readyCount), measured, groups };
  }

  // Rebalance: missing pods use "enough" on a scale-down and nothing on a scale-up; unready pods
  // count as idle on a scale-up. At a ratio of exactly 1.0 missing pods are left out.
  if (ratio < 1.0) for (const pod of groups.missing) values.set(pod, input.missingOnScaleDown(pod));
  else if (ratio > 1.0) for (const pod of groups.missing) values.set(pod, 0n);
  if (scaleUpWithUnready) for (const pod of groups.unready) values.set(pod, 0n);

  const newRatio = input.measure(values).ratio;
  const rebalanced = { ratio: newRatio, podCount: values.size };
  if (within(tolerance, newRatio)) return { replicas: specReplicas, measured, groups, rebalanced, heldBy: 'tolerance' };
  if ((ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) {
    return { replicas: specReplicas, measured, groups, rebalanced, heldBy: 'direction-change' };
  }
  const replicas = ceilReplicas(newRatio, values.size);
  if ((newRatio < 1.0 && replicas > specReplicas) || (newRatio > 1.0 && replicas < specReplicas)) {
    return { replicas: specReplicas, measured, groups, rebalanced, heldBy: 'direction-change' };
  }
  return { replicas, measured, groups, rebalanced };
}
