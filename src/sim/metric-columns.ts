// Which trace column feeds which of the autoscaler's metrics: Resource and ContainerResource by
// resource name ("cpu", "memory"), Pods, Object and External metrics by metric name.
import { DEFAULT_METRICS } from '../api/defaults.ts';
import type { HorizontalAutoscalerSpec, MetricSpec } from '../api/types.ts';

export type ColumnKind = 'resource' | 'pods' | 'object' | 'external';

export interface MetricColumn {
  /** Index into the (defaulted) spec.metrics. */
  index: number;
  column: string;
  kind: ColumnKind;
  /** The engine's spec of this metric. */
  spec: MetricSpec;
}

/** The metrics the engine evaluates: spec.metrics, or the API default (cpu at 80%) when empty. */
export function effectiveMetrics(spec: HorizontalAutoscalerSpec): readonly MetricSpec[] {
  return spec.metrics && spec.metrics.length > 0 ? spec.metrics : DEFAULT_METRICS;
}

function columnOf(m: MetricSpec): { column: string; kind: ColumnKind } | undefined {
  switch (m.type) {
    case 'Resource': return m.resource ? { column: m.resource.name, kind: 'resource' } : undefined;
    case 'ContainerResource': return m.containerResource ? { column: m.containerResource.name, kind: 'resource' } : undefined;
    case 'Pods': return m.pods ? { column: m.pods.metric.name, kind: 'pods' } : undefined;
    case 'Object': return m.object ? { column: m.object.metric.name, kind: 'object' } : undefined;
    case 'External': return m.external ? { column: m.external.metric.name, kind: 'external' } : undefined;
    default: return undefined;
  }
}

export function metricColumns(spec: HorizontalAutoscalerSpec): MetricColumn[] {
  const out: MetricColumn[] = [];
  effectiveMetrics(spec).forEach((m, index) => {
    const c = columnOf(m);
    if (c) out.push({ index, ...c, spec: m });
  });
  return out;
}

/** Problems when the trace lacks a column the autoscaler needs (empty when all are there). */
export function missingColumns(spec: HorizontalAutoscalerSpec, traceColumns: readonly string[]): string[] {
  return metricColumns(spec)
    .filter((c) => !traceColumns.includes(c.column))
    .map((c) => `metric ${c.index} (${c.spec.type} ${c.column}) has no column "${c.column}" in the trace (it has: ${traceColumns.join(', ')})`);
}

/** Container names the simulated pods need: those ContainerResource metrics name, else "app". */
export function containerNames(spec: HorizontalAutoscalerSpec): string[] {
  const names = new Set<string>();
  for (const m of effectiveMetrics(spec)) if (m.type === 'ContainerResource' && m.containerResource) names.add(m.containerResource.container);
  return names.size > 0 ? [...names] : ['app'];
}
