// The "Targets" text of `kubectl get hza`, in kubectl's HPA format: "cpu: 93%/60%, pods metric: 30/10".
// CRD printer columns can only point at one field, so the engine writes this into status.
import type { MetricSpec, MetricStatus, MetricTarget, MetricValueStatus } from '../api/types.ts';
import { metricIdentity } from '../values/labels.ts';

const UNKNOWN = '<unknown>';

function pair(current: MetricValueStatus | undefined, target: MetricTarget): string {
  if (target.averageUtilization !== undefined && target.averageValue === undefined) {
    const cur = current?.averageUtilization;
    return `${cur === undefined ? UNKNOWN : `${cur}%`}/${target.averageUtilization}%`;
  }
  if (target.averageValue !== undefined) return `${current?.averageValue ?? UNKNOWN}/${String(target.averageValue)}`;
  return `${current?.value ?? UNKNOWN}/${String(target.value ?? '')}`;
}

function one(spec: MetricSpec, status: MetricStatus | undefined): string {
  const ok = status !== undefined && status.type === spec.type;
  switch (spec.type) {
    case 'Resource': return spec.resource ? `${spec.resource.name}: ${pair(ok ? status.resource?.current : undefined, spec.resource.target)}` : UNKNOWN;
    case 'ContainerResource': return spec.containerResource
      ? `${spec.containerResource.name}/${spec.containerResource.container}: ${pair(ok ? status.containerResource?.current : undefined, spec.containerResource.target)}` : UNKNOWN;
    case 'Pods': return spec.pods ? `${metricIdentity(spec.pods.metric.name, spec.pods.metric.selector)}: ${pair(ok ? status.pods?.current : undefined, spec.pods.target)}` : UNKNOWN;
    case 'Object': return spec.object ? `${metricIdentity(spec.object.metric.name, spec.object.metric.selector)}: ${pair(ok ? status.object?.current : undefined, spec.object.target)}` : UNKNOWN;
    case 'External': {
      if (!spec.external) return UNKNOWN;
      const avg = spec.external.target.averageValue !== undefined ? ' (avg)' : '';
      return `${metricIdentity(spec.external.metric.name, spec.external.metric.selector)}: ${pair(ok ? status.external?.current : undefined, spec.external.target)}${avg}`;
    }
    default: return UNKNOWN;
  }
}

export function formatTargets(metrics: readonly MetricSpec[], statuses: readonly MetricStatus[] | undefined): string {
  return metrics.map((m, i) => one(m, statuses?.[i])).join(', ');
}
