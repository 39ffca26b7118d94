// decide(snapshot) → decision: upstream reconcileAutoscaler's decision logic
// (reference/hpa-algorithm.md §3), as a pure function. It never reads the clock and never does I/O:
// everything comes from the snapshot, including the stabilization history kept in the status.
import { Annotation, ConditionType as CT, EventReason, Message, Reason, RescaleReason } from '../api/constants.ts';
import { DEFAULT_METRICS, effectiveSpec, UPSTREAM_DEFAULTS, type EffectiveSpec } from '../api/defaults.ts';
import type { Condition, ConditionStatus, HorizontalAutoscalerStatus, MetricStatus, Recommendation, ScaleEvent } from '../api/types.ts';
import { formatFieldErrors, validateSpec } from '../api/validation.ts';
import { findCondition, removeCondition, setCondition } from './conditions.ts';
import { summarize } from './explain.ts';
import { recordDecision } from './ledger.ts';
import { formatTargets } from './targets.ts';
import type { Pod, Scale } from './inputs.ts';
import { parseSelector, type Selector } from '../values/labels.ts';
import { computeMetric, type MetricContext, type MetricResult } from './metric-sources.ts';
import { selectPods } from './pod-selection.ts';
import { boundByRollout, describeRollout } from './rollout.ts';
import { entryFetch } from './metric-values.ts';
import { reportLint } from './lint-condition.ts';
import { compactRecommendations, normalizeLegacy, normalizeWithBehavior, storeScaleEvent, type Outcome, type TimedRecommendation, type TimedScaleEvent } from './normalize.ts';
import type { Decision, DecisionEvent, Explanation, LimitRule, MetricExplanation, Snapshot } from './snapshot.ts';
import { SAFETY_DEFAULTS } from '../api/safety.ts';
import type { MetricSpec } from '../api/types.ts';
import { fallbackName, fallbackTransitions } from './fallback.ts';
import { MetricMemory } from './metric-history.ts';
import { checkGates, type GateTrip } from './safety-gates.ts';

/** Kubernetes timestamps (metav1.Time) carry whole seconds. */
const k8sTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
/** History entries keep milliseconds: stabilization windows are compared at that precision. */
const historyTime = (ms: number): string => new Date(ms).toISOString();

const toTimedRecs = (l: readonly Recommendation[] | undefined): TimedRecommendation[] =>
  (l ?? []).map((r) => ({ replicas: r.replicas, time: Date.parse(r.time) }));
const fromTimedRecs = (l: readonly TimedRecommendation[]): Recommendation[] =>
  l.map((r) => ({ replicas: r.replicas, time: historyTime(r.time) }));
const toTimedEvents = (l: readonly ScaleEvent[] | undefined): TimedScaleEvent[] =>
  (l ?? []).map((e) => ({ replicaChange: e.replicaChange, time: Date.parse(e.time), outdated: e.outdated ?? false }));
const fromTimedEvents = (l: readonly TimedScaleEvent[]): ScaleEvent[] =>
  l.map((e) => ({ replicaChange: e.replicaChange, time: historyTime(e.time), ...(e.outdated ? { outdated: true } : {}) }));

/** How far back any stabilization window of this spec looks. */
const longestWindowMs = (spec: EffectiveSpec): number => (spec.behavior
  ? Math.max(spec.behavior.scaleUp.stabilizationWindowSeconds, spec.behavior.scaleDown.stabilizationWindowSeconds) * 1000
  : spec.downscaleStabilizationMs);

/**
 * A pause annotation pauses unless it says "false": a value kscale cannot read ("yes", "maybe", "")
 * was most likely meant to pause, and an autoscaler must never scale on input it cannot read.
 */
const pausing = (v: string | undefined): boolean => v !== undefined && v.toLowerCase() !== 'false';

/**
 * A pause annotation with a value other than "true" or "false" pauses as "true" would; say so
 * (condition AnnotationsInvalid and a Warning Event) rather than act on it silently. The condition
 * goes away once the values are usable.
 */
