// The controller's lint warnings (src/lint) in the status: condition LintWarnings (kscale's own type)
// while there are any, True with the check's name as reason (MultipleWarnings for several checks)
// and every finding in the message; and a Warning Event per finding, only when it is new (not in the
// previous condition's message), so a lasting finding is reported once, not at every pass. Findings
// never change a decision: they are advice.
import { ConditionType as CT } from '../api/constants.ts';
import type { Condition, ConditionStatus } from '../api/types.ts';
import { formatFinding, type Finding } from '../lint/finding.ts';
import { findCondition, removeCondition } from './conditions.ts';

export const MULTIPLE_WARNINGS = 'MultipleWarnings';

/** What reportLint needs of a pass in progress (decide.ts's Pass). */
export interface LintPass {
  conditions: Condition[];
  condition(type: string, status: ConditionStatus, reason: string, message: string): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** `findings` undefined: not computed (an offline snapshot), the condition stays as it was. */
export function reportLint(pass: LintPass, findings: readonly Finding[] | undefined): void {
  if (findings === undefined) return;
  const warnings = findings.filter((f) => f.severity === 'warning');
  const before = findCondition(pass.conditions, CT.LintWarnings)?.message ?? '';
  if (warnings.length === 0) {
    pass.conditions = removeCondition(pass.conditions, CT.LintWarnings);
    return;
  }
  const lines = warnings.map(formatFinding);
  const checks = [...new Set(warnings.map((f) => f.check))];
  pass.condition(CT.LintWarnings, 'True', checks.length === 1 ? checks[0] ?? MULTIPLE_WARNINGS : MULTIPLE_WARNINGS, lines.join('; '));
  warnings.forEach((f, i) => {
    const line = lines[i] ?? '';
    if (!before.includes(line)) pass.event('Warning', f.check, line);
  });
}
