// Lint checks that need the spec alone: legal specs that are surely a mistake. Each check is written
// twice, side by side, with the same rule: in TypeScript (the controller and `kscale lint`) and in CEL
// (the ValidatingAdmissionPolicy in deploy/crd/kscale-lint-policy.yaml, rendered by policy.ts), so that
// `kubectl apply` warns exactly where kscale does. test/unit/lint-spec.test.ts runs the TypeScript over
// table cases; test/integration/lint.test.ts applies the same cases to a real API server and compares
// the warnings it prints.
//
// Only fields the user set are judged (an unset tolerance is upstream's default, not a mistake), and
// only specs that pass validation (an invalid spec is an error, reported as such).
import type { HorizontalAutoscalerSpec, HPAScalingRules, MetricTarget, QuantityValue } from '../api/types.ts';
import { approximateFloat64, isQuantity, parseQuantity } from '../values/quantity.ts';
import type { Finding } from './finding.ts';

export interface SpecLintOptions {
  /** The sync period of an object that does not set syncPeriodSeconds (the controller's; 15 at admission). */
  defaultSyncPeriodSeconds: number;
}

/** What the admission policy assumes: the controller's defaults, which equal kube-controller-manager's. */
export const ADMISSION_DEFAULTS: SpecLintOptions = { defaultSyncPeriodSeconds: 15 };

export interface SpecCheck {
  /** CamelCase: the Event reason and the name in every message. */
  name: string;
  /** The CEL variable holding the offending paths. */
  variable: string;
  /** CEL over `object` and `variables`: the list of offending field paths (empty: nothing to say). */
  celPaths: string;
  /** What the admission warning says after the paths (no apostrophes: it is a CEL string literal). */
  explanation: string;
  run(spec: HorizontalAutoscalerSpec, o: SpecLintOptions): Finding[];
}

const DIRECTIONS = ['scaleUp', 'scaleDown'] as const;
type Direction = typeof DIRECTIONS[number];

const warning = (check: string, path: string, message: string): Finding => ({ check, severity: 'warning', path, message });
/** Set in the object (manifests may hold explicit nulls, which mean unset). */
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** A quantity as a float, as CEL's quantity(x).asApproximateFloat() (or double(x) for a JSON number). */
function float(v: QuantityValue): number {
  return typeof v === 'number' ? v : isQuantity(v) ? approximateFloat64(parseQuantity(v)) : Number.NaN;
}

/** CEL: the float value of an optional int-or-string quantity field, -1.0 when unset. */
const celFloat = (guard: string, field: string): string =>
  `(${guard} ? (type(${field}) == string ? (isQuantity(${field}) ? quantity(${field}).asApproximateFloat() : -1.0) : double(${field})) : -1.0)`;

/** CEL guard: behavior.<direction> is set. */
const celRules = (d: Direction): string => `has(object.spec.behavior) && has(object.spec.behavior.${d})`;

// ---- ToleranceCoarserThanOneReplica -------------------------------------------------------------
// At minReplicas m, one replica is 1/m of the load. With a tolerance t ≥ 1/m (t·m ≥ 1) the load must
// exceed a whole extra replica's worth before kscale adds one, and then it adds at least two.

const toleranceFields: { path: string; guard: string; cel: string; get: (s: HorizontalAutoscalerSpec) => QuantityValue | undefined }[] = [
  { path: 'spec.tolerance', guard: 'has(object.spec.tolerance)', cel: 'object.spec.tolerance', get: (s) => s.tolerance },
  ...DIRECTIONS.map((d) => ({
    path: `spec.behavior.${d}.tolerance`, guard: `${celRules(d)} && has(object.spec.behavior.${d}.tolerance)`,
    cel: `object.spec.behavior.${d}.tolerance`, get: (s: HorizontalAutoscalerSpec) => s.behavior?.[d]?.tolerance,
  })),
];

const toleranceCoarserThanOneReplica: SpecCheck = {
  name: 'ToleranceCoarserThanOneReplica',
  variable: 'coarseTolerances',
  celPaths: toleranceFields.map((f) => `(${celFloat(f.guard, f.cel)} * double(variables.minReplicas) >= 1.0 ? ['${f.path}'] : [])`).join(' + '),
  explanation: 'at minReplicas one replica is a smaller change of the load than this tolerance, so the load must exceed a whole extra replica before one is added',
  run(spec) {
    const min = spec.minReplicas ?? 1;
    const out: Finding[] = [];
    for (const f of toleranceFields) {
      const v = f.get(spec);
      if (v === undefined || !isSet(v)) continue;
      const t = float(v);
      if (t * min >= 1) {
        out.push(warning(this.name, f.path, `tolerance ${String(v)} at minReplicas ${String(min)}: one replica is 1/${String(min)} of the load, `
          + 'inside the tolerance, so the load must exceed a whole extra replica before one is added (and then at least two are)'));
      }
    }
    return out;
  },
};