function reportPauseAnnotations(pass: Pass): void {
  const annotations = pass.snapshot.autoscaler.metadata?.annotations ?? {};
  const bad = Object.values(Annotation).filter((a) => annotations[a] !== undefined && !['true', 'false'].includes((annotations[a] ?? '').toLowerCase()));
  if (bad.length === 0) {
    pass.conditions = removeCondition(pass.conditions, CT.AnnotationsInvalid);
    return;
  }
  const message = bad.map((a) => `annotation ${a} has value ${JSON.stringify(annotations[a])}: use "true" or "false"; it pauses as "true" would until then`).join('; ');
  pass.condition(CT.AnnotationsInvalid, 'True', EventReason.InvalidAnnotation, message);
  pass.event('Warning', EventReason.InvalidAnnotation, message);
  pass.step(message);
}

/** A pass in progress: the working status, the events so far, and the explanation being built. */
class Pass {
  conditions: Condition[];
  readonly events: DecisionEvent[] = [];
  readonly steps: string[] = [];
  readonly nowText: string;
  /** Stabilization history as far as this pass got (hold paths keep it as is). */
  recommendations: TimedRecommendation[] | undefined;
  /** Per-metric history (fallback, dropToZero), once metrics are computed in this pass. */
  memory: MetricMemory | undefined;
  readonly snapshot: Snapshot;
  readonly previous: HorizontalAutoscalerStatus;
  constructor(snapshot: Snapshot, previous: HorizontalAutoscalerStatus) {
    this.snapshot = snapshot;
    this.previous = previous;
    this.conditions = (previous.conditions ?? []).map((c) => ({ ...c }));
    this.nowText = k8sTime(snapshot.now);
  }
  condition(type: string, status: ConditionStatus, reason: string, message: string): void {
    this.conditions = setCondition(this.conditions, type, status, reason, message, this.nowText);
  }
  event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ type, reason, message });
  }
  step(line: string): void { this.steps.push(line); }
}

