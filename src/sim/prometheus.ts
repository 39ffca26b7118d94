// A trace from Prometheus range queries (/api/v1/query_range): one column per named query. A
// query returning several series is summed per timestamp (the trace holds totals); a timestamp
// where a query has no sample, or NaN/Inf, is a gap. Pure: the caller fetches the responses.
import { TraceError, type Trace, type TracePoint } from './trace.ts';

export interface RangeQuery {
  /** The trace column, e.g. "cpu" or an External metric's name. */
  column: string;
  query: string;
}

export interface RangeWindow {
  /** Seconds since the epoch. */
  start: number;
  end: number;
  step: number;
}

/** Parses "--query NAME=PROMQL". */
export function parseRangeQuery(text: string): RangeQuery {
  const eq = text.indexOf('=');
  const column = eq > 0 ? text.slice(0, eq).trim() : '';
  const query = eq > 0 ? text.slice(eq + 1).trim() : '';
  if (!/^[A-Za-z_][-A-Za-z0-9_.:/]*$/.test(column) || query === '') {
    throw new Error(`--query must be NAME=PROMQL, where NAME is the trace column (e.g. cpu=sum(rate(container_cpu_usage_seconds_total[1m]))), got ${JSON.stringify(text)}`);
  }
  return { column, query };
}

export function queryRangeUrl(base: string, q: RangeQuery, w: RangeWindow): string {
  const url = new URL(`${base.replace(/\/+$/, '')}/api/v1/query_range`);
  url.searchParams.set('query', q.query);
  url.searchParams.set('start', String(w.start));
  url.searchParams.set('end', String(w.end));
  url.searchParams.set('step', String(w.step));
  return url.toString();
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Samples of one response, summed over series: timestamp (ms) → milli-units (null: NaN/Inf). */
function samples(column: string, body: unknown): Map<number, bigint | null> {
  const where = `prometheus query ${column}`;
  if (!isObj(body)) throw new TraceError([`${where}: the response is not a JSON object`]);
  if (body.status !== 'success') {
    const detail = typeof body.error === 'string' ? body.error : JSON.stringify(body.status);
    throw new TraceError([`${where}: Prometheus answered ${detail}`]);
  }
  const data = body.data;
  if (!isObj(data) || data.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw new TraceError([`${where}: expected data.resultType "matrix" with a result list (a range query)`]);
  }
  const out = new Map<number, bigint | null>();
  data.result.forEach((s: unknown, i) => {
    if (!isObj(s) || !Array.isArray(s.values)) throw new TraceError([`${where}: data.result[${i}].values: expected a list of [time, "value"]`]);
    s.values.forEach((pair: unknown, j) => {
      if (!Array.isArray(pair) || typeof pair[0] !== 'number' || typeof pair[1] !== 'string') {
        throw new TraceError([`${where}: data.result[${i}].values[${j}]: expected [time, "value"]`]);
      }
      const ms = Math.round(pair[0] * 1000);
      const v = Number(pair[1]);
      const milli = Number.isFinite(v) ? BigInt(Math.round(Math.max(0, v) * 1000)) : null;
      const before = out.get(ms);
      out.set(ms, before === undefined ? milli : before === null || milli === null ? (before ?? milli) : before + milli);
    });
  });
  return out;
}

/** Builds a trace from each query's decoded response body. */
export function traceFromRanges(responses: readonly { column: string; body: unknown }[]): Trace {
  const byColumn = responses.map((r) => ({ column: r.column, values: samples(r.column, r.body) }));
  const times = [...new Set(byColumn.flatMap((c) => [...c.values.keys()]))].sort((a, b) => a - b);
  const first = times[0];
  if (first === undefined) throw new TraceError(['prometheus: the queries returned no samples in the range']);
  const points: TracePoint[] = times.map((ms) => ({
    t: (ms - first) / 1000,
    values: Object.fromEntries(byColumn.map((c) => [c.column, c.values.get(ms) ?? null])),
  }));
  return { source: 'prometheus', columns: byColumn.map((c) => c.column), points, startTime: first };
}
