// Reads everything one decision needs into an engine Snapshot: the target's scale, the pods (from
// the shared cache), and the metrics each metric spec asks for. Used by the reconciler and by
// `kscale snapshot`. Failures are recorded in the snapshot, never thrown: the engine turns them into
// upstream's conditions and Events.
import { DEFAULT_METRICS } from '../api/defaults.ts';
import type { CrossVersionObjectReference, HorizontalAutoscaler } from '../api/types.ts';
import { validateSpec } from '../api/validation.ts';
import type { Pod, Scale } from '../engine/inputs.ts';
import type { MetricFetch, Snapshot } from '../engine/snapshot.ts';
import type { KubeHttp } from '../kube/http.ts';
import type { Discovery, ScaleClient, ScaleRead } from '../kube/scale.ts';
import { externalMetric, objectMetric, podsMetric } from '../metrics/custom-external.ts';
import type { PodMetricsSource } from '../metrics/pod-metrics.ts';
import type { TargetPods } from './target-pods.ts';

export interface GatherSources {
  http: KubeHttp;
  discovery: Discovery;
  scales: ScaleClient;
  podMetrics: PodMetricsSource;
  /**
   * Pods of a namespace, from the informer cache: those the selector picks when one is given (the
   * engine filters with the same rule; a source may also return them all).
   */
  pods: (namespace: string, selector?: string) => readonly Pod[];
  /** Ownership and rollout state of the target's pods, when the autoscaler asks for them (target-pods.ts). */
  targetPods?: (autoscaler: HorizontalAutoscaler, scale: Scale, pods: readonly Pod[]) => TargetPods;
  /**
   * The target's scale from an informer cache, when one holds it (cached-scale.ts): no GET /scale.
   * Undefined for kinds without a cache, and for a miss: those are read from the API server.
   */
  cachedScale?: (namespace: string, ref: CrossVersionObjectReference) => Scale | undefined;
  /** Observes each metric fetch: metric type, seconds, and whether it failed. */
  onFetch?: (metricType: string, seconds: number, failed: boolean) => void;
}

export interface Gathered {
  snapshot: Snapshot;
  /** The scale as read, for the update (undefined when it could not be read). */
  scaleRead?: ScaleRead;
}

export interface GatherOptions {
  /** Read the scale from the API server even when a cache holds it (before acting on a decision). */
  freshScale?: boolean;
}

export async function gather(src: GatherSources, autoscaler: HorizontalAutoscaler, now: number, o: GatherOptions = {}): Promise<Gathered> {
  const namespace = autoscaler.metadata?.namespace ?? 'default';
  // An invalid spec is decided without reading anything: the engine reports it.
  if (validateSpec(autoscaler.spec).length > 0) return { snapshot: { autoscaler, scale: { error: 'not read: invalid spec' }, pods: [], now } };

  let scaleRead: ScaleRead | undefined;
  let scale: Snapshot['scale'];
  try {
    const ref = autoscaler.spec.scaleTargetRef;
    const cached = o.freshScale ? undefined : src.cachedScale?.(namespace, ref);
    scaleRead = cached ? { scale: cached, path: await src.scales.pathFor(namespace, ref), cached: true } : await src.scales.get(namespace, ref);
    scale = scaleRead.scale;
  } catch (e) {
    scale = { error: (e as Error).message };
  }
  const selector = 'error' in scale ? '' : scale.status?.selector ?? '';
  const metrics = autoscaler.spec.metrics && autoscaler.spec.metrics.length > 0 ? autoscaler.spec.metrics : DEFAULT_METRICS;

  // Each entry keeps what was fetched for it: values of one entry are never read by another.
  const metricValues: (MetricFetch | undefined)[] = metrics.map(() => undefined);
  let podMetrics: Snapshot['podMetrics'];
  if (!('error' in scale) && selector !== '') {
    const timed = async <T>(type: string, f: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      let failed = false;
      try { return await f(); } catch (e) { failed = true; throw e; } finally { src.onFetch?.(type, (performance.now() - started) / 1000, failed); }
    };
    await Promise.all(metrics.map(async (m, i) => {
      const { pods, object, external } = m;
      try {
        if (m.type === 'Resource' || m.type === 'ContainerResource') {
          podMetrics ??= await timed(m.type, () => src.podMetrics.list(namespace));
        } else if (m.type === 'Pods' && pods) {
          metricValues[i] = { custom: await timed(m.type, () => podsMetric(src.http, namespace, selector, pods.metric)) };
        } else if (m.type === 'Object' && object) {
          metricValues[i] = { custom: await timed(m.type, () => objectMetric(src.http, src.discovery, namespace, object.describedObject, object.metric)) };
        } else if (m.type === 'External' && external) {
          metricValues[i] = { external: await timed(m.type, () => externalMetric(src.http, namespace, external.metric)) };
        }
      } catch (e) {
        metricValues[i] = { error: (e as Error).message };
      }
    }));
  }
  const pods = src.pods(namespace, selector || undefined);
  return {
    snapshot: {
      autoscaler, scale, pods, ...('error' in scale || !src.targetPods ? {} : src.targetPods(autoscaler, scale, pods)),
      podMetrics: Array.isArray(podMetrics) && selector !== '' ? src.podMetrics.matching(podMetrics, selector, pods) : podMetrics,
      metricValues, now,
    },
    ...(scaleRead ? { scaleRead } : {}),
  };
}
