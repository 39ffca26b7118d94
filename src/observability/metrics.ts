// Every Prometheus metric kscale exports, declared once on a registry that is passed in (no global
// registry). Our metrics carry the kscale_ prefix; the default process/Node.js metrics keep their
// stock names so existing dashboards work. Reconciliation and metric-computation series keep the
// semantics of upstream's horizontal_pod_autoscaler_controller_* metrics.
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** Values of the `action` label, as upstream: what a reconcile decided. */
export type ReconcileAction = 'scale_up' | 'scale_down' | 'none';
/** Values of the `error` label, as upstream: spec (user's object is wrong), internal, or none. */
export type ReconcileError = 'spec' | 'internal' | 'none';

// Upstream's reconciliation histograms use exponential buckets 1 ms .. ~16 s (factor 2, 15 buckets).
const RECONCILE_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);
const API_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Queue wait and schedule lag range from "instant" to "stuck behind a slow metrics API".
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
// Fine around the default 15 s sync period (whether each object keeps its schedule), coarse elsewhere.
const SPACING_BUCKETS = [1, 5, 10, 14, 14.5, 15, 15.25, 15.5, 15.75, 16, 16.5, 17, 18, 20, 25, 30, 45, 60, 120, 300, 600];

const OBJECT_LABELS = ['namespace', 'name'] as const;
const OBJECT_METRIC_LABELS = ['namespace', 'name', 'metric'] as const;
const DIRECTIONS = ['up', 'down'] as const;

export class ControllerMetrics {
  readonly reconciliations: Counter<'action' | 'error'>;
  readonly reconciliationDuration: Histogram<'action' | 'error'>;
  readonly metricComputations: Counter<'action' | 'error' | 'metric_type'>;
  readonly metricComputationDuration: Histogram<'action' | 'error' | 'metric_type'>;
  readonly desiredReplicas: Gauge<'namespace' | 'name'>;
  readonly currentReplicas: Gauge<'namespace' | 'name'>;
  readonly minReplicas: Gauge<'namespace' | 'name'>;
  readonly maxReplicas: Gauge<'namespace' | 'name'>;
  readonly metricValue: Gauge<'namespace' | 'name' | 'metric'>;
  readonly metricTarget: Gauge<'namespace' | 'name' | 'metric'>;
  readonly queueDepth: Gauge;
  readonly queueWait: Histogram;
  readonly evaluationLag: Histogram;
  readonly evaluationSpacing: Histogram;
  readonly apiRequests: Counter<'verb' | 'code'>;
  readonly apiRequestDuration: Histogram<'verb'>;
  readonly leader: Gauge;
  readonly informerRestarts: Counter<'resource'>;
  readonly scaleEvents: Counter<'namespace' | 'name' | 'direction'>;
  /** Decisions held by a safety gate (spec.safety), by gate. */
  readonly safetyGateTrips: Counter<'gate'>;
  /** Metrics of an autoscaler whose fallback is in effect. */
  readonly fallbackActive: Gauge<'namespace' | 'name'>;
  readonly eventsDropped: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    collectDefaultMetrics({ register: registry });

    this.reconciliations = new Counter({
      name: 'kscale_reconciliations_total', registers, labelNames: ['action', 'error'] as const,
      help: 'Number of reconciliations of autoscalers, by the action taken (scale_up, scale_down, none) and the error (spec, internal, none).',
    });
    this.reconciliationDuration = new Histogram({
      name: 'kscale_reconciliation_duration_seconds', registers, labelNames: ['action', 'error'] as const, buckets: RECONCILE_BUCKETS,
      help: 'Time taken by one reconciliation of an autoscaler, by action and error.',
    });
    this.metricComputations = new Counter({
      name: 'kscale_metric_computation_total', registers, labelNames: ['action', 'error', 'metric_type'] as const,
      help: 'Number of per-metric replica computations, by action, error and metric source type (Resource, Pods, Object, External, ContainerResource).',
    });
    this.metricComputationDuration = new Histogram({
      name: 'kscale_metric_computation_duration_seconds', registers, labelNames: ['action', 'error', 'metric_type'] as const, buckets: RECONCILE_BUCKETS,
      help: 'Time taken by one per-metric replica computation (fetching the metric included), by action, error and metric type.',
    });

