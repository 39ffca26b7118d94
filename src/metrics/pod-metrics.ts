// metrics.k8s.io PodMetrics, listed once per namespace per tick and shared by every autoscaler in
// that namespace: concurrent requests join the one in flight, and a result is reused while fresh.
import type { PodMetrics } from '../engine/inputs.ts';
import { pathOf, type KubeHttp } from '../kube/http.ts';
import { parseSelector, type Selector } from '../values/labels.ts';

interface Named { metadata: { name: string } }

interface ListingIndex {
  /** `key\0value` → positions of the labeled items with that label. */
  byLabel: Map<string, number[]>;
  labeled: number[];
  /** Items without labels: the engine picks these by pod name. */
  unlabeled: number[];
  unlabeledByName: Map<string, number[]>;
}

export type PodMetricsResult = readonly PodMetrics[] | { error: string };

export class PodMetricsSource {
  readonly #http: KubeHttp;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; result: Promise<PodMetricsResult> }>();
  /**
   * Per listing, the items each selector picks, with the pods they were picked for (unlabeled items
   * are picked by pod name): every autoscaler of a namespace filters one listing.
   */
  readonly #selected = new WeakMap<readonly PodMetrics[], Map<string, { pods: readonly Named[] | undefined; picked: readonly PodMetrics[] }>>();
  /**
   * Per listing, the positions of the labeled items with each label (`key\0value`) and of the
   * unlabeled items by name: a selector then looks at its candidates only, so an
   * evaluation costs the same whatever the namespace's size (one scan per listing, not one per
   * autoscaler), whether or not the metrics API copies pod labels into its items.
   */
  readonly #index = new WeakMap<readonly PodMetrics[], ListingIndex>();

  /** maxAgeMs: how long one listing serves a namespace (the tick); keep it below the sync period. */
  constructor(http: KubeHttp, maxAgeMs = 5_000, now: () => number = Date.now) {
    this.#http = http;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
  }

  /**
   * The items of a listing a selector can pick: those whose pod labels match, and those without
   * labels (the engine picks these by pod name): all of them, or, when `pods` (the pods the selector
   * picks) is given, those named after one of them. Listing order is kept. The engine filters again
   * with the same rule, so this changes the work per evaluation, never a decision.
   */
  matching(items: readonly PodMetrics[], selector: string, pods?: readonly Named[]): readonly PodMetrics[] {
    let bySelector = this.#selected.get(items);
    if (!bySelector) {
      bySelector = new Map();
      this.#selected.set(items, bySelector);
    }
    const known = bySelector.get(selector);
    if (known && known.pods === pods) return known.picked;
    let parsed: Selector;
    try { parsed = parseSelector(selector); } catch { return items; } // the engine reports it
    const index = this.#indexOf(items);
    const exact = parsed.exactMatch?.();
    const unlabeled = pods ? pods.flatMap((p) => index.unlabeledByName.get(p.metadata.name) ?? []) : index.unlabeled;
    const labeled = exact ? index.byLabel.get(`${exact.key}\0${exact.value}`) ?? [] : index.labeled;
    const picked = [...labeled, ...unlabeled].sort((a, b) => a - b)
      .map((i) => items[i])
      .filter((m): m is PodMetrics => m !== undefined && (!m.metadata.labels || parsed.matches(m.metadata.labels)));
    bySelector.set(selector, { pods, picked });
    return picked;
  }

  #indexOf(items: readonly PodMetrics[]): ListingIndex {
    const known = this.#index.get(items);
    if (known) return known;
    const index: ListingIndex = { byLabel: new Map(), labeled: [], unlabeled: [], unlabeledByName: new Map() };
    const add = (m: Map<string, number[]>, k: string, i: number): void => { const at = m.get(k); if (at) at.push(i); else m.set(k, [i]); };
    items.forEach((m, i) => {
      const labels = m.metadata.labels;
      if (!labels) {
        index.unlabeled.push(i);
        add(index.unlabeledByName, m.metadata.name, i);
        return;
      }
      index.labeled.push(i);
      for (const k in labels) add(index.byLabel, `${k}\0${labels[k] ?? ''}`, i);
    });
    this.#index.set(items, index);
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
