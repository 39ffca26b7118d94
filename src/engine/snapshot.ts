// What a decision reads (Snapshot) and what it returns (Decision). The controller, `kscale decide`
// and the simulator all build a Snapshot and call decide().
import type { ControllerDefaults } from '../api/defaults.ts';
import type { HorizontalAutoscaler, HorizontalAutoscalerStatus } from '../api/types.ts';
import type { ExternalMetricValue, MetricValue, Pod, PodMetrics, Scale } from './inputs.ts';
import type { MetricDetail } from './metric-sources.ts';
import type { Finding } from '../lint/finding.ts';
import type { PodOwnership } from './pod-selection.ts';
import type { RolloutState } from './rollout.ts';

export interface Snapshot {
  autoscaler: HorizontalAutoscaler;
  /** The target's autoscaling/v1 Scale, or why it could not be read. */
  scale: Scale | { error: string };
  /** Pods of the autoscaler's namespace (the engine applies the scale's selector). */
  pods: readonly Pod[];
  /** metrics.k8s.io PodMetrics of the namespace, or why they could not be listed. */
  podMetrics?: readonly PodMetrics[] | { error: string };
  /**
   * What was fetched for each Pods, Object and External entry, by index into the (defaulted)
   * spec.metrics: each entry owns its values, so two entries of one metric name never share them.
   * The controller fills this; Resource entries read `podMetrics` instead.
   */
  metricValues?: readonly (MetricFetch | null | undefined)[];
  /**
   * Older snapshot form (still read by `kscale decide`): one flat list of values for all entries,
   * matched to an entry by metric name and selector. Ignored for an entry that has `metricValues`.
   */
  customMetrics?: readonly MetricValue[];
  externalMetrics?: readonly ExternalMetricValue[];
  /** Older form: custom/external fetch failures, by index into the (defaulted) spec.metrics. */
  metricErrors?: Readonly<Record<number, string>>;
  /**
   * For selectionStrategy OwnerReference: the pods matching the selector that the target does not
   * own (controller/ownership.ts). Absent in older snapshots: every matching pod counts.
   */
  podOwnership?: PodOwnership;
  /** The target's rollout, while it rolls out (controller/rollout-state.ts); read by rollout.policy ExcludeSurge. */
  rollout?: RolloutState;
  /** Other autoscalers ("namespace/name") whose selectors pick the same pods. */
  selectorConflicts?: readonly string[];
  /** Other writers of the same target's scale, e.g. "HorizontalPodAutoscaler default/web". */
  targetConflicts?: readonly string[];
  /**
   * Lint findings of the autoscaler (src/lint), computed by the controller: reported in condition
   * LintWarnings and Warning Events, never a change of the decision. Undefined: not computed.
   */
  lint?: readonly Finding[];
  /** The scale update of a previous decide() on this snapshot failed with this error. */
  rescaleError?: string;
  /**
   * The status's history was persisted by an earlier process (a restart or a failover), not kept by
   * this one: the current replica count is recorded as a recommendation now, as upstream does for an
   * autoscaler it sees for the first time.
   */
  resumed?: boolean;
  /** Time of the decision, ms since the epoch. */
  now: number;
  config?: Partial<ControllerDefaults>;
}

/** One metric entry's fetch: the values the metrics API returned for exactly that entry, or its error. */
export type MetricFetch =
  | { error: string }
  | { custom: readonly MetricValue[] }
  | { external: readonly ExternalMetricValue[] };

export interface DecisionEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The rule that bounded the result, when one did. */
export type LimitRule =
  | 'tolerance' | 'stabilization' | 'scaleUpLimit' | 'scaleDownLimit' | 'maxReplicas' | 'minReplicas'
  | 'invalidMetric' | 'scalingDisabled' | 'paused' | 'dryRun' | 'invalidSpec' | 'ambiguous' | 'scaleError'
  // A safety gate (spec.safety) held the change.
  | 'staleMetrics' | 'dropToZero' | 'maxJump'
  // rollout.policy ExcludeSurge bounded a scale-up proposal (engine/rollout.ts).
  | 'rollout';

export interface MetricExplanation {
  index: number;
  type: string;
  name: string;
  replicas?: number;
  error?: string;
  detail?: MetricDetail;
  /** The metric failed and its fallback stands in: `replicas` is the fallback's (since: ms). */
  fallback?: { replicas: number; since: number };
}

export interface Explanation {
  currentReplicas?: number;
  minReplicas: number;
  maxReplicas: number;
  metrics: MetricExplanation[];
  /** The largest metric proposal and the metric that made it. */
  proposed?: number;
  proposedBy?: string;
  stabilized?: number;
  desired: number;
  limitedBy?: LimitRule;
  /** The safety gate that held the change, with its message. */
  safetyGate?: { gate: string; message: string };
  /** One line per step, for people. */
  steps: string[];
}

export interface Decision {
  currentReplicas?: number;
  desiredReplicas: number;
  /** Set when the target's scale must change to this value. */
  scaleTo: number | null;
  rescaleReason?: string;
  status: HorizontalAutoscalerStatus;
  events: DecisionEvent[];
  explanation: Explanation;
  /** The pass's error, if it had one (upstream returns it and retries at the next sync). */
  error?: string;
}