    const objectGauge = (name: string, help: string): Gauge<'namespace' | 'name'> =>
      new Gauge({ name, help, registers, labelNames: OBJECT_LABELS });
    this.desiredReplicas = objectGauge('kscale_desired_replicas', 'Replicas the autoscaler last decided on.');
    this.currentReplicas = objectGauge('kscale_current_replicas', 'Replicas of the scale target when the autoscaler last looked.');
    this.minReplicas = objectGauge('kscale_min_replicas', 'Lower bound on replicas set on the autoscaler.');
    this.maxReplicas = objectGauge('kscale_max_replicas', 'Upper bound on replicas set on the autoscaler.');
    this.metricValue = new Gauge({
      name: 'kscale_metric_value', registers, labelNames: OBJECT_METRIC_LABELS,
      help: 'Current value of each metric of an autoscaler (utilization in percent, or the quantity as a number).',
    });
    this.metricTarget = new Gauge({
      name: 'kscale_metric_target', registers, labelNames: OBJECT_METRIC_LABELS,
      help: 'Target value of each metric of an autoscaler, in the same unit as kscale_metric_value.',
    });

    this.queueDepth = new Gauge({ name: 'kscale_workqueue_depth', registers, help: 'Keys waiting in the work queue.' });
    this.queueWait = new Histogram({
      name: 'kscale_workqueue_wait_seconds', registers, buckets: WAIT_BUCKETS,
      help: 'Time a key waited in the work queue before a worker picked it up.',
    });
    this.evaluationLag = new Histogram({
      name: 'kscale_evaluation_lag_seconds', registers, buckets: WAIT_BUCKETS,
      help: 'How late a reconcile ran relative to the time its sync period scheduled it for.',
    });
    this.evaluationSpacing = new Histogram({
      name: 'kscale_evaluation_spacing_seconds', registers, buckets: SPACING_BUCKETS,
      help: "Time between the starts of one autoscaler's consecutive evaluations (its sync period plus any lateness).",
    });
    this.apiRequests = new Counter({
      name: 'kscale_api_requests_total', registers, labelNames: ['verb', 'code'] as const,
      help: 'Requests to the Kubernetes API, by verb and HTTP status code (or transport error name).',
    });
    this.apiRequestDuration = new Histogram({
      name: 'kscale_api_request_duration_seconds', registers, labelNames: ['verb'] as const, buckets: API_BUCKETS,
      help: 'Duration of requests to the Kubernetes API, by verb.',
    });
    this.leader = new Gauge({ name: 'kscale_leader', registers, help: '1 while this replica holds the leader Lease, else 0.' });
    this.leader.set(0);
    this.informerRestarts = new Counter({
      name: 'kscale_informer_restarts_total', registers, labelNames: ['resource'] as const,
      help: 'Restarts of a watch-based cache after it failed, by resource.',
    });
    this.scaleEvents = new Counter({
      name: 'kscale_scale_events_total', registers, labelNames: ['namespace', 'name', 'direction'] as const,
      help: 'Changes of a scale target\'s replicas made by kscale, by direction (up, down).',
    });
    this.safetyGateTrips = new Counter({
      name: 'kscale_safety_gate_trips_total', registers, labelNames: ['gate'] as const,
      help: 'Decisions whose change a safety gate held (gate: staleMetrics, dropToZero, maxJump), one per pass held.',
    });
    this.fallbackActive = new Gauge({
      name: 'kscale_metric_fallback_active', registers, labelNames: OBJECT_LABELS,
      help: 'How many of the autoscaler\'s metrics currently propose their fallback replicas (failed for failureDurationSeconds).',
    });
    this.eventsDropped = new Counter({
      name: 'kscale_events_dropped_total', registers,
      help: 'Kubernetes Events not written: rate-limited per object or too many writes pending.',
    });
  }

  /** Removes every series of a deleted autoscaler, so dead objects do not linger in /metrics. */
  forget(namespace: string, name: string): void {
    const labels = { namespace, name };
    for (const g of [this.desiredReplicas, this.currentReplicas, this.minReplicas, this.maxReplicas, this.fallbackActive]) g.remove(labels);
    for (const direction of DIRECTIONS) this.scaleEvents.remove({ ...labels, direction });
    // The metric names are open-ended, so find this object's series among the stored ones.
    for (const g of [this.metricValue, this.metricTarget]) {
      for (const metric of metricLabelsOf(g, namespace, name)) g.remove({ ...labels, metric });
    }
  }
}

/**
 * The `metric` label values stored for one object. prom-client only lists series through its
 * async get(); forget() must stay synchronous (called from a delete handler), so read the series
 * map that prom-client 15 keeps on each metric. A unit test pins this against the installed version.
 */
function metricLabelsOf(g: Gauge<'namespace' | 'name' | 'metric'>, namespace: string, name: string): string[] {
  const series = (g as unknown as { hashMap?: Record<string, { labels: Record<string, string | number> }> }).hashMap ?? {};
  const out: string[] = [];
  for (const { labels } of Object.values(series)) {
    if (labels.namespace === namespace && labels.name === name && labels.metric !== undefined) out.push(String(labels.metric));
  }
  return out;
}
