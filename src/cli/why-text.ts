// `kscale why` in words: a HorizontalAutoscaler's latest decision (each metric's value against its
// target and the replicas it proposed, the rule that bounded the result), its conditions, and the
// decision ledger (status.decisions) newest first. Pure: the object and the time in, text out.
import { effectiveSpec, type EffectiveRules } from '../api/defaults.ts';
import type { Condition, DecisionSummary, HorizontalAutoscaler, HPAScalingPolicy, MetricStatus, MetricValueStatus } from '../api/types.ts';
import { ledgerEntries, ledgerLines } from '../engine/ledger.ts';

/** "42s", "5m", "3h", "2d": how long ago, coarse on purpose. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function when(time: string, now: number): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? time : `${time} (${ago(now - t)} ago)`;
}

// Paused and dry-run decisions record the size they recommend, not a size they applied.
const NOT_APPLIED = new Set(['paused', 'dryRun', 'scaleError']);

function change(d: Pick<DecisionSummary, 'currentReplicas' | 'desiredReplicas' | 'limitedBy'>): string {
  if (d.desiredReplicas === d.currentReplicas) return `stay at ${d.currentReplicas}`;
  const verb = NOT_APPLIED.has(d.limitedBy ?? '') ? 'would scale' : 'scale';
  return `${verb} ${d.desiredReplicas > d.currentReplicas ? 'up' : 'down'} ${d.currentReplicas} → ${d.desiredReplicas}`;
}

const seconds = (s: number): string => (s % 60 === 0 && s >= 60 ? `${s / 60}m` : `${s}s`);

function policies(rules: EffectiveRules, direction: 'up' | 'down'): string {
  if (rules.selectPolicy === 'Disabled') return `scaling ${direction} is disabled (selectPolicy: Disabled)`;
  const each = rules.policies.map((p: HPAScalingPolicy) => `${p.value}${p.type === 'Percent' ? '%' : p.value === 1 ? ' pod' : ' pods'} per ${seconds(p.periodSeconds)}`);
  const pick = each.length > 1 ? (rules.selectPolicy === 'Min' ? ', whichever allows less' : ', whichever allows more') : '';
  return `at most ${each.join(' or ')}${pick}`;
}

/** The rule that bounded the result, in words, with the spec's numbers where they explain it. */
export function ruleText(d: DecisionSummary, hza: HorizontalAutoscaler): string {
  const spec = hza.spec;
  let eff;
  try { eff = effectiveSpec(spec); } catch { eff = undefined; } // an invalid spec still gets an answer
  const proposed = d.proposedReplicas;
  const from = proposed !== undefined && proposed !== d.desiredReplicas ? ` instead of the proposed ${proposed}` : '';
  switch (d.limitedBy) {
    case undefined:
      if (proposed === undefined) return 'no rule: nothing was proposed';
      return proposed === d.currentReplicas ? `none: the proposal equals the current count (${proposed})` : `none: the proposal (${proposed}) was applied as is`;
    case 'tolerance': {
      const tol = eff ? (eff.tolerance.up === eff.tolerance.down ? `±${eff.tolerance.up}` : `+${eff.tolerance.up}/−${eff.tolerance.down}`) : 'the tolerance';
      const source = spec.tolerance !== undefined || spec.behavior?.scaleUp?.tolerance !== undefined || spec.behavior?.scaleDown?.tolerance !== undefined ? 'spec' : "the controller's --tolerance, default 0.1";
      return `tolerance: the usage-to-target ratio was within ${tol} of 1.0 (${source}), so the count stays at ${d.currentReplicas}`;
    }
    case 'stabilization': {
      const down = proposed !== undefined && proposed < d.desiredReplicas;
      // Only a window the spec sets is named with its length: the scale-down default is a controller flag.
      const set = (down ? spec.behavior?.scaleDown : spec.behavior?.scaleUp)?.stabilizationWindowSeconds;
      const window = set !== undefined ? `the ${seconds(set)} window of behavior.scale${down ? 'Down' : 'Up'}.stabilizationWindowSeconds`
        : down ? "the controller's --downscale-stabilization window (default 5m)" : 'the scale-up stabilization window';
      return `stabilization: a ${down ? 'higher' : 'lower'} recommendation within ${window} holds the count at ${d.desiredReplicas}${from}`;
    }
    case 'scaleUpLimit':
      return `scale-up policy: behavior.scaleUp allows ${eff?.behavior ? policies(eff.behavior.scaleUp, 'up') : 'only so much growth per period'}, so ${d.desiredReplicas}${from}`;
    case 'scaleDownLimit':
      return `scale-down policy: behavior.scaleDown allows ${eff?.behavior ? policies(eff.behavior.scaleDown, 'down') : 'only so much shrinking per period'}, so ${d.desiredReplicas}${from}`;
    case 'maxReplicas':
      return `maxReplicas: capped at spec.maxReplicas ${spec.maxReplicas}${from}`;
    case 'minReplicas':
      return `minReplicas: raised to spec.minReplicas ${spec.minReplicas ?? 1}${from}`;
    case 'invalidMetric':
      return 'a metric could not be computed: no scale down while any metric is invalid (as the HPA)';
    case 'scalingDisabled':
      return "scaling disabled: the target has 0 replicas (as the HPA: scale it up by hand to resume)";
    case 'paused':
      return "paused by a kscale.dev/paused* annotation: the target's scale is left as it is";
    case 'dryRun':
      return `spec.dryRun: it decided ${d.desiredReplicas} replicas but does not change the target's scale`;
    case 'invalidSpec':
      return `the spec is invalid: ${d.reason}`;
    case 'ambiguous':
      return `another autoscaler claims the same target or pods: ${d.reason}`;
    case 'scaleError':
      return `updating the target's scale failed: ${d.reason}`;
    case 'rollout':
      return `rollout.policy ExcludeSurge: the target is rolling out, and a scale-up is bounded by what its spec.replicas oldest pods propose (surge pods left out), so ${d.desiredReplicas}`;
    default:
      return d.limitedBy;
  }
}

