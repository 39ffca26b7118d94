// `kscale snapshot NAMESPACE/NAME`: captures what the controller would read for one decision (the
// autoscaler, the target's scale, the selected pods, the metrics, and — when the spec asks for them —
// the pods' ownership and the target's rollout, from the workloads) from a live cluster, and prints
// it in the `kscale decide -f` format, so a decision can be replayed, shared and explained offline.
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { GROUP, PLURAL, VERSION, type HorizontalAutoscaler } from '../api/types.ts';
import { gather } from '../controller/gather.ts';
import type { Pod } from '../engine/inputs.ts';
import { parseSelector, type Selector } from '../values/labels.ts';
import type { Snapshot } from '../engine/snapshot.ts';
import { loadKubeConfig, NoClusterError } from '../kube/config.ts';
import { KubeApiError } from '../kube/errors.ts';
import { KubeHttp, pathOf } from '../kube/http.ts';
import { Discovery, ScaleClient } from '../kube/scale.ts';
import { PodMetricsSource } from '../metrics/pod-metrics.ts';
import { UsageError, type CommandIO } from './io.ts';
import { snapshotTargetPods } from './snapshot-workloads.ts';
import { snapshotUsage } from './usages.ts';

type Obj = Record<string, unknown>;

/** Only what the engine reads of a pod, so a snapshot stays readable. */
function trimPod(p: Pod): Pod {
  const container = (c: NonNullable<NonNullable<Pod['spec']>['containers']>[number]): typeof c => ({
    name: c.name, ...(c.resources ? { resources: c.resources } : {}), ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
  });
  const spec = p.spec;
  const status = p.status;
  return {
    metadata: {
      name: p.metadata.name,
      ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}),
      ...(p.metadata.labels ? { labels: p.metadata.labels } : {}),
      ...(p.metadata.deletionTimestamp ? { deletionTimestamp: p.metadata.deletionTimestamp } : {}),
    },
    spec: {
      containers: (spec?.containers ?? []).map(container),
      ...(spec?.initContainers ? { initContainers: spec.initContainers.map(container) } : {}),
      ...(spec?.resources ? { resources: spec.resources } : {}),
      ...(spec?.overhead ? { overhead: spec.overhead } : {}),
    },
    status: {
      ...(status?.phase ? { phase: status.phase } : {}),
      ...(status?.startTime ? { startTime: status.startTime } : {}),
      conditions: (status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}) })),
    },
  };
}

/** The pods the selector picks, as the controller's pod source gives them (all when it does not parse: the engine says why). */
function selectedPods(pods: readonly Pod[], selector: string | undefined): readonly Pod[] {
  if (selector === undefined) return pods;
  let parsed: Selector;
  try { parsed = parseSelector(selector); } catch { return pods; }
  return pods.filter((p) => parsed.matches(p.metadata.labels ?? {}));
}

/** The autoscaler without server bookkeeping (managedFields and the like). */
function trimAutoscaler(a: HorizontalAutoscaler): HorizontalAutoscaler {
  const m = a.metadata ?? {};
  return {
    apiVersion: a.apiVersion ?? `${GROUP}/${VERSION}`,
    kind: a.kind ?? 'HorizontalAutoscaler',
    metadata: {
      ...(m.name ? { name: m.name } : {}), ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.generation !== undefined ? { generation: m.generation } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
    },
    spec: a.spec,
    ...(a.status ? { status: a.status } : {}),
  };
}

