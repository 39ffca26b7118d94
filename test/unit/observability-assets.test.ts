// The Grafana dashboard and the PrometheusRule under deploy/ query only what the controller really
// exports: every metric name in every PromQL expression (dashboard targets, template variables,
// alert expressions) must be a series of a fresh ControllerMetrics registry (or `up`), every label
// name used in a matcher or a grouping must be one of that metric's labels or a scrape target label,
// and the expressions must be well-formed. A small PromQL scanner does the extraction; its own
// tests come first so a scanner that silently finds nothing cannot make the asset tests pass.
// Then Prometheus's own promtool checks the rules (`check rules`) and when each alert fires
// (`test rules` on synthetic series); it is Debian's `prometheus` package, which .ci/run installs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { parse as parseYaml, stringify } from 'yaml';
import { ControllerMetrics } from '../../src/observability/metrics.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

// ---------------------------------------------------------------------------------------------
// PromQL scanner

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);
const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil', 'changes',
  'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'deg', 'delta', 'deriv', 'double_exponential_smoothing', 'end', 'exp', 'floor', 'histogram_avg',
  'histogram_count', 'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum',
  'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'last_over_time', 'ln', 'log10',
  'log2', 'mad_over_time', 'max_over_time', 'min_over_time', 'minute', 'month', 'pi', 'predict_linear', 'present_over_time',
  'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort', 'sort_by_label',
  'sort_by_label_desc', 'sort_desc', 'sqrt', 'start', 'stddev_over_time', 'stdvar_over_time', 'sum_over_time', 'tan', 'tanh',
  'time', 'timestamp', 'vector', 'year',
]);

interface Matcher { label: string; op: string; value: string }
interface Selector { metric: string; matchers: Matcher[] }
interface Scan {
  /** Metric names, in order of appearance (repeats kept). */
  metrics: string[];
  selectors: Selector[];
  /** Label names inside {} matchers. */
  matcherLabels: string[];
  /** Label names inside by/without/on/ignoring/group_left/group_right (...). */
  groupingLabels: string[];
  functions: string[];
  aggregations: string[];
  /** Grafana variables ($x, ${x}) outside strings. */
  variables: string[];
  numbers: string[];
}

const DURATION = /^(\d+(ms|[smhdwy]))+/;
const NUMBER = /^(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/;
const IDENT = /^[a-zA-Z_][a-zA-Z0-9_:]*/;
const GRAFANA_VAR = /^\$(\{[a-zA-Z0-9_:.]+\}|[a-zA-Z0-9_]+)/;
const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '=', '>', '<', '+', '-', '*', '/', '%', '^', ',', ':', '@'];

type Token = { kind: 'ident' | 'number' | 'string' | 'var' | 'op' | 'open' | 'close'; text: string; pos: number };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr.charAt(i);
    const rest = expr.slice(i);
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { const nl = expr.indexOf('\n', i); i = nl < 0 ? expr.length : nl; continue; }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < expr.length && expr.charAt(j) !== c) j += c !== '`' && expr.charAt(j) === '\\' ? 2 : 1;
      if (j >= expr.length) throw new Error(`unterminated string at ${i}: ${expr}`);
      out.push({ kind: 'string', text: expr.slice(i + 1, j), pos: i });
      i = j + 1;
      continue;
    }
    if ('({['.includes(c)) { out.push({ kind: 'open', text: c, pos: i }); i++; continue; }
    if (')}]'.includes(c)) { out.push({ kind: 'close', text: c, pos: i }); i++; continue; }
    const m = DURATION.exec(rest) ?? NUMBER.exec(rest);
    if (m) { out.push({ kind: 'number', text: m[0], pos: i }); i += m[0].length; continue; }
    const v = GRAFANA_VAR.exec(rest);
    if (v) { out.push({ kind: 'var', text: v[0], pos: i }); i += v[0].length; continue; }
    const id = IDENT.exec(rest);
    if (id) { out.push({ kind: 'ident', text: id[0], pos: i }); i += id[0].length; continue; }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) { out.push({ kind: 'op', text: op, pos: i }); i += op.length; continue; }
    throw new Error(`unexpected ${JSON.stringify(c)} at ${i}: ${expr}`);
  }
  return out;
}