export function decide(snapshot: Snapshot): Decision {
  const autoscaler = snapshot.autoscaler;
  const previous = autoscaler.status ?? {};
  const pass = new Pass(snapshot, previous);
  const config = { ...UPSTREAM_DEFAULTS, ...snapshot.config };

  reportPauseAnnotations(pass);
  reportLint(pass, snapshot.lint);
  const specErrors = validateSpec(autoscaler.spec);
  if (specErrors.length > 0) {
    const message = `the HorizontalAutoscaler spec is invalid: ${formatFieldErrors(specErrors)}`;
    pass.event('Warning', EventReason.InvalidSpec, message);
    pass.condition(CT.ScalingActive, 'False', Reason.InvalidSpec, message);
    pass.step(`spec is invalid, nothing is scaled: ${formatFieldErrors(specErrors)}`);
    return hold(pass, { minReplicas: autoscaler.spec.minReplicas ?? 1, maxReplicas: autoscaler.spec.maxReplicas }, undefined, 'invalidSpec', message);
  }
  const spec = effectiveSpec(autoscaler.spec, config);
  const bounds = { minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas };

  // Steps 3–6: the target's scale.
  if ('error' in snapshot.scale) {
    const err = snapshot.scale.error;
    pass.event('Warning', EventReason.FailedGetScale, err);
    pass.condition(CT.AbleToScale, 'False', Reason.FailedGetScale, Message.failedGetScale(err));
    pass.step(`could not read the target's scale: ${err}`);
    return hold(pass, bounds, undefined, 'scaleError', err);
  }
  pass.condition(CT.AbleToScale, 'True', Reason.SucceededGetScale, Message.succeededGetScale);
  const scale: Scale = snapshot.scale;
  const current = scale.spec?.replicas ?? 0;
  const statusReplicas = scale.status?.replicas ?? 0;
  pass.step(`current replicas ${current} (min ${spec.minReplicas}, max ${spec.maxReplicas})`);

  // The initial recommendation: the replica count when first seen (kept in status across restarts).
  // The initial recommendation: the replica count when first seen, as upstream records it when it
  // first sees an autoscaler. A controller that resumes from a persisted history (a restart or a
  // failover) records it too, so it is never less stable than upstream after a restart.
  let recommendations = toTimedRecs(previous.recommendations);
  if (previous.recommendations === undefined || snapshot.resumed) recommendations = [...recommendations, { replicas: current, time: snapshot.now }];
  pass.recommendations = recommendations;

  if (snapshot.targetConflicts && snapshot.targetConflicts.length > 0) {
    const ref = autoscaler.spec.scaleTargetRef;
    const message = `the target ${ref.kind}/${ref.name} is also scaled by ${snapshot.targetConflicts.join(', ')}; ` +
      'kscale does not scale it until only one autoscaler targets it';
    pass.event('Warning', EventReason.AmbiguousTarget, message);
    pass.condition(CT.ScalingActive, 'False', Reason.AmbiguousTarget, message);
    pass.step(message);
    return hold(pass, bounds, current, 'ambiguous', message);
  }

  const hasObjectOrExternal = spec.metrics.some((m) => m.type === 'Object' || m.type === 'External');
  const scaledToZero = findCondition(previous.conditions, CT.ScaledToZero)?.status === 'True';

  let desired = 0;
  let rescaleReason = '';
  let metricStatuses: MetricStatus[] | undefined;
  let metrics: MetricExplanation[] = [];
  let proposal: { replicas: number; by: string } | undefined;
  let outcome: Outcome | undefined;
  let partialError: string | undefined;
  let heldByTolerance = false;
  let gate: GateTrip | undefined;

  const computeMetrics = (current === 0 && ((spec.minReplicas !== 0 && scaledToZero) || (scaledToZero && hasObjectOrExternal))) || current !== 0;
  if (current === 0 && !computeMetrics) {
    // A target set to zero by someone else pauses the autoscaler.
    pass.condition(CT.ScalingActive, 'False', Reason.ScalingDisabled, Message.scalingDisabled);
    pass.step('scaling is disabled: the target has zero replicas and kscale did not scale it to zero');
    return finish(pass, spec, bounds, { current, desired: 0, rescale: false, recommendations, limitedBy: 'scalingDisabled' });
  }
  if (current > spec.maxReplicas) {
    rescaleReason = RescaleReason.aboveMax;
    desired = spec.maxReplicas;
    pass.step(`current replicas are above maxReplicas: scale to ${desired}`);
  } else if (current < spec.minReplicas && current !== 0) {
    // (At zero with metrics enabled, upstream computes metrics and raises the result to min below.)
    rescaleReason = RescaleReason.belowMin;
    desired = spec.minReplicas;
    pass.step(`current replicas are below minReplicas: scale to ${desired}`);
  } else {
    pass.memory = new MetricMemory(previous.metricHistory, spec.metrics, autoscaler.spec.safety, SAFETY_DEFAULTS, snapshot.now);
    const computed = computeReplicasForMetrics(pass, spec, scale, current, statusReplicas);
    metricStatuses = computed.statuses;
    metrics = computed.metrics;
    reportFallbacks(pass, spec.metrics, metrics);
    // Upstream's test is "an error and -1": a metric may itself propose -1 (a negative value).
    if (computed.replicas === -1 && computed.error !== undefined) {
      const err = computed.error ?? 'unable to compute metrics';
      pass.event('Warning', EventReason.FailedComputeMetricsReplicas, err);
      const limit: LimitRule = computed.selectorProblem ? 'ambiguous' : 'invalidMetric';
      pass.step(`no scaling: ${err}`);
      return hold(pass, bounds, current, limit, err, metricStatuses, metrics);
    }
    partialError = computed.error;
    proposal = { replicas: computed.replicas, by: computed.metric };
    heldByTolerance = computed.heldByTolerance;
    if (computed.replicas > desired) desired = computed.replicas;
    if (desired > current) rescaleReason = RescaleReason.aboveTarget(computed.metric);
    else if (desired < current) rescaleReason = RescaleReason.allBelowTarget;
    pass.step(`metrics propose ${desired} replicas (largest proposal, from ${computed.metric})`);

    outcome = spec.behavior
      ? normalizeWithBehavior({
          current, proposed: desired, min: spec.minReplicas, max: spec.maxReplicas, now: snapshot.now, behavior: spec.behavior,
          recommendations, scaleUpEvents: toTimedEvents(previous.scaleUpEvents), scaleDownEvents: toTimedEvents(previous.scaleDownEvents),
        })
      : normalizeLegacy({ current, proposed: desired, min: spec.minReplicas, max: spec.maxReplicas, now: snapshot.now, windowMs: spec.downscaleStabilizationMs, recommendations });
    recommendations = outcome.recommendations;
    pass.condition(CT.AbleToScale, 'True', outcome.stabilizedReason.reason, outcome.stabilizedReason.message);
    pass.condition(CT.ScalingLimited, outcome.desired === outcome.stabilized ? 'False' : 'True', outcome.limitedReason.reason, outcome.limitedReason.message);
    if (outcome.stabilized !== desired) pass.step(`stabilization window holds the recommendation at ${outcome.stabilized} (${outcome.stabilizedReason.reason})`);
    if (outcome.desired !== outcome.stabilized) pass.step(`${outcome.limitedReason.reason}: limited to ${outcome.desired}`);
    desired = outcome.desired;

    // Raised to minReplicas when waking a workload kscale scaled to zero.
    if (current === 0 && spec.minReplicas !== 0 && scaledToZero && desired < spec.minReplicas) {
      desired = spec.minReplicas;
      if (rescaleReason === '') rescaleReason = RescaleReason.belowMin;
    }
    // Safety gates (spec.safety) hold a change made on metrics that look wrong.
    gate = checkGates({
      safety: autoscaler.spec.safety, snapshot, metrics: spec.metrics, memory: pass.memory, current, desired,
      measured: metrics.filter((m) => m.error === undefined), syncPeriodSeconds: spec.syncPeriodSeconds,
      recommendations: pass.recommendations, windowMs: longestWindowMs(spec), fallbackWins: computed.fallbackWins === true,
    });
    if (gate) ({ desired, rescaleReason } = holdByGate(pass, gate, current));
  }

  const heldByRollout = metrics.some((m) => m.name === proposal?.by && m.detail?.heldBy === 'rollout');
  const limitedBy = gate ? gate.gate : limitRule(current, desired, proposal?.replicas, outcome, heldByTolerance, heldByRollout);
  return finish(pass, spec, bounds, {
    current, desired, rescale: desired !== current, rescaleReason, recommendations, metricStatuses, metrics, proposal,
    stabilized: outcome?.stabilized, limitedBy, error: partialError, hasObjectOrExternal, gate,
  });
}

