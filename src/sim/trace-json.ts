// JSON traces: { "interval"?: seconds, "points": [{ "t": seconds | "RFC 3339", "<metric>": value, ... }] }.
// A point without "t" is placed `interval` seconds after the previous one (the first at 0). A value
// is a number or a quantity string; null is a gap (the metric is missing until its next value); a
// metric absent from a point keeps its previous value; "~" is a stale sample (the previous value, not
// refreshed). Problems name their JSON path ($.points[3].cpu).
import { RFC3339, STALE_CELL, TraceError, type Trace, type TracePoint } from './trace.ts';
import { parseTraceValue } from './trace-value.ts';

const MAX_PROBLEMS = 10;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseJsonTrace(text: string, source = 'trace.json'): Trace {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new TraceError([`${source}: not valid JSON: ${(e as Error).message}`]);
  }
  return traceFromJson(raw, source);
}

/** Checks decoded JSON and turns it into a Trace. */
export function traceFromJson(raw: unknown, source = 'trace.json'): Trace {
  const problems: string[] = [];
  const add = (path: string, message: string): void => { problems.push(`${source}: ${path}: ${message}`); };
  if (!isObj(raw)) throw new TraceError([`${source}: $: must be an object with "points" (and optionally "interval")`]);
  for (const k of Object.keys(raw)) if (k !== 'points' && k !== 'interval') add(`$.${k}`, 'unknown field (expected "points" and optionally "interval")');
  let interval: number | undefined;
  if (raw.interval !== undefined) {
    if (typeof raw.interval === 'number' && Number.isFinite(raw.interval) && raw.interval > 0) interval = raw.interval;
    else add('$.interval', `must be a number of seconds > 0, got ${JSON.stringify(raw.interval)}`);
  }
  if (!Array.isArray(raw.points) || raw.points.length === 0) {
    add('$.points', 'required: a non-empty list of points such as {"t": 0, "cpu": "1500m"}');
    throw new TraceError(problems);
  }

  const columns: string[] = [];
  const points: TracePoint[] = [];
  let timeKind: 'seconds' | 'rfc3339' | undefined;
  let first: number | undefined;
  let previousMs: number | undefined;
  raw.points.forEach((p: unknown, i) => {
    if (problems.length >= MAX_PROBLEMS) return;
    const path = `$.points[${i}]`;
    if (!isObj(p)) { add(path, 'must be an object such as {"t": 0, "cpu": "1500m"}'); return; }
    let ms: number | undefined;
    if (p.t === undefined) {
      if (interval === undefined) add(`${path}.t`, 'required (or set "interval" to space points evenly)');
      else if (timeKind === 'rfc3339') add(`${path}.t`, 'required: earlier points use RFC 3339 times');
      else { timeKind = 'seconds'; ms = previousMs === undefined ? 0 : previousMs + interval * 1000; }
    } else if (typeof p.t === 'number' && Number.isFinite(p.t) && p.t >= 0) {
      if (timeKind === 'rfc3339') add(`${path}.t`, 'is seconds, earlier points use RFC 3339 times; do not mix');
      else { timeKind = 'seconds'; ms = p.t * 1000; }
    } else if (typeof p.t === 'string' && RFC3339.test(p.t) && !Number.isNaN(Date.parse(p.t))) {
      if (timeKind === 'seconds') add(`${path}.t`, 'is an RFC 3339 time, earlier points use seconds; do not mix');
      else { timeKind = 'rfc3339'; ms = Date.parse(p.t); }
    } else {
      add(`${path}.t`, `must be seconds from the start (a number >= 0) or an RFC 3339 time, got ${JSON.stringify(p.t)}`);
    }
    if (ms !== undefined && previousMs !== undefined && ms <= previousMs) add(`${path}.t`, 'time must increase from point to point');

    const values: Record<string, bigint | null> = {};
    const stale: string[] = [];
    for (const [name, v] of Object.entries(p)) {
      if (name === 't') continue;
      if (!columns.includes(name)) columns.push(name);
      if (v === null) { values[name] = null; continue; }
      if (v === STALE_CELL) { stale.push(name); continue; }
      if (typeof v !== 'number' && typeof v !== 'string') { add(`${path}.${name}`, `must be a number, a quantity string or null, got ${JSON.stringify(v)}`); continue; }
      try { values[name] = parseTraceValue(v); } catch (e) { add(`${path}.${name}`, (e as Error).message); }
    }
    if (ms !== undefined) {
      first ??= ms;
      previousMs = ms;
      points.push({ t: (ms - first) / 1000, values, ...(stale.length > 0 ? { stale } : {}) });
    }
  });
  if (problems.length === 0 && columns.length === 0) add('$.points', 'no point names a metric (e.g. "cpu")');
  if (problems.length > 0) throw new TraceError(problems.slice(0, MAX_PROBLEMS));
  return { source, columns, points, ...(timeKind === 'rfc3339' && first !== undefined ? { startTime: first } : {}) };
}
