// The twin workloads of `--vs-hpa`: pair i lives in namespace bench-(i mod K) as Deployment k-i
// (autoscaled by a kscale HorizontalAutoscaler k-i) and Deployment u-i (autoscaled by an
// autoscaling/v2 HorizontalPodAutoscaler u-i with the same spec). A pod cache (one cluster-wide
// watch) drives the load model, a fixed CPU total per Deployment split evenly over its Running pods,
// and answers the fake metrics API's label selector lookups (as metrics-server does, from a cache,
// so neither controller is charged for a pod list per metrics request). Where the per-pod CPU goes
// is a UsageSink: the fake metrics API, or kwok's usage objects with --kwok (vs-hpa-kwok.ts).
import { CoreV1Api, makeInformer, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { makeClient } from '../src/controlplane/clients.ts';
import type { FakeMetrics, PodSelectorLookup } from '../src/controlplane/fake-metrics.ts';
import { matches, parseSelector } from '../src/controlplane/label-selector.ts';
import { KubeHttp } from '../src/kube/http.ts';

export const BENCH_LABEL = 'kscale-bench';
export const REQUEST_MILLI = 100;
export const TARGET_UTILIZATION = 50;
/** Per-pod usage at steady load: exactly the target (ratio 1.0), so neither side scales. */
export const STEADY_MILLI = 50;

export interface Pair { index: number; namespace: string; kscale: string; upstream: string }

export function pairs(objects: number, namespaces: number): Pair[] {
  return Array.from({ length: objects }, (_, index) => ({
    index, namespace: `bench-${String(index % namespaces)}`, kscale: `k-${String(index)}`, upstream: `u-${String(index)}`,
  }));
}

const spec = (pods: number, name: string) => ({
  minReplicas: 1, maxReplicas: Math.max(10, pods * 4),
  scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
  metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: TARGET_UTILIZATION } } }],
});

/** Runs `f` over items with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await f(item);
    }
  }));
}

async function createIgnoringConflict(http: KubeHttp, path: string, body: unknown): Promise<void> {
  try {
    await http.post(path, body);
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}

export async function createNamespaces(http: KubeHttp, names: readonly string[]): Promise<void> {
  await pool([...new Set(names)], 10, (name) => createIgnoringConflict(http, '/api/v1/namespaces', { metadata: { name } }));
}

export async function createDeployments(http: KubeHttp, all: readonly Pair[], podsEach: number): Promise<void> {
  const deployment = (name: string) => ({
    metadata: { name, labels: { [BENCH_LABEL]: 'true' } },
    spec: {
      replicas: podsEach, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, [BENCH_LABEL]: 'true' } },
        spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: `${String(REQUEST_MILLI)}m` } } }] },
      },
    },
  });
  await pool(all.flatMap((p) => [[p.namespace, p.kscale], [p.namespace, p.upstream]] as const), 20, ([ns, name]) =>
    createIgnoringConflict(http, `/apis/apps/v1/namespaces/${ns}/deployments`, deployment(name)));
}

export async function createAutoscalers(http: KubeHttp, all: readonly Pair[], podsEach: number): Promise<void> {
  await pool(all, 20, async (p) => {
    await createIgnoringConflict(http, `/apis/kscale.dev/v1alpha1/namespaces/${p.namespace}/horizontalautoscalers`,
      { apiVersion: 'kscale.dev/v1alpha1', kind: 'HorizontalAutoscaler', metadata: { name: p.kscale }, spec: spec(podsEach, p.kscale) });
    await createIgnoringConflict(http, `/apis/autoscaling/v2/namespaces/${p.namespace}/horizontalpodautoscalers`,
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: p.upstream }, spec: spec(podsEach, p.upstream) });
  });
}

const running = (p: V1Pod): boolean => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
const ready = (p: V1Pod): boolean => running(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Receives the load model's output: each Deployment's per-pod CPU over its Running pods. */
export interface UsageSink {
  /** The Running pods `pods` of namespace/app each use `milli` millicores. */
  set(namespace: string, app: string, pods: readonly string[], milli: number): void;
  /** A pod is gone. */
  deleted(namespace: string, pod: string): void;
  stop(): Promise<void>;
}

