// selectionStrategy (KEP-5325): which of the pods the target's selector matches count. LabelSelector
// (the default) keeps them all, as upstream's HPA does. OwnerReference keeps only those owned through
// the target's chain; the controller resolves ownership from its caches (controller/ownership.ts) and
// the snapshot carries the names of the pods that are not owned, so `kscale decide` on a captured
// snapshot decides the same. Pods left out are left out everywhere: the pod list, the ready-pod
// counts, and the samples of the resource and Pods metrics (a sample of a foreign pod would otherwise
// count, as upstream counts samples of pods it does not list).
import type { SelectionStrategy } from '../api/types.ts';
import type { Pod } from './inputs.ts';

/** What the controller resolved for OwnerReference: the target, and the matching pods it does not own; or why it could not. */
export type PodOwnership =
  | { owner: string; notOwned: readonly string[] }
  | { error: string };

export interface Selection {
  pods: Pod[];
  /** Pod names whose samples must not count (empty for LabelSelector). */
  exclude: ReadonlySet<string>;
  /** For the explanation; undefined when nothing is said (LabelSelector). */
  step?: string;
  /** Set when OwnerReference could not be applied and every matching pod counts, as with LabelSelector. */
  warning?: string;
}

const NAMES_SHOWN = 5;
export const listNames = (names: readonly string[]): string =>
  names.length <= NAMES_SHOWN ? names.join(', ') : `${names.slice(0, NAMES_SHOWN).join(', ')} and ${names.length - NAMES_SHOWN} more`;

export function selectPods(strategy: SelectionStrategy | undefined, ownership: PodOwnership | undefined, matching: Pod[]): Selection {
  if (strategy !== 'OwnerReference') return { pods: matching, exclude: new Set() };
  if (!ownership || 'error' in ownership) {
    const why = ownership ? ownership.error : 'the snapshot carries no ownership of the pods';
    const warning = `selectionStrategy OwnerReference could not be applied (${why}): every pod the selector matches counts, as with LabelSelector`;
    return { pods: matching, exclude: new Set(), step: warning, warning };
  }
  const notOwned = new Set(ownership.notOwned);
  const pods = matching.filter((p) => !notOwned.has(p.metadata.name));
  const excluded = matching.filter((p) => notOwned.has(p.metadata.name)).map((p) => p.metadata.name);
  const step = excluded.length === 0
    ? `selectionStrategy OwnerReference: all ${matching.length} pods the selector matches are owned by ${ownership.owner}`
    : `selectionStrategy OwnerReference: ${excluded.length} of ${matching.length} pods the selector matches are not owned by ${ownership.owner} and do not count: ${listNames(excluded)}`;
  return { pods, exclude: notOwned, step };
}