/** The snapshot as `kscale decide -f` reads it (now as RFC 3339; pods limited to the selected ones). */
export function snapshotDocument(s: Snapshot): Obj {
  const selectorText = 'error' in s.scale ? '' : s.scale.status?.selector ?? '';
  let selector: Selector | undefined;
  try { selector = selectorText === '' ? undefined : parseSelector(selectorText); } catch { /* the engine reports it */ }
  const pods = selector ? s.pods.filter((p) => selector.matches(p.metadata.labels ?? {})) : s.pods;
  const names = new Set(pods.map((p) => p.metadata.name));
  // Keep the PodMetrics the engine would pick: by the labels metrics-server copies, else by name.
  const podMetrics = s.podMetrics === undefined || 'error' in s.podMetrics || !selector ? s.podMetrics
    : s.podMetrics.filter((m) => (m.metadata.labels ? selector.matches(m.metadata.labels) : names.has(m.metadata.name)));
  return {
    now: new Date(s.now).toISOString(),
    autoscaler: trimAutoscaler(s.autoscaler),
    scale: s.scale,
    pods: pods.map(trimPod),
    ...(podMetrics !== undefined ? { podMetrics } : {}),
    ...(s.metricValues && s.metricValues.some((v) => v) ? { metricValues: s.metricValues.map((v) => v ?? null) } : {}),
    ...(s.customMetrics && s.customMetrics.length > 0 ? { customMetrics: s.customMetrics } : {}),
    ...(s.externalMetrics && s.externalMetrics.length > 0 ? { externalMetrics: s.externalMetrics } : {}),
    ...(s.metricErrors && Object.keys(s.metricErrors).length > 0 ? { metricErrors: s.metricErrors } : {}),
    ...(s.podOwnership ? { podOwnership: s.podOwnership } : {}),
    ...(s.rollout ? { rollout: s.rollout } : {}),
  };
}

export async function snapshotCommand(args: string[], io: CommandIO, now: () => number = Date.now): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      server: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'yaml' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) { io.out(snapshotUsage + '\n'); return 0; }
  if (v.output !== 'yaml' && v.output !== 'json') throw new UsageError(`--output must be yaml or json, got ${JSON.stringify(v.output)}`);
  const [target, ...extra] = positionals;
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(target ?? '');
  if (!match || extra.length > 0) throw new UsageError(`expected one NAMESPACE/NAME (e.g. shop/web), got ${JSON.stringify(positionals.join(' '))}`);
  const namespace = match[1] ?? '';
  const name = match[3] ?? '';

  let kc;
  try {
    kc = loadKubeConfig({ ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}), ...(v.context ? { context: v.context } : {}), ...(v.server ? { server: v.server } : {}) }).kc;
  } catch (e) {
    if (e instanceof NoClusterError) throw new UsageError(e.message);
    throw e;
  }
  const http = new KubeHttp({ kubeConfig: kc, userAgent: 'kscale-snapshot' });
  try {
    let autoscaler: HorizontalAutoscaler;
    try {
      autoscaler = await http.get<HorizontalAutoscaler>(`/apis/${GROUP}/${VERSION}${pathOf('namespaces', namespace, PLURAL, name)}`);
    } catch (e) {
      if (e instanceof KubeApiError && e.notFound) throw new UsageError(`HorizontalAutoscaler ${namespace}/${name} not found`);
      throw new UsageError(`cannot read HorizontalAutoscaler ${namespace}/${name}: ${(e as Error).message}`);
    }
    let pods: readonly Pod[] = [];
    try {
      pods = (await http.get<{ items?: Pod[] }>(`/api/v1${pathOf('namespaces', namespace, 'pods')}`)).items ?? [];
    } catch (e) {
      throw new UsageError(`cannot list pods in ${namespace}: ${(e as Error).message}`);
    }
    const discovery = new Discovery(http);
    const targetPods = await snapshotTargetPods(http, autoscaler, (t) => { io.err(t); });
    const { snapshot } = await gather({
      http, discovery, scales: new ScaleClient(http, discovery), podMetrics: new PodMetricsSource(http),
      pods: (_ns, selector) => selectedPods(pods, selector), ...(targetPods ? { targetPods } : {}),
    }, autoscaler, now());
    const doc = snapshotDocument(snapshot);
    io.out(v.output === 'json' ? JSON.stringify(doc, null, 2) + '\n' : `# kscale snapshot ${namespace}/${name}\n${stringify(doc, { lineWidth: 0 })}`);
    return 0;
  } finally {
    await http.idle();
  }
}