/** A tripped safety gate: AbleToScale=False naming the gate, a Warning Event, and no change. */
function holdByGate(pass: Pass, trip: GateTrip, current: number): { desired: number; rescaleReason: string } {
  pass.condition(CT.AbleToScale, 'False', trip.reason, trip.message);
  pass.event('Warning', trip.reason, trip.message);
  pass.step(trip.message);
  return { desired: current, rescaleReason: trip.message };
}

/** FallbackActivated/FallbackDeactivated Events and the FallbackActive condition (fallback.ts). */
function reportFallbacks(pass: Pass, specMetrics: readonly MetricSpec[], explained: readonly MetricExplanation[]): void {
  const memory = pass.memory;
  if (!memory) return;
  const r = fallbackTransitions({
    metrics: specMetrics, names: new Map(explained.map((m) => [m.index, m.name])), previous: (i) => memory.previous(i), next: (i) => memory.current(i),
    hadCondition: findCondition(pass.conditions, CT.FallbackActive) !== undefined, now: pass.snapshot.now,
  });
  for (const e of r.events) { pass.event(e.type, e.reason, e.message); pass.step(e.message); }
  if (r.condition) pass.condition(CT.FallbackActive, r.condition.status, r.condition.reason ?? '', r.condition.message ?? '');
  else pass.conditions = removeCondition(pass.conditions, CT.FallbackActive);
}

/** The per-metric history to persist: the pass's when it computed metrics, else the previous. */
function withMetricHistory(status: HorizontalAutoscalerStatus, pass: Pass): void {
  const list = pass.memory ? pass.memory.entries() : pass.previous.metricHistory;
  if (list) status.metricHistory = list; else delete status.metricHistory;
}