/** The fake metrics API's pod usage, set per pod at once. */
export function fakeMetricsSink(metrics: FakeMetrics): UsageSink {
  return {
    set: (namespace, _app, pods, milli) => { for (const p of pods) metrics.setPodUsage(namespace, p, { c: { cpu: `${String(milli)}m` } }); },
    deleted: (namespace, pod) => { metrics.deletePodUsage(namespace, pod); },
    stop: () => Promise.resolve(),
  };
}

/** The bench's own view of the pods, the load model, and the metrics API's selector lookups. */
export class Load {
  readonly #sink: UsageSink;
  readonly #informer: ReturnType<typeof makeInformer<V1Pod>>;
  /** namespace → pod name → pod */
  readonly #pods = new Map<string, Map<string, V1Pod>>();
  /** "namespace/app" → total milli-CPU of that Deployment */
  readonly #total = new Map<string, number>();
  #stopped = false;
  #restart: NodeJS.Timeout | undefined;

  constructor(kc: KubeConfig, sink: UsageSink) {
    this.#sink = sink;
    const core = makeClient(kc, CoreV1Api, 120_000);
    this.#informer = makeInformer<V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces({ labelSelector: BENCH_LABEL }), BENCH_LABEL);
    const upsert = (p: V1Pod): void => {
      const ns = p.metadata?.namespace ?? ''; const name = p.metadata?.name ?? '';
      let m = this.#pods.get(ns);
      if (!m) this.#pods.set(ns, (m = new Map<string, V1Pod>()));
      m.set(name, p);
      this.#rebalance(ns, p.metadata?.labels?.app ?? '');
    };
    this.#informer.on('add', upsert);
    this.#informer.on('update', upsert);
    this.#informer.on('delete', (p) => {
      const ns = p.metadata?.namespace ?? ''; const name = p.metadata?.name ?? '';
      this.#pods.get(ns)?.delete(name);
      this.#sink.deleted(ns, name);
      this.#rebalance(ns, p.metadata?.labels?.app ?? '');
    });
    this.#informer.on('error', () => {
      if (this.#stopped) return;
      clearTimeout(this.#restart);
      this.#restart = setTimeout(() => { if (!this.#stopped) void this.#informer.start().catch(() => undefined); }, 1_000);
    });
  }

  start(): Promise<void> { return this.#informer.start(); }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#restart);
    await this.#informer.stop().catch(() => undefined);
    await this.#sink.stop();
  }

  /** Sets the total milli-CPU of a Deployment (split over its Running pods). */
  setTotal(namespace: string, app: string, milli: number): void {
    this.#total.set(`${namespace}/${app}`, milli);
    this.#rebalance(namespace, app);
  }

  #rebalance(namespace: string, app: string): void {
    const total = this.#total.get(`${namespace}/${app}`);
    if (total === undefined || app === '') return;
    const mine = [...(this.#pods.get(namespace)?.values() ?? [])].filter((p) => p.metadata?.labels?.app === app && running(p));
    if (mine.length === 0) return;
    this.#sink.set(namespace, app, mine.map((p) => p.metadata?.name ?? ''), Math.floor(total / mine.length));
  }

  /** Pods of the bench, and how many are Running and Ready. */
  counts(): { total: number; ready: number; notReady: { namespace: string; name: string }[] } {
    let total = 0; let readyCount = 0; const notReady: { namespace: string; name: string }[] = [];
    for (const [namespace, m] of this.#pods) {
      for (const [name, p] of m) {
        if (p.metadata?.deletionTimestamp) continue;
        total++;
        if (ready(p)) readyCount++; else notReady.push({ namespace, name });
      }
    }
    return { total, ready: readyCount, notReady };
  }

  /** What metrics-server would answer from its own cache: pod names in a namespace matching a selector. */
  readonly lookup: PodSelectorLookup = (namespace, labelSelector) => {
    const reqs = parseSelector(labelSelector);
    const names = new Set<string>();
    for (const [name, p] of this.#pods.get(namespace) ?? []) if (matches(reqs, p.metadata?.labels ?? {})) names.add(name);
    return Promise.resolve(names);
  };
}
