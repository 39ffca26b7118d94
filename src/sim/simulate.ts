// One simulation: the same trace replayed under one or two configurations, each summarized, and
// the second compared with the first. This is what every report (text, JSON, SVG, HTML) renders.
import { effectiveSpec, UPSTREAM_DEFAULTS } from '../api/defaults.ts';
import type { HorizontalAutoscaler } from '../api/types.ts';
import { differences } from './compare.ts';
import { replay, type Replay, type ReplayOptions, type Tick } from './replay.ts';
import { summarize, type Summary } from './summary.ts';
import { traceEnd, type Trace } from './trace.ts';

export interface ConfigurationInput {
  /** Short name for reports, e.g. the file's base name. */
  name: string;
  /** Where it came from, for reports. */
  file: string;
  autoscaler: HorizontalAutoscaler;
}

export interface SimulatedConfiguration {
  name: string;
  file: string;
  minReplicas: number;
  maxReplicas: number;
  toleranceUp: number;
  toleranceDown: number;
  syncPeriodSeconds: number;
  replay: Replay;
  ticks: Tick[];
  summary: Summary;
}

export interface Simulation {
  trace: { source: string; columns: readonly string[]; points: number; endSeconds: number; startTime?: string };
  configurations: SimulatedConfiguration[];
  /** Sentences on how the second configuration differs from the first (with two). */
  differences: string[];
}

/** Report names must differ: the same base name twice becomes "name (A)" and "name (B)". */
function distinctNames(inputs: readonly ConfigurationInput[]): string[] {
  const names = inputs.map((c) => c.name);
  return names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n} (${String.fromCharCode(65 + i)})` : n));
}

export function simulate(inputs: readonly ConfigurationInput[], trace: Trace, options: ReplayOptions = {}): Simulation {
  const names = distinctNames(inputs);
  const config = { ...UPSTREAM_DEFAULTS, ...options.config };
  const configurations = inputs.map((input, i): SimulatedConfiguration => {
    const spec = effectiveSpec(input.autoscaler.spec, config);
    const r = replay(input.autoscaler, trace, options);
    const ticks = r.steps.map((s) => s.tick);
    return {
      name: names[i] ?? input.name,
      file: input.file,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      toleranceUp: spec.tolerance.up,
      toleranceDown: spec.tolerance.down,
      syncPeriodSeconds: r.syncPeriodSeconds,
      replay: r,
      ticks,
      summary: summarize(ticks, { syncPeriodSeconds: r.syncPeriodSeconds, maxReplicas: spec.maxReplicas, toleranceUp: spec.tolerance.up }),
    };
  });
  const [a, b] = configurations;
  return {
    trace: {
      source: trace.source, columns: trace.columns, points: trace.points.length,
      endSeconds: options.durationSeconds ?? traceEnd(trace),
      ...(trace.startTime !== undefined ? { startTime: new Date(trace.startTime).toISOString() } : {}),
    },
    configurations,
    differences: a && b ? differences(a, b) : [],
  };
}

/** The columns the configurations use, in trace order. */
export function usedColumns(sim: Simulation): string[] {
  const used = new Set(sim.configurations.flatMap((c) => c.replay.columns.map((m) => m.column)));
  return sim.trace.columns.filter((c) => used.has(c));
}
