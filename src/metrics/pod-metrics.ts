// metrics.k8s.io PodMetrics, listed once per namespace per tick and shared by every autoscaler in
// that namespace: concurrent requests join the one in flight, and a result is reused while fresh.
import type { PodMetrics } from '../engine/inputs.ts';
import { pathOf, type KubeHttp } from '../kube/http.ts';
import { parseSelector, type Selector } from '../values/labels.ts';

/** Index key of items without labels (the engine picks them by pod name): no label key holds a NUL. */
const UNLABELED = '\0';

export type PodMetricsResult = readonly PodMetrics[] | { error: string };

export class PodMetricsSource {
  readonly #http: KubeHttp;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; result: Promise<PodMetricsResult> }>();
  /** Per listing, the items each selector picks: every autoscaler of a namespace filters one listing. */
  readonly #selected = new WeakMap<readonly PodMetrics[], Map<string, readonly PodMetrics[]>>();
  /**
   * Per listing, the positions of the items with each label (`key\0value`; UNLABELED: items without
   * labels): a selector then looks at its candidates only, so an evaluation costs the same whatever
   * the namespace's size (one scan per listing, not one per autoscaler).
   */
  readonly #byLabel = new WeakMap<readonly PodMetrics[], Map<string, number[]>>();

  /** maxAgeMs: how long one listing serves a namespace (the tick); keep it below the sync period. */
  constructor(http: KubeHttp, maxAgeMs = 5_000, now: () => number = Date.now) {
    this.#http = http;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  /**
   * The items of a listing a selector can pick: those whose pod labels match, and those without
   * labels (the engine picks these by pod name). The engine filters again with the same rule, so
   * this changes the work per evaluation, never a decision.
   */
  matching(items: readonly PodMetrics[], selector: string): readonly PodMetrics[] {
    let bySelector = this.#selected.get(items);
    if (!bySelector) {
      bySelector = new Map();
      this.#selected.set(items, bySelector);
    }
    let picked = bySelector.get(selector);
    if (!picked) {
      let parsed: Selector;
      try { parsed = parseSelector(selector); } catch { return items; } // the engine reports it
      const exact = parsed.exactMatch?.();
      if (exact) {
        const index = this.#indexOf(items);
        // Listing order kept: the candidates with the label, and the unlabeled items, merged by position.
        const positions = [...(index.get(`${exact.key}\0${exact.value}`) ?? []), ...(index.get(UNLABELED) ?? [])].sort((a, b) => a - b);
        picked = positions.map((i) => items[i]).filter((m): m is PodMetrics => m !== undefined && (!m.metadata.labels || parsed.matches(m.metadata.labels)));
      } else {
        picked = items.filter((m) => !m.metadata.labels || parsed.matches(m.metadata.labels));
      }
      bySelector.set(selector, picked);
    }
    return picked;
  }

  #indexOf(items: readonly PodMetrics[]): Map<string, number[]> {
    let index = this.#byLabel.get(items);
    if (index) return index;
    const built = new Map<string, number[]>();
    index = built;
    const add = (k: string, i: number): void => { const at = built.get(k); if (at) at.push(i); else built.set(k, [i]); };
    items.forEach((m, i) => {
      const labels = m.metadata.labels;
      if (!labels) { add(UNLABELED, i); return; }
      for (const k in labels) add(`${k}\0${labels[k] ?? ''}`, i);
    });
    this.#byLabel.set(items, index);
    return index;
  }

  /** Namespaces whose listing is held (Manager.retained). */
  get size(): number { return this.#entries.size; }

  list(namespace: string): Promise<PodMetricsResult> {
    const now = this.#now();
    const cached = this.#entries.get(namespace);
    if (cached && now - cached.at < this.#maxAgeMs) return cached.result;
    const result = this.#http.get<{ items?: PodMetrics[] }>(`/apis/metrics.k8s.io/v1beta1${pathOf('namespaces', namespace, 'pods')}`)
      .then((l): PodMetricsResult => l.items ?? [], (e: unknown): PodMetricsResult => ({ error: (e as Error).message }));
    const entry = { at: now, result };
    this.#entries.set(namespace, entry);
    const drop = (): void => { if (this.#entries.get(namespace) === entry) this.#entries.delete(namespace); };
    // Failures are not cached past this tick's in-flight callers; a listing is not kept past its
    // tick (a namespace whose autoscalers are gone must not hold its last listing forever).
    void result.then((r) => {
      if ('error' in r) drop();
      else setTimeout(drop, this.#maxAgeMs).unref();
    });
    return result;
  }
}
