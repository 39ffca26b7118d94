// `--vs-hpa --kwok`: the bench's load written as kwok usage, so both controllers read CPU from the
// real metrics-server scraping kwok's emulated kubelets. One ClusterResourceUsage per Deployment
// (its Running pods by name, each at the same millicores) instead of a patch per pod: a replica
// change or a load step is one write for the whole Deployment, and nothing is written at steady
// load. Writes are coalesced: the load model may change a Deployment's pod set many times while
// its pods start, only the latest state is sent, every FLUSH_MS.
import { startPodReadier, type ControlPlane, type ControlPlaneOptions } from '../src/controlplane/index.ts';
import { DEFAULT_USAGE_NAME } from '../src/controlplane/kwok.ts';
import { KubeHttp } from '../src/kube/http.ts';
import { fakeMetricsSink, Load, pool, type UsageSink } from './vs-hpa-workload.ts';

/** Pods per kwok node: kube-scheduler spreads them, metrics-server scrapes node by node, as in a cluster (110 is the kubelet's default limit). */
const PODS_PER_NODE = 100;

/** The control plane's kwok mode for `pods` pods at most (no KCM of its own: the bench runs its own). */
export function kwokOption(pods: number): Pick<ControlPlaneOptions, 'kwok'> {
  return { kwok: { nodes: Math.max(2, Math.ceil(pods / PODS_PER_NODE)) } };
}

/**
 * The bench's load model, started. Without kwok the bench plays the kubelet (a pod readier per
 * namespace) and the fake metrics API serves the usage; with kwok its stages run the pods and the
 * usage goes to kwok, read back through metrics-server.
 */
export async function startLoad(cp: ControlPlane, namespaces: readonly string[]): Promise<{ load: Load; readiers: { stop(): Promise<void> }[] }> {
  const load = new Load(cp.kubeConfig, cp.kwok ? await kwokUsageSink(cp) : fakeMetricsSink(cp.metrics));
  await load.start();
  return { load, readiers: cp.kwok ? [] : namespaces.map((ns) => startPodReadier(cp.kubeConfig, ns)) };
}

const CRU_PATH = '/apis/kwok.x-k8s.io/v1alpha1/clusterresourceusages';
const FLUSH_MS = 250;
/** Memory is not autoscaled here; a fixed figure so metrics-server's listings carry a plausible one. */
const MEMORY = '16Mi';

interface Want { namespace: string; pods: string[]; milli: number }

const code = (e: unknown): number | undefined => (e as { code?: number }).code;

export function usageName(namespace: string, app: string): string {
  return `${namespace}-${app}`;
}

export function clusterResourceUsage(name: string, w: Want): unknown {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'ClusterResourceUsage', metadata: { name },
    spec: {
      selector: { matchNamespaces: [w.namespace], matchNames: w.pods },
      usages: [{ usage: { cpu: { value: `${String(w.milli)}m` }, memory: { value: MEMORY } } }],
    },
  };
}

/**
 * The kwok UsageSink. It first deletes the control plane's catch-all ClusterResourceUsage (it
 * matches every pod and kwok takes the first match in no set order, so it could shadow these).
 */
export async function kwokUsageSink(cp: ControlPlane): Promise<UsageSink> {
  const http = new KubeHttp({ kubeConfig: cp.kubeConfig, concurrency: 10, timeoutMs: 30_000 });
  try {
    await http.request('DELETE', `${CRU_PATH}/${DEFAULT_USAGE_NAME}`);
  } catch (e) {
    if (code(e) !== 404) throw e;
  }
  const wanted = new Map<string, Want>();
  const written = new Map<string, string>();
  let flushing = false;
  const write = async (name: string, w: Want): Promise<void> => {
    const body = clusterResourceUsage(name, w);
    try {
      await http.mergePatch(`${CRU_PATH}/${name}`, body);
    } catch (e) {
      if (code(e) !== 404) throw e;
      await http.post(CRU_PATH, body);
    }
  };
  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      const due = [...wanted].filter(([name, w]) => written.get(name) !== JSON.stringify(w));
      await pool(due, 10, async ([name, w]) => {
        const key = JSON.stringify(w);
        // A failed write (a busy API server) is retried on the next flush: it stays unwritten.
        await write(name, w).then(() => { written.set(name, key); }, () => undefined);
      });
    } finally {
      flushing = false;
    }
  };
  const timer = setInterval(() => { void flush(); }, FLUSH_MS);
  timer.unref();
  return {
    set: (namespace, app, pods, milli) => { wanted.set(usageName(namespace, app), { namespace, pods: [...pods].sort(), milli }); },
    // A deleted pod leaves its Deployment's pod set through the next set() (the rebalance after it).
    deleted: () => undefined,
    stop: async () => { clearInterval(timer); await http.abort(); },
  };
}
