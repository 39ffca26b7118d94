// CSV traces: a header `time,<metric>,...`, then one row per point. time is seconds from the start
// or an RFC 3339 time (not mixed); a value is a number or a quantity; an empty cell is a gap (the
// metric is missing until the next value); a `~` cell is a stale sample (the previous value, not
// refreshed: its sample time stays that of the row that set it). Blank lines and lines starting with
// # are skipped.
// Problems are reported as "<source>: line L, column C (<name>): ...", at most MAX_PROBLEMS.
import { RFC3339, STALE_CELL, TraceError, type Trace, type TracePoint } from './trace.ts';
import { parseTraceValue } from './trace-value.ts';

const MAX_PROBLEMS = 10;

/** Splits one line into trimmed cells; a cell may be wrapped in double quotes (no commas inside). */
function cells(line: string): string[] {
  return line.split(',').map((c) => {
    const t = c.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

export function parseCsvTrace(text: string, source = 'trace.csv'): Trace {
  const problems: string[] = [];
  const at = (line: number, column?: number, name?: string): string =>
    `${source}: line ${line}${column !== undefined ? `, column ${column}${name ? ` (${name})` : ''}` : ''}`;
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let headerLine = 0;
  const rows: { line: number; cells: string[] }[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!header) { header = cells(line); headerLine = i + 1; return; }
    rows.push({ line: i + 1, cells: cells(line) });
  });
  if (!header) throw new TraceError([`${source}: empty: expected a header line such as "time,cpu"`]);

  const columns = header.slice(1);
  if ((header[0] ?? '').toLowerCase() !== 'time') problems.push(`${at(headerLine, 1)}: the header must start with "time", got ${JSON.stringify(header[0])}`);
  if (columns.length === 0) problems.push(`${at(headerLine)}: the header names no metric after "time"`);
  const seen = new Set<string>();
  columns.forEach((name, j) => {
    if (name === '') problems.push(`${at(headerLine, j + 2)}: empty metric name`);
    else if (seen.has(name)) problems.push(`${at(headerLine, j + 2, name)}: duplicate metric name`);
    seen.add(name);
  });
  if (rows.length === 0) problems.push(`${source}: no data rows after the header`);
  if (problems.length > 0) throw new TraceError(problems);

  let timeKind: 'seconds' | 'rfc3339' | undefined;
  let previous: { t: number; line: number } | undefined;
  let first: number | undefined;
  const points: TracePoint[] = [];
  for (const row of rows) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (row.cells.length !== header.length) {
      problems.push(`${at(row.line)}: expected ${header.length} columns (${header.join(',')}), got ${row.cells.length}`);
      continue;
    }
    const timeCell = row.cells[0] ?? '';
    let t: number | undefined;
    if (RFC3339.test(timeCell)) {
      if (timeKind === 'seconds') problems.push(`${at(row.line, 1, 'time')}: ${JSON.stringify(timeCell)} is an RFC 3339 time, earlier rows use seconds; do not mix`);
      else { timeKind = 'rfc3339'; t = Date.parse(timeCell); }
    } else if (/^\d+(\.\d+)?$/.test(timeCell)) {
      if (timeKind === 'rfc3339') problems.push(`${at(row.line, 1, 'time')}: ${JSON.stringify(timeCell)} is seconds, earlier rows use RFC 3339 times; do not mix`);
      else { timeKind = 'seconds'; t = Number(timeCell) * 1000; }
    } else {
      problems.push(`${at(row.line, 1, 'time')}: ${JSON.stringify(timeCell)} is neither seconds from the start nor an RFC 3339 time`);
    }
    if (t !== undefined && Number.isNaN(t)) { problems.push(`${at(row.line, 1, 'time')}: ${JSON.stringify(timeCell)} is not a valid time`); t = undefined; }
    if (t !== undefined && previous && t <= previous.t) {
      problems.push(`${at(row.line, 1, 'time')}: time must increase (line ${previous.line} has the same or a later time)`);
    }
    const values: Record<string, bigint | null> = {};
    const stale: string[] = [];
    columns.forEach((name, j) => {
      const cell = row.cells[j + 1] ?? '';
      if (cell === '') { values[name] = null; return; }
      if (cell === STALE_CELL) { stale.push(name); return; }
      try { values[name] = parseTraceValue(cell); } catch (e) { problems.push(`${at(row.line, j + 2, name)}: ${(e as Error).message}`); }
    });
    if (t !== undefined) {
      first ??= t;
      previous = { t, line: row.line };
      points.push({ t: (t - first) / 1000, values, ...(stale.length > 0 ? { stale } : {}) });
    }
  }
  if (problems.length > 0) throw new TraceError(problems.slice(0, MAX_PROBLEMS));
  return { source, columns, points, ...(timeKind === 'rfc3339' && first !== undefined ? { startTime: first } : {}) };
}
