// Turning the metrics' proposal into the replica count to apply (reference/hpa-algorithm.md §8–9):
// stabilization over recorded recommendations, then the legacy scale-up limit or the behavior
// policies, then min/max. Pure: the history comes in and the updated history goes out.
import { Message, Reason } from '../api/constants.ts';
import type { EffectiveBehavior, EffectiveRules } from '../api/defaults.ts';

export interface TimedRecommendation { replicas: number; time: number }
export interface TimedScaleEvent { replicaChange: number; time: number; outdated: boolean }

export interface Outcome {
  /** The stabilized recommendation (before rate limits and bounds). */
  stabilized: number;
  stabilizedReason: { reason: string; message: string };
  /** The final desired replica count. */
  desired: number;
  limitedReason: { reason: string; message: string };
  recommendations: TimedRecommendation[];
}

const MIN_INT32 = -(2 ** 31);
const MAX_INT32 = 2 ** 31 - 1;

/** Upstream records the new recommendation over the last expired slot, else appends. */
function record(list: readonly TimedRecommendation[], lastOld: number, entry: TimedRecommendation): TimedRecommendation[] {
  const next = list.slice();
  if (lastOld >= 0) next[lastOld] = entry; else next.push(entry);
  return next;
}

const withinRange = { reason: Reason.DesiredWithinRange, message: Message.desiredWithinRange };
const ready = { reason: Reason.ReadyForNewScale, message: Message.readyForNewScale };

/** §8: no behavior. Scale-down stabilization (cutoff inclusive), then the legacy limits. */
export function normalizeLegacy(args: {
  current: number; proposed: number; min: number; max: number; now: number; windowMs: number; recommendations: readonly TimedRecommendation[];
}): Outcome {
  const cutoff = args.now - args.windowMs;
  let stabilized = args.proposed;
  let lastOld = -1;
  args.recommendations.forEach((r, i) => {
    if (r.time < cutoff) lastOld = i;
    else if (r.replicas > stabilized) stabilized = r.replicas;
  });
  const recommendations = record(args.recommendations, lastOld, { replicas: args.proposed, time: args.now });
  const stabilizedReason = stabilized !== args.proposed ? { reason: Reason.ScaleDownStabilized, message: Message.scaleDownStabilized } : ready;

  // Guards against bogus usage spikes: at most double (or 4) per pass.
  const legacyLimit = Math.trunc(Math.max(2.0 * args.current, 4.0));
  const upper = args.max > legacyLimit
    ? { value: legacyLimit, reason: Reason.ScaleUpLimit, message: Message.scaleUpLimit }
    : { value: args.max, reason: Reason.TooManyReplicas, message: Message.tooManyReplicas };
  let desired = stabilized;
  let limitedReason: { reason: string; message: string } = withinRange;
  if (stabilized < args.min) { desired = args.min; limitedReason = { reason: Reason.TooFewReplicas, message: Message.tooFewReplicas }; }
  else if (stabilized > upper.value) { desired = upper.value; limitedReason = upper; }
  return { stabilized, stabilizedReason, desired, limitedReason, recommendations };
}

/** Sum of changes of events strictly newer than now - period. */
function changedWithin(events: readonly TimedScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let total = 0;
  for (const e of events) if (e.time > cutoff) total += e.replicaChange;
  return total;
}

/**
 * §9.4: the replica count the policies allow now. Each policy starts from the count at the start of
 * its period; Percent rounds up when adding and truncates when removing. "Max" selects the largest
 * change: the highest count up, the lowest count down ("Min" the reverse); "Disabled" pins.
 */
