// Defaults and validation of kscale's metric fallback (spec.metrics[].<source>.fallback) and safety
// gates (spec.safety). Everything here is off unless set, so an autoscaler without these fields
// decides exactly as upstream's HPA does.
import type { FieldError } from './validation.ts';

/** KEP-5679's default failure duration (3m). */
export const FALLBACK_FAILURE_SECONDS = 180;

export const SAFETY_DEFAULTS = Object.freeze({
  /** A sample older than 8 sync periods (2 minutes at 15 s) is stale. */
  maxAgeSyncPeriods: 8,
  /** "Well above target": at least 150 % of it in the pass before the drop. */
  minPreviousPercent: 150,
  /** A drop to zero is believed after 5 minutes (the default downscale stabilization window). */
  holdSeconds: 300,
  /** A change larger than the median recommendation itself (doubling or more) is held. */
  percent: 100,
  /** Steps of one or two replicas are never held as jumps. */
  minChange: 2,
});

export const SAFETY_LIMITS = Object.freeze({ maxSeconds: 86400, maxSyncPeriods: 1000, maxPercent: 100000 });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Check {
  readonly errors: FieldError[] = [];
  object(v: unknown, path: string): Obj | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) { this.errors.push({ path, message: `must be an object, got ${JSON.stringify(v)}` }); return undefined; }
    return v;
  }
  int(v: unknown, path: string, min: number, max: number, required = false): void {
    if (v === undefined || v === null) { if (required) this.errors.push({ path, message: 'Required value' }); return; }
    if (typeof v !== 'number' || !Number.isInteger(v)) { this.errors.push({ path, message: `must be an integer, got ${JSON.stringify(v)}` }); return; }
    if (v < min) this.errors.push({ path, message: `must be greater than or equal to ${min}, got ${v}` });
    else if (v > max) this.errors.push({ path, message: `must be less than or equal to ${max}, got ${v}` });
  }
}

/** spec.metrics[i].<source>.fallback */
export function validateFallback(input: unknown, path: string): FieldError[] {
  const c = new Check();
  const f = c.object(input, path);
  if (!f) return c.errors;
  c.int(f.failureDurationSeconds, `${path}.failureDurationSeconds`, 1, SAFETY_LIMITS.maxSeconds);
  c.int(f.replicas, `${path}.replicas`, 1, 2 ** 31 - 1, true);
  return c.errors;
}

/** spec.safety */
export function validateSafety(input: unknown, path: string): FieldError[] {
  const c = new Check();
  const s = c.object(input, path);
  if (!s) return c.errors;
  const stale = c.object(s.staleMetrics, `${path}.staleMetrics`);
  if (stale) {
    c.int(stale.maxAgeSyncPeriods, `${path}.staleMetrics.maxAgeSyncPeriods`, 1, SAFETY_LIMITS.maxSyncPeriods);
  }
  const drop = c.object(s.dropToZero, `${path}.dropToZero`);
  if (drop) {
    c.int(drop.minPreviousPercent, `${path}.dropToZero.minPreviousPercent`, 1, SAFETY_LIMITS.maxPercent);
    c.int(drop.holdSeconds, `${path}.dropToZero.holdSeconds`, 1, SAFETY_LIMITS.maxSeconds);
  }
  const jump = c.object(s.maxJump, `${path}.maxJump`);
  if (jump) {
    c.int(jump.percent, `${path}.maxJump.percent`, 1, SAFETY_LIMITS.maxPercent);
    c.int(jump.minChange, `${path}.maxJump.minChange`, 0, 2 ** 31 - 1);
  }
  return c.errors;
}
