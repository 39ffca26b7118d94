// Status conditions, updated as upstream does: found by type (appended at the end when new);
// lastTransitionTime moves only when the status value changes; reason and message always overwritten.
import type { Condition, ConditionStatus } from '../api/types.ts';

export function setCondition(list: readonly Condition[], type: string, status: ConditionStatus, reason: string, message: string, now: string): Condition[] {
  const next = list.map((c) => ({ ...c }));
  let existing = next.find((c) => c.type === type);
  if (!existing) {
    existing = { type, status };
    next.push(existing);
    existing.lastTransitionTime = now;
  } else if (existing.status !== status) {
    existing.lastTransitionTime = now;
  }
  existing.status = status;
  existing.reason = reason;
  existing.message = message;
  return next;
}

export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function removeCondition(list: readonly Condition[], type: string): Condition[] {
  return list.filter((c) => c.type !== type);
}
