// Semantic validation of a HorizontalAutoscaler spec, over untyped input (a file, a watch event).
// Returns every problem with its field path, following upstream autoscaling/v2 validation
// (reference/hpa-algorithm.md §14) plus kscale's own knobs.
import { compareQuantity, isQuantity, parseQuantity } from '../values/quantity.ts';

const MAX_MILLI_TEXT = '9223372036854775807m';
const MAX_MILLI_QUANTITY = parseQuantity(MAX_MILLI_TEXT);
import { selectorFromLabelSelector } from '../values/labels.ts';
import { validateFallback, validateSafety } from './safety.ts';
import { validateTargetPods } from './target-pods.ts';

export interface FieldError {
  path: string;
  message: string;
}

export const LIMITS = {
  maxStabilizationWindowSeconds: 3600,
  maxPolicyPeriodSeconds: 1800,
  maxSyncPeriodSeconds: 3600,
  maxInitializationSeconds: 86400,
} as const;

const METRIC_TYPES = ['Object', 'Pods', 'Resource', 'ContainerResource', 'External'] as const;
const MEMBER = {
  Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external',
} as const;
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'];
// Path segment names may not be "." or ".." and may not contain "/" or "%" (apimachinery IsValidPathSegmentName).
const badPathSegment = (s: string): string | undefined =>
  s === '.' || s === '..' ? `may not be '${s}'` : /[/%]/.test(s) ? "may not contain '/' or '%'" : undefined;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

class Collector {
  readonly errors: FieldError[] = [];
  add(path: string, message: string): void { this.errors.push({ path, message }); }

  object(v: unknown, path: string, required = true): Obj | undefined {
    if (v === undefined || v === null) {
      if (required) this.add(path, 'Required value');
      return undefined;
    }
    if (!isObj(v)) { this.add(path, `must be an object, got ${JSON.stringify(v)}`); return undefined; }
    return v;
  }

