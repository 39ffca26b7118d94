// What the engine remembers about each metric entry between passes, for the fallback (since when a
// metric fails) and the dropToZero gate (its last ratio, when it dropped). Pure: the previous entries
// come in with the snapshot's status and the next ones go out in the decision's status; the
// controller keeps them in memory while it leads and persists them in status (like recommendations).
// Only entries that a configured feature needs are kept: with neither set, status has no metricHistory.
import type { MetricHistoryEntry, MetricSpec, SafetySpec } from '../api/types.ts';
import { metricIdentity } from '../values/labels.ts';
import { fallbackOf } from './fallback.ts';

/** A stable name for a metric entry: an entry whose metric was edited starts afresh. */
export function entryIdentity(m: MetricSpec): string {
  switch (m.type) {
    case 'Resource': return `Resource ${m.resource?.name ?? ''}`;
    case 'ContainerResource': return `ContainerResource ${m.containerResource?.name ?? ''}/${m.containerResource?.container ?? ''}`;
    case 'Pods': return `Pods ${m.pods ? metricIdentity(m.pods.metric.name, m.pods.metric.selector) : ''}`;
    case 'Object': {
      const o = m.object;
      return `Object ${o ? `${o.describedObject.kind}/${o.describedObject.name} ${metricIdentity(o.metric.name, o.metric.selector)}` : ''}`;
    }
    case 'External': return `External ${m.external ? metricIdentity(m.external.metric.name, m.external.metric.selector) : ''}`;
    default: return String((m as { type: unknown }).type);
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The fallback of a failing metric as of this pass. */
export interface FallbackState {
  replicas: number;
  /** When the metric started failing (ms). */
  since: number;
  /** Its fallback applies: it failed for at least failureDurationSeconds. */
  active: boolean;
}

export class MetricMemory {
  readonly #metrics: readonly MetricSpec[];
  readonly #dropToZero: { minPreviousPercent: number } | undefined;
  readonly #now: number;
  readonly #previous = new Map<number, MetricHistoryEntry>();
  readonly #next = new Map<number, MetricHistoryEntry>();

  constructor(previous: readonly MetricHistoryEntry[] | undefined, metrics: readonly MetricSpec[], safety: SafetySpec | undefined, defaults: { minPreviousPercent: number }, now: number) {
    this.#metrics = metrics;
    this.#now = now;
    this.#dropToZero = safety?.dropToZero ? { minPreviousPercent: safety.dropToZero.minPreviousPercent ?? defaults.minPreviousPercent } : undefined;
    for (const e of previous ?? []) {
      const m = metrics[e.index];
      // Entries of metrics that changed, or that no feature needs any more, are forgotten.
      if (m && entryIdentity(m) === e.metric && this.#kept(m)) this.#previous.set(e.index, e);
    }
    for (const [i, e] of this.#previous) this.#next.set(i, { ...e });
  }

  #kept(m: MetricSpec): boolean { return fallbackOf(m) !== undefined || this.#dropToZero !== undefined; }

  previous(index: number): MetricHistoryEntry | undefined { return this.#previous.get(index); }
  current(index: number): MetricHistoryEntry | undefined { return this.#next.get(index); }

  /** The metric failed this pass; its fallback's state when it has one. */
  failed(index: number): FallbackState | undefined {
    const m = this.#metrics[index];
    if (!m || !this.#kept(m)) return undefined;
    const prev = this.#previous.get(index);
    const fallback = fallbackOf(m);
    const since = prev?.firstFailureTime !== undefined ? Date.parse(prev.firstFailureTime) : this.#now;
    const entry: MetricHistoryEntry = { ...(prev ?? { index, metric: entryIdentity(m) }), firstFailureTime: iso(since) };
    delete entry.fallbackActive;
    if (!fallback) { this.#next.set(index, entry); return undefined; }
    const active = this.#now - since >= fallback.failureDurationSeconds * 1000;
    if (active) entry.fallbackActive = true;
    this.#next.set(index, entry);
    return { replicas: fallback.replicas, since, active };
  }

  /**
   * The metric was measured this pass at `ratio` of its target (undefined when it has none). A
   * failure ends; for the dropToZero gate, a fall to exactly 0 from at least the threshold is
   * recorded with its time, and kept while the value stays 0.
   */
  measured(index: number, ratio: number | undefined, podsRunning: boolean): void {
    const m = this.#metrics[index];
    if (!m || !this.#kept(m)) return;
    const prev = this.#previous.get(index);
    const entry: MetricHistoryEntry = { index, metric: entryIdentity(m) };
    if (this.#dropToZero && ratio !== undefined && Number.isFinite(ratio)) {
      entry.lastRatio = Math.round(ratio * 1000) / 1000;
      const wasHigh = prev?.lastRatio !== undefined && prev.lastRatio * 100 >= this.#dropToZero.minPreviousPercent;
      if (ratio === 0 && prev?.droppedToZeroTime !== undefined) entry.droppedToZeroTime = prev.droppedToZeroTime;
      else if (ratio === 0 && wasHigh && podsRunning) entry.droppedToZeroTime = iso(this.#now);
    } else if (this.#dropToZero && prev?.lastRatio !== undefined) {
      entry.lastRatio = prev.lastRatio;
    }
    this.#next.set(index, entry);
  }

  /** The entries to persist, by index; undefined when there are none. */
  entries(): MetricHistoryEntry[] | undefined {
    const list = [...this.#next.values()].filter((e) => Object.keys(e).length > 2).sort((a, b) => a.index - b.index);
    return list.length > 0 ? list : undefined;
  }
}
