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

/**
 * What a metric proposes once it has failed continuously for failureDurationSeconds (the shape of
 * upstream's alpha KEP-5679 under External; kscale offers it under every source type).
 */
export interface MetricFallback {
  /** How long the metric must fail without a break before the fallback applies (default 180). */
  failureDurationSeconds?: number;
  /** The replica count the failing metric then proposes (joins the maximum over metrics). */
  replicas: number;
}

export interface ResourceMetricSource { name: string; target: MetricTarget; fallback?: MetricFallback }
export interface ContainerResourceMetricSource { name: string; container: string; target: MetricTarget; fallback?: MetricFallback }
export interface PodsMetricSource { metric: MetricIdentifier; target: MetricTarget; fallback?: MetricFallback }
export interface ObjectMetricSource {
  describedObject: CrossVersionObjectReference;
  metric: MetricIdentifier;
  target: MetricTarget;
  fallback?: MetricFallback;
}
export interface ExternalMetricSource { metric: MetricIdentifier; target: MetricTarget; fallback?: MetricFallback }

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
  /**
   * Which pods count (KEP-5325's field and values): LabelSelector (default) every pod the target's
   * selector matches, as the HPA does; OwnerReference only those owned through the target's chain.
   */
  selectionStrategy?: SelectionStrategy;
  /** What a rollout of the target may do to the replica count (engine/rollout.ts). */
  rollout?: RolloutSpec;
  /** Gates that hold the replica count when the metrics look wrong (all off when unset). */
  safety?: SafetySpec;
}

/** Each gate is on when its object is present (`{}` takes every default). */
export interface SafetySpec {
  /** Hold while a metric's newest sample is older than maxAgeSyncPeriods × the sync period. */
  staleMetrics?: { maxAgeSyncPeriods?: number };
  /**
   * Hold a scale-down while a metric that was at least minPreviousPercent of its target dropped to
   * exactly 0 with pods still running, for up to holdSeconds after the drop.
   */
  dropToZero?: { minPreviousPercent?: number; holdSeconds?: number };
  /**
   * Hold a change of more than percent % of the median recommendation of the stabilization history
   * (a change of at most minChange replicas always passes).
   */
  maxJump?: { percent?: number; minChange?: number };
}

export const SELECTION_STRATEGIES = ['LabelSelector', 'OwnerReference'] as const;
export type SelectionStrategy = typeof SELECTION_STRATEGIES[number];

export interface RolloutSpec {
  /**
   * Upstream (default): pods of a rollout count as any pod, as the HPA counts them. ExcludeSurge:
   * while the target rolls out, a scale-up is bounded by what its spec.replicas oldest pods propose,
   * the surge pods beyond them left out.
   */
  policy?: RolloutPolicy;
}

export const ROLLOUT_POLICIES = ['Upstream', 'ExcludeSurge'] as const;
export type RolloutPolicy = typeof ROLLOUT_POLICIES[number];

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
  /**
   * The last decisions that changed the replica count or were held by a rule, oldest first (bounded),
   * one line of text each (engine/ledger.ts). A status of an older version may hold structured
   * entries: read it through ledgerLines.
   */
  decisions?: string[];
  /** Stabilization history, persisted so that a restart or failover loses nothing. */
  recommendations?: Recommendation[];
  scaleUpEvents?: ScaleEvent[];
  scaleDownEvents?: ScaleEvent[];
  /** Per metric entry: failing since, fallback, last ratio (only for fallback and safety gates). */
  metricHistory?: MetricHistoryEntry[];
}

/** What kscale remembers about one metric entry between passes (engine/metric-history.ts). */
export interface MetricHistoryEntry {
  /** Index into spec.metrics. */
  index: number;
  /** The metric's readable name: an entry whose metric changed starts afresh. */
  metric: string;
  /** When the metric started failing without a break (KEP-5679's firstFailureTime). */
  firstFailureTime?: string;
  /** The fallback's replicas are in effect. */
  fallbackActive?: boolean;
  /** The last measured value as a ratio to its target (dropToZero gate). */
  lastRatio?: number;
  /** When the metric dropped to 0 from at least the gate's threshold (dropToZero gate). */
  droppedToZeroTime?: string;
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
  /** Set while the metric's fallback is in effect: its replicas stand in for the failed metric. */
  fallback?: { replicas: number; since: string };
}

export interface HorizontalAutoscaler {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec: HorizontalAutoscalerSpec;
  status?: HorizontalAutoscalerStatus;
}
