// Small readers for `--vs-hpa`: a process's CPU time and memory from /proc, Prometheus text
// exposition (counters summed over label sets, histogram quantiles from bucket deltas), and
// percentiles of plain samples. Linux only (/proc); nothing here asserts.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;
/** USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on every Linux we know, but ask). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process in seconds; NaN when it is gone. Fields 14 and 15, counted after the ")" of comm. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): utime is field 14 → f[11], stime field 15 → f[12].
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** VmRSS and VmHWM (peak RSS) in MiB; NaN when the process is gone. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: Number.NaN, peak: Number.NaN };
  }
}

/** The value of `--flag=` on a process's command line (e.g. etcd's --listen-client-urls). */
export function cmdlineFlag(pid: number, flag: string): string | undefined {
  try {
    const args = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
    return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  } catch {
    return undefined;
  }
}

// ---- Prometheus text format ----

export interface Sample { name: string; labels: Record<string, string>; value: number }

export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string; let rest: string; const labels: Record<string, string> = {};
    if (brace >= 0 && brace < space) {
      name = line.slice(0, brace);
      const close = line.lastIndexOf('}');
      for (const m of line.slice(brace + 1, close).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
      rest = line.slice(close + 1).trim();
    } else {
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const value = Number(rest.split(' ')[0]);
    if (name !== '') out.push({ name, labels, value });
  }
  return out;
}

/** Sum of a metric's series whose labels include `match`; undefined when there is no such series. */
export function promSum(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const s of samples) {
    if (s.name !== name || !Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    sum = (sum ?? 0) + s.value;
  }
  return sum;
}

export interface HistogramDelta { count: number; sum: number; buckets: { le: number; count: number }[] }

/** A histogram's increase between two scrapes, summed over its other labels. */
export function histogramDelta(before: readonly Sample[], after: readonly Sample[], name: string, match: Record<string, string> = {}): HistogramDelta | undefined {
  const count = (promSum(after, `${name}_count`, match) ?? Number.NaN) - (promSum(before, `${name}_count`, match) ?? 0);
  if (!Number.isFinite(count)) return undefined;
  const sum = (promSum(after, `${name}_sum`, match) ?? 0) - (promSum(before, `${name}_sum`, match) ?? 0);
  const les = new Set<string>();
  for (const s of after) if (s.name === `${name}_bucket` && s.labels.le !== undefined) les.add(s.labels.le);
  const buckets = [...les].map((le) => ({
    le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
    count: (promSum(after, `${name}_bucket`, { ...match, le }) ?? 0) - (promSum(before, `${name}_bucket`, { ...match, le }) ?? 0),
  })).sort((a, b) => a.le - b.le);
  return { count, sum, buckets };
}

/** Prometheus' histogram_quantile: linear interpolation inside the bucket holding the rank. */
export function histogramQuantile(h: HistogramDelta | undefined, q: number): number {
  if (!h || h.count <= 0) return Number.NaN;
  const rank = q * h.count;
  let prevLe = 0; let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe; // in +Inf: the highest finite bound, as Prometheus does
      const inBucket = b.count - prevCount;
      return inBucket > 0 ? prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket) : b.le;
    }
    prevLe = b.le; prevCount = b.count;
  }
  return prevLe;
}

/** Nearest-rank percentile of plain samples. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** The upper bound of the highest bucket that gained observations: the largest value is at most this. */
export function histogramMax(h: HistogramDelta | undefined): number {
  if (!h || h.count <= 0) return Number.NaN;
  let prev = 0;
  let max = Number.NaN;
  for (const b of h.buckets) { if (b.count > prev) max = b.le; prev = b.count; }
  return max;
}

/** Several histograms (the same buckets) as one: replicas of one controller together. */
export function mergeHistograms(hs: readonly (HistogramDelta | undefined)[]): HistogramDelta | undefined {
  const present = hs.filter((h): h is HistogramDelta => h !== undefined);
  const first = present[0];
  if (!first) return undefined;
  return {
    count: present.reduce((n, h) => n + h.count, 0), sum: present.reduce((n, h) => n + h.sum, 0),
    buckets: first.buckets.map((b, i) => ({ le: b.le, count: present.reduce((n, h) => n + (h.buckets[i]?.count ?? 0), 0) })),
  };
}
