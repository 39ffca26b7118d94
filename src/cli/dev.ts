// `kscale dev metrics`: program the fake metrics APIs of the background cluster (npm run
// cluster:up) from a shell, for experiments. The metrics live in a JSON file next to the cluster's
// state; the cluster's supervisor (scripts/cluster.ts) applies it to the fake metrics server each
// time it changes and acknowledges the version it applied, so `set` returns once the value is served.
//   kscale dev metrics set default/web-0 cpu=250m memory=64Mi          pod usage (metrics.k8s.io)
//   kscale dev metrics set 'default/web-*' cpu=250m                     ... of every pod named web-..., now and later
//   kscale dev metrics set default/web-0 requests_per_second=20         a Pods metric (custom.metrics.k8s.io)
//   kscale dev metrics set default/deployments.apps/web hits=100        an Object metric (custom.metrics.k8s.io)
//   kscale dev metrics set default 'queue_messages_ready{queue=orders}=30'  an External series (external.metrics.k8s.io)
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FakeMetrics } from '../controlplane/fake-metrics.ts';
import { kscaleCacheDir } from '../controlplane/paths.ts';
import { isQuantity } from '../values/quantity.ts';
import { UsageError, type CommandIO } from './io.ts';
import { devUsage } from './usages.ts';

/** Where `npm run cluster:up` keeps its state (scripts/cluster.ts). */
export const clusterDir = (): string => join(kscaleCacheDir(), 'cluster');
export const metricsFile = (): string => join(clusterDir(), 'metrics.json');
/** Written by the supervisor: the version of metrics.json it applied last. */
export const appliedFile = (): string => join(clusterDir(), 'metrics.applied');

export interface DevMetrics {
  /** Incremented by every change, acknowledged through appliedFile(). */
  version: number;
  pods: { namespace: string; pod: string; container: string; cpu?: string; memory?: string }[];
  podsMetrics: { namespace: string; pod: string; metric: string; value: string }[];
  objectMetrics: { namespace: string; resource: string; name: string; metric: string; value: string }[];
  external: { namespace: string; metric: string; labels: Record<string, string>; value: string }[];
}

const empty = (version = 0): DevMetrics => ({ version, pods: [], podsMetrics: [], objectMetrics: [], external: [] });

export async function readDevMetrics(file = metricsFile()): Promise<DevMetrics> {
  try {
    return { ...empty(), ...(JSON.parse(await readFile(file, 'utf8')) as Partial<DevMetrics>) };
  } catch {
    return empty();
  }
}

/** Namespaces whose pod entries use a `*` pattern: their pod names are needed to apply them. */
export function patternNamespaces(d: DevMetrics): string[] {
  return [...new Set([...d.pods, ...d.podsMetrics].filter((p) => p.pod.includes('*')).map((p) => p.namespace))];
}

