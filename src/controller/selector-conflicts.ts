// Upstream's AmbiguousSelector rule: when the pods one autoscaler selects are also selected by
// another autoscaler of the namespace, neither may scale (both would act on the same pods). As
// upstream's hpaSelectors map: an autoscaler's selector is recorded on each of its passes, once its
// target's scale has been read (before that it selects nothing), and dropped when it is deleted.
// An autoscaler with selectionStrategy OwnerReference counts only the pods its target owns, and
// conflicts only over those: two such autoscalers whose selectors overlap but whose targets own
// different pods both scale (the point of the strategy, KEP-5325; upstream v1.36.3 has no such
// field). Its recorded pods are those of its last pass, as its selector is upstream's: a pod its
// target gains later counts from its next pass on.
import type { Pod } from '../engine/inputs.ts';
import { parseSelector, type Selector } from '../values/labels.ts';
import { NamespaceMemo } from './namespace-memo.ts';

interface Recorded {
  text: string;
  selector: Selector;
  /**
   * Under OwnerReference, the pods it counted at its last pass (those its target owns): it conflicts
   * over these only. Undefined: every pod the selector picks (LabelSelector, as upstream).
   */
  counted: ReadonlySet<string> | undefined;
  /** counted as one text, to see a change. */
  countedKey: string;
}

export class SelectorRegistry {
  /** namespace → autoscaler name → its target's selector. */
  readonly #byNamespace = new Map<string, Map<string, Recorded>>();
  /** Results per namespace, until a pod or a recorded selector there changes. */
  readonly #memo = new NamespaceMemo<readonly string[]>();

  /**
   * Records `name`'s selector and returns the other autoscalers ("namespace/name", sorted) that count
   * at least one of the pods `name` counts: `pods` (the pods `selectorText` picks), or under
   * selectionStrategy OwnerReference those of them named in `counted` (the pods its target owns).
   */
  conflicts(namespace: string, name: string, selectorText: string, pods: () => readonly Pod[], counted?: readonly string[]): readonly string[] {
    let parsed: Selector;
    try { parsed = parseSelector(selectorText); } catch { return []; } // the engine reports InvalidSelector
    let names = this.#byNamespace.get(namespace);
    if (!names) { names = new Map(); this.#byNamespace.set(namespace, names); }
    const countedKey = counted ? `\0${[...counted].sort().join('\0')}` : '';
    const known = names.get(name);
    if (known?.text !== selectorText || known.countedKey !== countedKey) {
      names.set(name, { text: selectorText, selector: parsed, counted: counted ? new Set(counted) : undefined, countedKey });
      this.#memo.touch(namespace);
    }
    const others = names;
    return this.#memo.get(namespace, `${name}\0${selectorText}`, () => {
      const own = others.get(name)?.counted;
      const mine = own ? pods().filter((p) => own.has(p.metadata.name)) : pods();
      const out: string[] = [];
      for (const [other, theirs] of others) {
        if (other === name) continue;
        const countsAny = mine.some((p) => (theirs.counted ? theirs.counted.has(p.metadata.name) : theirs.selector.matches(p.metadata.labels)));
        if (countsAny) out.push(`${namespace}/${other}`);
      }
      return out.sort();
    });
  }

  /** A pod of the namespace changed: results there are computed again. */
  touch(namespace: string): void { this.#memo.touch(namespace); }

  /** The autoscaler was deleted. */
  forget(namespace: string, name: string): void {
    const names = this.#byNamespace.get(namespace);
    if (!names?.delete(name)) return;
    if (names.size === 0) this.#byNamespace.delete(namespace);
    this.#memo.touch(namespace);
  }

  /** Autoscalers with a recorded selector (Manager.retained). */
  get size(): number {
    let n = 0;
    for (const names of this.#byNamespace.values()) n += names.size;
    return n;
  }
}
