// Fallback on metric failure (the shape of upstream's alpha KEP-5679, offered for every metric source
// type): once a metric has failed without a break for failureDurationSeconds, it proposes the
// fallback's replicas. That proposal joins the maximum over metrics like any other, so the result is
// never below what the valid metrics propose; before it is due, the failing metric is invalid as
// upstream treats it (no scale-down). decide() asks MetricMemory.failed() per failing metric and
// reports the transitions with fallbackTransitions().
import { EventReason, Reason } from '../api/constants.ts';
import { FALLBACK_FAILURE_SECONDS } from '../api/safety.ts';
import type { Condition, MetricFallback, MetricHistoryEntry, MetricSpec } from '../api/types.ts';
import type { DecisionEvent } from './snapshot.ts';

const MEMBER = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' } as const;

/** The entry's fallback with its default applied, when it has one. */
export function fallbackOf(m: MetricSpec): Required<MetricFallback> | undefined {
  // A type outside the five (an unvalidated snapshot) has no member, hence no fallback.
  const member = (MEMBER as Partial<Record<string, keyof MetricSpec>>)[m.type];
  const source = member ? (m[member] as { fallback?: MetricFallback } | undefined) : undefined;
  const f = source?.fallback;
  if (!f) return undefined;
  return { failureDurationSeconds: f.failureDurationSeconds ?? FALLBACK_FAILURE_SECONDS, replicas: f.replicas };
}

export const anyFallback = (metrics: readonly MetricSpec[]): boolean => metrics.some((m) => fallbackOf(m) !== undefined);

/** The name a fallback proposal goes by in reasons and conditions. */
export const fallbackName = (metric: string): string => `${metric} (fallback)`;

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

export interface FallbackReport {
  events: DecisionEvent[];
  /** The FallbackActive condition to set, or null to remove it (no metric has a fallback). */
  condition: Pick<Condition, 'status' | 'reason' | 'message'> | null;
}

/**
 * Events for fallbacks that started or ended in this pass, and the FallbackActive condition:
 * True while any fallback applies, False once they all ended, absent when none was ever active.
 */
export function fallbackTransitions(args: {
  metrics: readonly MetricSpec[];
  names: ReadonlyMap<number, string>;
  previous: (i: number) => MetricHistoryEntry | undefined;
  next: (i: number) => MetricHistoryEntry | undefined;
  hadCondition: boolean;
  now: number;
}): FallbackReport {
  const events: DecisionEvent[] = [];
  const active: string[] = [];
  args.metrics.forEach((m, i) => {
    const f = fallbackOf(m);
    const was = args.previous(i)?.fallbackActive === true;
    const next = args.next(i);
    const is = f !== undefined && next?.fallbackActive === true;
    const name = args.names.get(i) ?? `metric ${i}`;
    if (is) {
      const since = Date.parse(next.firstFailureTime ?? '');
      active.push(`${name}: ${f.replicas} replicas`);
      if (!was) {
        events.push({ type: 'Warning', reason: EventReason.FallbackActivated,
          message: `${name} has failed for ${seconds(args.now - since)} (failureDurationSeconds ${f.failureDurationSeconds}): it proposes its fallback of ${f.replicas} replicas until it recovers` });
      }
    } else if (was) {
      events.push({ type: 'Normal', reason: EventReason.FallbackDeactivated,
        message: f ? `${name} is available again: its fallback no longer applies` : `${name} no longer has a fallback: it no longer applies` });
    }
  });
  if (active.length > 0) return { events, condition: { status: 'True', reason: Reason.FallbackActivated, message: `fallback in effect for ${active.join('; ')}` } };
  if (!anyFallback(args.metrics)) return { events, condition: null };
  const ended = events.some((e) => e.reason === EventReason.FallbackDeactivated);
  if (ended || args.hadCondition) return { events, condition: { status: 'False', reason: Reason.FallbackDeactivated, message: 'no metric is in fallback' } };
  return { events, condition: null };
}
