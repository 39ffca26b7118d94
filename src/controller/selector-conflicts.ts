// Upstream's AmbiguousSelector rule: when the pods one autoscaler selects are also selected by
// another autoscaler of the namespace, neither may scale (both would act on the same pods). As
// upstream's hpaSelectors map: an autoscaler's selector is recorded on each of its passes, once its
// target's scale has been read (before that it selects nothing), and dropped when it is deleted.
import type { Pod } from '../engine/inputs.ts';
import { parseSelector, type Selector } from '../values/labels.ts';
import { NamespaceMemo } from './namespace-memo.ts';

interface Recorded { text: string; selector: Selector }

export class SelectorRegistry {
  /** namespace → autoscaler name → its target's selector. */
  readonly #byNamespace = new Map<string, Map<string, Recorded>>();
  /** Results per namespace, until a pod or a recorded selector there changes. */
  readonly #memo = new NamespaceMemo<readonly string[]>();

  /**
   * Records `name`'s selector and returns the other autoscalers ("namespace/name", sorted) whose
   * selectors pick at least one of `pods` (the pods `selectorText` picks).
   */
  conflicts(namespace: string, name: string, selectorText: string, pods: () => readonly Pod[]): readonly string[] {
    let parsed: Selector;
    try { parsed = parseSelector(selectorText); } catch { return []; } // the engine reports InvalidSelector
    let names = this.#byNamespace.get(namespace);
    if (!names) { names = new Map(); this.#byNamespace.set(namespace, names); }
    if (names.get(name)?.text !== selectorText) {
      names.set(name, { text: selectorText, selector: parsed });
      this.#memo.touch(namespace);
    }
    const others = names;
    return this.#memo.get(namespace, `${name}\0${selectorText}`, () => {
      const mine = pods();
      const out: string[] = [];
      for (const [other, { selector }] of others) {
        if (other !== name && mine.some((p) => selector.matches(p.metadata.labels))) out.push(`${namespace}/${other}`);
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