function setDecisions(status: HorizontalAutoscalerStatus, decisions: HorizontalAutoscalerStatus['decisions']): void {
  if (decisions) status.decisions = decisions; else delete status.decisions;
}

function limitRule(current: number, desired: number, proposed: number | undefined, outcome: Outcome | undefined, tolerance: boolean, rollout = false): LimitRule | undefined {
  if (proposed === undefined || !outcome) {
    if (desired === current) return undefined;
    return desired < current ? 'maxReplicas' : 'minReplicas';
  }
  if (outcome.desired !== outcome.stabilized) {
    switch (outcome.limitedReason.reason) {
      case Reason.TooManyReplicas: return 'maxReplicas';
      case Reason.TooFewReplicas: return 'minReplicas';
      case Reason.ScaleUpLimit: return 'scaleUpLimit';
      case Reason.ScaleDownLimit: return 'scaleDownLimit';
    }
  }
  if (outcome.stabilized !== proposed) return 'stabilization';
  if (rollout) return 'rollout';
  if (tolerance && proposed === current) return 'tolerance';
  return undefined;
}

interface Computed {
  replicas: number;
  metric: string;
  statuses: MetricStatus[] | undefined;
  metrics: MetricExplanation[];
  error?: string;
  selectorProblem?: boolean;
  heldByTolerance: boolean;
  /** The largest proposal is a fallback's. */
  fallbackWins?: boolean;
}