/** Extracts metric names, selectors and label names; throws on malformed input. */
function scanPromQL(expr: string): Scan {
  if (expr.trim() === '') throw new Error('empty expression');
  const tokens = tokenize(expr);
  const scan: Scan = { metrics: [], selectors: [], matcherLabels: [], groupingLabels: [], functions: [], aggregations: [], variables: [], numbers: [] };
  // Open brackets with what their content is: expressions, label matchers, a range, or label names.
  const stack: { open: string; mode: 'expr' | 'matchers' | 'range' | 'labels'; selector?: Selector }[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  let lastSelector: Selector | undefined;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const next = tokens[k + 1];
    const top = stack.at(-1);
    const mode = top?.mode ?? 'expr';
    if (t.kind === 'open') {
      if (t.text === '{') {
        if (mode !== 'expr') throw new Error(`"{" inside ${mode} at ${t.pos}: ${expr}`);
        // A selector's matchers follow its metric name directly, or stand alone ({__name__="x"}).
        const prev = tokens[k - 1];
        const selector = prev?.kind === 'ident' && lastSelector && prev.text === lastSelector.metric ? lastSelector : { metric: '', matchers: [] };
        stack.push({ open: '{', mode: 'matchers', selector });
      } else if (t.text === '[') {
        stack.push({ open: '[', mode: 'range' });
      } else {
        const prev = tokens[k - 1];
        stack.push({ open: '(', mode: prev?.kind === 'ident' && GROUPING.has(prev.text) ? 'labels' : mode === 'range' ? 'range' : 'expr' });
      }
      continue;
    }
    if (t.kind === 'close') {
      const open = stack.pop();
      if (!open || open.open !== pairs[t.text]) throw new Error(`unbalanced ${JSON.stringify(t.text)} at ${t.pos}: ${expr}`);
      if (open.mode === 'matchers' && open.selector && open.selector.metric === '') {
        const name = open.selector.matchers.find((m) => m.label === '__name__' && m.op === '=');
        if (!name) throw new Error(`selector without a metric name at ${t.pos}: ${expr}`);
        open.selector.metric = name.value;
        scan.metrics.push(name.value);
        scan.selectors.push(open.selector);
      }
      continue;
    }
    if (mode === 'range') {
      if (t.kind !== 'number' && t.kind !== 'var' && !(t.kind === 'op' && t.text === ':')) throw new Error(`unexpected ${t.text} in a range at ${t.pos}: ${expr}`);
      continue;
    }
    if (mode === 'matchers') {
      if (t.kind === 'op' && t.text === ',') continue;
      const op = next;
      const value = tokens[k + 2];
      if (t.kind !== 'ident' || op?.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.text) || value?.kind !== 'string') {
        throw new Error(`malformed label matcher at ${t.pos}: ${expr}`);
      }
      scan.matcherLabels.push(t.text);
      top?.selector?.matchers.push({ label: t.text, op: op.text, value: value.text });
      k += 2;
      continue;
    }
    if (mode === 'labels') {
      if (t.kind === 'op' && t.text === ',') continue;
      if (t.kind !== 'ident') throw new Error(`expected a label name at ${t.pos}: ${expr}`);
      scan.groupingLabels.push(t.text);
      continue;
    }
    // Expression context.
    if (t.kind === 'var') { scan.variables.push(t.text); continue; }
    if (t.kind === 'number') {
      if (DURATION.test(t.text) && tokens[k - 1]?.text !== 'offset') throw new Error(`duration ${t.text} outside a range at ${t.pos}: ${expr}`);
      scan.numbers.push(t.text);
      continue;
    }
    if (t.kind !== 'ident') continue;
    const word = t.text;
    if (AGGREGATIONS.has(word)) { scan.aggregations.push(word); continue; }
    if (GROUPING.has(word) || KEYWORDS.has(word.toLowerCase())) continue;
    if (next?.kind === 'open' && next.text === '(') {
      if (!FUNCTIONS.has(word)) throw new Error(`unknown function ${word} at ${t.pos}: ${expr}`);
      scan.functions.push(word);
      continue;
    }
    lastSelector = { metric: word, matchers: [] };
    scan.metrics.push(word);
    scan.selectors.push(lastSelector);
  }
  if (stack.length > 0) throw new Error(`unclosed ${JSON.stringify(stack.at(-1)?.open)}: ${expr}`);
  if (scan.metrics.length === 0) throw new Error(`no metric in expression: ${expr}`);
  return scan;
}

/** Grafana's label_values(selector, label) / label_values(label) variable query. */
function scanVariableQuery(query: string): { scan?: Scan; label: string } {
  const m = /^\s*label_values\(([\s\S]*)\)\s*$/.exec(query);
  if (!m) return { scan: scanPromQL(query), label: '' };
  const args = m[1]!;
  let depth = 0;
  let inString = false;
  let comma = -1;
  for (let i = 0; i < args.length; i++) {
    const c = args.charAt(i);
    if (c === '"') inString = !inString;
    else if (!inString && '({['.includes(c)) depth++;
    else if (!inString && ')}]'.includes(c)) depth--;
    else if (!inString && c === ',' && depth === 0) comma = i;
  }
  if (comma < 0) return { label: args.trim() };
  return { scan: scanPromQL(args.slice(0, comma)), label: args.slice(comma + 1).trim() };
}

// ---------------------------------------------------------------------------------------------
// What the controller exports

/** Labels every series gets from the scrape (Prometheus Operator ServiceMonitor target labels). */
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint'];

