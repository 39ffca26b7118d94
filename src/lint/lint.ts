// All lint checks of one HorizontalAutoscaler spec: validation errors (src/api/validation.ts), the
// spec-only checks (spec-checks.ts) and, given the objects they need, the runtime ones
// (runtime-checks.ts). The controller, `kscale lint -f` and `kscale lint --live` all call this.
import type { HorizontalAutoscalerSpec } from '../api/types.ts';
import { validateSpec } from '../api/validation.ts';
import { INVALID_SPEC, TARGET_CONFLICT, sortFindings, type Finding } from './finding.ts';
import { lintRuntime, type RuntimeInputs } from './runtime-checks.ts';
import { ADMISSION_DEFAULTS, lintSpec, type SpecLintOptions } from './spec-checks.ts';

export interface LintInputs extends RuntimeInputs {
  options?: SpecLintOptions;
  /** Other writers of the target's scale ("HorizontalPodAutoscaler ns/name", "ScaledObject ns/name"): kscale refuses to scale. */
  targetConflicts?: readonly string[];
}

export function lint(spec: unknown, inputs: LintInputs = {}): Finding[] {
  const errors = validateSpec(spec);
  if (errors.length > 0) return errors.map((e) => ({ check: INVALID_SPEC, severity: 'error', path: e.path, message: e.message }));
  const valid = spec as HorizontalAutoscalerSpec;
  const conflicts: Finding[] = inputs.targetConflicts && inputs.targetConflicts.length > 0
    ? [{ check: TARGET_CONFLICT, severity: 'error', path: 'spec.scaleTargetRef',
        message: `${valid.scaleTargetRef.kind}/${valid.scaleTargetRef.name} is also scaled by ${inputs.targetConflicts.join(', ')}: kscale does not scale it until only one autoscaler targets it` }]
    : [];
  return sortFindings([...conflicts, ...lintSpec(valid, inputs.options ?? ADMISSION_DEFAULTS), ...lintRuntime(valid, inputs)]);
}
