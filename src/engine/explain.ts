// The explanation in two forms: a compact summary persisted in status.lastDecision, and text for people.
// (The decision ledger, status.decisions, is ledger.ts.)
import type { DecisionSummary } from '../api/types.ts';
import type { Decision, Explanation } from './snapshot.ts';

export function summarize(e: Explanation, now: number, error?: string, reason?: string): DecisionSummary {
  return {
    time: new Date(now).toISOString(),
    currentReplicas: e.currentReplicas ?? 0,
    ...(e.proposed !== undefined ? { proposedReplicas: e.proposed } : {}),
    desiredReplicas: e.desired,
    reason: error ?? (reason || (e.currentReplicas === e.desired ? 'no change' : '')),
    ...(e.limitedBy ? { limitedBy: e.limitedBy } : {}),
    metrics: e.metrics.map((m) => ({
      metric: m.name,
      ...(m.replicas !== undefined ? { replicas: m.replicas } : {}),
      ...(m.detail?.ratio !== undefined && Number.isFinite(m.detail.ratio) ? { ratio: Math.round(m.detail.ratio * 1000) / 1000 } : {}),
      ...(m.detail?.current !== undefined ? { current: m.detail.current } : {}),
      ...(m.detail?.target !== undefined ? { target: m.detail.target } : {}),
      ...(m.error !== undefined ? { error: m.error } : {}),
      ...(m.fallback ? { fallback: { replicas: m.fallback.replicas, since: new Date(m.fallback.since).toISOString() } } : {}),
    })),
  };
}

/** A person-readable account of a decision (`kscale decide --output text`). */
export function renderText(d: Decision): string {
  const e = d.explanation;
  const lines: string[] = [];
  const change = d.scaleTo !== null ? `scale ${d.currentReplicas ?? '?'} → ${d.scaleTo}` : `no change (desired ${d.desiredReplicas})`;
  lines.push(`Decision: ${change}${d.rescaleReason ? ` — ${d.rescaleReason}` : ''}`);
  if (e.limitedBy) lines.push(`Bounded by: ${e.limitedBy}`);
  if (e.safetyGate) lines.push(`Safety gate: ${e.safetyGate.message}`);
  lines.push(`Replicas: current ${e.currentReplicas ?? '?'}, min ${e.minReplicas}, max ${e.maxReplicas}`);
  if (e.metrics.length > 0) {
    lines.push('Metrics:');
    for (const m of e.metrics) {
      if (m.error) {
        const fb = m.fallback ? ` → fallback ${m.fallback.replicas} replicas (failing since ${new Date(m.fallback.since).toISOString()})` : '';
        lines.push(`  - ${m.name}: ERROR ${m.error}${fb}`);
        continue;
      }
      const d2 = m.detail ?? {};
      const pods = d2.ready !== undefined ? ` [pods ready ${d2.ready}, unready ${d2.unready ?? 0}, missing ${d2.missing ?? 0}, ignored ${d2.ignored ?? 0}]` : '';
      const ratio = d2.ratio !== undefined ? ` ratio ${d2.ratio.toFixed(3)}` : '';
      const reb = d2.rebalancedRatio !== undefined ? ` (rebalanced ${d2.rebalancedRatio.toFixed(3)})` : '';
      lines.push(`  - ${m.name}: current ${d2.current ?? '?'} / target ${d2.target ?? '?'}${ratio}${reb} → ${m.replicas ?? '?'}${d2.heldBy ? ` (held by ${d2.heldBy})` : ''}${pods}`);
    }
  }
  lines.push('Steps:');
  for (const s of e.steps) lines.push(`  ${s}`);
  if (d.events.length > 0) {
    lines.push('Events:');
    for (const ev of d.events) lines.push(`  ${ev.type} ${ev.reason}: ${ev.message}`);
  }
  const conditions = d.status.conditions ?? [];
  if (conditions.length > 0) {
    lines.push('Conditions:');
    for (const c of conditions) lines.push(`  ${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`);
  }
  if (d.error) lines.push(`Error: ${d.error}`);
  return lines.join('\n') + '\n';
}
