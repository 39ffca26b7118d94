// Whether the target is rolling out, and which of its pods are old or surge (engine/rollout.ts reads
// it). From the workload caches only:
//   Deployment: metadata.generation > status.observedGeneration, or status.replicas > spec.replicas
//   (surge), or more than one of its ReplicaSets with pods. Old pods: those of its ReplicaSets other
//   than the newest (highest deployment.kubernetes.io/revision).
//   StatefulSet: generation not observed, status.currentRevision != status.updateRevision, or
//   status.updatedReplicas < status.replicas. Old pods: its pods whose controller-revision-hash is
//   not the update revision.
// Surge pods: the target's own pods that count (not terminating, not Failed or Succeeded) beyond
// spec.replicas, the youngest (creationTimestamp, then startTime, then name): the pods the rollout
// added and will take away. Pods of other workloads are never surge.
import type { CrossVersionObjectReference } from '../api/types.ts';
import type { Pod } from '../engine/inputs.ts';
import { isIgnored } from '../engine/pods.ts';
import type { RolloutState } from '../engine/rollout.ts';
import { cachedTarget } from './ownership.ts';
import { REVISION, type Workload, type WorkloadLookup } from './workloads.ts';

const REVISION_HASH = 'controller-revision-hash';

const revisionOf = (rs: Workload): number => Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;
const time = (s: string | undefined): number => (s ? Date.parse(s) : Number.POSITIVE_INFINITY);

/** Oldest first: creationTimestamp, then startTime (a pod not started yet is younger), then name. */
export function byAge(a: Pod, b: Pod): number {
  return (time(a.metadata.creationTimestamp) - time(b.metadata.creationTimestamp)) || (time(a.status?.startTime) - time(b.status?.startTime))
    || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
}

function surgeOf(own: readonly Pod[], desired: number): string[] {
  const counted = own.filter((p) => !isIgnored(p)).sort(byAge);
  return counted.slice(desired).map((p) => p.metadata.name);
}

const ownerUid = (p: Pod, uids: ReadonlySet<string>): string | undefined => p.metadata.ownerReferences?.find((r) => r.uid !== undefined && uids.has(r.uid))?.uid;

function deploymentRollout(lookup: WorkloadLookup, d: Workload, pods: readonly Pod[]): RolloutState | undefined {
  const { namespace, name, uid } = d.metadata;
  const desired = d.spec.replicas ?? 1;
  const reasons: string[] = [];
  const generation = d.metadata.generation ?? 0;
  const observed = d.status.observedGeneration ?? 0;
  if (generation > observed) reasons.push(`generation ${generation} not yet observed (observed ${observed})`);
  if ((d.status.replicas ?? 0) > desired) reasons.push(`${d.status.replicas ?? 0} pods for spec.replicas ${desired}`);
  const sets = lookup.replicaSetsOwnedBy(namespace, uid);
  const withPods = sets.filter((rs) => (rs.status.replicas ?? 0) > 0);
  if (withPods.length > 1) reasons.push(`${withPods.length} ReplicaSets with pods`);
  if (reasons.length === 0) return undefined;
  const newest = Math.max(0, ...sets.map(revisionOf));
  const oldSets = new Set(sets.filter((rs) => revisionOf(rs) < newest).map((rs) => rs.metadata.uid));
  const allSets = new Set(sets.map((rs) => rs.metadata.uid));
  const own = pods.filter((p) => ownerUid(p, allSets) !== undefined);
  return {
    workload: `Deployment/${name}`, reason: reasons.join('; '), desiredReplicas: desired,
    old: own.filter((p) => oldSets.has(ownerUid(p, allSets) ?? '')).map((p) => p.metadata.name),
    surge: surgeOf(own, desired),
  };
}

function statefulSetRollout(s: Workload, pods: readonly Pod[]): RolloutState | undefined {
  const desired = s.spec.replicas ?? 1;
  const { generation = 0 } = s.metadata;
  const { observedGeneration = 0, currentRevision, updateRevision, updatedReplicas = 0, replicas = 0 } = s.status;
  const reasons: string[] = [];
  if (generation > observedGeneration) reasons.push(`generation ${generation} not yet observed (observed ${observedGeneration})`);
  if (updateRevision && currentRevision && currentRevision !== updateRevision) reasons.push(`updating from revision ${currentRevision} to ${updateRevision}`);
  if (updatedReplicas < replicas) reasons.push(`${updatedReplicas} of ${replicas} pods updated`);
  if (reasons.length === 0) return undefined;
  const own = pods.filter((p) => ownerUid(p, new Set([s.metadata.uid])) !== undefined);
  return {
    workload: `StatefulSet/${s.metadata.name}`, reason: reasons.join('; '), desiredReplicas: desired,
    old: updateRevision ? own.filter((p) => p.metadata.labels?.[REVISION_HASH] !== updateRevision).map((p) => p.metadata.name) : [],
    surge: surgeOf(own, desired),
  };
}

/** The target's rollout, or undefined when it is not rolling out or is not a cached kind. */
export function rolloutState(lookup: WorkloadLookup, namespace: string, ref: CrossVersionObjectReference, pods: readonly Pod[]): RolloutState | undefined {
  const target = cachedTarget(lookup, namespace, ref);
  if (target?.kind === 'Deployment') return deploymentRollout(lookup, target, pods);
  if (target?.kind === 'StatefulSet') return statefulSetRollout(target, pods);
  return undefined;
}