// ---- StabilizationWindowBelowSyncPeriod ---------------------------------------------------------
// A window shorter than the sync period never holds an earlier recommendation than the current one:
// it acts as 0 (no stabilization). 0 itself says so on purpose and is not judged.

const stabilizationWindowBelowSyncPeriod: SpecCheck = {
  name: 'StabilizationWindowBelowSyncPeriod',
  variable: 'shortWindows',
  celPaths: DIRECTIONS.map((d) => {
    const w = `object.spec.behavior.${d}.stabilizationWindowSeconds`;
    return `(${celRules(d)} && has(${w}) && ${w} > 0 && ${w} < variables.syncPeriod ? ['spec.behavior.${d}.stabilizationWindowSeconds'] : [])`;
  }).join(' + '),
  explanation: 'a stabilization window shorter than the sync period holds no earlier recommendation and acts as 0',
  run(spec, o) {
    const sync = spec.syncPeriodSeconds ?? o.defaultSyncPeriodSeconds;
    const out: Finding[] = [];
    for (const d of DIRECTIONS) {
      const w = spec.behavior?.[d]?.stabilizationWindowSeconds;
      if (w !== undefined && w > 0 && w < sync) {
        out.push(warning(this.name, `spec.behavior.${d}.stabilizationWindowSeconds`,
          `${String(w)} s is shorter than the sync period (${String(sync)} s): the window never holds an earlier recommendation and acts as 0`));
      }
    }
    return out;
  },
};

// ---- TargetTypeMismatch ---------------------------------------------------------------------------
// autoscaling/v2 admits a target whose type names a value field that is not set; the HPA (and kscale)
// then use the field that is set. Legal, but the type says something else than what is used.

const FIELD_OF_TYPE = { Utilization: 'averageUtilization', Value: 'value', AverageValue: 'averageValue' } as const;
const MEMBER_OF_TYPE = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const;

const celTargetMismatch = (t: string): string =>
  Object.entries(FIELD_OF_TYPE).map(([type, field]) => `(${t}.type == '${type}' && !has(${t}.${field}))`).join(' || ');

const targetTypeMismatch: SpecCheck = {
  name: 'TargetTypeMismatch',
  variable: 'mismatchedTargets',
  celPaths: 'has(object.spec.metrics) ? object.spec.metrics.transformList(i, m, '
    + Object.entries(MEMBER_OF_TYPE).map(([type, member]) => `(m.type == '${type}' && has(m.${member}) && (${celTargetMismatch(`m.${member}.target`)}))`).join(' || ')
    + `, 'spec.metrics[' + string(i) + '].' + (m.type == 'ContainerResource' ? 'containerResource' : m.type.lowerAscii()) + '.target.type') : []`,
  explanation: 'the target type names a value field that is not set; the field that is set is used',
  run(spec) {
    const out: Finding[] = [];
    (spec.metrics ?? []).forEach((m, i) => {
      const member = MEMBER_OF_TYPE[m.type];
      const target = (m[member] as { target?: MetricTarget } | undefined)?.target;
      if (!target) return;
      const field = FIELD_OF_TYPE[target.type];
      if (isSet(target[field])) return;
      const set = Object.values(FIELD_OF_TYPE).filter((f) => isSet(target[f]));
      out.push(warning(this.name, `spec.metrics[${String(i)}].${member}.target.type`,
        `type ${target.type} names ${field}, which is not set; ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} used instead`));
    });
    return out;
  },
};

// ---- PolicyNeverApplies ---------------------------------------------------------------------------
// selectPolicy Disabled: the direction is off and its policies are never applied. Otherwise, a policy
// of the same type as another that allows at least as much change (value ≥) over a period at most as
// long (period ≤) never gives more room: under Max (the default) the weaker one never decides, under
// Min the stronger one never does. Shorter periods allow more change because the scale events that
// count against a policy are those within its period. Of two identical policies, the later one.

const policyPath = (d: Direction): string => `spec.behavior.${d}.policies`;

