// The replay as an SVG chart, written by hand (no dependency): on top each metric's usage as a
// ratio of its target, with the target line and the tolerance band; below each configuration's
// replicas as a step line, with maxReplicas. One colour per configuration, one dash per metric.
import { clock, percent } from './format.ts';
import { metricLabel } from './metric-columns.ts';
import { replicasAfter } from './summary.ts';
import { usedColumns, type SimulatedConfiguration, type Simulation } from './simulate.ts';

const W = 960;
const H = 560;
const LEFT = 72;
const RIGHT = 64;
const LOAD = { top: 84, height: 170 };
const REPLICAS = { top: 304, height: 170 };
const PLOT_W = W - LEFT - RIGHT;
const COLOURS = ['#1f6fb4', '#e4572e', '#2a9d5c', '#8e44ad'];
const DASHES = ['', '7 4', '2 3', '10 3 2 3'];

export const configColour = (i: number): string => COLOURS[i % COLOURS.length] ?? '#000';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const f = (n: number): string => String(Math.round(n * 10) / 10);

/** The smallest "nice" step (1, 2, 2.5, 5 × 10^k, or a time step) giving at most `most` intervals. */
function niceStep(range: number, most: number, candidates?: readonly number[]): number {
  if (candidates) return candidates.find((s) => range / s <= most) ?? (candidates.at(-1) ?? 1);
  const raw = range / most;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

const TIME_STEPS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** Path data for a polyline with gaps where the value is null. */
function gappedPath(points: readonly { x: number; y: number | null }[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.y === null) { pen = false; continue; }
    d += `${pen ? 'L' : 'M'}${f(p.x)} ${f(p.y)}`;
    pen = true;
  }
  return d;
}

interface Axes { end: number; x: (t: number) => number; origin: string }

function timeAxis(a: Axes): string[] {
  const step = niceStep(a.end, 10, TIME_STEPS);
  const out: string[] = ['<g class="ks-axis ks-x">'];
  for (let t = 0; t <= a.end + 1e-9; t += step) {
    const x = f(a.x(t));
    for (const p of [LOAD, REPLICAS]) out.push(`<line class="ks-grid" x1="${x}" y1="${p.top}" x2="${x}" y2="${p.top + p.height}"/>`);
    out.push(`<text x="${x}" y="${REPLICAS.top + REPLICAS.height + 18}" text-anchor="middle">${clock(t)}</text>`);
  }
  out.push(`<text class="ks-label" x="${f(LEFT + PLOT_W / 2)}" y="${REPLICAS.top + REPLICAS.height + 40}" text-anchor="middle">${escapeXml(`time since ${a.origin} (${a.end >= 3600 ? 'h:mm:ss' : 'm:ss'})`)}</text>`, '</g>');
  return out;
}

function valueAxis(panel: { top: number; height: number }, max: number, step: number, label: string, text: (v: number) => string): string[] {
  const y = (v: number): number => panel.top + panel.height - (v / max) * panel.height;
  const out = ['<g class="ks-axis ks-y">', `<rect class="ks-frame" x="${LEFT}" y="${panel.top}" width="${PLOT_W}" height="${panel.height}"/>`];
  for (let v = 0; v <= max + 1e-9; v += step) {
    out.push(`<line class="ks-grid" x1="${LEFT}" y1="${f(y(v))}" x2="${LEFT + PLOT_W}" y2="${f(y(v))}"/>`);
    out.push(`<text x="${LEFT - 8}" y="${f(y(v) + 4)}" text-anchor="end">${text(v)}</text>`);
  }
  const cy = panel.top + panel.height / 2;
  out.push(`<text class="ks-label" x="18" y="${f(cy)}" text-anchor="middle" transform="rotate(-90 18 ${f(cy)})">${escapeXml(label)}</text>`, '</g>');
  return out;
}

/** The top of the usage axis: at least 150 % (room for the band), and above the highest point by a margin. */
export function loadAxisMax(peakRatio: number): { max: number; step: number } {
  // 6 % headroom: a line that ends exactly on the frame reads as clipped.
  const top = Math.max(1.5, peakRatio * 1.06);
  const step = niceStep(top * 100, 6) / 100;
  return { max: Math.ceil(top / step - 1e-9) * step, step };
}

