// `kscale simulate --output text`: per configuration, the ticks where something changed; then the
// summaries side by side and, with two configurations, their differences in words.
import { clock, grouped, loadText, percent, table } from './format.ts';
import type { Tick } from './replay.ts';
import { usedColumns, type SimulatedConfiguration, type Simulation } from './simulate.ts';

// Holds by tolerance are the quiet normal: switching in or out of them is no news.
const quiet = (l: string | undefined): string => (l === undefined || l === 'tolerance' ? '' : l);

/** The ticks worth a line: the first, every scale change, and holds or failures starting or ending. */
export function notableTicks(ticks: readonly Tick[]): Tick[] {
  return ticks.filter((t, i) => {
    const prev = ticks[i - 1];
    if (!prev) return true;
    return t.scaleTo !== null || quiet(t.limitedBy) !== quiet(prev.limitedBy) || (t.error === undefined) !== (prev.error === undefined)
      || (t.fallback ?? []).join() !== (prev.fallback ?? []).join() || (t.rollout === undefined) !== (prev.rollout === undefined)
      || Object.keys(t.stale ?? {}).join() !== Object.keys(prev.stale ?? {}).join();
  });
}

// Upstream fixes the rescale reason before stabilization, so a step taken only because the window
// kept a higher recommendation has none: say where it came from.
export function reasonCell(t: Tick): string {
  const fallback = `${t.fallback ? ` [fallback: ${t.fallback.join(', ')}]` : ''}${t.rollout ? ` [rollout: ${t.rollout}]` : ''}`;
  if (t.error !== undefined) return `${t.error}${fallback}`;
  if (t.reason !== '') return `${t.reason}${fallback}`;
  return t.limitedBy === 'stabilization' ? 'stabilization window: a recent recommendation was higher' : fallback.trim();
}

export function loadCell(t: Tick, column: string): string {
  const ratio = t.ratio[column] ?? null;
  // "~" as in the trace: the value is a stale sample, taken at the time in brackets.
  const since = t.stale?.[column];
  return `${since !== undefined ? `~${loadText(column, t.load[column] ?? null)} [sampled ${clock(since)}]` : loadText(column, t.load[column] ?? null)}${ratio !== null ? ` (${percent(ratio)})` : ''}`;
}

export function replicasCell(t: Tick): string {
  return t.scaleTo !== null ? `${t.replicas} → ${t.scaleTo}` : `${t.replicas}${t.desired !== t.replicas ? ` (wants ${t.desired})` : ''}`;
}

function timeline(c: SimulatedConfiguration, columns: readonly string[]): string[] {
  const shown = notableTicks(c.ticks);
  const rows = [
    ['time', ...columns, 'replicas', 'limited by', 'reason'],
    ...shown.map((t) => [clock(t.t), ...columns.map((col) => loadCell(t, col)), replicasCell(t), t.limitedBy ?? '', reasonCell(t)]),
  ];
  return [...table(rows, '  '), `  (${shown.length} of ${c.ticks.length} ticks shown: the start, scale changes, and holds, metric failures, fallbacks, stale samples or rollouts starting or ending)`];
}

const gateText = (s: SimulatedConfiguration['summary']): string =>
  s.gateHolds === 0 ? '0' : `${s.gateHolds} (${Object.entries(s.gateHoldsBy).map(([g, n]) => `${g} ${n}`).join(', ')})`;

const signed = (n: number, sign: string): string => (n === 0 ? '0' : `${sign}${n}`);

export function summaryRows(configs: readonly SimulatedConfiguration[]): string[][] {
  const row = (label: string, f: (c: SimulatedConfiguration) => string): string[] => [label, ...configs.map(f)];
  return [
    ['', ...configs.map((c) => c.name)],
    row('scale events', (c) => `${c.summary.scaleEvents} (${c.summary.scaleUps} up, ${c.summary.scaleDowns} down)`),
    row('replica-seconds', (c) => grouped(c.summary.replicaSeconds)),
    row('time above target', (c) => `${grouped(c.summary.secondsAboveTarget)} s`),
    row('time at maxReplicas', (c) => `${grouped(c.summary.secondsAtMax)} s (max ${c.maxReplicas})`),
    row('largest step (up / down)', (c) => `${signed(c.summary.largestStepUp, '+')} / ${signed(c.summary.largestStepDown, '−')}`),
    row('peak replicas', (c) => String(c.summary.peakReplicas)),
    row('final replicas', (c) => String(c.summary.finalReplicas)),
    row('time without metrics', (c) => `${grouped(c.summary.secondsWithoutMetrics)} s`),
    // Shown only when a configuration uses a fallback or a safety gate.
    ...(configs.some((c) => c.summary.secondsInFallback > 0) ? [row('time in fallback', (c) => `${grouped(c.summary.secondsInFallback)} s`)] : []),
    ...(configs.some((c) => c.summary.gateHolds > 0) ? [row('held by safety gates', (c) => gateText(c.summary))] : []),
    ...(configs.some((c) => c.summary.secondsRollingOut > 0)
      ? [row('time rolling out', (c) => `${grouped(c.summary.secondsRollingOut)} s (${c.summary.rolloutHolds} scale-ups bounded)`)] : []),
  ];
}

export function renderText(sim: Simulation): string {
  const columns = usedColumns(sim);
  const out: string[] = [];
  const t = sim.trace;
  out.push(`Trace ${t.source}: ${columns.join(', ')}; ${clock(0)}–${clock(t.endSeconds)}${t.startTime ? ` from ${t.startTime}` : ''} (${t.points} points)`);
  sim.configurations.forEach((c, i) => {
    out.push('');
    const label = sim.configurations.length > 1 ? `${String.fromCharCode(65 + i)}: ` : '';
    out.push(`${label}${c.name} (${c.file}): every ${c.syncPeriodSeconds} s, ${c.minReplicas}–${c.maxReplicas} replicas, above target when a ratio > ${grouped(Math.round((1 + c.toleranceUp) * 100))}%`);
    out.push(...timeline(c, columns));
  });
  out.push('', 'Summary', ...table(summaryRows(sim.configurations), '  '));
  if (sim.differences.length > 0) out.push('', 'Differences', ...sim.differences.map((d) => `  - ${d}`));
  return out.join('\n') + '\n';
}
