// `kscale simulate -f autoscaler.yaml --trace trace.csv [--compare other.yaml] [--out report.svg|html]`:
// replays a metric trace through the decision engine (src/sim) and reports the timeline, a summary,
// and with --compare the differences between two configurations. This file does the I/O: reading
// files, fetching Prometheus ranges, writing the chart (and a PNG when a converter is at hand).
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { API_VERSION, KIND, type HorizontalAutoscaler } from '../api/types.ts';
import { formatFieldErrors, validateSpec } from '../api/validation.ts';
import { isQuantity } from '../values/quantity.ts';
import { renderSvg } from '../sim/chart-svg.ts';
import { missingColumns, metricColumns } from '../sim/metric-columns.ts';
import { parseTrace } from '../sim/parse-trace.ts';
import { ROLLOUT_COLUMN } from '../sim/rollout-column.ts';
import { parseRangeQuery, queryRangeUrl, traceFromRanges, type RangeQuery, type RangeWindow } from '../sim/prometheus.ts';
import { DEFAULT_READY_DELAY_SECONDS, DEFAULT_REQUESTS, type ReplayOptions } from '../sim/replay.ts';
import { renderHtml } from '../sim/report-html.ts';
import { renderJson } from '../sim/report-json.ts';
import { renderText } from '../sim/report-text.ts';
import { simulate, type ConfigurationInput } from '../sim/simulate.ts';
import { RFC3339, TraceError, type Trace } from '../sim/trace.ts';
import { UsageError, type CommandIO } from './io.ts';
import { ROLLOUT_OPTIONS, rolloutModel, seconds } from './simulate-flags.ts';
import { simulateUsage } from './usages.ts';
import { parseSnapshotText } from './snapshot-file.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readText(file: string, io: CommandIO, what: string): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** Seconds since the epoch from RFC 3339 or a number. */
function instant(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (RFC3339.test(text) && !Number.isNaN(Date.parse(text))) return Date.parse(text) / 1000;
  throw new UsageError(`${flag} must be an RFC 3339 time or seconds since the epoch, got ${JSON.stringify(text)}`);
}

/** Reads an autoscaler file: a HorizontalAutoscaler, an autoscaling/v2 HPA, or a decide snapshot. */
async function readAutoscaler(file: string, io: CommandIO): Promise<ConfigurationInput> {
  const raw = parseSnapshotText(await readText(file, io, 'autoscaler'), file);
  const candidate = isObj(raw) && raw.kind === undefined && isObj(raw.autoscaler) ? raw.autoscaler : raw;
  if (!isObj(candidate)) throw new UsageError(`${file}: expected a ${KIND} (${API_VERSION}) or an autoscaling/v2 HorizontalPodAutoscaler`);
  const ours = candidate.kind === KIND && candidate.apiVersion === API_VERSION;
  const hpa = candidate.kind === 'HorizontalPodAutoscaler' && candidate.apiVersion === 'autoscaling/v2';
  if (candidate.kind !== undefined && !ours && !hpa) {
    throw new UsageError(`${file}: unsupported ${JSON.stringify(candidate.apiVersion)} ${JSON.stringify(candidate.kind)}: expected ${API_VERSION} ${KIND} or autoscaling/v2 HorizontalPodAutoscaler`);
  }
  const errors = validateSpec(candidate.spec);
  // The engine would report an invalid spec and hold forever: say so now instead.
  if (errors.length > 0) throw new UsageError(`${file}: the spec is invalid: ${formatFieldErrors(errors)}`);
  const name = basename(file === '-' ? 'stdin' : file).replace(/\.(ya?ml|json)$/i, '');
  return { name, file: file === '-' ? 'stdin' : file, autoscaler: candidate as unknown as HorizontalAutoscaler };
}