/** §7: every metric's proposal, the maximum, and the invalid-metric rules. */
function computeReplicasForMetrics(pass: Pass, spec: EffectiveSpec, scale: Scale, specReplicas: number, statusReplicas: number): Computed {
  const s = pass.snapshot;
  const selectorText = scale.status?.selector ?? '';
  const none = { replicas: -1, metric: '', statuses: undefined, metrics: [], selectorProblem: true, heldByTolerance: false };
  if (selectorText === '') {
    pass.event('Warning', EventReason.SelectorRequired, 'selector is required');
    pass.condition(CT.ScalingActive, 'False', Reason.InvalidSelector, Message.missingSelector);
    return { ...none, error: 'selector is required' };
  }
  let selector: Selector;
  try {
    selector = parseSelector(selectorText);
  } catch (e) {
    const msg = Message.invalidSelector((e as Error).message);
    pass.event('Warning', EventReason.InvalidSelector, msg);
    pass.condition(CT.ScalingActive, 'False', Reason.InvalidSelector, msg);
    return { ...none, error: msg };
  }
  const namespace = s.autoscaler.metadata?.namespace ?? 'default';
  const matching: Pod[] = s.pods.filter((p) => (p.metadata.namespace ?? namespace) === namespace && selector.matches(p.metadata.labels));
  // selectionStrategy (KEP-5325): OwnerReference leaves out pods the target does not own.
  const selection = selectPods(s.autoscaler.spec.selectionStrategy, s.podOwnership, matching);
  if (selection.step) pass.step(selection.step);
  if (selection.warning) pass.event('Warning', 'SelectionStrategyNotApplied', selection.warning);
  const pods = selection.pods;
  if (s.rollout && s.autoscaler.spec.rollout?.policy === 'ExcludeSurge') pass.step(describeRollout(s.rollout));
  if (s.selectorConflicts && s.selectorConflicts.length > 0) {
    // v1.36.3's text lists every autoscaler selecting the pods, itself included; upstream's order is
    // a map's (random), ours sorted.
    const self = `${namespace}/${s.autoscaler.metadata?.name ?? ''}`;
    const names = [...new Set([self, ...s.selectorConflicts])].sort();
    const msg = `pods by selector ${selectorText} are controlled by multiple HPAs: [${names.join(' ')}]`;
    pass.event('Warning', EventReason.AmbiguousSelector, msg);
    pass.condition(CT.ScalingActive, 'False', Reason.AmbiguousSelector, msg);
    return { ...none, error: msg };
  }

  const ctx: MetricContext = {
    namespace, specReplicas, statusReplicas, pods, selector, exclude: selection.exclude,
    podMetrics: s.podMetrics === undefined ? undefined : Array.isArray(s.podMetrics) ? { items: s.podMetrics } : s.podMetrics as { error: string },
    fetched: (index) => { const m = spec.metrics[index]; return m ? entryFetch(s, m, index) : undefined; },
    tolerance: spec.tolerance,
    rules: { cpuInitializationPeriodMs: spec.cpuInitializationPeriodMs, initialReadinessDelayMs: spec.initialReadinessDelayMs, now: s.now },
  };

  const statuses: MetricStatus[] = [];
  const metrics: MetricExplanation[] = [];
  let replicas = 0;
  let metric = '';
  let invalid = 0;
  let firstFailure: { reason: string; inner: string; error: string } | undefined;
  let heldByTolerance = false;
  let fallbackWins = false;
  spec.metrics.forEach((m, i) => {
    const r = computeWithRollout(pass, ctx, m, i);
    if (!r.ok) {
      pass.event('Warning', r.reason, r.inner);
      // A metric failing for its fallback's failureDurationSeconds proposes the fallback's replicas.
      const fb = pass.memory?.failed(i);
      if (fb?.active) {
        statuses.push({ type: '' });
        metrics.push({ index: i, type: m.type, name: r.name, replicas: fb.replicas, error: r.error, fallback: { replicas: fb.replicas, since: fb.since } });
        pass.step(`metric ${i} (${r.name}) failed: ${r.inner}; its fallback proposes ${fb.replicas} replicas`);
        if (replicas === 0 || fb.replicas > replicas) { replicas = fb.replicas; metric = fallbackName(r.name); heldByTolerance = false; fallbackWins = true; }
        return;
      }
      firstFailure ??= r;
      invalid++;
      statuses.push({ type: '' });
      metrics.push({ index: i, type: m.type, name: r.name, error: r.error });
      pass.step(`metric ${i} (${r.name}) failed: ${r.inner}`);
      return;
    }
    statuses.push(r.status);
    pass.memory?.measured(i, r.detail.ratio, ctx.statusReplicas > 0 && ctx.pods.length > 0);
    metrics.push({ index: i, type: m.type, name: r.name, replicas: r.replicas, detail: r.detail });
    pass.step(`metric ${i} (${r.name}): current ${r.detail.current ?? '?'} vs target ${r.detail.target ?? '?'}` +
      `${r.detail.ratio !== undefined ? `, ratio ${r.detail.ratio.toFixed(3)}` : ''} → ${r.replicas} replicas${r.detail.heldBy ? ` (${r.detail.heldBy})` : ''}`);
    if (replicas === 0 || r.replicas > replicas) {
      replicas = r.replicas;
      metric = r.name;
      heldByTolerance = r.detail.heldBy === 'tolerance';
      fallbackWins = false;
    }
  });

  const error = firstFailure ? `invalid metrics (${invalid} invalid out of ${spec.metrics.length}), first error is: ${firstFailure.error}` : undefined;
  // Any invalid metric forbids scaling down; all invalid forbids everything.
  if (firstFailure && (invalid >= spec.metrics.length || replicas < specReplicas)) {
    pass.condition(CT.ScalingActive, 'False', firstFailure.reason, Message.unableToCompute(firstFailure.inner));
    return { replicas: -1, metric: '', statuses, metrics, error, heldByTolerance };
  }
  pass.condition(CT.ScalingActive, 'True', Reason.ValidMetricFound, Message.validMetricFound(metric));
  return { replicas, metric, statuses, metrics, error, heldByTolerance, fallbackWins };
}

/**
 * One metric's proposal; while the target rolls out under rollout.policy ExcludeSurge, a scale-up is
 * bounded by the same metric over the pods of spec.replicas (rollout.ts).
 */
function computeWithRollout(pass: Pass, ctx: MetricContext, m: MetricSpec, i: number): MetricResult {
  const r = computeMetric(ctx, m, i);
  const rollout = pass.snapshot.rollout;
  if (!rollout || pass.snapshot.autoscaler.spec.rollout?.policy !== 'ExcludeSurge') return r;
  const bounded = boundByRollout(ctx, r, rollout, (view) => computeMetric(view, m, i));
  if (bounded.step) pass.step(bounded.step);
  return bounded.result;
}