/** The pod names an entry stands for: itself, or the existing pods its `*` pattern matches. */
export function podsOf(namespace: string, pod: string, pods: ReadonlyMap<string, readonly string[]>): string[] {
  if (!pod.includes('*')) return [pod];
  const re = new RegExp(`^${pod.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (pods.get(namespace) ?? []).filter((name) => re.test(name));
}

/**
 * Replaces everything the fake metrics server serves with the file's content. `pods` lists the pod
 * names of the namespaces patternNamespaces() names (a Deployment's pods have random names, and
 * change as it scales: the supervisor applies again when they do).
 */
export function applyDevMetrics(m: FakeMetrics, d: DevMetrics, pods: ReadonlyMap<string, readonly string[]> = new Map()): void {
  m.reset();
  const usage = new Map<string, Record<string, { cpu?: string; memory?: string }>>();
  for (const p of d.pods) {
    for (const pod of podsOf(p.namespace, p.pod, pods)) {
      const key = `${p.namespace}/${pod}`;
      const containers = usage.get(key) ?? {};
      containers[p.container] = { ...(p.cpu !== undefined ? { cpu: p.cpu } : {}), ...(p.memory !== undefined ? { memory: p.memory } : {}) };
      usage.set(key, containers);
    }
  }
  for (const [key, containers] of usage) {
    const [namespace = '', pod = ''] = key.split('/');
    m.setPodUsage(namespace, pod, containers);
  }
  for (const p of d.podsMetrics) for (const pod of podsOf(p.namespace, p.pod, pods)) m.setPodsMetric(p.namespace, pod, p.metric, p.value);
  for (const o of d.objectMetrics) m.setObjectMetric(o.namespace, o.resource, o.name, o.metric, o.value);
  const series = new Map<string, { labels: Record<string, string>; value: string }[]>();
  for (const e of d.external) {
    const key = `${e.namespace}/${e.metric}`;
    series.set(key, [...(series.get(key) ?? []), { labels: e.labels, value: e.value }]);
  }
  for (const [key, s] of series) {
    const [namespace = '', metric = ''] = key.split('/');
    m.setExternalMetric(namespace, metric, s);
  }
}

const NAME = /^[a-zA-Z_][a-zA-Z0-9_:.-]*$/;

/** NAME=VALUE or NAME{k=v,...}=VALUE; the value must be a quantity. */
function parseAssignment(text: string): { name: string; labels: Record<string, string>; value: string } {
  const m = /^([^{=]+)(?:\{([^}]*)\})?=(.+)$/.exec(text);
  if (!m?.[1] || !m[3]) throw new UsageError(`${JSON.stringify(text)}: expected NAME=VALUE (or NAME{label=value,...}=VALUE)`);
  const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
  if (!NAME.test(name)) throw new UsageError(`${JSON.stringify(name)} is not a metric name`);
  if (!isQuantity(value)) throw new UsageError(`${name}: ${JSON.stringify(value)} is not a Kubernetes quantity (e.g. 250m, 1.5, 64Mi)`);
  const labels: Record<string, string> = {};
  for (const pair of (labelText ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [k, v, ...rest] = pair.split('=');
    if (!k || v === undefined || rest.length > 0) throw new UsageError(`${JSON.stringify(pair)}: a label is key=value`);
    labels[k.trim()] = v.trim();
  }
  return { name, labels, value };
}

/** The metrics after `set TARGET assignments...`: entries with the same identity are replaced. */
export function withAssignments(d: DevMetrics, target: string, assignments: readonly string[], container = 'app'): DevMetrics {
  const next: DevMetrics = structuredClone(d);
  next.version = d.version + 1;
  const parts = target.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw new UsageError(`${JSON.stringify(target)}: TARGET is NAMESPACE, NAMESPACE/POD or NAMESPACE/RESOURCE/NAME`);
  if (assignments.length === 0) throw new UsageError('nothing to set: give NAME=VALUE');
  const [namespace = '', second, third] = parts;
  for (const a of assignments.map(parseAssignment)) {
    const labelled = Object.keys(a.labels).length > 0;
    if (labelled && parts.length > 1) throw new UsageError(`${a.name}: labels are for External metrics (TARGET = NAMESPACE)`);
    if (parts.length === 1) {
      next.external = next.external.filter((e) => !(e.namespace === namespace && e.metric === a.name && sameLabels(e.labels, a.labels)));
      next.external.push({ namespace, metric: a.name, labels: a.labels, value: a.value });
    } else if (parts.length === 3 && second && third) {
      next.objectMetrics = next.objectMetrics.filter((o) => !(o.namespace === namespace && o.resource === second && o.name === third && o.metric === a.name));
      next.objectMetrics.push({ namespace, resource: second, name: third, metric: a.name, value: a.value });
    } else if (second && (a.name === 'cpu' || a.name === 'memory')) {
      const found = next.pods.find((p) => p.namespace === namespace && p.pod === second && p.container === container);
      if (found) found[a.name] = a.value;
      else next.pods.push({ namespace, pod: second, container, [a.name]: a.value });
    } else if (second) {
      next.podsMetrics = next.podsMetrics.filter((p) => !(p.namespace === namespace && p.pod === second && p.metric === a.name));
      next.podsMetrics.push({ namespace, pod: second, metric: a.name, value: a.value });
    }
  }
  return next;
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** One line per programmed value, in the TARGET NAME=VALUE form `set` takes. */
export function describeDevMetrics(d: DevMetrics): string[] {
  const labels = (l: Record<string, string>): string => (Object.keys(l).length ? `{${Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',')}}` : '');
  return [
    ...d.pods.map((p) => `${p.namespace}/${p.pod} ${[p.cpu !== undefined ? `cpu=${p.cpu}` : '', p.memory !== undefined ? `memory=${p.memory}` : ''].filter(Boolean).join(' ')} --container ${p.container}`),
    ...d.podsMetrics.map((p) => `${p.namespace}/${p.pod} ${p.metric}=${p.value}`),
    ...d.objectMetrics.map((o) => `${o.namespace}/${o.resource}/${o.name} ${o.metric}=${o.value}`),
    ...d.external.map((e) => `${e.namespace} ${e.metric}${labels(e.labels)}=${e.value}`),
  ];
}

async function write(d: DevMetrics): Promise<void> {
  await mkdir(clusterDir(), { recursive: true });
  // Write, then rename: the supervisor never reads half a file.
  const tmp = `${metricsFile()}.${String(process.pid)}.tmp`;
  await writeFile(tmp, JSON.stringify(d, null, 2) + '\n');
  await rename(tmp, metricsFile());
}

/** Waits until the supervisor has applied `version`; false after timeoutMs. */
async function applied(version: number, timeoutMs = 5_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = Number((await readFile(appliedFile(), 'utf8').catch(() => '-1')).trim());
    if (got >= version) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function devCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { container: { type: 'string', default: 'app' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  if (values.help) { io.out(devUsage + '\n'); return 0; }
  if (positionals.length === 0) { io.err(devUsage + '\n'); return 2; }
  const [group, verb, target, ...assignments] = positionals;
  if (group !== 'metrics') throw new UsageError(`unknown subcommand ${JSON.stringify(group)}: kscale dev metrics set|show|clear`);
  const current = await readDevMetrics();
  if (verb === 'show') {
    const lines = describeDevMetrics(current);
    io.out(lines.length ? lines.join('\n') + '\n' : 'no fake metrics set\n');
    return 0;
  }
  let next: DevMetrics;
  if (verb === 'clear') next = empty(current.version + 1);
  else if (verb === 'set' && target !== undefined) next = withAssignments(current, target, assignments, values.container);
  else throw new UsageError(verb === 'set' ? 'set needs TARGET and NAME=VALUE' : `unknown action ${JSON.stringify(verb)}: set, show or clear`);
  await write(next);
  if (!existsSync(join(clusterDir(), 'state.json')) || !await applied(next.version)) {
    io.err(`kscale dev: saved in ${metricsFile()}, but no running cluster applied it: start one with npm run cluster:up\n`);
    return 1;
  }
  const n = describeDevMetrics(next).length;
  io.out(verb === 'clear' ? 'fake metrics cleared\n' : `served; ${String(n)} fake metric setting${n === 1 ? '' : 's'} in all (kscale dev metrics show)\n`);
  return 0;
}
