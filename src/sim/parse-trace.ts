// Picks the trace parser: JSON for a .json file or text starting with "{", CSV otherwise.
import type { Trace } from './trace.ts';
import { parseCsvTrace } from './trace-csv.ts';
import { parseJsonTrace } from './trace-json.ts';

export function parseTrace(text: string, source: string): Trace {
  const json = source.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  return json ? parseJsonTrace(text, source) : parseCsvTrace(text, source);
}
