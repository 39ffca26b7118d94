// `kscale lint`: every lint check (src/lint) over HorizontalAutoscaler manifests, for CI pipelines
// (-f FILE or DIRECTORY, YAML or JSON, several documents or a List), or over a live object with the
// objects the runtime checks need (--live NAMESPACE/NAME). One line per finding; exit 1 when a spec is
// invalid (an error), 0 when clean or with warnings only, 2 on bad usage or unreadable input.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { GROUP, KIND, PLURAL, VERSION, type HorizontalAutoscaler } from '../api/types.ts';
import { conflictsIn, scaledObjectEntry, targetIndex, type HpaLike } from '../controller/conflicts.ts';
import { KubeApiError } from '../kube/errors.ts';
import { KubeHttp, pathOf } from '../kube/http.ts';
import { Discovery, ScaleClient } from '../kube/scale.ts';
import type { Finding } from '../lint/finding.ts';
import { lint, type LintInputs } from '../lint/lint.ts';
import type { LintPod, ResourceQuotaLike, VpaLike } from '../lint/runtime-checks.ts';
import { connect, connectionOptions, contextNamespace, resolveTarget } from './cluster-target.ts';
import { UsageError, type CommandIO } from './io.ts';
import { lintUsage } from './usages.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface LintedObject { source: string; namespace?: string; name: string; findings: Finding[] }

/** Files under a path: the path itself, or a directory's YAML and JSON files, recursively, sorted. */
async function filesOf(path: string): Promise<string[]> {
  let info;
  try { info = await stat(path); } catch (e) { throw new UsageError(`cannot read ${path}: ${(e as Error).message}`); }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...await filesOf(full));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The HorizontalAutoscalers of one file's text (other kinds are skipped). */
export function autoscalersIn(text: string, file: string): { source: string; object: Obj }[] {
  const out: { source: string; object: Obj }[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new UsageError(`${file}: document ${String(i + 1)}: ${doc.errors[0]?.message.split('\n')[0] ?? 'invalid YAML'}`);
    const obj: unknown = doc.toJS({ maxAliasCount: 100 });
    const items = isObj(obj) && typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items) ? obj.items as unknown[] : [obj];
    items.forEach((item) => {
      if (isObj(item) && item.kind === KIND && typeof item.apiVersion === 'string' && item.apiVersion.startsWith(`${GROUP}/`)) {
        out.push({ source: `${file}:${String(i + 1)}`, object: item });
      }
    });
  });
  return out;
}

function describeObject(source: string, o: Obj, findings: Finding[]): LintedObject {
  const meta = isObj(o.metadata) ? o.metadata : {};
  return {
    source, name: typeof meta.name === 'string' ? meta.name : '(no name)',
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}), findings,
  };
}

/** The objects the runtime checks and the conflict check read, for one live autoscaler. */
async function liveInputs(http: KubeHttp, namespace: string, a: HorizontalAutoscaler): Promise<LintInputs> {
  const list = async <T>(path: string, query: Record<string, string> = {}, optional = false): Promise<T[]> => {
    try { return (await http.get<{ items?: T[] }>(path, query)).items ?? []; } catch (e) {
      if (optional && e instanceof KubeApiError && e.notFound) return []; // the CRD is not installed
      throw new UsageError(`cannot list ${path}: ${(e as Error).message}`);
    }
  };
  const ns = (base: string, plural: string): string => `${base}${pathOf('namespaces', namespace, plural)}`;
  const [quotas, vpas, hpas, scaledObjects, autoscalers] = await Promise.all([
    list<ResourceQuotaLike>(ns('/api/v1', 'resourcequotas')),
    list<VpaLike>(ns('/apis/autoscaling.k8s.io/v1', 'verticalpodautoscalers'), {}, true),
    list<HpaLike>(ns('/apis/autoscaling/v2', 'horizontalpodautoscalers')),
    list<Parameters<typeof scaledObjectEntry>[0]>(ns('/apis/keda.sh/v1alpha1', 'scaledobjects'), {}, true),
    list<HorizontalAutoscaler>(ns(`/apis/${GROUP}/${VERSION}`, PLURAL)),
  ]);
  let pods: LintPod[] | undefined;
  try {
    const discovery = new Discovery(http);
    const { scale } = await new ScaleClient(http, discovery).get(namespace, a.spec.scaleTargetRef);
    const selector = scale.status?.selector ?? '';
    if (selector !== '') pods = await list<LintPod>(ns('/api/v1', 'pods'), { labelSelector: selector });
  } catch { /* no scale, no selector: the pod checks are skipped (kscale reports FailedGetScale) */ }
  return { quotas, vpas, ...(pods ? { pods } : {}), targetConflicts: conflictsIn(targetIndex(autoscalers, hpas, scaledObjects.map(scaledObjectEntry)), a) };
}

