// Which fetched values belong to which metric entry. The controller fetches each Pods, Object and
// External entry on its own and hands the engine exactly those values (Snapshot.metricValues), so
// two entries of the same metric name never see each other's values. Older snapshot files carry
// one flat list for all entries; for them an entry's values are picked by metric name and selector,
// which is as close as that form allows.
import type { MetricIdentifier, MetricSpec } from '../api/types.ts';
import { labelSelectorToString, selectorFromLabelSelector } from '../values/labels.ts';
import type { MetricFetch, Snapshot } from './snapshot.ts';

const sameSelector = (a: MetricIdentifier['selector'] | null | undefined, b: MetricIdentifier['selector'] | null | undefined): boolean =>
  labelSelectorToString(a ?? undefined) === labelSelectorToString(b ?? undefined);

/** What was fetched for spec.metrics[index]; undefined when nothing was (e.g. a Resource entry). */
export function entryFetch(s: Snapshot, spec: MetricSpec, index: number): MetricFetch | undefined {
  const own = s.metricValues?.[index];
  if (own) return own;
  const error = s.metricErrors?.[index];
  if (error !== undefined) return { error };
  return legacyValues(s, spec);
}

function legacyValues(s: Snapshot, spec: MetricSpec): MetricFetch | undefined {
  if (spec.type === 'Pods' && spec.pods) {
    const m = spec.pods.metric;
    return { custom: (s.customMetrics ?? []).filter((v) => v.describedObject.kind === 'Pod' && v.metric.name === m.name && sameSelector(v.metric.selector, m.selector)) };
  }
  if (spec.type === 'Object' && spec.object) {
    const { describedObject: d, metric: m } = spec.object;
    return {
      custom: (s.customMetrics ?? []).filter((v) => v.describedObject.kind === d.kind && v.describedObject.name === d.name &&
        v.metric.name === m.name && sameSelector(v.metric.selector, m.selector)),
    };
  }
  if (spec.type === 'External' && spec.external) {
    const m = spec.external.metric;
    // A nil selector asks the API for every series of the name.
    const selector = m.selector ? selectorFromLabelSelector(m.selector) : undefined;
    return { external: (s.externalMetrics ?? []).filter((v) => v.metricName === m.name && (!selector || selector.matches(v.metricLabels ?? {}))) };
  }
  return undefined;
}
