// Unquoted decimals where quantities go (`tolerance: 0.1`, `averageValue: 0.5`): the HPA admits them
// (resource.Quantity decodes a JSON number), but a CRD cannot: a structural schema allows a field to be
// an integer or a string (x-kubernetes-int-or-string), never a decimal number, and an untyped field
// would lose every admission check. A MutatingAdmissionPolicy (GA and on by default in Kubernetes
// 1.36) runs before the schema is checked and rewrites each decimal number in a quantity field to the
// same number as a string ("0.5"), which the schema and its CEL rules then check as usual.
//
// The fields it covers are read from the CRD schema itself (every int-or-string quantity under spec),
// so a quantity field added to src/api/crd.ts is covered without touching this file. Without the
// policy (clusters before 1.36, or the manifest not applied) a decimal is refused as before, with the
// schema's message, and quoting the value is the fix.
import { horizontalAutoscalerCrd, QUANTITY_PATTERN, type JSONSchemaProps } from './crd.ts';
import { GROUP, PLURAL } from './types.ts';

export const NUMBER_QUANTITIES_POLICY = 'kscale-number-quantities';

const isQuantity = (s: JSONSchemaProps): boolean => s['x-kubernetes-int-or-string'] === true && s.pattern === QUANTITY_PATTERN;

function holdsQuantity(s: JSONSchemaProps): boolean {
  if (isQuantity(s)) return true;
  if (s.items) return holdsQuantity(s.items);
  return Object.values(s.properties ?? {}).some(holdsQuantity);
}

/**
 * CEL terms, each a list of JSON patches: one `replace` per quantity field of `value` holding a
 * decimal number. `pointer` is a CEL string expression for the JSON pointer of `value`; `guard`
 * says the field is present (has() of each step).
 */
function terms(s: JSONSchemaProps, value: string, pointer: string, guard: string, depth: number): string[] {
  if (isQuantity(s)) {
    return [`(${guard} && type(${value}) == double ? [JSONPatch{op: "replace", path: ${pointer}, value: string(${value})}] : [])`];
  }
  if (s.items) {
    const [i, item] = [`i${depth}`, `m${depth}`];
    const inner = terms(s.items, item, `${pointer} + "/" + string(${i})`, 'true', depth + 1);
    return [`(${guard} ? ${value}.transformList(${i}, ${item},\n    ${inner.join('\n    + ')}\n  ).flatten() : [])`];
  }
  return Object.entries(s.properties ?? {})
    .filter(([, child]) => holdsQuantity(child))
    .flatMap(([k, child]) => terms(child, `${value}.${k}`, pointer.endsWith('"') ? `${pointer.slice(0, -1)}/${k}"` : `${pointer} + "/${k}"`,
      `${guard === 'true' ? '' : `${guard} && `}has(${value}.${k})`, depth));
}

/** CEL: whether some quantity field of `value` holds a decimal number. */
function holdsDecimal(s: JSONSchemaProps, value: string, guard: string, depth: number): string[] {
  if (isQuantity(s)) return [`(${guard} && type(${value}) == double)`];
  if (s.items) {
    const item = `m${depth}`;
    return [`(${guard} && ${value}.exists(${item}, ${holdsDecimal(s.items, item, 'true', depth + 1).join(' || ')}))`];
  }
  return Object.entries(s.properties ?? {})
    .filter(([, child]) => holdsQuantity(child))
    .flatMap(([k, child]) => holdsDecimal(child, `${value}.${k}`, `${guard === 'true' ? '' : `${guard} && `}has(${value}.${k})`, depth));
}

function specSchema(): JSONSchemaProps {
  const spec = horizontalAutoscalerCrd().spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  if (!spec) throw new Error('the CRD schema has no spec');
  return spec;
}

/**
 * The policy's match condition: only an object with a decimal in a quantity field is mutated. Others
 * never reach the mutation, which matters right after the CRD is installed: until the apiserver has
 * the new type's schema (it polls every 5 s), a mutation fails the request with 503.
 */
export function numberQuantitiesCondition(): string {
  const all = holdsDecimal(specSchema(), 'object.spec', 'has(object.spec)', 0);
  return all.length > 0 ? all.join('\n|| ') : 'false';
}

/** The CEL expression of the policy's JSON patch (exported for tests). */
export function numberQuantitiesExpression(): string {
  const all = terms(specSchema(), 'object.spec', '"/spec"', 'has(object.spec)', 0);
  return all.length > 0 ? all.join('\n+ ') : '[]';
}

/** The MutatingAdmissionPolicy and its binding (admissionregistration.k8s.io/v1). */
export function numberQuantitiesManifests(): object[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: NUMBER_QUANTITIES_POLICY, labels: { 'app.kubernetes.io/name': 'kscale' } },
      spec: {
        // An error in the policy leaves the object as sent: the schema then refuses a decimal as it
        // would without the policy, so Ignore never admits anything the CRD would not.
        failurePolicy: 'Ignore',
        reinvocationPolicy: 'Never',
        matchConstraints: {
          resourceRules: [{ apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [PLURAL] }],
        },
        matchConditions: [{ name: 'has-decimal-quantity', expression: numberQuantitiesCondition() }],
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: numberQuantitiesExpression() } }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: NUMBER_QUANTITIES_POLICY, labels: { 'app.kubernetes.io/name': 'kscale' } },
      spec: { policyName: NUMBER_QUANTITIES_POLICY },
    },
  ];
}
