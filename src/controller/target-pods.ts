// What the snapshot carries about the target's pods beyond the selector, computed only when the
// autoscaler asks for it: ownership for selectionStrategy OwnerReference, and the rollout state for
// rollout.policy ExcludeSurge. Everything comes from the informer caches: no request per evaluation.
import type { HorizontalAutoscaler } from '../api/types.ts';
import type { Pod, Scale } from '../engine/inputs.ts';
import type { Snapshot } from '../engine/snapshot.ts';
import { resolveOwnership } from './ownership.ts';
import { rolloutState } from './rollout-state.ts';
import type { WorkloadLookup } from './workloads.ts';

export type TargetPods = Pick<Snapshot, 'podOwnership' | 'rollout'>;

export function targetPods(lookup: WorkloadLookup, autoscaler: HorizontalAutoscaler, scale: Scale, pods: readonly Pod[]): TargetPods {
  const namespace = autoscaler.metadata?.namespace ?? 'default';
  const ref = autoscaler.spec.scaleTargetRef;
  const out: TargetPods = {};
  if (autoscaler.spec.selectionStrategy === 'OwnerReference') out.podOwnership = resolveOwnership(lookup, namespace, ref, scale.metadata?.uid, pods);
  if (autoscaler.spec.rollout?.policy === 'ExcludeSurge') {
    const rollout = rolloutState(lookup, namespace, ref, pods);
    if (rollout) out.rollout = rollout;
  }
  return out;
}
