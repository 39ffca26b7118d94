// Validation of the two fields that decide which pods a decision reads: spec.selectionStrategy
// (KEP-5325) and spec.rollout. Both unset decide exactly as upstream's HPA does.
import { ROLLOUT_POLICIES, SELECTION_STRATEGIES } from './types.ts';
import type { FieldError } from './validation.ts';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const supported = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(', ');

export function validateTargetPods(spec: Record<string, unknown>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const strategy = spec.selectionStrategy;
  if (strategy !== undefined && strategy !== null && !(SELECTION_STRATEGIES as readonly unknown[]).includes(strategy)) {
    errors.push({ path: `${path}.selectionStrategy`, message: `Unsupported value: ${JSON.stringify(strategy)}: supported values: ${supported(SELECTION_STRATEGIES)}` });
  }
  const rollout = spec.rollout;
  if (rollout === undefined || rollout === null) return errors;
  if (!isObj(rollout)) return [...errors, { path: `${path}.rollout`, message: `must be an object, got ${JSON.stringify(rollout)}` }];
  const policy = rollout.policy;
  if (policy !== undefined && policy !== null && !(ROLLOUT_POLICIES as readonly unknown[]).includes(policy)) {
    errors.push({ path: `${path}.rollout.policy`, message: `Unsupported value: ${JSON.stringify(policy)}: supported values: ${supported(ROLLOUT_POLICIES)}` });
  }
  return errors;
}
