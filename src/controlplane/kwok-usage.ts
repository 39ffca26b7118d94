// Driving kwok's emulated usage: per pod through kwok's usage annotations (read by the default
// ClusterResourceUsage of kwok.ts), and a load model that splits a total over a workload's Ready
// pods, as a load balancer would, so adding replicas lowers each pod's usage. metrics-server then
// reports it after its next scrapes (CPU is a rate of kwok's cumulative counter).
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { makeClient, statusOf } from './clients.ts';
import { USAGE_ANNOTATIONS } from './kwok.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Quantities as in a pod spec ("250m", "64Mi"); a resource left out keeps its current value. */
export interface PodUsageValues { cpu?: string; memory?: string }

export async function setPodUsage(kc: KubeConfig, namespace: string, pod: string, usage: PodUsageValues): Promise<void> {
  const annotations: Record<string, string> = {};
  if (usage.cpu !== undefined) annotations[USAGE_ANNOTATIONS.cpu] = usage.cpu;
  if (usage.memory !== undefined) annotations[USAGE_ANNOTATIONS.memory] = usage.memory;
  if (Object.keys(annotations).length === 0) return;
  await makeClient(kc, CoreV1Api).patchNamespacedPod({ name: pod, namespace, body: { metadata: { annotations } } }, merge);
}

/** A workload's total demand: CPU in millicores, memory in MiB (either may be left out). */
export interface TotalLoad { cpuMilli?: number; memoryMi?: number }

const isReady = (p: V1Pod): boolean => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running'
  && (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** What each Ready pod gets: the total split evenly (whole millicores / MiB, at least 1). */
export function splitLoad(total: TotalLoad, readyPods: number): PodUsageValues {
  const n = Math.max(1, readyPods);
  return {
    ...(total.cpuMilli !== undefined ? { cpu: `${String(Math.max(1, Math.round(total.cpuMilli / n)))}m` } : {}),
    ...(total.memoryMi !== undefined ? { memory: `${String(Math.max(1, Math.round(total.memoryMi / n)))}Mi` } : {}),
  };
}

/**
 * Every intervalMs, splits total() over the Ready pods matching labelSelector and patches the pods
 * whose usage differs. Errors (a pod deleted meanwhile, a busy apiserver) wait for the next round.
 */
export function startSplitLoad(kc: KubeConfig, namespace: string, labelSelector: string, total: () => TotalLoad,
  intervalMs = 1_000): { stop(): void } {
  const core = makeClient(kc, CoreV1Api);
  let stopped = false;
  const isStopped = (): boolean => stopped; // re-read across awaits
  let running = false;
  const round = async (): Promise<void> => {
    if (running || isStopped()) return;
    running = true;
    try {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector })).items.filter(isReady);
      const want = splitLoad(total(), pods.length);
      for (const p of pods) {
        const a = p.metadata?.annotations ?? {};
        const diff: PodUsageValues = {
          ...(want.cpu !== undefined && a[USAGE_ANNOTATIONS.cpu] !== want.cpu ? { cpu: want.cpu } : {}),
          ...(want.memory !== undefined && a[USAGE_ANNOTATIONS.memory] !== want.memory ? { memory: want.memory } : {}),
        };
        if (isStopped()) return;
        try {
          await setPodUsage(kc, namespace, p.metadata?.name ?? '', diff);
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }
    } catch {
      // next round
    } finally {
      running = false;
    }
  };
  void round();
  const timer = setInterval(() => { void round(); }, intervalMs);
  timer.unref();
  return { stop: () => { stopped = true; clearInterval(timer); } };
}