function loadPanel(configs: readonly SimulatedConfiguration[], columns: readonly string[], labels: ReadonlyMap<string, string>, a: Axes): string[] {
  let peak = 0;
  for (const c of configs) for (const t of c.ticks) for (const col of columns) peak = Math.max(peak, t.ratio[col] ?? 0);
  const { max, step } = loadAxisMax(peak);
  const y = (r: number): number => LOAD.top + LOAD.height - (r / max) * LOAD.height;
  const out = valueAxis(LOAD, max, step, 'usage / target', (v) => percent(v));
  const first = configs[0];
  if (first) {
    // The tolerance band: inside it the engine holds.
    const top = y(Math.min(max, 1 + first.toleranceUp));
    const bottom = y(Math.max(0, 1 - first.toleranceDown));
    out.push(`<rect class="ks-band" x="${LEFT}" y="${f(top)}" width="${PLOT_W}" height="${f(bottom - top)}"><title>tolerance: the engine holds inside this band</title></rect>`);
  }
  out.push(`<line class="ks-target" x1="${LEFT}" y1="${f(y(1))}" x2="${LEFT + PLOT_W}" y2="${f(y(1))}"/>`,
    `<text class="ks-note" x="${LEFT + PLOT_W + 4}" y="${f(y(1) + 4)}">target</text>`);
  configs.forEach((c, i) => {
    columns.forEach((col, j) => {
      const d = gappedPath(c.ticks.map((t) => ({ x: a.x(t.t), y: t.ratio[col] == null ? null : y(t.ratio[col]) })));
      if (d === '') return;
      const dash = DASHES[j % DASHES.length] ?? '';
      out.push(`<path class="ks-series ks-load" data-config="${escapeXml(c.name)}" data-metric="${escapeXml(col)}" d="${d}" stroke="${configColour(i)}"${dash ? ` stroke-dasharray="${dash}"` : ''}><title>${escapeXml(`${labels.get(col) ?? col} / target (${c.name})`)}</title></path>`);
    });
  });
  return out;
}

/** [from, to) spans of ticks during a rollout, merged. */
export function rolloutSpans(c: SimulatedConfiguration): { from: number; to: number }[] {
  const spans: { from: number; to: number }[] = [];
  for (const t of c.ticks) {
    if (t.rollout === undefined) continue;
    const last = spans.at(-1);
    if (last && last.to === t.t) last.to = t.t + c.syncPeriodSeconds;
    else spans.push({ from: t.t, to: t.t + c.syncPeriodSeconds });
  }
  return spans;
}

/** Rollouts as shaded spans behind the replicas, one strip per configuration (their rollouts last differently). */
function rolloutBands(configs: readonly SimulatedConfiguration[], a: Axes): string[] {
  const out: string[] = [];
  const strip = REPLICAS.height / Math.max(1, configs.length);
  configs.forEach((c, i) => {
    for (const s of rolloutSpans(c)) {
      const x = a.x(s.from);
      out.push(`<rect class="ks-rollout" data-config="${escapeXml(c.name)}" x="${f(x)}" y="${f(REPLICAS.top + i * strip)}" width="${f(a.x(s.to) - x)}" height="${f(strip)}" fill="${configColour(i)}"><title>${escapeXml(`rollout in progress (${c.name}), ${clock(s.from)}–${clock(s.to)}`)}</title></rect>`);
    }
  });
  return out;
}

function replicasPanel(configs: readonly SimulatedConfiguration[], a: Axes): string[] {
  let peak = 1;
  for (const c of configs) peak = Math.max(peak, c.maxReplicas, c.summary.peakReplicas);
  const step = Math.max(1, niceStep(peak, 6));
  const max = Math.ceil((peak + step / 2) / step) * step;
  const y = (r: number): number => REPLICAS.top + REPLICAS.height - (r / max) * REPLICAS.height;
  const out = [...valueAxis(REPLICAS, max, step, 'replicas', (v) => String(v)), ...rolloutBands(configs, a)];
  const limits = [...new Set(configs.map((c) => c.maxReplicas))];
  for (const m of limits) {
    out.push(`<line class="ks-limit" x1="${LEFT}" y1="${f(y(m))}" x2="${LEFT + PLOT_W}" y2="${f(y(m))}"/>`,
      `<text class="ks-note" x="${LEFT + PLOT_W + 4}" y="${f(y(m) + 4)}">max ${m}</text>`);
  }
  configs.forEach((c, i) => {
    const first = c.ticks[0];
    if (!first) return;
    // A step line: each tick's result holds until the next tick.
    let d = `M${f(a.x(first.t))} ${f(y(first.replicas))}`;
    for (const t of c.ticks) d += `H${f(a.x(t.t))}V${f(y(replicasAfter(t)))}`;
    d += `H${f(a.x(a.end))}`;
    out.push(`<path class="ks-series ks-replicas" data-config="${escapeXml(c.name)}" d="${d}" stroke="${configColour(i)}"><title>${escapeXml(`replicas (${c.name})`)}</title></path>`);
  });
  return out;
}