async function exportedSeries(): Promise<Map<string, Set<string>>> {
  const registry = new Registry();
  new ControllerMetrics(registry);
  const series = new Map<string, Set<string>>();
  for (const m of await registry.getMetricsAsJSON()) {
    // prom-client keeps each metric's label names on the metric object (prom-client 15).
    const labelNames: unknown = (registry.getSingleMetric(m.name) as unknown as { labelNames?: unknown }).labelNames;
    if (!Array.isArray(labelNames) || !labelNames.every((l) => typeof l === 'string')) assert.fail(`prom-client no longer exposes labelNames on ${m.name}`);
    const labels = new Set<string>([...labelNames, ...TARGET_LABELS]);
    const type = String(m.type);
    if (type === 'histogram') {
      series.set(`${m.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else if (type === 'summary') {
      series.set(m.name, new Set([...labels, 'quantile']));
      series.set(`${m.name}_sum`, labels);
      series.set(`${m.name}_count`, labels);
    } else {
      series.set(m.name, labels);
    }
  }
  series.set('up', new Set(TARGET_LABELS));
  return series;
}

/** Label names an expression may use: those of every metric it references. */
function labelsOf(scan: Scan, series: Map<string, Set<string>>): Set<string> {
  return new Set(scan.metrics.flatMap((m) => [...(series.get(m) ?? [])]));
}

function assertExported(where: string, scan: Scan, series: Map<string, Set<string>>): void {
  for (const metric of scan.metrics) assert.ok(series.has(metric), `${where}: ${metric} is not exported by the controller`);
  for (const sel of scan.selectors) {
    const allowed = series.get(sel.metric)!;
    for (const m of sel.matchers) assert.ok(allowed.has(m.label), `${where}: ${sel.metric} has no label ${m.label}`);
  }
  const allowed = labelsOf(scan, series);
  for (const label of scan.groupingLabels) assert.ok(allowed.has(label), `${where}: grouping by ${label}, which none of ${scan.metrics.join(', ')} carries`);
}

// ---------------------------------------------------------------------------------------------

describe('PromQL scanner', () => {
  test('finds metrics and label names, skips functions, keywords, strings, durations and variables', () => {
    const s = scanPromQL('sum by (le, verb) (rate(kscale_api_request_duration_seconds_bucket{job=~"$job", verb!="get"}[$__rate_interval] offset 5m))'
      + ' / on (job) group_left sum without (instance) (up{job="a"} == bool 1) > 0.5 and histogram_quantile(0.95, x:y_bucket[5m:1m])');
    assert.deepEqual(s.metrics, ['kscale_api_request_duration_seconds_bucket', 'up', 'x:y_bucket']);
    assert.deepEqual(s.groupingLabels, ['le', 'verb', 'job', 'instance']);
    assert.deepEqual(s.matcherLabels, ['job', 'verb', 'job']);
    assert.deepEqual(s.functions, ['rate', 'histogram_quantile']);
    assert.deepEqual(s.aggregations, ['sum', 'sum']);
    assert.deepEqual(s.selectors[0]?.matchers, [{ label: 'job', op: '=~', value: '$job' }, { label: 'verb', op: '!=', value: 'get' }]);
    assert.deepEqual(s.variables, []);
  });
  test('a selector may name its metric with __name__, and grouping may follow the aggregated expression', () => {
    const s = scanPromQL('count({__name__="kscale_leader", job="x"}) by (job)');
    assert.deepEqual(s.metrics, ['kscale_leader']);
    assert.deepEqual(s.groupingLabels, ['job']);
  });
  const malformed: [string, RegExp][] = [
    ['', /empty expression/],
    ['sum(rate(kscale_leader[5m])', /unclosed/],
    ['rate(kscale_leader[5m)]', /unbalanced/],
    ['kscale_leader{job="x"', /unclosed/],
    ['kscale_leader{job=x}', /malformed label matcher/],
    ['kscale_leader{job="x}', /unterminated string/],
    ['rat(kscale_leader[5m])', /unknown function rat/],
    ['vector(1)', /no metric/],
    ['kscale_leader > 5m', /duration 5m outside a range/],
    ['sum by ("job") (kscale_leader)', /expected a label name/],
    ['kscale_leader[5m + 1]', /in a range/],
  ];
  for (const [expr, message] of malformed) {
    test(`rejects ${JSON.stringify(expr)}`, () => { assert.throws(() => scanPromQL(expr), message); });
  }
  test('reads Grafana label_values queries', () => {
    const v = scanVariableQuery('label_values(kscale_desired_replicas{namespace=~"$namespace"}, name)');
    assert.equal(v.label, 'name');
    assert.deepEqual(v.scan?.metrics, ['kscale_desired_replicas']);
    assert.deepEqual(scanVariableQuery('label_values(job)'), { label: 'job' });
  });
  test('the export check rejects unknown metrics, bare histogram names and unknown labels', async () => {
    const series = await exportedSeries();
    assert.throws(() => { assertExported('t', scanPromQL('kscale_reconcile_total'), series); }, /kscale_reconcile_total is not exported/);
    assert.throws(() => { assertExported('t', scanPromQL('kscale_evaluation_lag_seconds'), series); }, /not exported/);
    assert.throws(() => { assertExported('t', scanPromQL('kscale_scale_events_total{directon="up"}'), series); }, /has no label directon/);
    assert.throws(() => { assertExported('t', scanPromQL('sum by (verb) (kscale_reconciliations_total)'), series); }, /grouping by verb/);
    assert.doesNotThrow(() => { assertExported('t', scanPromQL('sum by (le) (rate(kscale_evaluation_lag_seconds_bucket{job="x"}[5m])) + process_cpu_seconds_total'), series); });
  });
});

// ---------------------------------------------------------------------------------------------

interface Target { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }
interface Panel {
  id: number; type: string; title: string; description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: { defaults?: { thresholds?: { steps?: { value: number | null }[] } } };
}
interface Variable { type: string; name: string; query?: string | { query?: string }; definition?: string; datasource?: { type?: string; uid?: string } }
interface Dashboard { schemaVersion: number; title: string; uid: string; panels: Panel[]; templating: { list: Variable[] } }

describe('Grafana dashboard (deploy/observability/grafana-dashboard.json)', async () => {
  const dashboard = JSON.parse(read('deploy/observability/grafana-dashboard.json')) as Dashboard;
  const series = await exportedSeries();
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
  const scanned = panels.map((p) => ({ panel: p, scans: (p.targets ?? []).map((t) => scanPromQL(t.expr ?? '')) }));
  const variable = (name: string): Variable | undefined => dashboard.templating.list.find((v) => v.name === name);
  const variableQuery = (v: Variable): string => typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');

  test('is an importable dashboard with a stable uid and schemaVersion >= 38', () => {
    assert.ok(dashboard.schemaVersion >= 38, `schemaVersion ${dashboard.schemaVersion}`);
    assert.equal(dashboard.uid, 'kscale-overview');
    assert.match(dashboard.title, /kscale/);
    assert.ok(panels.length >= 13, `${panels.length} panels`);
  });

  test('has a prometheus datasource variable used by every panel and target', () => {
    const ds = variable('datasource');
    assert.equal(ds?.type, 'datasource');
    assert.equal(ds.query, 'prometheus');
    for (const p of panels) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has no query`);
      for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, '${datasource}', p.title);
    }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) assert.equal(v.datasource?.uid, '${datasource}', v.name);
  });

  test('has namespace and name variables from label_values(kscale_desired_replicas, ...)', () => {
    for (const name of ['namespace', 'name']) {
      const v = variable(name);
      assert.equal(v?.type, 'query', name);
      const q = scanVariableQuery(variableQuery(v));
      assert.equal(q.label, name);
      assert.deepEqual(q.scan?.metrics, ['kscale_desired_replicas']);
    }
    // The name list follows the chosen namespaces.
    const nameQuery = scanVariableQuery(variableQuery(variable('name')!));
    assert.ok(nameQuery.scan?.selectors[0]?.matchers.some((m) => m.label === 'namespace' && m.value === '$namespace'));
  });

  test('every query (panels and variables) uses only exported metrics and their labels', () => {
    let checked = 0;
    for (const { panel, scans } of scanned) for (const s of scans) { assertExported(`panel "${panel.title}"`, s, series); checked++; }
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const q = scanVariableQuery(variableQuery(v));
      assert.ok(q.scan, v.name);
      assertExported(`variable ${v.name}`, q.scan, series);
      assert.ok(labelsOf(q.scan, series).has(q.label), `variable ${v.name}: no label ${q.label}`);
      checked++;
    }
    assert.ok(checked >= 30, `only ${checked} queries checked`);
  });

  test('per-autoscaler series are filtered by $namespace and $name', () => {
    for (const { panel, scans } of scanned) {
      for (const sel of scans.flatMap((s) => s.selectors)) {
        const labels = series.get(sel.metric)!;
        if (!labels.has('name')) continue;
        for (const v of ['namespace', 'name']) {
          assert.ok(sel.matchers.some((m) => m.label === v && m.op === '=~' && m.value === `$${v}`), `panel "${panel.title}": ${sel.metric} not filtered by $${v}`);
        }
      }
    }
  });

  test('variables the queries use are defined', () => {
    const defined = new Set(['__rate_interval', '__interval', '__range', ...dashboard.templating.list.map((v) => v.name)]);
    const texts = [...panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')), ...dashboard.templating.list.map(variableQuery)];
    for (const text of texts) {
      for (const [, name] of text.matchAll(/\$\{?([a-zA-Z0-9_]+)\}?/g)) assert.ok(defined.has(name!), `$${name} in ${text}`);
    }
  });

  test('panels have unique ids and do not overlap on the 24-column grid', () => {
    const all = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    assert.equal(new Set(all.map((p) => p.id)).size, all.length);
    for (const [i, a] of all.entries()) {
      assert.ok(a.gridPos.x >= 0 && a.gridPos.x + a.gridPos.w <= 24 && a.gridPos.h > 0, `${a.title}: ${JSON.stringify(a.gridPos)}`);
      for (const b of all.slice(i + 1)) {
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w
          && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        assert.ok(!overlap, `"${a.title}" overlaps "${b.title}"`);
      }
    }
  });

  // What an operator expects to find (README issue 5; landscape §7): each requirement is a panel
  // whose queries reference these series and group by these labels.
  const required: { what: string; metrics: string[]; grouping?: string[]; check?: (p: Panel, s: Scan[]) => boolean }[] = [
    { what: 'current vs desired replicas with min/max', metrics: ['kscale_current_replicas', 'kscale_desired_replicas', 'kscale_min_replicas', 'kscale_max_replicas'] },
    { what: 'metric value vs target', metrics: ['kscale_metric_value', 'kscale_metric_target'] },
    { what: 'scale events by direction', metrics: ['kscale_scale_events_total'], grouping: ['direction'], check: (_p, s) => s.some((x) => x.functions.includes('increase')) },
    { what: 'reconcile rate by action', metrics: ['kscale_reconciliations_total'], grouping: ['action'], check: (_p, s) => s.some((x) => x.functions.includes('rate')) },
    {
      what: 'reconcile errors by error', metrics: ['kscale_reconciliations_total'], grouping: ['error'],
      check: (_p, s) => s.some((x) => x.selectors.some((sel) => sel.matchers.some((m) => m.label === 'error' && m.op === '!=' && m.value === 'none'))),
    },
    {
      what: 'reconcile duration p50/p95', metrics: ['kscale_reconciliation_duration_seconds_bucket'], grouping: ['le'],
      check: (_p, s) => ['0.5', '0.95'].every((q) => s.some((x) => x.functions.includes('histogram_quantile') && x.numbers[0] === q)),
    },
    {
      what: 'evaluation lag vs the 15s sync period', metrics: ['kscale_evaluation_lag_seconds_bucket'], grouping: ['le'],
      check: (p) => (p.fieldConfig?.defaults?.thresholds?.steps ?? []).some((step) => step.value === 15),
    },
    { what: 'work queue depth', metrics: ['kscale_workqueue_depth'] },
    { what: 'work queue wait', metrics: ['kscale_workqueue_wait_seconds_bucket'], grouping: ['le'] },
    { what: 'API requests by verb and code', metrics: ['kscale_api_requests_total'], grouping: ['verb', 'code'] },
    { what: 'leader', metrics: ['kscale_leader'] },
    { what: 'informer restarts', metrics: ['kscale_informer_restarts_total'], grouping: ['resource'] },
    { what: 'events dropped', metrics: ['kscale_events_dropped_total'] },
    { what: 'metric computation errors', metrics: ['kscale_metric_computation_total'], grouping: ['metric_type'] },
  ];
  for (const r of required) {
    test(`has a panel: ${r.what}`, () => {
      const found = scanned.find(({ panel, scans }) => {
        const metrics = new Set(scans.flatMap((s) => s.metrics));
        const grouping = new Set(scans.flatMap((s) => s.groupingLabels));
        return r.metrics.every((m) => metrics.has(m)) && (r.grouping ?? []).every((g) => grouping.has(g)) && (r.check?.(panel, scans) ?? true);
      });
      assert.ok(found, `no panel shows ${r.what}`);
      assert.ok((found.panel.description ?? '').length > 20, `"${found.panel.title}" has no description`);
    });
  }
});

