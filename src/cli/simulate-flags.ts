// Values of `kscale simulate` flags that need more than parseArgs' type check: durations, and the
// knobs of the simulated Deployment's rolling update (src/sim/deployment.ts). A bad value is a
// UsageError naming the flag: one line, exit 2, as for every other simulate flag.
import { parseGoDuration } from '../engine/duration.ts';
import type { RolloutModel } from '../sim/deployment.ts';
import { UsageError } from './io.ts';

/** Seconds from "90", "90s", "1m30s". */
export function seconds(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text) && Number.isFinite(Number(text))) return Number(text);
  try {
    const ms = parseGoDuration(text);
    if (ms >= 0 && Number.isFinite(ms)) return ms / 1000;
  } catch { /* reported below */ }
  throw new UsageError(`${flag} must be seconds or a duration such as "30s" or "5m", got ${JSON.stringify(text)}`);
}

/** The parseArgs options of the rollout flags. */
export const ROLLOUT_OPTIONS = {
  'rollout-max-surge': { type: 'string' },
  'rollout-min-ready': { type: 'string' },
  'rollout-warm-up': { type: 'string' },
  'rollout-warm-up-factor': { type: 'string' },
} as const;

export type RolloutFlags = { [K in keyof typeof ROLLOUT_OPTIONS]?: string | undefined };

/**
 * maxSurge as a percentage only: the model (like the Deployment's "25%") rounds a percentage of
 * spec.replicas up and has no absolute pod count. With maxUnavailable fixed at 0 a surge of 0 would
 * never progress (the API server refuses both 0); at 100 % the whole new ReplicaSet starts at once,
 * so a larger value adds nothing, and the bound keeps a typo from creating millions of pods.
 */
function surgePercent(text: string): number {
  const m = /^(\d{1,3})%$/.exec(text);
  const pct = m ? Number(m[1]) : Number.NaN;
  if (pct >= 1 && pct <= 100) return pct;
  throw new UsageError(`--rollout-max-surge must be a percentage of spec.replicas from 1% to 100% such as "25%" (an absolute pod count is not supported), got ${JSON.stringify(text)}`);
}

/** A plain non-negative number: the model scales a warm pod's share by it (exact to 1/1000). */
function factor(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text) && Number.isFinite(Number(text))) return Number(text);
  throw new UsageError(`--rollout-warm-up-factor must be a number >= 0 such as "1.7" (1 turns the warm-up off), got ${JSON.stringify(text)}`);
}

/** The rollout knobs the flags set; those not given keep DEFAULT_ROLLOUT's values. */
export function rolloutModel(v: RolloutFlags): Partial<RolloutModel> {
  const m: Partial<RolloutModel> = {};
  if (v['rollout-max-surge'] !== undefined) m.maxSurgePercent = surgePercent(v['rollout-max-surge']);
  if (v['rollout-min-ready'] !== undefined) m.minReadySeconds = seconds(v['rollout-min-ready'], '--rollout-min-ready');
  if (v['rollout-warm-up'] !== undefined) m.warmUpSeconds = seconds(v['rollout-warm-up'], '--rollout-warm-up');
  if (v['rollout-warm-up-factor'] !== undefined) m.warmUpFactor = factor(v['rollout-warm-up-factor']);
  return m;
}
