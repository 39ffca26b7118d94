// The HorizontalAutoscaler resource (kscale.dev/v1alpha1).
// The spec mirrors autoscaling/v2 HorizontalPodAutoscaler field for field, so an HPA manifest converts by
// changing apiVersion and kind; kscale adds per-object knobs that upstream keeps controller-wide.
// Quantities are kept as the strings (or numbers) the API serves; the engine parses them exactly.
import type { LabelSelector } from '../values/labels.ts';

export type { LabelSelector, LabelSelectorRequirement } from '../values/labels.ts';

export const GROUP = 'kscale.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'HorizontalAutoscaler';
export const PLURAL = 'horizontalautoscalers';
export const SHORT_NAME = 'hza';

/** A Kubernetes quantity as served by the API: "250m", "1.5", "64Mi", or a bare number. */
export type QuantityValue = string | number;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface CrossVersionObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
}

export type MetricSourceType = 'Object' | 'Pods' | 'Resource' | 'ContainerResource' | 'External';
export type MetricTargetType = 'Utilization' | 'Value' | 'AverageValue';

export interface MetricTarget {
  type: MetricTargetType;
  value?: QuantityValue;
  averageValue?: QuantityValue;
  averageUtilization?: number;
}

export interface MetricIdentifier {
  name: string;
  selector?: LabelSelector;
}

export interface ResourceMetricSource { name: string; target: MetricTarget }
export interface ContainerResourceMetricSource { name: string; container: string; target: MetricTarget }
export interface PodsMetricSource { metric: MetricIdentifier; target: MetricTarget }
export interface ObjectMetricSource {
  describedObject: CrossVersionObjectReference;
  metric: MetricIdentifier;
  target: MetricTarget;
}
export interface ExternalMetricSource { metric: MetricIdentifier; target: MetricTarget }

export interface MetricSpec {
  type: MetricSourceType;
  resource?: ResourceMetricSource;
  containerResource?: ContainerResourceMetricSource;
  pods?: PodsMetricSource;
  object?: ObjectMetricSource;
  external?: ExternalMetricSource;
}

export type ScalingPolicyType = 'Pods' | 'Percent';
export type ScalingPolicySelect = 'Max' | 'Min' | 'Disabled';

export interface HPAScalingPolicy {
  type: ScalingPolicyType;
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: ScalingPolicySelect;
  policies?: HPAScalingPolicy[];
  /** Per-direction tolerance (KEP-4951), a quantity such as "0.05" or "50m". */
  tolerance?: QuantityValue;
}

export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

export interface HorizontalAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
  // kscale's per-object knobs (upstream keeps these as kube-controller-manager flags).
  /** How often this object is re-evaluated (upstream --horizontal-pod-autoscaler-sync-period). */
  syncPeriodSeconds?: number;
  /** Upstream --horizontal-pod-autoscaler-cpu-initialization-period. */
  cpuInitializationPeriodSeconds?: number;
  /** Upstream --horizontal-pod-autoscaler-initial-readiness-delay. */
  initialReadinessDelaySeconds?: number;
  /** Default tolerance for both directions (upstream --horizontal-pod-autoscaler-tolerance). */
  tolerance?: QuantityValue;
  /** Decide and report, never change the target's scale. */
  dryRun?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricStatus {
  /** Empty for a metric that failed this pass (as upstream leaves the slot empty). */
  type: MetricSourceType | '';
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
  pods?: { metric: MetricIdentifier; current: MetricValueStatus };
  object?: { describedObject: CrossVersionObjectReference; metric: MetricIdentifier; current: MetricValueStatus };
  external?: { metric: MetricIdentifier; current: MetricValueStatus };
}

/** A recommendation recorded for stabilization: the unstabilized desired replicas at a time. */
export interface Recommendation {
  replicas: number;
  time: string;
}

/** A successful rescale recorded for behavior policies (replicaChange is always positive). */
export interface ScaleEvent {
  replicaChange: number;
  time: string;
  /** Upstream's sticky "outdated" mark: the slot may be reused. */
  outdated?: boolean;
}

export interface HorizontalAutoscalerStatus {
  observedGeneration?: number;
  /** "Kind/name" of the target, for `kubectl get hza`. */
  reference?: string;
  /** Current vs target of each metric, for `kubectl get hza` (e.g. "cpu: 93%/60%"). */
  targets?: string;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: MetricStatus[];
  conditions?: Condition[];
  /** The explanation of the last decision (see engine/explanation.ts). */
  lastDecision?: DecisionSummary;
  /** The last decisions that changed the replica count or were held by a rule, oldest first (bounded). */
  decisions?: DecisionSummary[];
  /** Stabilization history, persisted so that a restart or failover loses nothing. */
  recommendations?: Recommendation[];
  scaleUpEvents?: ScaleEvent[];
  scaleDownEvents?: ScaleEvent[];
}

/** A compact, persisted form of the decision's explanation. */
export interface DecisionSummary {
  time: string;
  currentReplicas: number;
  proposedReplicas?: number;
  desiredReplicas: number;
  reason: string;
  /** Which rule bounded the result last: e.g. tolerance, stabilization, policy, minReplicas. */
  limitedBy?: string;
  metrics?: MetricProposalSummary[];
}

export interface MetricProposalSummary {
  metric: string;
  replicas?: number;
  ratio?: number;
  current?: string;
  target?: string;
  error?: string;
}

export interface HorizontalAutoscaler {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec: HorizontalAutoscalerSpec;
  status?: HorizontalAutoscalerStatus;
}
