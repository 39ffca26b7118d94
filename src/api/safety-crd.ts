// CRD schema of the fallback (each metric source), spec.safety, status.metricHistory and the
// decision ledger's per-metric fallback. Kept apart from crd.ts (literal schemas, type-only imports:
// crd.ts imports this file). Defaults are documented, not set by the API server: an unset field keeps
// the object exactly as upstream would decide it.
import type { FieldSchema, SchemaFor } from './crd.ts';
import { FALLBACK_FAILURE_SECONDS, SAFETY_DEFAULTS, SAFETY_LIMITS } from './safety.ts';
import type { MetricFallback, MetricHistoryEntry, MetricProposalSummary, SafetySpec } from './types.ts';

const int = (description: string, minimum: number, maximum: number): FieldSchema =>
  ({ type: 'integer', format: 'int32', description, minimum, maximum });

const fallbackProperties = {
  failureDurationSeconds: int('How long, in seconds, the metric must fail without a break before the fallback applies '
    + `(1 to ${SAFETY_LIMITS.maxSeconds}; default ${FALLBACK_FAILURE_SECONDS}, KEP-5679's 3m).`, 1, SAFETY_LIMITS.maxSeconds),
  replicas: int('The replica count the failing metric proposes once failureDurationSeconds has passed. It joins the '
    + 'maximum over all metrics (never below what the valid metrics propose) and is bounded by minReplicas, maxReplicas '
    + 'and the behavior policies.', 1, 2 ** 31 - 1),
} satisfies SchemaFor<MetricFallback>;

export const fallbackSchema: FieldSchema = {
  type: 'object',
  description: 'What this metric proposes while it cannot be read or computed (the shape of upstream\'s alpha KEP-5679, '
    + 'offered for every metric source). Unset: a failing metric holds scale-down, as upstream.',
  properties: fallbackProperties,
  required: ['replicas'],
};

const staleProperties = {
  maxAgeSyncPeriods: int(`A sample older than this many sync periods is stale (default ${SAFETY_DEFAULTS.maxAgeSyncPeriods}).`, 1, SAFETY_LIMITS.maxSyncPeriods),
} satisfies SchemaFor<NonNullable<SafetySpec['staleMetrics']>>;
const dropProperties = {
  minPreviousPercent: int('A drop counts when the metric was at least this percentage of its target in the pass before '
    + `(default ${SAFETY_DEFAULTS.minPreviousPercent}).`, 1, SAFETY_LIMITS.maxPercent),
  holdSeconds: int(`How long after the drop a scale-down is held while the metric stays 0 (default ${SAFETY_DEFAULTS.holdSeconds}).`, 1, SAFETY_LIMITS.maxSeconds),
} satisfies SchemaFor<NonNullable<SafetySpec['dropToZero']>>;
const jumpProperties = {
  percent: int('A change of more than this percentage of the median recent recommendation is held '
    + `(default ${SAFETY_DEFAULTS.percent}).`, 1, SAFETY_LIMITS.maxPercent),
  minChange: int(`A change of at most this many replicas always passes (default ${SAFETY_DEFAULTS.minChange}).`, 0, 2 ** 31 - 1),
} satisfies SchemaFor<NonNullable<SafetySpec['maxJump']>>;

const safetyProperties = {
  staleMetrics: { type: 'object', properties: staleProperties,
    description: 'Hold any change while a metric\'s newest sample is older than maxAgeSyncPeriods sync periods. Set ({}) to enable.' },
  dropToZero: { type: 'object', properties: dropProperties,
    description: 'Hold a scale-down while a metric that was at least minPreviousPercent of its target fell to exactly 0 with pods '
      + 'running, until it has stayed 0 for holdSeconds. Set ({}) to enable.' },
  maxJump: { type: 'object', properties: jumpProperties,
    description: 'Hold a change larger than percent % of the median recent (stabilization-window) recommendation. Set ({}) to enable.' },
} satisfies SchemaFor<SafetySpec>;

export const safetySchema: FieldSchema = {
  type: 'object',
  description: 'Safety gates (kscale\'s own): a tripped gate holds the current replica count and says so (AbleToScale=False with '
    + 'the gate as reason, a Warning Event, the decision ledger). Each gate is off unless set.',
  properties: safetyProperties,
};

const historyProperties = {
  index: { type: 'integer', format: 'int32', description: 'Index into spec.metrics.' },
  metric: { type: 'string', description: 'The metric entry, as kind and name.' },
  firstFailureTime: { type: 'string', format: 'date-time', description: 'When the metric started failing without a break.' },
  fallbackActive: { type: 'boolean', description: 'The metric\'s fallback replicas are in effect.' },
  lastRatio: { type: 'number', description: 'The last measured value as a ratio to the target (dropToZero gate).' },
  droppedToZeroTime: { type: 'string', format: 'date-time', description: 'When the metric fell to 0 from well above its target.' },
} satisfies SchemaFor<MetricHistoryEntry>;

export const metricHistorySchema: FieldSchema = {
  type: 'array',
  description: 'Per metric entry, what the fallback and safety gates remember between passes; kept so that a restart or failover loses nothing.',
  items: { type: 'object', description: 'One metric entry\'s remembered state.', properties: historyProperties, required: ['index', 'metric'] },
};

const proposalFallbackProperties = {
  replicas: { type: 'integer', format: 'int32', description: 'The fallback\'s replica count.' },
  since: { type: 'string', format: 'date-time', description: 'When the metric started failing.' },
} satisfies SchemaFor<NonNullable<MetricProposalSummary['fallback']>>;

export const proposalFallbackSchema: FieldSchema = {
  type: 'object',
  description: 'Set while the metric\'s fallback stands in for it.',
  properties: proposalFallbackProperties,
  required: ['replicas', 'since'],
};