function policyLimit(direction: 'up' | 'down', current: number, up: readonly TimedScaleEvent[], down: readonly TimedScaleEvent[], rules: EffectiveRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const highest = (direction === 'up') === (rules.selectPolicy !== 'Min');
  let result = highest ? MIN_INT32 : MAX_INT32;
  for (const p of rules.policies) {
    const periodStart = current - changedWithin(up, p.periodSeconds, now) + changedWithin(down, p.periodSeconds, now);
    const proposed = direction === 'up'
      ? (p.type === 'Pods' ? periodStart + p.value : Math.ceil(periodStart * (1 + p.value / 100)))
      : (p.type === 'Pods' ? periodStart - p.value : Math.trunc(periodStart * (1 - p.value / 100)));
    result = highest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** The most replicas the scale-up policies allow now. */
export function scaleUpLimit(current: number, up: readonly TimedScaleEvent[], down: readonly TimedScaleEvent[], rules: EffectiveRules, now: number): number {
  return policyLimit('up', current, up, down, rules, now);
}

/** The fewest replicas the scale-down policies allow now. */
export function scaleDownLimit(current: number, up: readonly TimedScaleEvent[], down: readonly TimedScaleEvent[], rules: EffectiveRules, now: number): number {
  return policyLimit('down', current, up, down, rules, now);
}

/** §9: with behavior. Per-direction stabilization (cutoffs exclusive), then policies and bounds. */
export function normalizeWithBehavior(args: {
  current: number; proposed: number; min: number; max: number; now: number; behavior: EffectiveBehavior;
  recommendations: readonly TimedRecommendation[]; scaleUpEvents: readonly TimedScaleEvent[]; scaleDownEvents: readonly TimedScaleEvent[];
}): Outcome {
  const { current, proposed, now, behavior } = args;
  const upCutoff = now - behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let upRec = proposed;
  let downRec = proposed;
  let lastOld = -1;
  args.recommendations.forEach((r, i) => {
    if (r.time > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.time > downCutoff) downRec = Math.max(downRec, r.replicas);
    if (r.time < upCutoff && r.time < downCutoff) lastOld = i;
  });
  // Up only as far as the lowest recent recommendation, down only to the highest.
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  const recommendations = record(args.recommendations, lastOld, { replicas: proposed, time: now });
  const stabilizedReason = stabilized === proposed ? ready
    : proposed >= current ? { reason: Reason.ScaleUpStabilized, message: Message.scaleUpStabilized }
    : { reason: Reason.ScaleDownStabilized, message: Message.scaleDownStabilized };

  let desired = stabilized;
  let limitedReason: { reason: string; message: string } = withinRange;
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, args.scaleUpEvents, args.scaleDownEvents, behavior.scaleUp, now), current);
    const allowed = args.max > limit
      ? { value: limit, reason: Reason.ScaleUpLimit, message: Message.scaleUpLimit }
      : { value: args.max, reason: Reason.TooManyReplicas, message: Message.tooManyReplicas };
    if (stabilized > allowed.value) { desired = allowed.value; limitedReason = allowed; }
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, args.scaleUpEvents, args.scaleDownEvents, behavior.scaleDown, now), current);
    const allowed = args.min < limit
      ? { value: limit, reason: Reason.ScaleDownLimit, message: Message.scaleDownLimit }
      : { value: args.min, reason: Reason.TooFewReplicas, message: Message.tooFewReplicas };
    if (stabilized < allowed.value) { desired = allowed.value; limitedReason = allowed; }
  }
  return { stabilized, stabilizedReason, desired, limitedReason, recommendations };
}

/** §9.5: record a successful rescale in its direction's event list. */
export function storeScaleEvent(behavior: EffectiveBehavior, events: { up: readonly TimedScaleEvent[]; down: readonly TimedScaleEvent[] },
  previous: number, next: number, now: number): { up: TimedScaleEvent[]; down: TimedScaleEvent[] } {
  const scalingUp = next > previous;
  const rules = scalingUp ? behavior.scaleUp : behavior.scaleDown;
  const longest = rules.policies.reduce((m, p) => Math.max(m, p.periodSeconds), 0);
  const cutoff = now - longest * 1000;
  const list = (scalingUp ? events.up : events.down).map((e) => ({ ...e, outdated: e.outdated || e.time < cutoff }));
  let lastOutdated = -1;
  list.forEach((e, i) => { if (e.outdated) lastOutdated = i; });
  const entry = { replicaChange: Math.abs(next - previous), time: now, outdated: false };
  if (lastOutdated >= 0) list[lastOutdated] = entry; else list.push(entry);
  return scalingUp ? { up: list, down: events.down.slice() } : { up: events.up.slice(), down: list };
}

/**
 * The recommendation history as kept and persisted: the latest time of each distinct value, oldest
 * first, without entries older than the longest stabilization window. Decisions read only "was this
 * value recommended within the window", which the latest time per value answers exactly, so the
 * compact form decides as upstream's one-entry-per-pass list does; and it changes only when the set
 * of recommended values changes, which is when it is worth writing.
 */
export function compactRecommendations(list: readonly TimedRecommendation[], now?: number, longestWindowMs?: number): TimedRecommendation[] {
  const latest = new Map<number, number>();
  for (const r of list) latest.set(r.replicas, Math.max(r.time, latest.get(r.replicas) ?? -Infinity));
  const cutoff = now !== undefined && longestWindowMs !== undefined ? now - longestWindowMs : -Infinity;
  return [...latest].filter(([, time]) => time >= cutoff).map(([replicas, time]) => ({ replicas, time })).sort((a, b) => a.time - b.time);
}
