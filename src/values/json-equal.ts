// Equality of two values as their JSON would read: object keys in any order, keys whose value is
// undefined count as absent (JSON.stringify drops them). Compares in place: no serialization, so a
// status compared on every pass allocates nothing (structuredClone or a JSON round trip would).
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    // JSON.stringify writes undefined array elements as null.
    return a.every((v: unknown, i) => jsonEqual(v ?? null, b[i] ?? null));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    defined++;
    if (!Object.hasOwn(y, k) || !jsonEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) defined--;
  return defined === 0;
}
