// A WorkloadLookup over plain lists of workloads, for readers without informers: `kscale snapshot`
// (one GET list per kind) and tests. It answers as the informer caches (workloads.ts) do, so
// ownership.ts and rollout-state.ts give the same result on either.
import type { Workload, WorkloadLookup } from './workloads.ts';

export function listLookup(items: readonly Workload[]): WorkloadLookup {
  const byKey = new Map<string, Workload>();
  for (const w of items) byKey.set(`${w.kind}\0${w.metadata.namespace}\0${w.metadata.name}`, w);
  const find = (kind: Workload['kind']) => (namespace: string, name: string): Workload | undefined => byKey.get(`${kind}\0${namespace}\0${name}`);
  const replicaSets = items.filter((w) => w.kind === 'ReplicaSet');
  return {
    deployment: find('Deployment'),
    statefulSet: find('StatefulSet'),
    replicaSet: find('ReplicaSet'),
    // An empty uid owns nothing, as in the caches' index.
    replicaSetsOwnedBy: (namespace, ownerUid) => ownerUid === '' ? [] :
      replicaSets.filter((rs) => rs.metadata.namespace === namespace && rs.metadata.ownerReferences?.some((r) => r.uid === ownerUid)),
  };
}
