// selectionStrategy OwnerReference: which of the pods the target's selector matches the target owns,
// resolved from the caches. A pod is owned when one of its ownerReferences is the target itself
// (StatefulSet → Pod, ReplicaSet → Pod, any kind → Pod), or is a ReplicaSet that has an ownerReference
// to the target (Deployment → ReplicaSet → Pod, and any other kind that works through ReplicaSets).
// Links are followed by uid, so a recreated object of the same name owns nothing of its predecessor.
import type { CrossVersionObjectReference } from '../api/types.ts';
import type { Pod } from '../engine/inputs.ts';
import type { PodOwnership } from '../engine/pod-selection.ts';
import type { Workload, WorkloadLookup } from './workloads.ts';

const APPS_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);
const groupOf = (apiVersion: string | undefined): string => (apiVersion?.includes('/') ? apiVersion.split('/')[0] ?? '' : '');

/** The target workload from the caches, when it is one of the kinds cached (apps/v1). */
export function cachedTarget(lookup: WorkloadLookup, namespace: string, ref: CrossVersionObjectReference): Workload | undefined {
  if (groupOf(ref.apiVersion) !== 'apps' || !APPS_KINDS.has(ref.kind)) return undefined;
  if (ref.kind === 'Deployment') return lookup.deployment(namespace, ref.name);
  if (ref.kind === 'StatefulSet') return lookup.statefulSet(namespace, ref.name);
  return lookup.replicaSet(namespace, ref.name);
}

/**
 * The target's uid: from the caches for apps/v1 kinds, else from the scale subresource (which carries
 * its parent's metadata.uid). An error when neither knows it.
 */
export function targetUid(lookup: WorkloadLookup, namespace: string, ref: CrossVersionObjectReference, scaleUid: string | undefined): { uid: string } | { error: string } {
  const cached = cachedTarget(lookup, namespace, ref);
  if (cached?.metadata.uid) return { uid: cached.metadata.uid };
  if (APPS_KINDS.has(ref.kind) && groupOf(ref.apiVersion) === 'apps') return { error: `${ref.kind} ${namespace}/${ref.name} is not in the controller's cache` };
  if (scaleUid) return { uid: scaleUid };
  return { error: `the uid of ${ref.kind} ${namespace}/${ref.name} is not known (its scale subresource does not carry one)` };
}

/** Whether the pod is owned by `uid` directly or through one of its ReplicaSets. */
export function ownedBy(lookup: WorkloadLookup, namespace: string, uid: string, pod: Pod): boolean {
  for (const r of pod.metadata.ownerReferences ?? []) {
    if (r.uid === uid) return true;
    if (r.kind !== 'ReplicaSet' || r.name === undefined) continue;
    const rs = lookup.replicaSet(namespace, r.name);
    if (rs && rs.metadata.uid === r.uid && rs.metadata.ownerReferences?.some((o) => o.uid === uid)) return true;
  }
  return false;
}

/** What the snapshot carries for OwnerReference: the matching pods the target does not own. */
export function resolveOwnership(lookup: WorkloadLookup, namespace: string, ref: CrossVersionObjectReference, scaleUid: string | undefined,
  pods: readonly Pod[]): PodOwnership {
  const target = targetUid(lookup, namespace, ref, scaleUid);
  if ('error' in target) return target;
  return { owner: `${ref.kind}/${ref.name}`, notOwned: pods.filter((p) => !ownedBy(lookup, namespace, target.uid, p)).map((p) => p.metadata.name) };
}