function print(io: CommandIO, objects: readonly LintedObject[], output: string): { errors: number; warnings: number } {
  const all = objects.flatMap((o) => o.findings);
  const errors = all.filter((f) => f.severity === 'error').length;
  const warnings = all.length - errors;
  if (output === 'json') {
    io.out(JSON.stringify({ objects, errors, warnings }, null, 2) + '\n');
  } else {
    for (const o of objects) {
      const who = `${o.source}: ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
      for (const f of o.findings) io.out(`${who}: ${f.severity} ${f.path}: ${f.message} (${f.check})\n`);
    }
    const plural = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? '' : 's'}`;
    io.out(`${plural(objects.length, 'HorizontalAutoscaler')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}\n`);
  }
  return { errors, warnings };
}

export async function lintCommand(args: string[], io: CommandIO): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: {
      ...connectionOptions,
      filename: { type: 'string', short: 'f', multiple: true },
      live: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
      'sync-period': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) { io.out(lintUsage + '\n'); return 0; }
  if (v.output !== 'text' && v.output !== 'json') throw new UsageError(`--output must be text or json, got ${JSON.stringify(v.output)}`);
  const sync = v['sync-period'] === undefined ? 15 : Number(v['sync-period']);
  if (!Number.isInteger(sync) || sync < 1) throw new UsageError(`--sync-period must be a whole number of seconds, got ${JSON.stringify(v['sync-period'])}`);
  const options = { defaultSyncPeriodSeconds: sync };
  const files = v.filename ?? [];
  if ((files.length > 0) === (v.live !== undefined)) throw new UsageError('give -f FILE|DIR (one or more) or --live NAMESPACE/NAME');

  const objects: LintedObject[] = [];
  if (v.live !== undefined) {
    const kc = connect(v);
    const { namespace, name } = resolveTarget([v.live, ...positionals], v.namespace, () => contextNamespace(kc));
    const http = new KubeHttp({ kubeConfig: kc, userAgent: 'kscale-lint' });
    try {
      let a: HorizontalAutoscaler;
      try {
        a = await http.get<HorizontalAutoscaler>(`/apis/${GROUP}/${VERSION}${pathOf('namespaces', namespace, PLURAL, name)}`);
      } catch (e) {
        if (e instanceof KubeApiError && e.notFound) throw new UsageError(`HorizontalAutoscaler ${namespace}/${name} not found`);
        throw new UsageError(`cannot read HorizontalAutoscaler ${namespace}/${name}: ${(e as Error).message}`);
      }
      const inputs = await liveInputs(http, namespace, a);
      objects.push(describeObject(`${namespace}/${name}`, a as unknown as Obj, lint(a.spec, { ...inputs, options })));
    } finally {
      await http.idle();
    }
  } else {
    if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    for (const f of files) {
      for (const file of f === '-' ? ['-'] : await filesOf(f)) {
        let text: string;
        try { text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8'); } catch (e) { throw new UsageError(`cannot read ${file}: ${(e as Error).message}`); }
        for (const { source, object } of autoscalersIn(text, file === '-' ? '(stdin)' : file)) {
          objects.push(describeObject(source, object, lint(object.spec, { options })));
        }
      }
    }
    if (objects.length === 0) throw new UsageError(`no ${KIND} (${GROUP}) found in ${files.join(', ')}`);
  }
  return print(io, objects, v.output).errors > 0 ? 1 : 0;
}