// ---------------------------------------------------------------------------------------------

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface PrometheusRule {
  apiVersion: string; kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { groups: { name: string; rules: Rule[] }[] };
}

describe('PrometheusRule (deploy/overlays/prometheus/prometheusrule.yaml)', async () => {
  const doc = parseYaml(read('deploy/overlays/prometheus/prometheusrule.yaml')) as PrometheusRule;
  const series = await exportedSeries();
  const rules = doc.spec.groups.flatMap((g) => g.rules);
  const alerts = new Map(rules.filter((r) => r.alert).map((r) => [r.alert!, r]));
  const runbook = read('deploy/observability/runbook.md');
  const REQUIRED = ['KscaleControllerDown', 'KscaleNoLeader', 'KscaleReconcileErrors', 'KscaleEvaluationLag', 'KscaleAutoscalerAtMax', 'KscaleMetricsUnavailable'];

  test('is a monitoring.coreos.com/v1 PrometheusRule in kscale-system, labelled for kube-prometheus discovery', () => {
    assert.equal(doc.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(doc.kind, 'PrometheusRule');
    assert.equal(doc.metadata.namespace, 'kscale-system');
    // The Helm chart renames it by replacing the "kscale" prefix with the release's full name.
    assert.match(doc.metadata.name, /^kscale/);
    assert.equal(doc.metadata.labels.prometheus, 'k8s');
    assert.equal(doc.metadata.labels.role, 'alert-rules');
    assert.equal(doc.metadata.labels['app.kubernetes.io/name'], 'kscale');
    assert.equal(new Set(doc.spec.groups.map((g) => g.name)).size, doc.spec.groups.length, 'group names must be unique');
  });

  test('has the six alerts, each with for, severity, summary, description and a runbook section', () => {
    assert.deepEqual([...alerts.keys()].sort(), [...REQUIRED].sort());
    for (const [name, r] of alerts) {
      assert.match(r.for ?? '', /^(\d+[smh])+$/, `${name}: for`);
      assert.ok(['critical', 'warning', 'info'].includes(r.labels?.severity ?? ''), `${name}: severity`);
      for (const key of ['summary', 'description', 'runbook']) assert.ok((r.annotations?.[key] ?? '').trim().length > 20, `${name}: ${key}`);
      const anchor = name.toLowerCase();
      assert.ok(r.annotations?.runbook?.includes(`runbook.md#${anchor}`), `${name}: runbook link`);
      assert.match(runbook, new RegExp(`^## ${name}$`, 'm'), `runbook.md has no section for ${name}`);
    }
  });

  test('every expression uses only exported metrics and their labels, and no Grafana variable', () => {
    for (const r of rules) {
      const s = scanPromQL(r.expr);
      assertExported(r.alert ?? r.record ?? '?', s, series);
      assert.deepEqual(s.variables, [], `${r.alert}: ${s.variables.join(', ')}`);
    }
  });

  test('annotation templates are balanced and use only labels the alert carries', () => {
    for (const [name, r] of alerts) {
      const allowed = labelsOf(scanPromQL(r.expr), series);
      for (const [key, text] of Object.entries(r.annotations ?? {})) {
        assert.equal(text.split('{{').length, text.split('}}').length, `${name}.${key}: unbalanced {{ }}`);
        for (const [, label] of text.matchAll(/\$labels\.([a-zA-Z_]+)/g)) assert.ok(allowed.has(label!), `${name}.${key}: $labels.${label}`);
      }
    }
  });

  test('each alert watches what its name says', () => {
    const scan = (name: string): Scan => scanPromQL(alerts.get(name)!.expr);
    const down = scan('KscaleControllerDown');
    assert.deepEqual(down.metrics, ['up']);
    assert.ok(down.functions.includes('absent'));

    assert.deepEqual(scan('KscaleNoLeader').metrics, ['kscale_leader']);
    assert.equal(alerts.get('KscaleNoLeader')!.for, '5m');

    const errors = scan('KscaleReconcileErrors');
    assert.ok(errors.metrics.every((m) => m === 'kscale_reconciliations_total'));
    assert.ok(errors.selectors.some((s) => s.matchers.some((m) => m.label === 'error' && m.op === '!=' && m.value === 'none')));

    const lag = scan('KscaleEvaluationLag');
    assert.deepEqual(lag.metrics, ['kscale_evaluation_lag_seconds_bucket']);
    assert.deepEqual(lag.numbers, ['0.95', '15']);

    // Per autoscaler: no aggregation may drop namespace/name.
    const atMax = scan('KscaleAutoscalerAtMax');
    assert.ok(atMax.metrics.includes('kscale_current_replicas') && atMax.metrics.includes('kscale_max_replicas'));
    assert.deepEqual(atMax.aggregations, []);
    assert.equal(alerts.get('KscaleAutoscalerAtMax')!.for, '15m');
    assert.match(alerts.get('KscaleAutoscalerAtMax')!.annotations!.summary!, /\$labels\.namespace.*\$labels\.name/);

    const unavailable = scan('KscaleMetricsUnavailable');
    assert.deepEqual(unavailable.metrics, ['kscale_metric_computation_total']);
    assert.ok(unavailable.groupingLabels.includes('metric_type'));
  });

  test('the overlay ServiceMonitor keeps the autoscalers\' own namespace label (honorLabels: true)', () => {
    // Without honorLabels the target's namespace label (kscale-system) wins and the autoscaler's
    // namespace becomes exported_namespace: the dashboard's $namespace and the alerts'
    // $labels.namespace would then name the controller's namespace, not the autoscaler's.
    const monitor = parseYaml(read('deploy/overlays/prometheus/servicemonitor.yaml')) as { spec: { endpoints: { honorLabels?: boolean }[] } };
    for (const e of monitor.spec.endpoints) assert.equal(e.honorLabels, true, 'servicemonitor.yaml endpoints need honorLabels: true');
  });
});

// ---------------------------------------------------------------------------------------------

/** promtool on PATH, if any. */
function findPromtool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, 'promtool');
    try { accessSync(file, constants.X_OK); return file; } catch { /* next */ }
  }
  return undefined;
}

