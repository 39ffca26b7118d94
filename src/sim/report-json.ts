// `kscale simulate --output json`: the full timelines and summaries, without the snapshots and
// decisions behind them (those are what `kscale decide` shows for a single tick).
import type { Tick } from './replay.ts';
import type { Simulation } from './simulate.ts';
import type { Summary } from './summary.ts';

export interface JsonReport {
  trace: Simulation['trace'];
  configurations: {
    name: string;
    file: string;
    syncPeriodSeconds: number;
    minReplicas: number;
    maxReplicas: number;
    toleranceUp: number;
    summary: Summary;
    timeline: Tick[];
  }[];
  differences: string[];
}

export function jsonReport(sim: Simulation): JsonReport {
  return {
    trace: sim.trace,
    configurations: sim.configurations.map((c) => ({
      name: c.name, file: c.file, syncPeriodSeconds: c.syncPeriodSeconds, minReplicas: c.minReplicas, maxReplicas: c.maxReplicas,
      toleranceUp: c.toleranceUp, summary: c.summary, timeline: c.ticks,
    })),
    differences: sim.differences,
  };
}

export function renderJson(sim: Simulation): string {
  return JSON.stringify(jsonReport(sim), null, 2) + '\n';
}
