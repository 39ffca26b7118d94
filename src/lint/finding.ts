// What a lint check reports, wherever it runs: at admission (the ValidatingAdmissionPolicy), in the
// controller (condition LintWarnings and Warning Events) and in `kscale lint`.

/** error: the spec is invalid (src/api/validation.ts) or kscale refuses to act; warning: legal but surely a mistake. */
export type Severity = 'error' | 'warning';

export interface Finding {
  /** The check's name, CamelCase: it is also the Event reason (e.g. ToleranceCoarserThanOneReplica). */
  check: string;
  severity: Severity;
  /** The field the finding is about, e.g. spec.behavior.scaleDown.stabilizationWindowSeconds. */
  path: string;
  message: string;
}

/** The check name of spec errors (validation.ts) and of conflicts that make kscale refuse to scale. */
export const INVALID_SPEC = 'InvalidSpec';
export const TARGET_CONFLICT = 'AmbiguousTarget';

/** One line: "spec.tolerance: ... (ToleranceCoarserThanOneReplica)". */
export const formatFinding = (f: Finding): string => `${f.path}: ${f.message} (${f.check})`;

/** Findings in a stable order: by path, then check. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.check < b.check ? -1 : a.check > b.check ? 1 : 0));
}