/** The printer-column fields: the target's reference and each metric's current/target. */
function display(pass: Pass, statuses: readonly MetricStatus[] | undefined): { reference: string; targets: string } {
  const spec = pass.snapshot.autoscaler.spec;
  const ref = spec.scaleTargetRef as { kind?: unknown; name?: unknown } | undefined;
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const metrics = Array.isArray(spec.metrics) && spec.metrics.length > 0 ? spec.metrics : DEFAULT_METRICS;
  let targets: string;
  try { targets = formatTargets(metrics, statuses); } catch { targets = '<invalid>'; }
  return { reference: `${text(ref?.kind)}/${text(ref?.name)}`, targets };
}

/** A pass that stops without scaling: previous desiredReplicas kept, no recommendation recorded. */
function hold(pass: Pass, bounds: { minReplicas: number; maxReplicas: number }, current: number | undefined, limitedBy: LimitRule, error: string,
  metricStatuses?: MetricStatus[], metrics: MetricExplanation[] = []): Decision {
  const previous = pass.previous;
  const desired = previous.desiredReplicas ?? current ?? 0;
  const status: HorizontalAutoscalerStatus = {
    ...previous,
    ...(current !== undefined ? { currentReplicas: current } : {}),
    // Upstream keeps the status's desired count on a pass that stops early: 0 for a new autoscaler.
    desiredReplicas: previous.desiredReplicas ?? 0,
    currentMetrics: metricStatuses ?? previous.currentMetrics,
    conditions: pass.conditions,
    observedGeneration: pass.snapshot.autoscaler.metadata?.generation ?? previous.observedGeneration,
    ...(pass.recommendations ? { recommendations: fromTimedRecs(compactRecommendations(pass.recommendations)) } : {}),
    ...display(pass, metricStatuses ?? previous.currentMetrics),
  };
  withMetricHistory(status, pass);
  const explanation: Explanation = { currentReplicas: current, ...bounds, metrics, desired, limitedBy, steps: pass.steps };
  status.lastDecision = summarize(explanation, pass.snapshot.now, error);
  setDecisions(status, recordDecision(previous.decisions, status.lastDecision, false));
  return { currentReplicas: current, desiredReplicas: desired, scaleTo: null, status, events: pass.events, explanation, error };
}

interface Finish {
  current: number;
  desired: number;
  rescale: boolean;
  rescaleReason?: string;
  recommendations: TimedRecommendation[];
  metricStatuses?: MetricStatus[];
  metrics?: MetricExplanation[];
  proposal?: { replicas: number; by: string };
  stabilized?: number;
  limitedBy?: LimitRule;
  error?: string;
  hasObjectOrExternal?: boolean;
  gate?: GateTrip;
}

