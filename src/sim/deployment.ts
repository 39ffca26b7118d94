// The simulated Deployment during a rolling update (strategy RollingUpdate, maxSurge 25 % rounded up,
// maxUnavailable 0: the zero-downtime rollout that only surges). Like the Deployment controller it
// adds new-revision pods up to spec.replicas + maxSurge, and removes an old pod only for a new one
// that is available (Ready for minReadySeconds), so the pod count stays above spec.replicas until
// the rollout ends. Pods created during a rollout warm up: for their first seconds after Ready they
// use more than their share (the JVM or cache warm-up of kubernetes #72775). The engine's view of it
// is rolloutState(): the same RolloutState the controller builds from its caches.
// Simplification: the real controller spreads a resize during a rollout over the old and the new
// ReplicaSet in proportion; here pods added by a resize are new-revision pods.
import type { RolloutState } from '../engine/rollout.ts';
import { scaleWorkload, type SimPod, type Workload } from './workload.ts';

export interface RolloutModel {
  /** maxSurge as a percentage of spec.replicas, rounded up (the Deployment default, 25). */
  maxSurgePercent: number;
  /** A new pod counts as available this long after Ready; only then may an old pod go. */
  minReadySeconds: number;
  /** Pods created during a rollout use warmUpFactor × their share for this long after Ready. */
  warmUpSeconds: number;
  warmUpFactor: number;
}

// Defaults that reproduce #72775 at a 15 s sync period: a warm-up longer than one sync period (some
// tick sees the hot pod) and shorter than minReadySeconds (the old pod goes only once the new one
// has cooled down, as in test/integration/rollout.test.ts).
export const DEFAULT_ROLLOUT: Readonly<RolloutModel> = Object.freeze({ maxSurgePercent: 25, minReadySeconds: 30, warmUpSeconds: 20, warmUpFactor: 1.7 });

const surgeOf = (replicas: number, m: RolloutModel): number => Math.ceil((replicas * m.maxSurgePercent) / 100);
const availableAt = (p: SimPod, m: RolloutModel): number => p.readyAt + m.minReadySeconds * 1000;
/** Oldest first, as the controller orders pods (creation time, then name: here the creation index). */
const byAge = (a: SimPod, b: SimPod): number => a.createdAt - b.createdAt || a.index - b.index;

/** Pods of an older revision remain, or the Deployment has surged beyond spec.replicas. */
export function isRollingOut(w: Workload): boolean {
  return w.pods.length > w.replicas || w.pods.some((p) => p.revision < w.revision);
}

function newPods(w: Workload, count: number, now: number, readyDelayMs: number, m: RolloutModel): Workload {
  if (count <= 0) return w;
  const added = Array.from({ length: count }, (_, i): SimPod => ({
    index: w.nextIndex + i, createdAt: now, readyAt: now + readyDelayMs, revision: w.revision,
    warmUntil: now + readyDelayMs + m.warmUpSeconds * 1000,
  }));
  return { ...w, pods: [...w.pods, ...added], nextIndex: w.nextIndex + count };
}

/** Removes the given pods (by index). */
const without = (w: Workload, gone: readonly SimPod[]): Workload => {
  const set = new Set(gone.map((p) => p.index));
  return { ...w, pods: w.pods.filter((p) => !set.has(p.index)) };
};

