// Second writers: another HorizontalAutoscaler, an HPA or a KEDA ScaledObject scaling the same workload
// would fight over its replica count, so the engine refuses to scale while one exists.
import type { CrossVersionObjectReference, HorizontalAutoscaler } from '../api/types.ts';

export interface HpaLike {
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: unknown };
  spec?: { scaleTargetRef?: CrossVersionObjectReference };
}

/** Who scales what in one namespace: target → the autoscalers and HPAs on it ("Kind ns/name", sorted). */
export type TargetIndex = ReadonlyMap<string, readonly string[]>;

const groupOf = (apiVersion: string | undefined): string => (apiVersion?.includes('/') ? apiVersion.split('/')[0] ?? '' : '');
/** Two references name one workload when group, kind and name agree (the version does not matter). */
const targetKey = (ref: CrossVersionObjectReference): string => `${groupOf(ref.apiVersion)}\0${ref.kind}\0${ref.name}`;

/** `scaledObjects`: KEDA ScaledObjects (their scaleTargetRef defaulted as KEDA defaults it), which scale through an HPA of their own. */
export function targetIndex(autoscalers: readonly HorizontalAutoscaler[], hpas: readonly HpaLike[], scaledObjects: readonly HpaLike[] = []): TargetIndex {
  const index = new Map<string, string[]>();
  const add = (kind: string, meta: HpaLike['metadata'], ref: CrossVersionObjectReference | undefined): void => {
    if (!ref || meta?.deletionTimestamp) return;
    const key = targetKey(ref);
    const list = index.get(key) ?? [];
    list.push(`${kind} ${meta?.namespace ?? ''}/${meta?.name ?? ''}`);
    index.set(key, list);
  };
  for (const a of autoscalers) add('HorizontalAutoscaler', a.metadata, a.spec.scaleTargetRef);
  for (const h of hpas) add('HorizontalPodAutoscaler', h.metadata, h.spec?.scaleTargetRef);
  for (const s of scaledObjects) add('ScaledObject', s.metadata, s.spec?.scaleTargetRef);
  for (const list of index.values()) list.sort();
  return index;
}

/** The other writers of `self`'s target, from the index of its namespace. */
export function conflictsIn(index: TargetIndex, self: HorizontalAutoscaler): string[] {
  const me = `HorizontalAutoscaler ${self.metadata?.namespace ?? ''}/${self.metadata?.name ?? ''}`;
  return (index.get(targetKey(self.spec.scaleTargetRef)) ?? []).filter((w) => w !== me);
}

export function targetConflicts(self: HorizontalAutoscaler, autoscalers: readonly HorizontalAutoscaler[], hpas: readonly HpaLike[]): string[] {
  const ns = self.metadata?.namespace;
  const inNamespace = <T extends { metadata?: { namespace?: string } }>(list: readonly T[]): T[] => list.filter((o) => o.metadata?.namespace === ns);
  return conflictsIn(targetIndex(inNamespace(autoscalers), inNamespace(hpas)), self);
}

/** A KEDA ScaledObject as a conflict-index entry: its scaleTargetRef with KEDA's defaults (apps/v1 Deployment). */
export function scaledObjectEntry(so: { metadata?: HpaLike['metadata']; spec?: { scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string } } }): HpaLike {
  const ref = so.spec?.scaleTargetRef;
  return {
    ...(so.metadata ? { metadata: so.metadata } : {}),
    ...(ref?.name ? { spec: { scaleTargetRef: { apiVersion: ref.apiVersion ?? 'apps/v1', kind: ref.kind ?? 'Deployment', name: ref.name } } } : {}),
  };
}
