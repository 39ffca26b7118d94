// Usage ratios (reference/hpa-algorithm.md §4) and the tolerance test. Sums are exact BigInt
// milli-values; the ratio is a float64 computed in upstream's order, because IEEE rounding of
// `ratio * count` decides ceil() results at the edges.

export interface Tolerance {
  up: number;
  down: number;
}

/** Inclusive on both ends: (1 - down) <= ratio <= (1 + up). */
export function within(t: Tolerance, ratio: number): boolean {
  return 1 - t.down <= ratio && ratio <= 1 + t.up;
}

export const MAX_INT32 = 2 ** 31 - 1;

/** ceil(ratio * count) as upstream computes it, capped at MaxInt32. */
export function ceilReplicas(ratio: number, count: number): number {
  const product = ratio * count;
  return product > MAX_INT32 ? MAX_INT32 : Math.ceil(product);
}

export interface Utilization {
  ratio: number;
  /** Integer percentage of request, truncated. */
  utilization: number;
  /** Average usage per pod with a request, truncated (milli). */
  rawAverage: bigint;
}

/** Utilization of request (§4.1): pods without a request are skipped. */
export function utilizationRatio(values: ReadonlyMap<string, bigint>, requests: ReadonlyMap<string, bigint>, targetUtilization: number): Utilization {
  let usage = 0n;
  let requested = 0n;
  let count = 0n;
  for (const [pod, value] of values) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    usage += value;
    requested += request;
    count++;
  }
  if (requested === 0n) throw new Error('no metrics returned matched known pods');
  const utilization = Number((usage * 100n) / requested);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: usage / count };
}

export interface Usage {
  ratio: number;
  /** Average per pod, truncated (milli). */
  usage: bigint;
}

/** Plain average against a per-pod target (§4.2). */
export function usageRatio(values: ReadonlyMap<string, bigint>, target: bigint): Usage {
  let total = 0n;
  for (const v of values.values()) total += v;
  const usage = total / BigInt(values.size);
  return { ratio: Number(usage) / Number(target), usage };
}
