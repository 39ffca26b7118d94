// Pod lifecycle without a kubelet or scheduler: pods created by the ReplicaSet controller stay
// Pending forever, so tests move them through pods/status themselves, as Kubernetes' own integration
// tests do. The upstream HPA counts a pod for CPU only once it is Running, Ready and has a startTime;
// within cpu-initialization-period of startTime it also looks at the Ready transition time, hence the
// default of backdating both by 10 minutes.
import {
  CoreV1Api, makeInformer, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod,
} from '@kubernetes/client-node';
import { makeClient, statusOf } from './clients.ts';
import { sleep } from './wait.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const FIELD_MANAGER = 'kscale-fake-kubelet';
const TEN_MINUTES = 10 * 60_000;

/** metav1.Time is second-precision RFC 3339. */
const t = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface ReadyOptions {
  /** status.startTime; default 10 minutes ago. */
  startTime?: Date;
  /** lastTransitionTime of the Ready condition; default startTime. */
  readyTime?: Date;
}

async function patchStatus(kc: KubeConfig, namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
  await makeClient(kc, CoreV1Api).patchNamespacedPodStatus({ name, namespace, body: { status }, fieldManager: FIELD_MANAGER }, merge);
}

async function containersOf(kc: KubeConfig, namespace: string, name: string): Promise<{ name: string; image: string }[]> {
  const pod = await makeClient(kc, CoreV1Api).readNamespacedPod({ name, namespace });
  return (pod.spec?.containers ?? []).map((c) => ({ name: c.name, image: c.image ?? 'unknown' }));
}

function conditions(ready: boolean, readyTime: Date, startTime: Date): Record<string, unknown>[] {
  const r = ready ? 'True' : 'False';
  return [
    { type: 'PodScheduled', status: 'True', lastTransitionTime: t(startTime) },
    { type: 'Initialized', status: 'True', lastTransitionTime: t(startTime) },
    { type: 'ContainersReady', status: r, lastTransitionTime: t(readyTime) },
    { type: 'Ready', status: r, lastTransitionTime: t(readyTime) },
  ];
}

/** Running and Ready, with startTime and the Ready transition backdated (default 10 minutes). */
export async function markPodReady(kc: KubeConfig, namespace: string, name: string, opts: ReadyOptions = {}): Promise<void> {
  const startTime = opts.startTime ?? new Date(Date.now() - TEN_MINUTES);
  const readyTime = opts.readyTime ?? startTime;
  const containers = await containersOf(kc, namespace, name);
  await patchStatus(kc, namespace, name, {
    phase: 'Running',
    startTime: t(startTime),
    conditions: conditions(true, readyTime, startTime),
    containerStatuses: containers.map((c) => ({
      name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0,
      state: { running: { startedAt: t(startTime) } },
    })),
  });
}

/** Still Running, but Ready=False as of now (a failing readiness probe). */
export async function markPodNotReady(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const pod = await makeClient(kc, CoreV1Api).readNamespacedPod({ name, namespace });
  const startTime = pod.status?.startTime ? new Date(pod.status.startTime) : new Date(Date.now() - TEN_MINUTES);
  await patchStatus(kc, namespace, name, {
    phase: 'Running',
    startTime: t(startTime),
    conditions: conditions(false, new Date(), startTime),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name, image: c.image ?? 'unknown', imageID: '', ready: false, started: true, restartCount: 0,
      state: { running: { startedAt: t(startTime) } },
    })),
  });
}

/** Terminal phase Failed (containers exited with code 1). The apiserver refuses to leave it again. */
export async function markPodFailed(kc: KubeConfig, namespace: string, name: string, reason = 'Error'): Promise<void> {
  const containers = await containersOf(kc, namespace, name);
  const now = new Date();
  await patchStatus(kc, namespace, name, {
    phase: 'Failed',
    reason,
    conditions: conditions(false, now, now),
    containerStatuses: containers.map((c) => ({
      name: c.name, image: c.image, imageID: '', ready: false, started: false, restartCount: 0,
      state: { terminated: { exitCode: 1, reason, startedAt: t(now), finishedAt: t(now) } },
    })),
  });
}

/** Back to Pending: no conditions, no container statuses, no startTime. */
export async function markPodPending(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await patchStatus(kc, namespace, name, { phase: 'Pending', startTime: null, conditions: [], containerStatuses: [] });
}

/** Deletes a pod at once (grace period 0); a pod that is already gone is fine. */
export async function deletePod(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  try {
    await makeClient(kc, CoreV1Api).deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

export interface PodReadierOptions {
  /** startTime for a pod; default 10 minutes ago. */
  startTime?: (pod: V1Pod) => Date;
  /** Ready lastTransitionTime for a pod; default its startTime. */
  readyTime?: (pod: V1Pod) => Date;
  /** Wait this long after seeing a new pod before marking it (default 0). */
  readyAfterMs?: number;
}

/**
 * The "fake kubelet": watches a namespace and marks every new Pending pod Running and Ready, once.
 * A pod the readier has handled is left alone afterwards, so tests may mark it NotReady or Failed.
 */
export function startPodReadier(kc: KubeConfig, namespace: string, opts: PodReadierOptions = {}): { stop(): Promise<void> } {
  const core = makeClient(kc, CoreV1Api);
  const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    () => core.listNamespacedPod({ namespace }));
  const handled = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;

  const markOne = async (pod: V1Pod): Promise<void> => {
    const name = pod.metadata?.name ?? '';
    const startTime = opts.startTime?.(pod) ?? new Date(Date.now() - TEN_MINUTES);
    const readyTime = opts.readyTime?.(pod) ?? startTime;
    if (opts.readyAfterMs) await sleep(opts.readyAfterMs);
    for (let attempt = 0; attempt < 5 && !stopped; attempt++) {
      try {
        await markPodReady(kc, namespace, name, { startTime, readyTime });
        return;
      } catch (err) {
        if (statusOf(err) === 404) return; // deleted meanwhile (scale-down)
        await sleep(200 * 2 ** attempt);
      }
    }
  };

  const onPod = (pod: V1Pod): void => {
    const uid = pod.metadata?.uid;
    if (stopped || !uid || handled.has(uid) || pod.metadata?.deletionTimestamp) return;
    const phase = pod.status?.phase;
    if (phase !== undefined && phase !== 'Pending') return;
    handled.add(uid);
    const p = markOne(pod).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  informer.on('add', onPod);
  informer.on('update', onPod);
  informer.on('delete', (pod) => { if (pod.metadata?.uid) handled.delete(pod.metadata.uid); });
  // client-node informers stop for good on most errors: restart after a short pause.
  informer.on('error', () => {
    if (stopped) return;
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => { if (!stopped) void informer.start().catch(() => undefined); }, 1_000);
  });
  void informer.start().catch(() => undefined);

  return {
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearTimeout(restartTimer);
      await informer.stop().catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
