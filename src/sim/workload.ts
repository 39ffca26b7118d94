// The simulated workload: a set of pods that follows the replica count the engine asks for.
// A scale-up adds pods that become Ready `readyDelayMs` after creation (their start time); a
// scale-down removes the newest pods at once. Values only: every change returns a new Workload.
// While a rolling update is in progress the Deployment model (deployment.ts) drives the pods instead.

export interface SimPod {
  /** Creation order; the pod is named "<target>-<index>". */
  index: number;
  /** Creation = start time, ms since the epoch. */
  createdAt: number;
  /** When the Ready condition turns True, ms since the epoch. */
  readyAt: number;
  /** The pod template revision it runs (0 at the start; each rollout adds one). */
  revision: number;
  /** Until when it reports warm-up usage (pods created during a rollout, deployment.ts). */
  warmUntil?: number;
}

export interface Workload {
  pods: readonly SimPod[];
  nextIndex: number;
  /** The Deployment's spec.replicas: pods.length except while a rollout surges. */
  replicas: number;
  /** The revision the Deployment rolls out to (pods of a lower one are old). */
  revision: number;
}

/** Pods already running at the start: created an hour earlier, long past any initialization period. */
export const INITIAL_POD_AGE_MS = 3_600_000;

export function initialWorkload(replicas: number, start: number, readyDelayMs: number): Workload {
  const createdAt = start - INITIAL_POD_AGE_MS;
  return {
    pods: Array.from({ length: replicas }, (_, index) => ({ index, createdAt, readyAt: createdAt + readyDelayMs, revision: 0 })),
    nextIndex: replicas,
    replicas,
    revision: 0,
  };
}

export function scaleWorkload(w: Workload, replicas: number, now: number, readyDelayMs: number): Workload {
  if (replicas <= w.pods.length) return { ...w, pods: w.pods.slice(0, replicas), replicas };
  const added = Array.from({ length: replicas - w.pods.length }, (_, i) => ({ index: w.nextIndex + i, createdAt: now, readyAt: now + readyDelayMs, revision: w.revision }));
  return { ...w, pods: [...w.pods, ...added], nextIndex: w.nextIndex + added.length, replicas };
}

export const isReady = (p: SimPod, now: number): boolean => p.readyAt <= now;
