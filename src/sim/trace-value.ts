// One trace value: a Kubernetes quantity ("2500m", "1.5", "512Mi") or a plain number, read into
// exact milli-units with the engine's own quantity parser.
import { milliValue, parseQuantity } from '../values/quantity.ts';

/** Parses a value; throws an Error whose message says what is wrong (the caller adds the place). */
export function parseTraceValue(raw: string | number): bigint {
  let milli: bigint;
  try {
    milli = milliValue(parseQuantity(typeof raw === 'string' ? raw.trim() : raw));
  } catch {
    throw new Error(`${JSON.stringify(raw)} is not a number or a quantity such as "2500m" or "512Mi"`);
  }
  if (milli < 0n) throw new Error(`${JSON.stringify(raw)} is negative; a load cannot be`);
  return milli;
}
