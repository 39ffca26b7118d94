// `kscale convert -f hpa.yaml`: HorizontalPodAutoscaler manifests (autoscaling/v2, or v1's
// targetCPUUtilizationPercentage) → HorizontalAutoscaler manifests. The spec carries over as is;
// server-set metadata and status are dropped; the result is validated like any spec.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { API_VERSION, KIND, type HorizontalAutoscaler, type HorizontalAutoscalerSpec } from '../api/types.ts';
import { formatFieldErrors, validateSpec } from '../api/validation.ts';
import { UsageError, type CommandIO } from './io.ts';
import { convertUsage } from './usages.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'autoscaling.alpha.kubernetes.io/conditions', 'autoscaling.alpha.kubernetes.io/current-metrics'];

function metadata(meta: unknown): HorizontalAutoscaler['metadata'] {
  const m = isObj(meta) ? meta : {};
  const annotations = isObj(m.annotations)
    ? Object.fromEntries(Object.entries(m.annotations).filter(([k]) => !DROPPED_ANNOTATIONS.includes(k))) as Record<string, string>
    : {};
  return {
    ...(typeof m.name === 'string' ? { name: m.name } : {}),
    ...(typeof m.namespace === 'string' ? { namespace: m.namespace } : {}),
    ...(isObj(m.labels) ? { labels: m.labels as Record<string, string> } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

/** autoscaling/v1 has one CPU target; v2 says the same with a metric. */
function specFromV1(spec: Obj): Obj {
  const { targetCPUUtilizationPercentage, ...rest } = spec;
  return typeof targetCPUUtilizationPercentage === 'number'
    ? { ...rest, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage } } }] }
    : rest;
}

export function convertObject(doc: unknown, where: string): HorizontalAutoscaler {
  if (!isObj(doc) || doc.kind !== 'HorizontalPodAutoscaler' || !['autoscaling/v2', 'autoscaling/v1'].includes(doc.apiVersion as string)) {
    const what = isObj(doc) ? `${String(doc.apiVersion)} ${String(doc.kind)}` : typeof doc;
    throw new UsageError(`${where}: expected an autoscaling/v2 or autoscaling/v1 HorizontalPodAutoscaler, got ${what}`);
  }
  const spec = isObj(doc.spec) ? (doc.apiVersion === 'autoscaling/v1' ? specFromV1(doc.spec) : doc.spec) : {};
  const problems = validateSpec(spec);
  if (problems.length > 0) throw new UsageError(`${where}: the converted spec is invalid: ${formatFieldErrors(problems)}`);
  return { apiVersion: API_VERSION, kind: KIND, metadata: metadata(doc.metadata), spec: spec as unknown as HorizontalAutoscalerSpec };
}

export async function convertCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args, options: { filename: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o', default: 'yaml' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) { io.out(convertUsage + '\n'); return 0; }
  if (!values.filename) throw new UsageError('missing -f FILE (use "-" for standard input)');
  if (values.output !== 'yaml' && values.output !== 'json') throw new UsageError(`--output must be yaml or json, got ${JSON.stringify(values.output)}`);
  let text: string;
  try { text = values.filename === '-' ? await io.readStdin() : await readFile(values.filename, 'utf8'); } catch (e) { throw new UsageError(`cannot read ${values.filename}: ${(e as Error).message}`); }
  const docs = parseAllDocuments(text);
  const out: HorizontalAutoscaler[] = [];
  for (const [i, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    if (doc.errors.length > 0) throw new UsageError(`document ${i + 1}: ${doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'}`);
    const obj: unknown = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const items = isObj(obj) && typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items) ? obj.items as unknown[] : [obj];
    items.forEach((item, j) => { out.push(convertObject(item, items.length > 1 ? `document ${i + 1}, item ${j + 1}` : `document ${i + 1}`)); });
  }
  if (out.length === 0) throw new UsageError('no HorizontalPodAutoscaler found');
  io.out(values.output === 'json'
    ? JSON.stringify(out.length === 1 ? out[0] : { apiVersion: 'v1', kind: 'List', items: out }, null, 2) + '\n'
    : out.map((o) => stringify(o)).join('---\n'));
  return 0;
}
