// Which trace column feeds which of the autoscaler's metrics: Resource and ContainerResource by
// resource name ("cpu", "memory"), Pods, Object and External metrics by metric name.
import { DEFAULT_METRICS } from '../api/defaults.ts';
import type { HorizontalAutoscalerSpec, MetricSpec, MetricTarget } from '../api/types.ts';
import { metricIdentity } from '../values/labels.ts';

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

/**
 * A metric as people read it in a chart's legend: "cpu utilization", "memory per pod",
 * "queue_messages_ready{queue=orders} per pod", "requests of Ingress/main". What is divided by
 * pods follows the target that is set (averageUtilization, averageValue), as the engine does.
 */
export function metricLabel(c: MetricColumn): string {
  const m = c.spec;
  const perPod = (t: MetricTarget | undefined): string => (t?.averageValue !== undefined ? ' per pod' : '');
  switch (m.type) {
    case 'Resource':
      return m.resource?.target.averageUtilization !== undefined ? `${c.column} utilization` : `${c.column} per pod`;
    case 'ContainerResource': {
      const r = m.containerResource;
      return `${c.column} ${r?.target.averageUtilization !== undefined ? 'utilization' : 'per pod'} of container ${r?.container ?? '?'}`;
    }
    case 'Pods': return `${metricIdentity(c.column, m.pods?.metric.selector)} per pod`;
    case 'Object': {
      const o = m.object;
      return `${metricIdentity(c.column, o?.metric.selector)} of ${o?.describedObject.kind ?? '?'}/${o?.describedObject.name ?? '?'}${perPod(o?.target)}`;
    }
    case 'External': return `${metricIdentity(c.column, m.external?.metric.selector)}${perPod(m.external?.target)}`;
    default: return c.column;
  }
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