/** Steps 11–13: act on the decision (or report why not) and build the new status. */
function finish(pass: Pass, spec: EffectiveSpec, bounds: { minReplicas: number; maxReplicas: number }, f: Finish): Decision {
  const s = pass.snapshot;
  const previous = pass.previous;
  const annotations = s.autoscaler.metadata?.annotations ?? {};
  let limitedBy = f.limitedBy;
  let scaleEvents = { up: toTimedEvents(previous.scaleUpEvents), down: toTimedEvents(previous.scaleDownEvents) };
  let lastScaleTime = previous.lastScaleTime;
  let desiredReplicas = f.current;
  let scaleTo: number | null = null;
  let error = f.error;
  const reason = f.rescaleReason ?? '';

  if (f.rescale) {
    const up = f.desired > f.current;
    const pausedBy = pausing(annotations[Annotation.paused]) ? Annotation.paused
      : up && pausing(annotations[Annotation.pausedScaleUp]) ? Annotation.pausedScaleUp
      : !up && pausing(annotations[Annotation.pausedScaleDown]) ? Annotation.pausedScaleDown
      : undefined;
    if (pausedBy) {
      const message = `scaling ${up ? 'up' : 'down'} is paused by annotation ${pausedBy}; recommended size is ${f.desired}`;
      pass.condition(CT.AbleToScale, 'False', Reason.Paused, message);
      pass.event('Normal', EventReason.PausedRescale, `Paused; would scale to ${f.desired}; reason: ${reason}`);
      pass.step(`paused by ${pausedBy}: would scale to ${f.desired}`);
      desiredReplicas = f.desired;
      limitedBy = 'paused';
    } else if (s.autoscaler.spec.dryRun === true) {
      const message = `dry run: recommended size is ${f.desired}; the target's scale is not changed`;
      pass.condition(CT.AbleToScale, 'True', Reason.DryRun, message);
      pass.event('Normal', EventReason.DryRunRescale, `Dry run; would scale to ${f.desired}; reason: ${reason}`);
      pass.step(`dry run: would scale to ${f.desired}`);
      desiredReplicas = f.desired;
      limitedBy = 'dryRun';
    } else if (s.rescaleError !== undefined) {
      pass.event('Warning', EventReason.FailedRescale, `New size: ${f.desired}; reason: ${reason}; error: ${s.rescaleError}`);
      pass.condition(CT.AbleToScale, 'False', Reason.FailedUpdateScale, Message.failedUpdateScale(s.rescaleError));
      pass.step(`updating the scale to ${f.desired} failed: ${s.rescaleError}`);
      desiredReplicas = previous.desiredReplicas ?? 0; // kept, as upstream keeps it (0 when new)
      error = `failed to rescale: ${s.rescaleError}`;
      limitedBy = 'scaleError';
    } else {
      scaleTo = f.desired;
      desiredReplicas = f.desired;
      pass.condition(CT.AbleToScale, 'True', Reason.SucceededRescale, Message.succeededRescale(f.desired));
      pass.event('Normal', EventReason.SuccessfulRescale, `New size: ${f.desired}; reason: ${reason}`);
      pass.step(`scale ${f.current} → ${f.desired}: ${reason}`);
      if (spec.behavior) scaleEvents = storeScaleEvent(spec.behavior, scaleEvents, f.current, f.desired, s.now);
      lastScaleTime = k8sTime(s.now);
      const toZero = f.current > 0 && f.desired === 0 && spec.minReplicas === 0 && f.hasObjectOrExternal === true;
      pass.condition(CT.ScaledToZero, toZero ? 'True' : 'False', toZero ? Reason.ScaledToZero : Reason.NotScaledToZero,
        toZero ? Message.scaledToZero : Message.notScaledToZero);
    }
  } else {
    if (f.limitedBy !== 'scalingDisabled') pass.step(`no change: stay at ${f.current}`);
  }

  const status: HorizontalAutoscalerStatus = {
    observedGeneration: s.autoscaler.metadata?.generation ?? previous.observedGeneration,
    ...display(pass, f.metricStatuses),
    ...(lastScaleTime !== undefined ? { lastScaleTime } : {}),
    currentReplicas: f.current,
    desiredReplicas,
    ...(f.metricStatuses ? { currentMetrics: f.metricStatuses } : {}),
    conditions: pass.conditions,
    recommendations: fromTimedRecs(compactRecommendations(f.recommendations, s.now, longestWindowMs(spec))),
    // Kept even without behavior (upstream keeps them in memory; adding a behavior back uses them).
    ...(spec.behavior || scaleEvents.up.length > 0 || scaleEvents.down.length > 0
      ? { scaleUpEvents: fromTimedEvents(scaleEvents.up), scaleDownEvents: fromTimedEvents(scaleEvents.down) } : {}),
  };
  withMetricHistory(status, pass);
  const explanation: Explanation = {
    currentReplicas: f.current, ...bounds, metrics: f.metrics ?? [],
    proposed: f.proposal?.replicas, proposedBy: f.proposal?.by, stabilized: f.stabilized,
    desired: desiredReplicas, limitedBy, ...(f.gate ? { safetyGate: { gate: f.gate.gate, message: f.gate.message } } : {}), steps: pass.steps,
  };
  status.lastDecision = summarize(explanation, s.now, error, reason);
  setDecisions(status, recordDecision(previous.decisions, status.lastDecision, scaleTo !== null));
  return {
    currentReplicas: f.current, desiredReplicas, scaleTo, ...(reason ? { rescaleReason: reason } : {}),
    status, events: pass.events, explanation, ...(error !== undefined ? { error } : {}),
  };
}
