// The decision ledger (status.decisions): one line of text per decision, so that `kubectl describe hza`
// shows ten decisions in ten lines instead of burying the conditions under every field of every entry.
// A line keeps the per-metric math; status.lastDecision stays structured for machines. Statuses
// written before the ledger became lines (structured entries, in the cluster or in snapshot files)
// are converted when read, so the engine appends to them and `kscale why` explains them.
//
//   2026-12-03T12:02:15Z 11→12 (proposed 14, limited by scaleUpLimit) cpu above target | cpu 84%/60% ratio 1.4 → 14
//
// The head (time, from→to, proposed, rule) is never shortened; the reason and the metrics are
// shortened to keep a line within LINE_MAX. "|" separates the reason and the metrics, so it is
// replaced inside them, and so is any line break.
import type { DecisionSummary, MetricProposalSummary } from '../api/types.ts';

/** At most this many entries, oldest dropped first. */
export const LEDGER_ENTRIES = 10;
/** At most this many characters per line (the CRD admits a little more: see crd.ts); so under 4 KiB in all. */
export const LINE_MAX = 384;

/** A ledger line read back: the decision's numbers, its reason and each metric's text. */
export interface LedgerEntry {
  time: string;
  currentReplicas: number;
  desiredReplicas: number;
  proposedReplicas?: number;
  limitedBy?: string;
  reason: string;
  /** One text per metric, as the line has it (e.g. "cpu 84%/60% ratio 1.4 → 14"). */
  metrics: string[];
}

const SEP = ' | ';
const clean = (s: string): string => s.replace(/\s+/g, ' ').replace(/\|/g, '¦').trim();
const ratioText = (r: number): string => String(Math.round(r * 1000) / 1000);

/** One metric's proposal in a few words: its value against its target, the ratio, the replicas. */
export function metricText(m: MetricProposalSummary): string {
  const parts = [m.metric];
  if (m.error !== undefined) parts.push(`error: ${m.error}`);
  else if (m.current !== undefined || m.target !== undefined) parts.push(`${m.current ?? '?'}/${m.target ?? '?'}`);
  if (m.ratio !== undefined) parts.push(`ratio ${ratioText(m.ratio)}`);
  if (m.fallback) parts.push(`fallback ${String(m.fallback.replicas)} since ${m.fallback.since}`);
  else if (m.replicas !== undefined) parts.push(`→ ${String(m.replicas)}`);
  return clean(parts.join(' '));
}

function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? '' : `${s.slice(0, max - 1)}…`;
}

/** A decision as one ledger line, at most LINE_MAX characters. */
export function decisionLine(d: DecisionSummary): string {
  const notes = [
    ...(d.proposedReplicas !== undefined ? [`proposed ${String(d.proposedReplicas)}`] : []),
    ...(d.limitedBy ? [`limited by ${clean(d.limitedBy).replace(/ /g, '_')}`] : []),
  ];
  const head = `${clean(d.time)} ${String(d.currentReplicas)}→${String(d.desiredReplicas)}${notes.length ? ` (${notes.join(', ')})` : ''}`;
  let reason = clean(d.reason);
  let metrics = (d.metrics ?? []).map(metricText).join(SEP);
  const length = (): number => head.length + (reason ? 1 + reason.length : 0) + (metrics ? SEP.length + metrics.length : 0);
  // Too long: the metrics give way first (they are in status.lastDecision in full), then the reason.
  if (length() > LINE_MAX && metrics) metrics = shorten(metrics, Math.max(0, metrics.length - (length() - LINE_MAX)));
  if (length() > LINE_MAX && !metrics.replace(/…$/, '')) metrics = '';
  if (length() > LINE_MAX) reason = shorten(reason, Math.max(0, reason.length - (length() - LINE_MAX)));
  return `${head}${reason ? ` ${reason}` : ''}${metrics ? `${SEP}${metrics}` : ''}`;
}

const HEAD = /^(\S+) (\d+)→(\d+)(?: \((?:proposed (\d+))?(?:, )?(?:limited by ([^\s)]+))?\))?(?: (.*))?$/s;

/** A ledger line read back; undefined if it is not one. */
export function parseDecisionLine(line: string): LedgerEntry | undefined {
  const m = HEAD.exec(line);
  if (!m) return undefined;
  const [reason = '', ...metrics] = (m[6] ?? '').split(SEP);
  return {
    time: m[1] ?? '',
    currentReplicas: Number(m[2]),
    desiredReplicas: Number(m[3]),
    ...(m[4] !== undefined ? { proposedReplicas: Number(m[4]) } : {}),
    ...(m[5] !== undefined ? { limitedBy: m[5] } : {}),
    // A line without a reason starts its metrics right after the head.
    reason: reason.startsWith('| ') ? '' : reason.trim(),
    metrics: reason.startsWith('| ') ? [reason.slice(2), ...metrics] : metrics,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The ledger as lines, whatever form the status holds: lines stay (capped), a structured entry of
 * the previous version becomes its line, and anything else (e.g. an entry the API server pruned to
 * {} under the new schema) is dropped: the ledger explains, it never decides.
 */
export function ledgerLines(entries: readonly unknown[] | undefined): string[] {
  const lines: string[] = [];
  for (const e of entries ?? []) {
    if (typeof e === 'string') {
      if (e.trim()) lines.push(shorten(e.replace(/\s*\n\s*/g, ' '), LINE_MAX));
    } else if (isRecord(e) && typeof e.time === 'string' && typeof e.currentReplicas === 'number' && typeof e.desiredReplicas === 'number') {
      lines.push(decisionLine({
        time: e.time, currentReplicas: e.currentReplicas, desiredReplicas: e.desiredReplicas,
        reason: typeof e.reason === 'string' ? e.reason : '',
        ...(typeof e.proposedReplicas === 'number' ? { proposedReplicas: e.proposedReplicas } : {}),
        ...(typeof e.limitedBy === 'string' && e.limitedBy ? { limitedBy: e.limitedBy } : {}),
        metrics: Array.isArray(e.metrics) ? e.metrics.filter((m): m is MetricProposalSummary => isRecord(m) && typeof m.metric === 'string') : [],
      }));
    }
  }
  return lines;
}

/** The ledger read back as entries (unreadable lines left out), oldest first. */
export function ledgerEntries(entries: readonly unknown[] | undefined): LedgerEntry[] {
  return ledgerLines(entries).map(parseDecisionLine).filter((e): e is LedgerEntry => e !== undefined);
}

const keyOf = (e: LedgerEntry | undefined): string =>
  e ? JSON.stringify([e.currentReplicas, e.desiredReplicas, e.limitedBy ?? '', e.reason]) : '';

/**
 * The ledger after a decision: a decision is recorded when it changed the replica count or a rule
 * held it, and only when it says something the latest entry does not (the same hold, pass after
 * pass, is one entry). Bounded to LEDGER_ENTRIES lines of at most LINE_MAX characters, oldest
 * dropped first. The previous ledger may be of any form ledgerLines reads.
 */
export function recordDecision(history: readonly unknown[] | undefined, d: DecisionSummary, scaled: boolean): string[] | undefined {
  const list = history === undefined ? undefined : ledgerLines(history);
  const notable = scaled || d.limitedBy !== undefined;
  const line = decisionLine(d);
  const last = list?.at(-1);
  if (!notable || (!scaled && last !== undefined && keyOf(parseDecisionLine(last)) === keyOf(parseDecisionLine(line)))) return list;
  return [...(list ?? []), line].slice(-LEDGER_ENTRIES);
}
