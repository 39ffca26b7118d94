// Condition types, reasons and messages, Event reasons and kscale's annotations.
// Strings match upstream kube-controller-manager where the meaning matches, so tooling and habits
// built around the HPA keep working.

export const ConditionType = {
  AbleToScale: 'AbleToScale',
  ScalingActive: 'ScalingActive',
  ScalingLimited: 'ScalingLimited',
  ScaledToZero: 'ScaledToZero',
  // kscale's own: present only while an annotation kscale reads has a value it cannot use.
  AnnotationsInvalid: 'AnnotationsInvalid',
  // kscale's own: present once a metric's fallback has applied (True while it does).
  FallbackActive: 'FallbackActive',
  // kscale's own: present while lint checks (src/lint) find legal settings that are surely a mistake;
  // the reason names the check (MultipleWarnings for several), the message lists every finding.
  LintWarnings: 'LintWarnings',
} as const;

export const Reason = {
  FailedGetScale: 'FailedGetScale',
  SucceededGetScale: 'SucceededGetScale',
  FailedUpdateScale: 'FailedUpdateScale',
  SucceededRescale: 'SucceededRescale',
  ScaleDownStabilized: 'ScaleDownStabilized',
  ScaleUpStabilized: 'ScaleUpStabilized',
  ReadyForNewScale: 'ReadyForNewScale',
  InvalidSelector: 'InvalidSelector',
  AmbiguousSelector: 'AmbiguousSelector',
  ScalingDisabled: 'ScalingDisabled',
  ValidMetricFound: 'ValidMetricFound',
  TooManyReplicas: 'TooManyReplicas',
  TooFewReplicas: 'TooFewReplicas',
  ScaleUpLimit: 'ScaleUpLimit',
  ScaleDownLimit: 'ScaleDownLimit',
  DesiredWithinRange: 'DesiredWithinRange',
  ScaledToZero: 'ScaledToZero',
  NotScaledToZero: 'NotScaledToZero',
  FailedGetObjectMetric: 'FailedGetObjectMetric',
  FailedGetPodsMetric: 'FailedGetPodsMetric',
  FailedGetResourceMetric: 'FailedGetResourceMetric',
  FailedGetContainerResourceMetric: 'FailedGetContainerResourceMetric',
  FailedGetExternalMetric: 'FailedGetExternalMetric',
  InvalidMetricSourceType: 'InvalidMetricSourceType',
  // kscale's own reasons (no upstream equivalent).
  InvalidSpec: 'InvalidSpec',
  AmbiguousTarget: 'AmbiguousTarget',
  Paused: 'Paused',
  DryRun: 'DryRun',
  FallbackActivated: 'FallbackActivated',
  FallbackDeactivated: 'FallbackDeactivated',
  // A safety gate held the replica count (AbleToScale=False); the reason names the gate.
  StaleMetricsGate: 'StaleMetricsGate',
  DropToZeroGate: 'DropToZeroGate',
  MaxJumpGate: 'MaxJumpGate',
} as const;

export const Message = {
  failedGetScale: (err: string) => `the HPA controller was unable to get the target's current scale: ${err}`,
  succeededGetScale: "the HPA controller was able to get the target's current scale",
  failedUpdateScale: (err: string) => `the HPA controller was unable to update the target scale: ${err}`,
  succeededRescale: (n: number) => `the HPA controller was able to update the target scale to ${n}`,
  scaleDownStabilized: 'recent recommendations were higher than current one, applying the highest recent recommendation',
  scaleUpStabilized: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
  readyForNewScale: 'recommended size matches current size',
  missingSelector: "the HPA target's scale is missing a selector",
  invalidSelector: (err: string) => `couldn't convert selector into a corresponding internal selector object: ${err}`,
  scalingDisabled: 'scaling is disabled since the replica count of the target is zero',
  unableToCompute: (err: string) => `the HPA was unable to compute the replica count: ${err}`,
  validMetricFound: (metric: string) => `the HPA was able to successfully calculate a replica count from ${metric}`,
  tooManyReplicas: 'the desired replica count is more than the maximum replica count',
  tooFewReplicas: 'the desired replica count is less than the minimum replica count',
  scaleUpLimit: 'the desired replica count is increasing faster than the maximum scale rate',
  scaleDownLimit: 'the desired replica count is decreasing faster than the maximum scale rate',
  desiredWithinRange: 'the desired count is within the acceptable range',
  scaledToZero: 'the HPA controller scaled the workload to zero',
  notScaledToZero: 'the HPA controller did not scale the workload to zero',
} as const;

export const EventReason = {
  SuccessfulRescale: 'SuccessfulRescale',
  FailedRescale: 'FailedRescale',
  FailedGetScale: 'FailedGetScale',
  FailedComputeMetricsReplicas: 'FailedComputeMetricsReplicas',
  SelectorRequired: 'SelectorRequired',
  InvalidSelector: 'InvalidSelector',
  AmbiguousSelector: 'AmbiguousSelector',
  FailedUpdateStatus: 'FailedUpdateStatus',
  // kscale's own.
  InvalidSpec: 'InvalidSpec',
  AmbiguousTarget: 'AmbiguousTarget',
  DryRunRescale: 'DryRunRescale',
  PausedRescale: 'PausedRescale',
  InvalidAnnotation: 'InvalidAnnotation',
  FallbackActivated: 'FallbackActivated',
  FallbackDeactivated: 'FallbackDeactivated',
  StaleMetricsGate: 'StaleMetricsGate',
  DropToZeroGate: 'DropToZeroGate',
  MaxJumpGate: 'MaxJumpGate',
} as const;

export const RescaleReason = {
  aboveTarget: (metric: string) => `${metric} above target`,
  allBelowTarget: 'All metrics below target',
  aboveMax: 'Current number of replicas above Spec.MaxReplicas',
  belowMin: 'Current number of replicas below Spec.MinReplicas',
} as const;

/** Annotations that pause scaling: both directions, or one. Value "true" (case-insensitive). */
export const Annotation = {
  paused: 'kscale.dev/paused',
  pausedScaleUp: 'kscale.dev/paused-scale-up',
  pausedScaleDown: 'kscale.dev/paused-scale-down',
} as const;
