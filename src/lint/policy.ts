// The admission side of the spec-only lint checks: a ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1,
// GA and on by default since Kubernetes 1.30) and its binding with validationActions [Warn], so that
// `kubectl apply` of a legal but surely mistaken spec is admitted and prints, per check,
//   Warning: Validation failed for ValidatingAdmissionPolicy 'kscale-lint' with binding 'kscale-lint': CHECK: PATH[, PATH...]: EXPLANATION
// failurePolicy Ignore: the policy only ever warns; an error evaluating it must never refuse a write.
// Status writes (the status subresource) are not matched. Rendered into deploy/crd/kscale-lint-policy.yaml by
// scripts/gen-lint-policy.ts.
import { GROUP, PLURAL } from '../api/types.ts';
import { CEL_VARIABLES, SPEC_CHECKS } from './spec-checks.ts';

export const LINT_POLICY = 'kscale-lint';

/** "Validation failed for ValidatingAdmissionPolicy 'kscale-lint' with binding 'kscale-lint': " (apiserver's dispatcher.go). */
export const WARNING_PREFIX = `Validation failed for ValidatingAdmissionPolicy '${LINT_POLICY}' with binding '${LINT_POLICY}': `;

const LABELS = { 'app.kubernetes.io/name': 'kscale' };

export function lintPolicyManifests(): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: LINT_POLICY, labels: LABELS },
      spec: {
        failurePolicy: 'Ignore',
        matchConstraints: {
          resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] }],
        },
        variables: [
          ...CEL_VARIABLES,
          ...SPEC_CHECKS.map((c) => ({ name: c.variable, expression: c.celPaths })),
        ],
        validations: SPEC_CHECKS.map((c) => ({
          expression: `variables.${c.variable}.size() == 0`,
          messageExpression: `'${c.name}: ' + variables.${c.variable}.join(', ') + ': ${c.explanation}'`,
        })),
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: LINT_POLICY, labels: LABELS },
      spec: { policyName: LINT_POLICY, validationActions: ['Warn'] },
    },
  ];
}

/** A warning printed for an admission (without kubectl's "Warning: "), parsed: the check and its paths; undefined if it is not ours. */
export function parseAdmissionWarning(text: string): { check: string; paths: string[] } | undefined {
  if (!text.startsWith(WARNING_PREFIX)) return undefined;
  const m = /^([A-Za-z]+): (.*?): /.exec(text.slice(WARNING_PREFIX.length));
  if (!m?.[1] || m[2] === undefined) return undefined;
  return { check: m[1], paths: m[2].split(', ') };
}
