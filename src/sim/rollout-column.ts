// The trace's `rollout` column: 1 while the recorded workload was rolling out, 0 (or empty) otherwise.
// Each rise from 0 to 1 starts a rolling update in the replay; how long it lasts is the simulated
// Deployment's business (deployment.ts), since it depends on the replica count the replayed
// configuration reaches. A rise while the previous rollout still runs rolls over to a newer revision.
import type { Trace } from './trace.ts';

export const ROLLOUT_COLUMN = 'rollout';

/** Seconds since the trace's start at which a rollout starts (rising edges of the column). */
export function rolloutStarts(trace: Trace): number[] {
  if (!trace.columns.includes(ROLLOUT_COLUMN)) return [];
  const starts: number[] = [];
  let on = false;
  for (const p of trace.points) {
    const v = p.values[ROLLOUT_COLUMN];
    if (v === undefined) continue;
    const now = v !== null && v !== 0n;
    if (now && !on) starts.push(p.t);
    on = now;
  }
  return starts;
}
