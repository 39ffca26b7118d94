// The embedded cluster behind `npm start` (kscale run --embedded) and `npm run demo`: the control
// plane with kube-controller-manager in the kwok mode (kube-scheduler, kwok nodes running the pods,
// the real metrics-server serving metrics.k8s.io), so the demo's CPU numbers travel the same path as
// in a cluster. When the kwok mode's binaries cannot be built here (no Go), it says so and falls
// back to the status-patching pod readier, without resource metrics for the CPU workload.
// `npm run cluster:up` (scripts/cluster.ts) starts the same, with its own work dir and KCM flags.
import type { ControlPlane, ControlPlaneOptions } from '../controlplane/index.ts';

export interface EmbeddedCluster {
  cp: ControlPlane;
  /** Stops what this started besides the control plane (the fallback's readiers). */
  stopHelpers: () => Promise<void>;
}

export async function startEmbeddedCluster(warn: (line: string) => void, readierNamespaces: readonly string[],
  extra: Pick<ControlPlaneOptions, 'controllerManagerArgs' | 'workDir'> = {}): Promise<EmbeddedCluster> {
  const { ensureControlPlaneBinaries, ensureMetricsPipelineBinaries, startControlPlane, startPodReadier } = await import('../controlplane/index.ts');
  await ensureControlPlaneBinaries();
  let kwok = true;
  try {
    await ensureMetricsPipelineBinaries();
  } catch (e) {
    kwok = false;
    warn(`kscale: the kwok mode is unavailable (${e instanceof Error ? e.message : String(e)}); pods are marked Ready by a helper and the CPU workload gets no resource metrics\n`);
  }
  const cp = await startControlPlane({ ...extra, controllerManager: true, ...(kwok ? { kwok: { nodes: 2 } } : {}) });
  const readiers = kwok ? [] : readierNamespaces.map((ns) => startPodReadier(cp.kubeConfig, ns));
  return { cp, stopHelpers: async () => { await Promise.all(readiers.map((r) => r.stop())); } };
}
