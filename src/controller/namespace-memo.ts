// Values derived from one namespace's cached objects (the pods a selector picks, who targets what),
// computed once and kept until an object of that namespace changes. At steady state an evaluation
// then costs the same whatever the namespace's size; a change drops the namespace's values whole, so
// nothing is kept for selectors or objects that are gone.
export class NamespaceMemo<V> {
  readonly #byNamespace = new Map<string, Map<string, V>>();

  /** An object of the namespace was added, changed or deleted. */
  touch(namespace: string): void {
    this.#byNamespace.delete(namespace);
  }

  get(namespace: string, key: string, compute: () => V): V {
    let values = this.#byNamespace.get(namespace);
    if (!values) {
      values = new Map();
      this.#byNamespace.set(namespace, values);
    }
    const known = values.get(key);
    if (known !== undefined) return known;
    const value = compute();
    values.set(key, value);
    return value;
  }

  /** Namespaces with values held (Manager.retained). */
  get size(): number { return this.#byNamespace.size; }
}