async function fetchPrometheus(base: string, queries: readonly RangeQuery[], w: RangeWindow): Promise<Trace> {
  const responses = await Promise.all(queries.map(async (q) => {
    const url = queryRangeUrl(base, q, w);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    } catch (e) {
      throw new UsageError(`prometheus query ${q.column}: cannot reach ${base}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try { body = JSON.parse(text); } catch {
      throw new UsageError(`prometheus query ${q.column}: HTTP ${res.status}: not JSON: ${text.slice(0, 200)}`);
    }
    return { column: q.column, body };
  }));
  return traceFromRanges(responses);
}

/** rsvg-convert, else ImageMagick's convert; a PNG is kept only when it is one. */
async function writePng(svgFile: string, io: CommandIO): Promise<string | undefined> {
  const run = promisify(execFile);
  const has = async (tool: string): Promise<boolean> => {
    try { await run('sh', ['-c', `command -v ${tool}`]); return true; } catch { return false; }
  };
  const png = svgFile.replace(/\.svg$/i, '') + '.png';
  const attempts: [string, string[]][] = [];
  if (await has('rsvg-convert')) attempts.push(['rsvg-convert', ['-o', png, svgFile]]);
  if (await has('convert')) attempts.push(['convert', [svgFile, png]]);
  for (const [tool, args] of attempts) {
    try {
      await run(tool, args, { timeout: 60_000 });
      const head = await readFile(png).catch(() => Buffer.alloc(0));
      if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return png;
    } catch { /* try the next converter */ }
    await rm(png, { force: true });
  }
  if (attempts.length > 0) io.err(`kscale simulate: no PNG written: ${attempts.map(([t]) => t).join(' and ')} could not convert ${svgFile}\n`);
  return undefined;
}

export async function simulateCommand(args: string[], io: CommandIO): Promise<number> {
  const { values: v } = parseArgs({
    args,
    options: {
      filename: { type: 'string', short: 'f' },
      trace: { type: 'string' },
      compare: { type: 'string' },
      out: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
      'ready-delay': { type: 'string' },
      replicas: { type: 'string' },
      'cpu-request': { type: 'string' },
      'memory-request': { type: 'string' },
      'per-pod': { type: 'boolean' },
      duration: { type: 'string' },
      prometheus: { type: 'string' },
      query: { type: 'string', multiple: true },
      start: { type: 'string' },
      end: { type: 'string' },
      step: { type: 'string' },
      ...ROLLOUT_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (v.help) { io.out(simulateUsage + '\n'); return 0; }
  if (!v.filename) throw new UsageError('missing -f AUTOSCALER (the HorizontalAutoscaler to replay)');
  if (v.output !== 'text' && v.output !== 'json') throw new UsageError(`--output must be text or json, got ${JSON.stringify(v.output)}`);
  if (v.trace === undefined && v.prometheus === undefined) throw new UsageError('missing --trace FILE (or --prometheus URL with --query, --start and --end)');
  if (v.trace !== undefined && v.prometheus !== undefined) throw new UsageError('--trace and --prometheus are alternatives: give one');
  const outKind = v.out === undefined ? undefined : extname(v.out).toLowerCase();
  if (outKind !== undefined && outKind !== '.svg' && outKind !== '.html' && outKind !== '.htm') {
    throw new UsageError(`--out must name a .svg or .html file, got ${JSON.stringify(v.out)}`);
  }

  const options: ReplayOptions = { readyDelaySeconds: v['ready-delay'] === undefined ? DEFAULT_READY_DELAY_SECONDS : seconds(v['ready-delay'], '--ready-delay') };
  if (v.replicas !== undefined) {
    if (!/^\d+$/.test(v.replicas) || Number(v.replicas) < 1) throw new UsageError(`--replicas must be an integer >= 1, got ${JSON.stringify(v.replicas)}`);
    options.initialReplicas = Number(v.replicas);
  }
  const requests = { ...DEFAULT_REQUESTS };
  for (const [flag, resource] of [['cpu-request', 'cpu'], ['memory-request', 'memory']] as const) {
    const q = v[flag];
    if (q === undefined) continue;
    if (!isQuantity(q)) throw new UsageError(`--${flag} must be a quantity such as "500m" or "256Mi", got ${JSON.stringify(q)}`);
    requests[resource] = q;
  }
  options.requests = requests;
  if (v['per-pod']) options.perPod = true;
  if (v.duration !== undefined) options.durationSeconds = seconds(v.duration, '--duration');
  const rollout = rolloutModel(v);
  if (Object.keys(rollout).length > 0) options.rollout = rollout;

  const configs = [await readAutoscaler(v.filename, io)];
  if (v.compare !== undefined) configs.push(await readAutoscaler(v.compare, io));

  let trace: Trace;
  try {
    if (v.trace !== undefined) {
      trace = parseTrace(await readText(v.trace, io, 'trace'), v.trace === '-' ? 'stdin' : v.trace);
    } else {
      const queries = (v.query ?? []).map((q) => { try { return parseRangeQuery(q); } catch (e) { throw new UsageError((e as Error).message); } });
      if (queries.length === 0) throw new UsageError('--prometheus needs at least one --query NAME=PROMQL');
      if (v.start === undefined || v.end === undefined) throw new UsageError('--prometheus needs --start and --end');
      const w = { start: instant(v.start, '--start'), end: instant(v.end, '--end'), step: v.step === undefined ? 15 : seconds(v.step, '--step') };
      if (w.end <= w.start) throw new UsageError('--end must be after --start');
      if (w.step <= 0) throw new UsageError('--step must be > 0');
      trace = await fetchPrometheus(v.prometheus ?? '', queries, w);
    }
  } catch (e) {
    // A malformed trace is bad input: exit 2 with the place of every problem.
    if (e instanceof TraceError) throw new UsageError(e.message);
    throw e;
  }

  const missing = configs.flatMap((c) => missingColumns(c.autoscaler.spec, trace.columns).map((m) => `${c.file}: ${m}`));
  if (missing.length > 0) throw new UsageError(missing.join('\n  '));
  const used = new Set(configs.flatMap((c) => metricColumns(c.autoscaler.spec).map((m) => m.column)));
  const unused = trace.columns.filter((c) => !used.has(c) && c !== ROLLOUT_COLUMN);
  if (unused.length > 0) io.err(`kscale simulate: trace column${unused.length > 1 ? 's' : ''} ${unused.join(', ')} not used by ${configs.length > 1 ? 'either autoscaler' : 'the autoscaler'}\n`);
  if (options.rollout && !trace.columns.includes(ROLLOUT_COLUMN)) io.err(`kscale simulate: the --rollout-* flags change nothing: the trace has no ${ROLLOUT_COLUMN} column to start a rollout\n`);

  const sim = simulate(configs, trace, options);
  io.out(v.output === 'json' ? renderJson(sim) : renderText(sim));

  if (v.out !== undefined) {
    const svg = outKind === '.svg';
    await writeFile(v.out, svg ? renderSvg(sim) : renderHtml(sim)).catch((e: unknown) => {
      throw new UsageError(`cannot write ${v.out ?? ''}: ${(e as Error).message}`);
    });
    io.err(`kscale simulate: wrote ${v.out}\n`);
    if (svg) {
      const png = await writePng(v.out, io);
      if (png) io.err(`kscale simulate: wrote ${png}\n`);
    }
  }
  return 0;
}
