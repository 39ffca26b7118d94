// The one table `--vs-hpa` prints: kscale | upstream HPA | ratio (kscale / upstream), or the same as JSON.

export interface Row {
  label: string;
  unit: string;
  kscale: number | undefined;
  upstream: number | undefined;
  /** Digits after the point (default: chosen from the magnitude). */
  digits?: number;
  /** Leave the ratio out (e.g. figures that are not "less is better" nor comparable as a quotient). */
  noRatio?: boolean;
}

export interface Table { title: string; notes: string[]; rows: Row[] }

const ok = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x);

export function ratio(r: Row): number | undefined {
  // Only between two positive figures: a difference-based figure (attributable CPU, growth) can come
  // out at or below zero within noise, and a quotient of those means nothing.
  if (r.noRatio || !ok(r.kscale) || !ok(r.upstream) || r.kscale <= 0 || r.upstream <= 0) return undefined;
  return r.kscale / r.upstream;
}

function fmt(x: number | undefined, digits?: number): string {
  if (!ok(x)) return '–';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3);
  return x.toFixed(d);
}

export function renderText(t: Table): string {
  const head = ['', 'kscale', 'upstream HPA', 'ratio'];
  const body = t.rows.map((r) => {
    const q = ratio(r);
    return [`${r.label}${r.unit ? ` (${r.unit})` : ''}`, fmt(r.kscale, r.digits), fmt(r.upstream, r.digits), q === undefined ? '' : `${q.toFixed(2)}×`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [t.title, '', line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', ...t.notes.map((n) => `  ${n}`)].join('\n');
}

export function renderJson(t: Table, params: Record<string, unknown>): string {
  const num = (x: number | undefined): number | null => (ok(x) ? x : null);
  return JSON.stringify({
    title: t.title, params, notes: t.notes,
    rows: t.rows.map((r) => ({ metric: r.label, unit: r.unit, kscale: num(r.kscale), upstream: num(r.upstream), ratio: num(ratio(r)) })),
  }, null, 2);
}
