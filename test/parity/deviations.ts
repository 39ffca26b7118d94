// Deliberate deviations of kscale from upstream kube-controller-manager v1.36.3: disagreements the
// differential test accepts. Each recognizes the cases it excuses from the case alone (and, when
// given, only disagreements of matching kinds), so keep the predicates narrow: every disagreement of
// a case they match goes unchecked.
import type { MetricSpec } from '../../src/api/types.ts';
import type { ParityCase } from './generator.ts';

export interface Deviation {
  id: string;
  /** Does this case exercise the deviation? */
  applies: (c: ParityCase) => boolean;
  /** Only disagreements whose kind matches are excused (all kinds when absent). */
  kinds?: RegExp;
  /** One line: what kscale does differently and why. */
  reason: string;
  /** Where upstream v1.36.3 does it otherwise (file and function), and the later upstream change if any. */
  upstream: string;
}

const selected = (c: ParityCase) => c.steps.flatMap((s) => s.pods.filter((p) => p.metadata.labels?.app === 'web'));
const metrics = (c: ParityCase): readonly MetricSpec[] => c.autoscaler.spec.metrics ?? [];
const perPodAverage = (m: MetricSpec): boolean =>
  (m.type === 'Object' && m.object?.target.type === 'AverageValue') || (m.type === 'External' && m.external?.target.averageValue !== undefined);
/** Any fetched custom/external value too large for int64 milli-units (|v| ≥ 2^63 / 1000). */
const hugeValue = (c: ParityCase): boolean => c.steps.some((s) => s.metricValues.some((f) => {
  const values = !f ? [] : 'custom' in f ? f.custom.map((v) => v.value) : 'external' in f ? f.external.map((v) => v.value) : [];
  return values.some((v) => /^-?\d{16,}$/.test(String(v)));
}));

export const DEVIATIONS: readonly Deviation[] = [
  {
    id: 'succeeded-pods-ignored',
    // Pod grouping runs for Resource, ContainerResource and Pods metrics (Object/External Value count Running pods only).
    applies: (c) => (metrics(c).length === 0 || metrics(c).some((m) => m.type === 'Resource' || m.type === 'ContainerResource' || m.type === 'Pods')) &&
      selected(c).some((p) => p.status?.phase === 'Succeeded' && !p.metadata.deletionTimestamp),
    reason: 'kscale ignores Succeeded pods like Failed ones (a terminal pod runs nothing); v1.36.3 ignores only Failed and deleted pods, so a Succeeded pod counts as a ready/missing pod there',
    upstream: 'pkg/controller/podautoscaler/replica_calculator.go groupPods (v1.36.3: DeletionTimestamp or PodFailed; later upstream: IsPodTerminal)',
  },
  {
    id: 'per-pod-average-zero-replicas',
    // The target's status replicas are 0 (scale from zero, or the scale followed a scale to zero).
    applies: (c) => metrics(c).some(perPodAverage) &&
      (c.autoscaler.spec.minReplicas === 0 || c.steps.some((s) => !('error' in s.scale) && (s.scale.status?.replicas === 0 || s.scale.spec?.replicas === 0))),
    kinds: /^currentMetrics (Object|External): (object|external)\.current\.averageValue$/,
    reason: 'with status.replicas 0 kscale reports an Object/External AverageValue metric\'s current average as 0; v1.36.3 divides by zero and writes -9223372036854775808m (status only, the decision is the same)',
    upstream: 'replica_calculator.go GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas (int64(math.Ceil(x / 0)); later upstream returns 0)',
  },
  {
    id: 'object-metric-error-text',
    applies: (c) => metrics(c).some((m) => m.type === 'Object'),
    kinds: /^(condition|event) message: (ScalingActive\/)?FailedGetObjectMetric$/,
    reason: 'kscale words an Object metric fetch error "unable to get metric M on Kind ns/name: err" (later upstream); v1.36.3\'s format string has its arguments out of order ("unable to get metric M: Kind on ns name/err")',
    upstream: 'replica_calculator.go GetObjectMetricReplicas / GetObjectPerPodMetricReplicas fmt.Errorf("unable to get metric %s: %v on %s %s/%s", …)',
  },
  {
    id: 'int64-overflow',
    applies: hugeValue,
    reason: 'a custom/external value of 2^63 milli-units or more overflows upstream\'s int64 Quantity.MilliValue(); kscale computes with exact integers, so absurd values give other (saner) numbers',
    upstream: 'k8s.io/apimachinery resource.Quantity.MilliValue; replica_calculator.go external sums',
  },
];


/**
 * NOT deliberate: disagreements found by this harness and reported, that kscale should fix. The
 * differential suite lists each as a todo test (reported, not failing) until its cases agree; then
 * delete the entry. Same shape as a deviation, so the suite can tell them from new disagreements.
 */
export const KNOWN_BUGS: readonly Deviation[] = [];

const excuses = (d: Deviation, c: ParityCase, kind?: string): boolean => d.applies(c) && (kind === undefined || !d.kinds || d.kinds.test(kind));

/** The deviation that excuses a disagreement of this kind in this case, if any. */
export function matchingDeviation(c: ParityCase, kind?: string): Deviation | undefined {
  return DEVIATIONS.find((d) => excuses(d, c, kind));
}

/** The known (reported, unfixed) bug that explains a disagreement of this kind in this case, if any. */
export function matchingKnownBug(c: ParityCase, kind?: string): Deviation | undefined {
  return KNOWN_BUGS.find((d) => excuses(d, c, kind));
}