const promtool = findPromtool();
// CI (KSCALE_REQUIRE_CONTROL_PLANE=1) installs promtool: there a missing one fails, elsewhere it skips.
const promtoolRequired = process.env.KSCALE_REQUIRE_CONTROL_PLANE === '1';
const promtoolSuite = promtool || promtoolRequired ? {} : { skip: 'promtool is not installed (apt-get install prometheus); set KSCALE_REQUIRE_CONTROL_PLANE=1 to make this a failure' };

describe('PrometheusRule under promtool (Prometheus\'s own parser and rule engine)', promtoolSuite, () => {
  const run = promisify(execFile);
  const doc = parseYaml(read('deploy/overlays/prometheus/prometheusrule.yaml')) as PrometheusRule;
  let dir = '';
  const tool = async (args: string[]): Promise<{ ok: boolean; text: string }> => {
    if (!promtool) assert.fail('promtool is not installed but KSCALE_REQUIRE_CONTROL_PLANE=1: apt-get install prometheus (.ci/run does)');
    try {
      const { stdout, stderr } = await run(promtool, args, { cwd: dir });
      return { ok: true, text: stdout + stderr };
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      return { ok: false, text: `${err.stdout ?? ''}${err.stderr ?? ''}` };
    }
  };
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'kscale-promtool-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('promtool check rules passes, with every lint', async () => {
    // A PrometheusRule's spec is a Prometheus rule file.
    await writeFile(join(dir, 'rules.yaml'), stringify(doc.spec));
    const r = await tool(['check', 'rules', '--lint=all', '--lint-fatal', 'rules.yaml']);
    assert.ok(r.ok, r.text);
    assert.match(r.text, /SUCCESS: 6 rules found/);
  });

  test('promtool check rules refuses a broken expression and a broken template (so the check above means something)', async () => {
    const broken = structuredClone(doc.spec);
    broken.groups[0]!.rules[0]!.expr = 'sum(rate(kscale_reconciliations_total[5m])';
    await writeFile(join(dir, 'broken-expr.yaml'), stringify(broken));
    const r1 = await tool(['check', 'rules', 'broken-expr.yaml']);
    assert.ok(!r1.ok, r1.text);
    assert.match(r1.text, /unclosed left parenthesis|parse error/);
    const badTemplate = structuredClone(doc.spec);
    badTemplate.groups[0]!.rules[0]!.annotations = { summary: '{{ $labels.job ' };
    await writeFile(join(dir, 'broken-template.yaml'), stringify(badTemplate));
    const r2 = await tool(['check', 'rules', 'broken-template.yaml']);
    assert.ok(!r2.ok, r2.text);
    assert.match(r2.text, /template/);
  });

  test('each alert fires when, and only when, its name says (promtool test rules on synthetic series)', async () => {
    // Annotations are left out: promtool compares them whole, and check rules covers their templates.
    const rules = structuredClone(doc.spec);
    for (const g of rules.groups) for (const r of g.rules) delete r.annotations;
    await writeFile(join(dir, 'alerts.yaml'), stringify(rules));
    const scrape = 'job="kscale-controller-metrics",namespace="kscale-system",instance="10.0.0.1:8080"';
    const obj = 'job="kscale-controller-metrics",namespace="shop",name="web",instance="10.0.0.1:8080"';
    const obj2 = 'job="kscale-controller-metrics",namespace="shop",name="fixed",instance="10.0.0.1:8080"';
    const target = { job: 'kscale-controller-metrics', namespace: 'kscale-system' };
    const tests = {
      rule_files: ['alerts.yaml'],
      evaluation_interval: '1m',
      tests: [
        { // No target up: down after 5 minutes; a target that is up: nothing.
          interval: '1m',
          input_series: [{ series: `up{${scrape}}`, values: '0x20' }],
          alert_rule_test: [
            { eval_time: '3m', alertname: 'KscaleControllerDown', exp_alerts: [] },
            { eval_time: '10m', alertname: 'KscaleControllerDown', exp_alerts: [{ exp_labels: { severity: 'critical' } }] },
          ],
        },
        {
          interval: '1m',
          input_series: [{ series: `up{${scrape}}`, values: '1x20' }, { series: `kscale_leader{${scrape}}`, values: '1x20' }],
          alert_rule_test: [
            { eval_time: '15m', alertname: 'KscaleControllerDown', exp_alerts: [] },
            { eval_time: '15m', alertname: 'KscaleNoLeader', exp_alerts: [] },
          ],
        },
        { // Replicas up but none leads: after 5 minutes.
          interval: '1m',
          input_series: [{ series: `kscale_leader{${scrape}}`, values: '0x20' }, { series: `kscale_leader{${scrape.replace('10.0.0.1', '10.0.0.2')}}`, values: '0x20' }],
          alert_rule_test: [
            { eval_time: '4m', alertname: 'KscaleNoLeader', exp_alerts: [] },
            { eval_time: '10m', alertname: 'KscaleNoLeader', exp_alerts: [{ exp_labels: { severity: 'critical', ...target } }] },
          ],
        },
        { // 10 % of reconciliations fail (internal), for more than 15 minutes.
          interval: '1m',
          input_series: [
            { series: `kscale_reconciliations_total{${scrape},action="none",error="none"}`, values: '0+54x40' },
            { series: `kscale_reconciliations_total{${scrape},action="none",error="internal"}`, values: '0+6x40' },
            { series: `kscale_reconciliations_total{${scrape},action="none",error="spec"}`, values: '0+0x40' },
          ],
          alert_rule_test: [
            { eval_time: '12m', alertname: 'KscaleReconcileErrors', exp_alerts: [] },
            { eval_time: '25m', alertname: 'KscaleReconcileErrors', exp_alerts: [{ exp_labels: { severity: 'warning', error: 'internal', ...target } }] },
          ],
        },
        { // Every evaluation 30-60 s late: p95 above the 15 s sync period.
          interval: '1m',
          input_series: [
            { series: `kscale_evaluation_lag_seconds_bucket{${scrape},le="15"}`, values: '0x40' },
            { series: `kscale_evaluation_lag_seconds_bucket{${scrape},le="30"}`, values: '0x40' },
            { series: `kscale_evaluation_lag_seconds_bucket{${scrape},le="60"}`, values: '0+10x40' },
            { series: `kscale_evaluation_lag_seconds_bucket{${scrape},le="+Inf"}`, values: '0+10x40' },
          ],
          alert_rule_test: [
            { eval_time: '12m', alertname: 'KscaleEvaluationLag', exp_alerts: [] },
            { eval_time: '25m', alertname: 'KscaleEvaluationLag', exp_alerts: [{ exp_labels: { severity: 'warning', ...target } }] },
          ],
        },
        { // External metrics failing for 10 minutes; resource metrics fine.
          interval: '1m',
          input_series: [
            { series: `kscale_metric_computation_total{${scrape},action="none",error="internal",metric_type="external"}`, values: '0+3x30' },
            { series: `kscale_metric_computation_total{${scrape},action="none",error="none",metric_type="resource"}`, values: '0+30x30' },
          ],
          alert_rule_test: [
            { eval_time: '8m', alertname: 'KscaleMetricsUnavailable', exp_alerts: [] },
            { eval_time: '20m', alertname: 'KscaleMetricsUnavailable', exp_alerts: [{ exp_labels: { severity: 'warning', metric_type: 'external', ...target } }] },
          ],
        },
        { // web runs at max for 20 minutes; fixed has min = max (nothing to warn about).
          interval: '1m',
          input_series: [
            { series: `kscale_current_replicas{${obj}}`, values: '10x30' },
            { series: `kscale_max_replicas{${obj}}`, values: '10x30' },
            { series: `kscale_min_replicas{${obj}}`, values: '1x30' },
            { series: `kscale_current_replicas{${obj2}}`, values: '3x30' },
            { series: `kscale_max_replicas{${obj2}}`, values: '3x30' },
            { series: `kscale_min_replicas{${obj2}}`, values: '3x30' },
            { series: `kscale_leader{${scrape}}`, values: '1x30' },
          ],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'KscaleAutoscalerAtMax', exp_alerts: [] },
            { eval_time: '20m', alertname: 'KscaleAutoscalerAtMax', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'kscale-controller-metrics', namespace: 'shop', name: 'web', instance: '10.0.0.1:8080' } }] },
          ],
        },
        { // The same, reported by a replica that does not lead (stale gauges): no alert.
          interval: '1m',
          input_series: [
            { series: `kscale_current_replicas{${obj}}`, values: '10x30' },
            { series: `kscale_max_replicas{${obj}}`, values: '10x30' },
            { series: `kscale_min_replicas{${obj}}`, values: '1x30' },
            { series: `kscale_leader{${scrape}}`, values: '0x30' },
          ],
          alert_rule_test: [{ eval_time: '20m', alertname: 'KscaleAutoscalerAtMax', exp_alerts: [] }],
        },
      ],
    };
    await writeFile(join(dir, 'alerts.test.yaml'), stringify(tests));
    const r = await tool(['test', 'rules', 'alerts.test.yaml']);
    assert.ok(r.ok, r.text);
    assert.match(r.text, /SUCCESS/);
  });
});