/** Whether policy q makes policy p (at index i; q at j) useless under `select`. */
function outdoes(select: string, p: { value: number; periodSeconds: number }, i: number, q: { value: number; periodSeconds: number }, j: number): boolean {
  return select === 'Min'
    ? q.value <= p.value && q.periodSeconds >= p.periodSeconds && (q.value < p.value || q.periodSeconds > p.periodSeconds || j < i)
    : q.value >= p.value && q.periodSeconds <= p.periodSeconds && (q.value > p.value || q.periodSeconds < p.periodSeconds || j < i);
}

const celPolicies = (d: Direction): string => {
  const r = `object.spec.behavior.${d}`;
  const select = `(has(${r}.selectPolicy) ? ${r}.selectPolicy : 'Max')`;
  const max = 'q.value >= p.value && q.periodSeconds <= p.periodSeconds && (q.value > p.value || q.periodSeconds < p.periodSeconds || j < i)';
  const min = 'q.value <= p.value && q.periodSeconds >= p.periodSeconds && (q.value < p.value || q.periodSeconds > p.periodSeconds || j < i)';
  return `(${celRules(d)} && has(${r}.policies) ? (${select} == 'Disabled' ? ['${policyPath(d)}'] : `
    + `${r}.policies.transformList(i, p, ${r}.policies.exists(j, q, j != i && q.type == p.type && (${select} == 'Min' ? (${min}) : (${max}))), `
    + `'${policyPath(d)}[' + string(i) + ']')) : [])`;
};

const policyNeverApplies: SpecCheck = {
  name: 'PolicyNeverApplies',
  variable: 'idlePolicies',
  celPaths: DIRECTIONS.map(celPolicies).join(' + '),
  explanation: 'these policies never decide the step: selectPolicy Disabled, or another policy of the same type always allows at least as much (under Max) or at most as much (under Min) change',
  run(spec) {
    const out: Finding[] = [];
    for (const d of DIRECTIONS) {
      const rules: HPAScalingRules | undefined = spec.behavior?.[d];
      const policies = rules?.policies;
      if (!policies) continue;
      const select = rules.selectPolicy ?? 'Max';
      if (select === 'Disabled') {
        out.push(warning(this.name, policyPath(d), `selectPolicy Disabled turns scaling ${d === 'scaleUp' ? 'up' : 'down'} off: these policies are never applied`));
        continue;
      }
      policies.forEach((p, i) => {
        const j = policies.findIndex((q, jj) => jj !== i && q.type === p.type && outdoes(select, p, i, q, jj));
        if (j < 0) return;
        const q = policies[j];
        if (!q) return;
        out.push(warning(this.name, `${policyPath(d)}[${String(i)}]`,
          `${String(p.value)} ${p.type} per ${String(p.periodSeconds)} s never decides the step under selectPolicy ${select}: `
          + `policies[${String(j)}] (${String(q.value)} ${q.type} per ${String(q.periodSeconds)} s) always allows ${select === 'Min' ? 'at most' : 'at least'} as much change`));
      });
    }
    return out;
  },
};

// ---- FixedReplicaCount ----------------------------------------------------------------------------

const fixedReplicaCount: SpecCheck = {
  name: 'FixedReplicaCount',
  variable: 'fixedCount',
  celPaths: "variables.minReplicas == object.spec.maxReplicas ? ['spec.maxReplicas'] : []",
  explanation: 'maxReplicas equals minReplicas: the autoscaler never changes the replica count',
  run(spec) {
    const min = spec.minReplicas ?? 1;
    return min === spec.maxReplicas
      ? [warning(this.name, 'spec.maxReplicas', `maxReplicas equals minReplicas (${String(min)}): the autoscaler never changes the replica count`)]
      : [];
  },
};

/** Every spec-only check, in the order the admission policy lists them. */
export const SPEC_CHECKS: readonly SpecCheck[] = [
  toleranceCoarserThanOneReplica, stabilizationWindowBelowSyncPeriod, targetTypeMismatch, policyNeverApplies, fixedReplicaCount,
];

/** CEL variables every check may read (defaults as the controller's). */
export const CEL_VARIABLES: readonly { name: string; expression: string }[] = [
  { name: 'minReplicas', expression: 'has(object.spec.minReplicas) ? object.spec.minReplicas : 1' },
  { name: 'syncPeriod', expression: `has(object.spec.syncPeriodSeconds) ? object.spec.syncPeriodSeconds : ${String(ADMISSION_DEFAULTS.defaultSyncPeriodSeconds)}` },
];

/** The spec-only findings of a valid spec. */
export function lintSpec(spec: HorizontalAutoscalerSpec, o: SpecLintOptions = ADMISSION_DEFAULTS): Finding[] {
  return SPEC_CHECKS.flatMap((c) => c.run(spec, o));
}
