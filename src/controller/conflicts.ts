// Second writers: another HorizontalAutoscaler or an HPA scaling the same workload would fight
// over its replica count, so the engine refuses to scale while one exists.
import type { CrossVersionObjectReference, HorizontalAutoscaler } from '../api/types.ts';

export interface HpaLike {
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: unknown };
  spec?: { scaleTargetRef?: CrossVersionObjectReference };
}

const groupOf = (apiVersion: string | undefined): string => (apiVersion?.includes('/') ? apiVersion.split('/')[0] ?? '' : '');
const sameTarget = (a: CrossVersionObjectReference, b: CrossVersionObjectReference | undefined): boolean =>
  !!b && a.kind === b.kind && a.name === b.name && groupOf(a.apiVersion) === groupOf(b.apiVersion);

export function targetConflicts(self: HorizontalAutoscaler, autoscalers: readonly HorizontalAutoscaler[], hpas: readonly HpaLike[]): string[] {
  const ns = self.metadata?.namespace;
  const ref = self.spec.scaleTargetRef;
  const out: string[] = [];
  for (const other of autoscalers) {
    const meta = other.metadata ?? {};
    if (meta.namespace !== ns || meta.name === self.metadata?.name || meta.deletionTimestamp) continue;
    if (sameTarget(ref, other.spec.scaleTargetRef)) out.push(`HorizontalAutoscaler ${ns ?? ''}/${meta.name ?? ''}`);
  }
  for (const hpa of hpas) {
    const meta = hpa.metadata ?? {};
    if (meta.namespace !== ns || meta.deletionTimestamp) continue;
    if (sameTarget(ref, hpa.spec?.scaleTargetRef)) out.push(`HorizontalPodAutoscaler ${ns ?? ''}/${meta.name ?? ''}`);
  }
  return out.sort();
}