function legend(configs: readonly SimulatedConfiguration[], columns: readonly string[], labels: ReadonlyMap<string, string>): string[] {
  const out = ['<g class="ks-legend">'];
  let x = LEFT;
  let y = 52;
  const item = (swatch: (x1: string, x2: string, y: number) => string, label: string): void => {
    const width = 44 + label.length * 6.6;
    // Long metric names: a second row rather than text running off the right edge.
    if (x > LEFT && x + width > W - 8) { x = LEFT; y += 16; }
    out.push(swatch(f(x), f(x + 26), y), `<text x="${f(x + 32)}" y="${y + 4}">${escapeXml(label)}</text>`);
    x += width;
  };
  configs.forEach((c, i) => {
    item((x1, x2, y) => `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="${configColour(i)}" stroke-width="3"/>`, c.name);
  });
  columns.forEach((col, j) => {
    const dash = DASHES[j % DASHES.length] ?? '';
    item((x1, x2, y) => `<line x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" stroke="#555" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`, `${labels.get(col) ?? col} / target`);
  });
  item((x1, x2, y) => `<line class="ks-target" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}"/>`, 'target');
  if (configs.some((c) => c.summary.secondsRollingOut > 0)) {
    item((x1, x2, y) => `<rect class="ks-rollout" x="${x1}" y="${y - 6}" width="${f(Number(x2) - Number(x1))}" height="12" fill="#555"/>`, 'rollout in progress');
  }
  out.push('</g>');
  return out;
}

/** Readable names for the trace columns, from the first configuration that uses each. */
function columnLabels(configs: readonly SimulatedConfiguration[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const c of configs) for (const m of c.replay.columns) if (!labels.has(m.column)) labels.set(m.column, metricLabel(m));
  return labels;
}

export interface ChartText {
  /** Default: what `kscale simulate` replayed and which configurations. */
  title?: string;
  /** The SVG's <desc>, for screen readers. */
  description?: string;
  /** What the time axis counts from: "time since <origin>"; default the trace's start. */
  origin?: string;
}

/** What `kscale simulate` charts: a trace replayed under one or two configurations. */
export function simulateTitle(sim: Simulation): string {
  return `kscale simulate — ${sim.trace.source} replayed: ${sim.configurations.map((c) => c.name).join(' vs ')}`;
}

export function renderSvg(sim: Simulation, text: ChartText = {}): string {
  const configs = sim.configurations;
  const columns = usedColumns(sim);
  const labels = columnLabels(configs);
  const end = Math.max(sim.trace.endSeconds, ...configs.map((c) => c.syncPeriodSeconds));
  const a: Axes = { end, x: (t) => LEFT + (Math.min(t, end) / end) * PLOT_W, origin: text.origin ?? sim.trace.startTime ?? 'the start of the trace' };
  const title = text.title ?? simulateTitle(sim);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="ks-title">`,
    `<title id="ks-title">${escapeXml(title)}</title>`,
    `<desc>${escapeXml(text.description ?? `Usage of ${columns.map((c) => labels.get(c) ?? c).join(', ')} as a ratio of target (top) and replicas over time (bottom) when replaying ${sim.trace.source}.`)}</desc>`,
    '<style>',
    '  text { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 11px; fill: #222; }',
    '  .ks-title { font-size: 16px; font-weight: bold; }',
    '  .ks-label { font-size: 12px; fill: #444; }',
    '  .ks-note { font-size: 10px; fill: #555; }',
    '  .ks-frame { fill: none; stroke: #999; }',
    '  .ks-grid { stroke: #e6e6e6; }',
    '  .ks-band { fill: #2a9d5c; fill-opacity: 0.10; }',
    '  .ks-target { stroke: #333; stroke-dasharray: 5 4; stroke-width: 1.2; }',
    '  .ks-limit { stroke: #b00; stroke-dasharray: 3 3; stroke-width: 1; }',
    '  .ks-series { fill: none; stroke-width: 2; stroke-linejoin: round; }',
    '  .ks-replicas { stroke-width: 2.5; }',
    '  .ks-rollout { fill-opacity: 0.12; }',
    '</style>',
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    `<text class="ks-title" x="${LEFT}" y="28">${escapeXml(title)}</text>`,
    ...legend(configs, columns, labels),
    ...timeAxis(a),
    ...loadPanel(configs, columns, labels, a),
    ...replicasPanel(configs, a),
    '</svg>',
  ].join('\n') + '\n';
}
