// What `kscale snapshot` reads for selectionStrategy OwnerReference and rollout.policy ExcludeSurge:
// the namespace's Deployments, ReplicaSets and StatefulSets, one GET list each, slimmed as the
// controller's caches slim them, so that the pods' ownership and the rollout come from the
// controller's own code (controller/target-pods.ts) and a replayed snapshot decides as it does.
import type { HorizontalAutoscaler } from '../api/types.ts';
import type { GatherSources } from '../controller/gather.ts';
import { targetPods } from '../controller/target-pods.ts';
import { listLookup } from '../controller/workload-list.ts';
import { slimWorkload, type Workload, type WorkloadLookup } from '../controller/workloads.ts';
import { pathOf, type KubeHttp } from '../kube/http.ts';

const KINDS: readonly [Workload['kind'], string][] = [['Deployment', 'deployments'], ['ReplicaSet', 'replicasets'], ['StatefulSet', 'statefulsets']];

/** Whether the autoscaler reads anything targetPods computes (else nothing is listed). */
const wantsTargetPods = (a: HorizontalAutoscaler): boolean => a.spec.selectionStrategy === 'OwnerReference' || a.spec.rollout?.policy === 'ExcludeSurge';

/** The namespace's workloads as a lookup, or the first list that failed. */
async function listWorkloads(http: KubeHttp, namespace: string): Promise<{ lookup: WorkloadLookup } | { error: string }> {
  const lists = await Promise.allSettled(KINDS.map(async ([kind, plural]) => {
    const list = await http.get<{ items?: unknown[] }>(`/apis/apps/v1${pathOf('namespaces', namespace, plural)}`);
    return (list.items ?? []).map((o) => slimWorkload(kind, o));
  }));
  const items: Workload[] = [];
  for (const [i, r] of lists.entries()) {
    if (r.status === 'rejected') return { error: `cannot list ${KINDS[i]?.[1] ?? ''} in ${namespace}: ${(r.reason as Error).message}` };
    items.push(...r.value);
  }
  return { lookup: listLookup(items) };
}

/**
 * The gather source for the snapshot, or undefined when the autoscaler does not ask for it. A failed
 * list is reported, not thrown: nothing is looked up (rollout left out, as for a target the caches do
 * not hold), and OwnerReference carries the error, so the engine says every pod counts and why. A
 * partial lookup would be worse: without the ReplicaSets every pod of a Deployment looks foreign.
 */
export async function snapshotTargetPods(http: KubeHttp, autoscaler: HorizontalAutoscaler, warn: (text: string) => void): Promise<GatherSources['targetPods']> {
  if (!wantsTargetPods(autoscaler)) return undefined;
  const listed = await listWorkloads(http, autoscaler.metadata?.namespace ?? 'default');
  if ('lookup' in listed) return (a, scale, pods) => targetPods(listed.lookup, a, scale, pods);
  const lost = [
    ...(autoscaler.spec.selectionStrategy === 'OwnerReference' ? ['selectionStrategy OwnerReference cannot be applied'] : []),
    ...(autoscaler.spec.rollout?.policy === 'ExcludeSurge' ? ['the snapshot carries no rollout for rollout.policy ExcludeSurge'] : []),
  ];
  warn(`kscale snapshot: ${listed.error}: ${lost.join('; ')}\n`);
  const failed = listLookup([]);
  return (a, scale, pods) => {
    const out = targetPods(failed, a, scale, pods);
    return out.podOwnership ? { ...out, podOwnership: { error: listed.error } } : out;
  };
}
