// custom.metrics.k8s.io (Pods and Object metrics) and external.metrics.k8s.io, as upstream's
// metrics clients query them. Failures become per-metric error texts for the engine, which turns
// them into upstream's conditions and Events.
import type { CrossVersionObjectReference, MetricIdentifier } from '../api/types.ts';
import type { ExternalMetricValue, MetricValue } from '../engine/inputs.ts';
import { labelSelectorToString } from '../values/labels.ts';
import { pathOf, type KubeHttp } from '../kube/http.ts';
import type { Discovery } from '../kube/scale.ts';

const CUSTOM = '/apis/custom.metrics.k8s.io/v1beta2';
const EXTERNAL = '/apis/external.metrics.k8s.io/v1beta1';

const metricQuery = (metric: MetricIdentifier): Record<string, string | undefined> => {
  const s = labelSelectorToString(metric.selector);
  return s ? { metricLabelSelector: s } : {};
};

/** Values of a Pods metric for the pods the selector picks. */
export async function podsMetric(http: KubeHttp, namespace: string, podSelector: string, metric: MetricIdentifier): Promise<MetricValue[]> {
  const list = await http.get<{ items?: MetricValue[] }>(`${CUSTOM}${pathOf('namespaces', namespace, 'pods')}/*${pathOf(metric.name)}`,
    { labelSelector: podSelector, ...metricQuery(metric) });
  // The engine matches values to the spec's metric by name and selector.
  return (list.items ?? []).map((v) => ({ ...v, metric: { name: metric.name, ...(metric.selector ? { selector: metric.selector } : {}) } }));
}

/** The value of a metric describing one object. */
export async function objectMetric(http: KubeHttp, discovery: Discovery, namespace: string, object: CrossVersionObjectReference, metric: MetricIdentifier): Promise<MetricValue[]> {
  let path: string;
  if (object.kind === 'Namespace' && (object.apiVersion ?? 'v1') === 'v1') {
    path = `${CUSTOM}${pathOf('namespaces', namespace, 'metrics', metric.name)}`;
  } else {
    const r = await discovery.resolve(object.apiVersion ?? 'v1', object.kind);
    path = `${CUSTOM}${pathOf('namespaces', namespace, r.groupResource, object.name, metric.name)}`;
  }
  const list = await http.get<{ items?: MetricValue[] }>(path, metricQuery(metric));
  return (list.items ?? []).map((v) => ({
    ...v,
    describedObject: { ...v.describedObject, kind: object.kind, name: object.name },
    metric: { name: metric.name, ...(metric.selector ? { selector: metric.selector } : {}) },
  }));
}

/** All series of an external metric that match its selector. */
export async function externalMetric(http: KubeHttp, namespace: string, metric: MetricIdentifier): Promise<ExternalMetricValue[]> {
  const selector = labelSelectorToString(metric.selector);
  const list = await http.get<{ items?: ExternalMetricValue[] }>(`${EXTERNAL}${pathOf('namespaces', namespace, metric.name)}`,
    selector ? { labelSelector: selector } : {});
  return (list.items ?? []).map((v) => ({ ...v, metricName: metric.name }));
}