  int(v: unknown, path: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    if (v === undefined || v === null) {
      if (opts.required) this.add(path, 'Required value');
      return undefined;
    }
    if (!isInt(v)) { this.add(path, `must be an integer, got ${JSON.stringify(v)}`); return undefined; }
    if (opts.min !== undefined && v < opts.min) this.add(path, `must be greater than or equal to ${opts.min}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) this.add(path, `must be less than or equal to ${opts.max}, got ${v}`);
    return v;
  }

  string(v: unknown, path: string, required = true): string | undefined {
    if (v === undefined || v === null || v === '') {
      if (required) this.add(path, 'Required value');
      return undefined;
    }
    if (typeof v !== 'string') { this.add(path, `must be a string, got ${JSON.stringify(v)}`); return undefined; }
    return v;
  }

  /** A quantity that must be > 0 (or >= 0 when allowZero). */
  quantity(v: unknown, path: string, allowZero = false): void {
    if (!isQuantity(v)) { this.add(path, `must be a quantity such as "250m", "1.5" or "64Mi", got ${JSON.stringify(v)}`); return; }
    // The sign of the exact value, as upstream's Quantity.Sign(): "1e19" is positive, though its
    // milli-value does not fit an int64 (and is refused below for that).
    const q = parseQuantity(v as string | number);
    const sign = q.coefficient;
    if (sign < 0n || (!allowZero && sign === 0n)) this.add(path, allowZero ? 'must be greater than or equal to 0' : 'must be positive');
    // Past int64 milli-units the HPA's arithmetic wraps (a target of "1e16" reads as 0 and proposes
    // maxReplicas): refused here rather than decided on a wrapped value (docs/deviations.md).
    else if (compareQuantity(q, MAX_MILLI_QUANTITY) > 0) this.add(path, `must be at most ${MAX_MILLI_TEXT} (about 9.2e15): larger values overflow the milli-unit arithmetic of the HPA algorithm`);
  }

  name(v: unknown, path: string): void {
    const s = this.string(v, path);
    if (s === undefined) return;
    const bad = badPathSegment(s);
    if (bad) this.add(path, bad);
  }

  selector(v: unknown, path: string): void {
    if (v === undefined || v === null) return;
    try { selectorFromLabelSelector(v); } catch (e) { this.add(path, (e as Error).message); }
  }
}

/** Validates a spec; on success the input may be used as a HorizontalAutoscalerSpec. */
export function validateSpec(input: unknown, path = 'spec'): FieldError[] {
  const c = new Collector();
  const spec = c.object(input, path);
  if (!spec) return c.errors;

  const ref = c.object(spec.scaleTargetRef, `${path}.scaleTargetRef`);
  if (ref) {
    c.name(ref.kind, `${path}.scaleTargetRef.kind`);
    c.name(ref.name, `${path}.scaleTargetRef.name`);
    if (ref.apiVersion !== undefined) {
      const v = c.string(ref.apiVersion, `${path}.scaleTargetRef.apiVersion`, false);
      // Upstream's ParseGroupVersion: "version" or "group/version", never more than one slash.
      if (v !== undefined && v.split('/').length > 2) c.add(`${path}.scaleTargetRef.apiVersion`, `Invalid value: "${v}": unexpected GroupVersion string: ${v}`);
    }
  }

  const metrics = spec.metrics;
  const metricList = Array.isArray(metrics) ? metrics : [];
  if (metrics !== undefined && metrics !== null && !Array.isArray(metrics)) c.add(`${path}.metrics`, 'must be a list');
  metricList.forEach((m, i) => { validateMetric(c, m, `${path}.metrics[${i}]`); });

  const hasObjectOrExternal = metricList.some((m) => isObj(m) && (m.type === 'Object' || m.type === 'External'));
  const min = c.int(spec.minReplicas, `${path}.minReplicas`, { min: 0 });
  if (min === 0 && !hasObjectOrExternal) {
    c.add(`${path}.minReplicas`, 'must be greater than or equal to 1 unless at least one Object or External metric is specified (required to support scaling to zero replicas)');
  }
  const max = c.int(spec.maxReplicas, `${path}.maxReplicas`, { required: true, min: 1 });
  if (max !== undefined && max >= 1 && max < (min ?? 1)) {
    c.add(`${path}.maxReplicas`, `must be greater than or equal to minReplicas (${min ?? 1}), got ${max}`);
  }

  const behavior = c.object(spec.behavior, `${path}.behavior`, false);
  if (behavior) {
    validateRules(c, behavior.scaleUp, `${path}.behavior.scaleUp`);
    validateRules(c, behavior.scaleDown, `${path}.behavior.scaleDown`);
  }

  c.int(spec.syncPeriodSeconds, `${path}.syncPeriodSeconds`, { min: 1, max: LIMITS.maxSyncPeriodSeconds });
  c.int(spec.cpuInitializationPeriodSeconds, `${path}.cpuInitializationPeriodSeconds`, { min: 0, max: LIMITS.maxInitializationSeconds });
  c.int(spec.initialReadinessDelaySeconds, `${path}.initialReadinessDelaySeconds`, { min: 0, max: LIMITS.maxInitializationSeconds });
  if (spec.tolerance !== undefined && spec.tolerance !== null) c.quantity(spec.tolerance, `${path}.tolerance`, true);
  if (spec.dryRun !== undefined && spec.dryRun !== null && typeof spec.dryRun !== 'boolean') {
    c.add(`${path}.dryRun`, `must be true or false, got ${JSON.stringify(spec.dryRun)}`);
  }
  c.errors.push(...validateSafety(spec.safety, `${path}.safety`));
  c.errors.push(...validateTargetPods(spec, path));
  return c.errors;
}

function validateRules(c: Collector, input: unknown, path: string): void {
  const rules = c.object(input, path, false);
  if (!rules) return;
  c.int(rules.stabilizationWindowSeconds, `${path}.stabilizationWindowSeconds`, { min: 0, max: LIMITS.maxStabilizationWindowSeconds });
  if (rules.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(rules.selectPolicy as string)) {
    c.add(`${path}.selectPolicy`, `Unsupported value: ${JSON.stringify(rules.selectPolicy)}: supported values: "Disabled", "Max", "Min"`);
  }
  if (rules.policies !== undefined) {
    if (!Array.isArray(rules.policies)) c.add(`${path}.policies`, 'must be a list');
    else if (rules.policies.length === 0) c.add(`${path}.policies`, 'must specify at least one Policy');
    else rules.policies.forEach((p, i) => {
      const pp = `${path}.policies[${i}]`;
      const policy = c.object(p, pp);
      if (!policy) return;
      if (policy.type !== 'Pods' && policy.type !== 'Percent') {
        c.add(`${pp}.type`, `Unsupported value: ${JSON.stringify(policy.type)}: supported values: "Percent", "Pods"`);
      }
      c.int(policy.value, `${pp}.value`, { required: true, min: 1 });
      c.int(policy.periodSeconds, `${pp}.periodSeconds`, { required: true, min: 1, max: LIMITS.maxPolicyPeriodSeconds });
    });
  }
  if (rules.tolerance !== undefined && rules.tolerance !== null) c.quantity(rules.tolerance, `${path}.tolerance`, true);
}

function validateTarget(c: Collector, input: unknown, path: string, kind: 'resource' | 'pods' | 'object' | 'external'): void {
  const target = c.object(input, path);
  if (!target) return;
  if (!TARGET_TYPES.includes(target.type as string)) {
    c.add(`${path}.type`, `Unsupported value: ${JSON.stringify(target.type)}: supported values: "AverageValue", "Utilization", "Value"`);
  }
  if (target.value !== undefined) c.quantity(target.value, `${path}.value`);
  if (target.averageValue !== undefined) c.quantity(target.averageValue, `${path}.averageValue`);
  if (target.averageUtilization !== undefined) c.int(target.averageUtilization, `${path}.averageUtilization`, { min: 1 });

  // Exactly autoscaling/v2's rules (validateResourceSource, validatePodsSource, ...): which value
  // fields must be set. A type that does not match the field set is admitted, as upstream admits
  // it; the controller then uses the field that is set, with upstream's precedence.
  const has = (k: string): boolean => target[k] !== undefined && target[k] !== null;
  switch (kind) {
    case 'resource':
      if (has('averageUtilization') && has('averageValue')) c.add(`${path}.averageValue`, 'may not set both a target raw value and a target utilization');
      else if (!has('averageUtilization') && !has('averageValue')) c.add(`${path}.averageUtilization`, 'must set either a target raw value or a target utilization');
      break;
    case 'pods':
      if (!has('averageValue')) c.add(`${path}.averageValue`, 'must specify a positive target averageValue');
      break;
    case 'object':
      if (!has('value') && !has('averageValue')) c.add(`${path}.averageValue`, 'must set either a target value or averageValue');
      break;
    case 'external':
      if (!has('value') && !has('averageValue')) c.add(`${path}.averageValue`, 'must set either a target value for metric or a per-pod target');
      else if (has('value') && has('averageValue')) c.add(`${path}.value`, 'may not set both a target value for metric and a per-pod target');
      break;
  }
}

function validateIdentifier(c: Collector, input: unknown, path: string): void {
  const id = c.object(input, path);
  if (!id) return;
  c.name(id.name, `${path}.name`);
  c.selector(id.selector, `${path}.selector`);
}

function validateMetric(c: Collector, input: unknown, path: string): void {
  const m = c.object(input, path);
  if (!m) return;
  const type = m.type as string;
  if (!(METRIC_TYPES as readonly string[]).includes(type)) {
    c.add(`${path}.type`, `Unsupported value: ${JSON.stringify(m.type)}: supported values: "ContainerResource", "External", "Object", "Pods", "Resource"`);
    return;
  }
  for (const [t, member] of Object.entries(MEMBER)) {
    const present = m[member] !== undefined && m[member] !== null;
    if (t === type && !present) c.add(`${path}.${member}`, `must populate information for the given metric source (type ${type})`);
    if (t !== type && present) c.add(`${path}.${member}`, `must populate the given metric source only (type is ${type})`);
  }
  const src = m[MEMBER[type as keyof typeof MEMBER]];
  if (!isObj(src)) {
    if (src !== undefined && src !== null) c.add(`${path}.${MEMBER[type as keyof typeof MEMBER]}`, `must be an object, got ${JSON.stringify(src)}`);
    return;
  }
  const sp = `${path}.${MEMBER[type as keyof typeof MEMBER]}`;
  switch (type) {
    case 'Resource':
      c.name(src.name, `${sp}.name`);
      validateTarget(c, src.target, `${sp}.target`, 'resource');
      break;
    case 'ContainerResource':
      c.name(src.name, `${sp}.name`);
      c.string(src.container, `${sp}.container`);
      validateTarget(c, src.target, `${sp}.target`, 'resource');
      break;
    case 'Pods':
      validateIdentifier(c, src.metric, `${sp}.metric`);
      validateTarget(c, src.target, `${sp}.target`, 'pods');
      break;
    case 'Object': {
      const d = c.object(src.describedObject, `${sp}.describedObject`);
      if (d) { c.name(d.kind, `${sp}.describedObject.kind`); c.name(d.name, `${sp}.describedObject.name`); }
      validateIdentifier(c, src.metric, `${sp}.metric`);
      validateTarget(c, src.target, `${sp}.target`, 'object');
      break;
    }
    case 'External':
      validateIdentifier(c, src.metric, `${sp}.metric`);
      validateTarget(c, src.target, `${sp}.target`, 'external');
      break;
  }
  c.errors.push(...validateFallback(src.fallback, `${sp}.fallback`));
}

/** Formats errors as one line each: "spec.maxReplicas: Required value". */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.path}: ${e.message}`).join('; ');
}
