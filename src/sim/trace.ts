// A metric trace: named columns of values over time, as `kscale simulate` replays them.
// Values are kept as exact milli-units (the engine's unit), so a trace of "2500m" and one of 2.5
// replay identically. Between points a value is held (a step function).

export interface TracePoint {
  /** Seconds since the trace's first point (the first point is at 0). */
  t: number;
  /**
   * Values set at this point, in milli-units. null marks a gap (the metric is missing from here
   * on); a column absent from the point keeps its previous value.
   */
  values: Readonly<Record<string, bigint | null>>;
  /**
   * Columns whose source was not refreshed at this point (a `~` cell): the metric still reports its
   * previous value, with the sample time of the point that set it, until the column's next value.
   */
  stale?: readonly string[];
}

/** The cell that marks a stale sample: "the last value, not refreshed". */
export const STALE_CELL = '~';

export interface Trace {
  /** Where the trace came from, for messages ("spike.csv", "prometheus"). */
  source: string;
  /** Metric column names, in the order they were declared. */
  columns: readonly string[];
  /** Ascending by t, first at t = 0. */
  points: readonly TracePoint[];
  /** Wall-clock time (ms since the epoch) of t = 0, when the trace gave RFC 3339 times. */
  startTime?: number;
}

/** A malformed trace: every problem names its place (line and column, or JSON path). */
export class TraceError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? `invalid trace: ${problems[0] ?? ''}` : `invalid trace:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

/** The last time covered by the trace (its last point). */
export function traceEnd(trace: Trace): number {
  return trace.points.at(-1)?.t ?? 0;
}

/** One column as a step function: the value in effect at time t (null before its first value or in a gap). */
export interface Series {
  at(t: number): bigint | null;
  /** When the value in effect at t comes from a stale point: the trace time (s) of its sample; else undefined (fresh). */
  staleSince(t: number): number | undefined;
}

/** The last step at or before t (binary search), or undefined. */
function stepAt<S extends { t: number }>(steps: readonly S[], t: number): S | undefined {
  let lo = 0;
  let hi = steps.length - 1;
  let found: S | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const step = steps[mid];
    if (step && step.t <= t) { found = step; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

export function series(trace: Trace, column: string): Series {
  const steps: { t: number; value: bigint | null }[] = [];
  // Freshness: every point that sets the column (fresh) or marks it stale (sampled at the last set).
  const freshness: { t: number; sampled?: number }[] = [];
  let lastSet: number | undefined;
  for (const p of trace.points) {
    const v = p.values[column];
    // After a gap there is no value to serve stale: the metric stays missing.
    if (v !== undefined) { steps.push({ t: p.t, value: v }); freshness.push({ t: p.t }); lastSet = v === null ? undefined : p.t; }
    else if (p.stale?.includes(column) && lastSet !== undefined) freshness.push({ t: p.t, sampled: lastSet });
  }
  return {
    at: (t) => stepAt(steps, t)?.value ?? null,
    staleSince: (t) => stepAt(freshness, t)?.sampled,
  };
}

/** RFC 3339 date-time, as Kubernetes and Prometheus write it. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