/** One pass of the Deployment controller at `now`. */
function pass(w: Workload, now: number, readyDelayMs: number, m: RolloutModel): Workload {
  const maxTotal = w.replicas + surgeOf(w.replicas, m);
  // Beyond what a resize down allows: the newest pods go first.
  if (w.pods.length > maxTotal) w = without(w, [...w.pods].sort(byAge).slice(maxTotal));
  const fresh = w.pods.filter((p) => p.revision === w.revision);
  if (fresh.length > w.replicas) return without(w, fresh.sort(byAge).slice(w.replicas));
  // Scale the new ReplicaSet up within the surge.
  w = newPods(w, Math.min(maxTotal - w.pods.length, w.replicas - fresh.length), now, readyDelayMs, m);
  // Scale the old ones down as the controller does (reconcileOldReplicaSets): never below
  // spec.replicas available pods (maxUnavailable 0); old pods that are not available go first.
  const isAvailable = (p: SimPod): boolean => availableAt(p, m) <= now;
  const newUnavailable = w.pods.filter((p) => p.revision === w.revision && !isAvailable(p)).length;
  const maxScaledDown = w.pods.length - w.replicas - newUnavailable;
  if (maxScaledDown <= 0) return w;
  const old = w.pods.filter((p) => p.revision < w.revision).sort((a, b) => byAge(b, a));
  const unhealthy = old.filter((p) => !isAvailable(p)).slice(0, maxScaledDown);
  const available = w.pods.filter(isAvailable).length;
  const healthy = old.filter(isAvailable).slice(0, Math.max(0, available - w.replicas));
  return without(w, [...unhealthy, ...healthy]);
}

/** Runs the controller at `now` until it has nothing more to do (it reacts to its own changes). */
export function reconcile(w: Workload, now: number, readyDelayMs: number, m: RolloutModel): Workload {
  for (let i = 0; i < 1000 && isRollingOut(w); i++) {
    const next = pass(w, now, readyDelayMs, m);
    if (next.pods.length === w.pods.length && next.nextIndex === w.nextIndex) return next;
    w = next;
  }
  return w;
}

/** A new revision: every pod running now is old. */
export function startRollout(w: Workload, now: number, readyDelayMs: number, m: RolloutModel): Workload {
  return reconcile({ ...w, revision: w.revision + 1 }, now, readyDelayMs, m);
}

/** The next time after `after` a pod becomes available (the controller's next move), or Infinity. */
function nextAvailable(w: Workload, after: number, m: RolloutModel): number {
  return Math.min(...w.pods.map((p) => availableAt(p, m)).filter((t) => t > after));
}

/** Moves the Deployment from `from` to `to` (exclusive, inclusive): rollouts starting at `starts` (ms) and the controller's reactions. */
export function advance(w: Workload, from: number, to: number, starts: readonly number[], readyDelayMs: number, m: RolloutModel): Workload {
  let cursor = from;
  for (;;) {
    const start = starts.find((s) => s > cursor && s <= to);
    const event = Math.min(start ?? Number.POSITIVE_INFINITY, isRollingOut(w) ? nextAvailable(w, cursor, m) : Number.POSITIVE_INFINITY);
    if (!(event <= to)) return w;
    w = event === start ? startRollout(w, event, readyDelayMs, m) : reconcile(w, event, readyDelayMs, m);
    cursor = event;
  }
}

/** The HPA's scale change: spec.replicas, then the Deployment's reaction (during a rollout). */
export function scaleDeployment(w: Workload, replicas: number, now: number, readyDelayMs: number, m: RolloutModel): Workload {
  if (!isRollingOut(w)) return scaleWorkload(w, replicas, now, readyDelayMs);
  return reconcile({ ...w, replicas }, now, readyDelayMs, m);
}

/** The rollout as controller/rollout-state.ts reports it for a Deployment; undefined when not rolling out. */
export function rolloutState(w: Workload, workload: string, podName: (p: SimPod) => string): RolloutState | undefined {
  if (!isRollingOut(w)) return undefined;
  const reasons: string[] = [];
  if (w.pods.length > w.replicas) reasons.push(`${w.pods.length} pods for spec.replicas ${w.replicas}`);
  const revisions = new Set(w.pods.map((p) => p.revision)).size;
  if (revisions > 1) reasons.push(`${revisions} ReplicaSets with pods`);
  return {
    workload,
    reason: reasons.length > 0 ? reasons.join('; ') : `rolling out revision ${w.revision}`,
    desiredReplicas: w.replicas,
    old: w.pods.filter((p) => p.revision < w.revision).map(podName),
    surge: [...w.pods].sort(byAge).slice(w.replicas).map(podName),
  };
}

/** Whether a pod reports warm-up usage at `now`. */
export const isWarm = (p: SimPod, now: number): boolean => p.warmUntil !== undefined && p.readyAt <= now && now < p.warmUntil;