function metricLine(m: NonNullable<DecisionSummary['metrics']>[number]): string {
  if (m.error !== undefined) return `${m.metric}: could not be computed: ${m.error}`;
  const ratio = m.ratio !== undefined ? `, ratio ${m.ratio.toFixed(3)}` : '';
  const proposal = m.replicas !== undefined ? ` → proposes ${m.replicas} replica${m.replicas === 1 ? '' : 's'}` : '';
  return `${m.metric}: ${m.current ?? '?'} against a target of ${m.target ?? '?'}${ratio}${proposal}`;
}

function valueText(v: MetricValueStatus): string {
  if (v.averageUtilization !== undefined) return `${v.averageUtilization}% utilization`;
  if (v.averageValue !== undefined) return `${v.averageValue} on average`;
  return v.value ?? '?';
}

/** A currentMetrics entry, for when the decision carries no metrics of its own. */
export function metricStatusText(m: MetricStatus): string {
  if (m.resource) return `resource ${m.resource.name}: ${valueText(m.resource.current)}`;
  if (m.containerResource) return `container ${m.containerResource.container} ${m.containerResource.name}: ${valueText(m.containerResource.current)}`;
  if (m.pods) return `pods metric ${m.pods.metric.name}: ${valueText(m.pods.current)}`;
  if (m.object) return `object metric ${m.object.metric.name} of ${m.object.describedObject.kind}/${m.object.describedObject.name}: ${valueText(m.object.current)}`;
  if (m.external) return `external metric ${m.external.metric.name}: ${valueText(m.external.current)}`;
  return 'a metric that failed this pass';
}

function conditionLine(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`;
}

/** The ledger (status.decisions) as lines, oldest first, also when an older version wrote it structured. */
export function decisionLedger(hza: HorizontalAutoscaler): string[] {
  return ledgerLines(hza.status?.decisions);
}

/**
 * The latest decision: the last one written to status, else the newest in the ledger (its numbers,
 * reason and rule; the ledger's metric texts are shown with the history).
 */
export function latestDecision(hza: HorizontalAutoscaler): DecisionSummary | undefined {
  if (hza.status?.lastDecision) return hza.status.lastDecision;
  const e = ledgerEntries(hza.status?.decisions).at(-1);
  if (!e) return undefined;
  const { metrics: _texts, ...decision } = e;
  return decision;
}

/** The whole explanation. The caller has checked that there is a decision to explain. */
export function explainAutoscaler(hza: HorizontalAutoscaler, now: number): string {
  const ns = hza.metadata?.namespace ?? '';
  const name = hza.metadata?.name ?? '';
  const spec = hza.spec;
  const status = hza.status ?? {};
  const d = latestDecision(hza);
  const target = `${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`;
  const lines = [`HorizontalAutoscaler ${ns}/${name} scales ${target} between ${spec.minReplicas ?? 1} and ${spec.maxReplicas} replicas${spec.dryRun === true ? ' (dry run)' : ''}.`];
  if (d) {
    lines.push('', `Latest decision, ${when(d.time, now)}: ${change(d)}`);
    if (d.reason && d.reason !== 'no change') lines.push(`  Reason: ${d.reason}`);
    const metrics = d.metrics ?? [];
    if (metrics.length > 0) {
      lines.push(`  Metrics (each proposes a replica count; the largest wins):`);
      for (const m of metrics) lines.push(`    - ${metricLine(m)}`);
    } else if ((status.currentMetrics ?? []).length > 0) {
      lines.push('  Current metrics:');
      for (const m of status.currentMetrics ?? []) lines.push(`    - ${metricStatusText(m)}`);
    }
    if (d.proposedReplicas !== undefined) lines.push(`  Proposed: ${d.proposedReplicas} replica${d.proposedReplicas === 1 ? '' : 's'}`);
    lines.push(`  Bounded by: ${ruleText(d, hza)}`);
    lines.push(`  Result: ${d.desiredReplicas} replica${d.desiredReplicas === 1 ? '' : 's'} desired${status.lastScaleTime ? `; last scaled ${when(status.lastScaleTime, now)}` : ''}`);
  }
  const conditions = status.conditions ?? [];
  if (conditions.length > 0) {
    lines.push('', 'Conditions:');
    for (const c of conditions) lines.push(`  ${conditionLine(c)}`);
  }
  const history = ledgerEntries(status.decisions).reverse();
  lines.push('');
  if (history.length === 0) {
    lines.push('Recent decisions: none recorded (the ledger keeps decisions that changed the count or were held by a rule).');
  } else {
    lines.push(`Recent decisions, newest first (the ledger keeps the latest that changed the count or were held by a rule):`);
    for (const h of history) {
      const rule = h.limitedBy ? ` [bounded by ${h.limitedBy}]` : '';
      const proposed = h.proposedReplicas !== undefined && h.proposedReplicas !== h.desiredReplicas ? ` (proposed ${h.proposedReplicas})` : '';
      lines.push(`  ${when(h.time, now)}  ${change(h)}${proposed}${h.reason && h.reason !== 'no change' ? ` — ${h.reason}` : ''}${rule}`);
      // Each metric's math, as the ledger line has it.
      for (const m of h.metrics) lines.push(`      ${m}`);
    }
  }
  return lines.join('\n') + '\n';
}
