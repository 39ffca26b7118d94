// Kubernetes resource.Quantity, reimplemented exactly on BigInt.
//
// The reference is k8s.io/apimachinery v0.36.3, the release of the Kubernetes v1.36.3 control plane
// kscale is compared against; golden values in quantity.test.ts were produced by that Go code. Go keeps
// a quantity in one of two backings, an int64 mantissa with a power-of-ten scale ("int64Amount") or an
// arbitrary-precision inf.Dec, and several accessors (approximateFloat64, and milliValue/value past
// int64) answer differently depending on which one parsing picked. We therefore record the backing and
// Go's exact (unscaled, scale) pair, not just the value.
//
// Known differences from Go, all outside anything an autoscaler meets:
// * Where Go's inf.Dec arithmetic would run for ages on exponents near ±2^31 (it writes the power of ten
//   out in full), we either answer exactly ("1e-2147483630" is 1n) or, if the coefficient itself would
//   exceed MAX_DIGITS decimal digits ("1e-2147483648", "19 digits e2147483000"), throw a QuantityError.
// * compareQuantity is exact even where Go's int32 scale arithmetic wraps, hangs or panics (scales ~2^31).
// * A JSON number reaches Go as its literal text but reaches us as a double, re-spelled by String().
// * Newer apimachinery (after v0.36) rounds negative inf.Dec values away from zero, saturates the int64
//   accessors at the int64 limits instead of wrapping/returning 0, and prints DecimalSI exponents above
//   18 as "e<n>"; this module deliberately keeps the v0.36.3 behaviour, quirks included.

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

export interface Quantity {
  /** Go's unscaled integer: the exact value is coefficient × 10^exponent. */
  readonly coefficient: bigint;
  /** Power of ten: int64Amount.scale, or minus inf.Dec.Scale(). */
  readonly exponent: number;
  /** Which Go representation holds the value. */
  readonly backing: 'int64' | 'dec';
  readonly format: QuantityFormat;
  /** The input spelling Go's parser keeps when it looks canonical; String() returns it verbatim. */
  readonly cached?: string;
}

export class QuantityError extends Error {
  override name = 'QuantityError';
  readonly input: string;
  constructor(input: string, reason: string) {
    super(`invalid quantity ${JSON.stringify(input)}: ${reason}`);
    this.input = input;
  }
}

// Go's three parse errors, word for word.
const ERR_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_NUMERIC = 'unable to parse numeric part of quantity';
const ERR_SUFFIX = "unable to parse quantity's suffix";

/** Largest coefficient (in decimal digits) we agree to materialize for an inf.Dec value. */
const MAX_DIGITS = 100_000;

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const NANO = -9;

const DECIMAL_SUFFIXES = new Map<string, number>([
  ['n', -9], ['u', -6], ['m', -3], ['', 0], ['k', 3], ['M', 6], ['G', 9], ['T', 12], ['P', 15], ['E', 18],
]);
const BINARY_SUFFIXES = new Map<string, number>([['Ki', 10], ['Mi', 20], ['Gi', 30], ['Ti', 40], ['Pi', 50], ['Ei', 60]]);
const DECIMAL_BY_EXPONENT = new Map([...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map([...BINARY_SUFFIXES].map(([s, e]) => [e, s]));

/** Go int32 arithmetic wraps; scales and exponents are int32 there. */
const int32 = (n: number): number => n | 0;
/** Go int64 conversions of big values keep the low 64 bits. */
const int64 = (n: bigint): bigint => BigInt.asIntN(64, n);
const fitsInt64 = (n: bigint): boolean => n >= INT64_MIN && n <= INT64_MAX;
const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const digitCount = (n: bigint): number => abs(n).toString().length;
const pow10 = (n: number): bigint => 10n ** BigInt(n);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned { positive: boolean; value: string; num: string; denom: string; suffix: string }

/**
 * Go's parseQuantityString: a hand-rolled scanner that is more lenient than its documented grammar.
 * It accepts a digit-less mantissa as zero ("", "-", ".", "Mi"), strips leading zeros from `num`, and
 * lets the suffix be any run of [eEinumkKMGTP] optionally followed by [+-]?digits.
 */
function scan(str: string): Scanned | undefined {
  const end = str.length;
  let positive = true;
  let pos = 0;
  if (str[0] === '-') { positive = false; pos++; } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  const num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    i = ++pos;
    while (isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    if (i >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str.charAt(pos))) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (isDigit(str[pos])) pos++;
  return pos >= end ? { positive, value, num, denom, suffix: str.slice(suffixStart) } : undefined;
}

interface Suffix { base: 2 | 10; exponent: number; format: QuantityFormat }

/** Go's suffixer: SI tables first, then "e<int64>" / "E<int64>" truncated to int32. */
function interpretSuffix(s: string): Suffix | undefined {
  const dec = DECIMAL_SUFFIXES.get(s);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES.get(s);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[+-]?\d+$/.test(s.slice(1))) {
    const parsed = BigInt(s.slice(1));
    if (fitsInt64(parsed)) return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

export function parseQuantity(text: string | number): Quantity {
  // A JSON number reaches Go's UnmarshalJSON as its literal text; String(n) is the closest we have
  // (1e3 arrives here as 1000, so the DecimalExponent spelling of such a literal is lost).
  const input: unknown = text; // callers pass decoded JSON, which may be anything
  if (typeof input === 'number' && !Number.isFinite(input)) throw new QuantityError(String(input), 'not a finite number');
  if (typeof input !== 'string' && typeof input !== 'number') throw new QuantityError(String(input), 'not a string or number');
  const str = String(input);
  if (str.length === 0) throw new QuantityError(str, ERR_FORMAT);
  if (str === '0') return { coefficient: 0n, exponent: 0, backing: 'int64', format: 'DecimalSI', cached: '0' };

  const scanned = scan(str);
  if (!scanned) throw new QuantityError(str, ERR_FORMAT);
  const { positive, value, num, denom } = scanned;
  const suffix = interpretSuffix(scanned.suffix);
  if (!suffix) throw new QuantityError(str, ERR_SUFFIX);
  const { base, exponent } = suffix;

  // Fast path: Go keeps the value in an int64 when it surely fits, judged by digit counts alone.
  let precision: number;
  let scale = 0;
  let mantissa = 1n;
  if (base === 10) {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  } else if (denom.length === 0) {
    mantissa = 1n << BigInt(exponent);
    // Go's estimate: 2^exponent has about exponent*3/10 decimal digits.
    precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  } else {
    precision = -1;
  }
  if (precision >= 0) {
    scale = int32(scale - denom.length);
    if (scale >= NANO) {
      const shifted = num + denom;
      const digits = BigInt(shifted);
      const product = digits * mantissa;
      if (fitsInt64(product)) {
        const coefficient = positive ? product : -product;
        // Go reuses the input as String() when it "looks canonical", even "+1", "01" or "1.500".
        const looksCanonical = base === 2
          ? exponent % 10 === 0 && (digits & 7n) !== 0n
          : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return looksCanonical
          ? { coefficient, exponent: scale, backing: 'int64', format: suffix.format, cached: str }
          : { coefficient, exponent: scale, backing: 'int64', format: suffix.format };
      }
    }
  }
  return parseDec(str, value, suffix);
}

/** Go's slow path: an inf.Dec, rounded away from zero to a multiple of 1n and capped for BinarySI. */
function parseDec(str: string, value: string, suffix: Suffix): Quantity {
  // inf.Dec's scanner wants at least one digit; ".e-10" fails here with ErrNumeric.
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value);
  const intDigits = m?.[2] ?? '';
  const fracDigits = m?.[3] ?? '';
  if (!m || intDigits + fracDigits === '') throw new QuantityError(str, ERR_NUMERIC);
  let magnitude = BigInt(intDigits + fracDigits);
  const negative = m[1] === '-';
  let decScale = fracDigits.length; // inf.Dec scale: digits after the point
  if (suffix.base === 10) decScale = int32(decScale + int32(-suffix.exponent));
  else magnitude <<= BigInt(suffix.exponent);

  let format = suffix.format;
  if (magnitude !== 0n) {
    // Round up (away from zero) to scale 9: "if you want some resources, you should get some".
    if (decScale <= 9) {
      const shift = 9 - decScale;
      if (shift + digitCount(magnitude) > MAX_DIGITS) throw new QuantityError(str, 'exponent too large to evaluate exactly');
      magnitude *= pow10(shift);
    } else {
      const drop = decScale - 9;
      if (drop >= digitCount(magnitude)) magnitude = 1n;
      else {
        const divisor = pow10(drop);
        magnitude = magnitude / divisor + (magnitude % divisor === 0n ? 0n : 1n);
      }
    }
    decScale = 9;
    if (format === 'BinarySI' && magnitude > INT64_MAX * 1_000_000_000n) {
      // Binary quantities are silently capped at MaxInt64, stored at scale 0.
      magnitude = INT64_MAX;
      decScale = 0;
    } else if (format === 'BinarySI' && magnitude < 1_000_000_000n) {
      format = 'DecimalSI'; // a fraction of one can't be written in binary units
    }
  }
  return { coefficient: negative ? -magnitude : magnitude, exponent: -decScale, backing: 'dec', format };
}

export function isQuantity(text: unknown): boolean {
  if (typeof text !== 'string' && (typeof text !== 'number' || !Number.isFinite(text))) return false;
  try {
    parseQuantity(text);
    return true;
  } catch (e) {
    if (e instanceof QuantityError) return false;
    throw e;
  }
}

/** Go's Quantity.ScaledValue(target): the value in units of 10^target, as an int64. */
function scaledValue(q: Quantity, target: number): bigint {
  if (q.backing === 'int64') return int64AmountScaled(q.coefficient, q.exponent, target);
  return decScaled(q.coefficient, -q.exponent, -target);
}

/**
 * int64Amount.AsScaledInt64 as Value/MilliValue use it (its overflow flag is ignored): dividing rounds
 * away from zero; multiplying by 10, 100, 1000, 10^6 or 10^9 wraps like Go int64 arithmetic, while any
 * other power goes ten by ten and gives 0 on overflow.
 */
function int64AmountScaled(value: bigint, scale: number, target: number): bigint {
  if (scale < target) {
    const divisor = pow10(target - scale);
    const quotient = value / divisor; // BigInt division truncates, as Go's does
    if (value % divisor === 0n) return quotient;
    return value > 0n ? quotient + 1n : quotient - 1n;
  }
  // The scale difference is int32 arithmetic in Go; a wrapped negative difference multiplies by nothing.
  const up = int32(scale - target);
  if (up <= 0 || value === 0n) return value;
  if (up === 1 || up === 2 || up === 3 || up === 6 || up === 9) return value === INT64_MIN ? 0n : int64(value * pow10(up));
  if (digitCount(value) + up > 20) return 0n;
  const product = value * pow10(up);
  return fitsInt64(product) ? product : 0n;
}

/**
 * v0.36.3 scaledValue for an inf.Dec (unscaled, scale) converted to newScale. Its fast path adds one
 * to a truncated quotient whenever there is a remainder, so negative values round toward +infinity
 * and one step further (-1n -> 1m, -1.0000000001 -> -999m); results past int64 wrap.
 */
function decScaled(unscaled: bigint, scale: number, newScale: number): bigint {
  if (unscaled === 0n) return 0n;
  const dif = scale - newScale;
  if (dif === 0) return int64(unscaled);
  if (dif < 0) {
    // int64(math.Pow10(n)) is exact up to 10^18; above that amd64 converts the float to MinInt64.
    const factor = -dif <= 18 ? pow10(-dif) : INT64_MIN;
    return int64(int64(unscaled) * factor);
  }
  const divisor = pow10(dif);
  if (unscaled < INT64_MAX && dif < 19) {
    const small = int64(unscaled);
    const quotient = small / divisor;
    return small % divisor === 0n ? quotient : quotient + 1n;
  }
  // big.Int.DivMod is Euclidean: the remainder is never negative.
  let quotient = unscaled / divisor;
  let remainder = unscaled % divisor;
  if (remainder < 0n) { quotient -= 1n; remainder += divisor; }
  return int64(int64(quotient) + (remainder === 0n ? 0n : 1n));
}

/** Go Quantity.MilliValue(): ceil(q·1000) for ordinary values (see decScaled for negative quirks). */
export function milliValue(q: Quantity): bigint {
  return scaledValue(q, -3);
}

/** Go Quantity.Value(): the value rounded up (away from zero) to an integer. */
export function value(q: Quantity): bigint {
  return scaledValue(q, 0);
}

const POW10_SMALL = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const POW10_POS32 = [1e0, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288];
const POW10_NEG32 = [1e-0, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320];

/** Go's math.Pow10, which composes two table entries rather than rounding 10^n directly. */
function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return (POW10_POS32[Math.floor(n / 32)] ?? Infinity) * (POW10_SMALL[n % 32] ?? Infinity);
  if (n < 0 && n >= -323) return (POW10_NEG32[Math.floor(-n / 32)] ?? 0) / (POW10_SMALL[-n % 32] ?? Infinity);
  return n > 0 ? Infinity : 0;
}

/**
 * Go AsApproximateFloat64: float64(unscaled) × math.Pow10(exponent), on Go's own unscaled/scale pair
 * (so "0.1" and "0.1000000000" can differ in the last bit, and 0 × Pow10(400) is NaN as in Go).
 */
export function approximateFloat64(q: Quantity): number {
  const base = Number(q.coefficient); // nearest, ties to even: what big.Float(prec 53) and float64() do
  return q.exponent === 0 ? base : base * goPow10(q.exponent);
}

/** Exact comparison of c1×10^e1 with c2×10^e2 that never builds a power of ten wider than the inputs. */
function compareScaled(c1: bigint, e1: number, c2: bigint, e2: number): -1 | 0 | 1 {
  const s1 = c1 === 0n ? 0 : c1 < 0n ? -1 : 1;
  const s2 = c2 === 0n ? 0 : c2 < 0n ? -1 : 1;
  if (s1 !== s2) return s1 < s2 ? -1 : 1;
  if (s1 === 0) return 0;
  // 10^(digits+e-1) <= |c×10^e| < 10^(digits+e)
  const top1 = digitCount(c1) + e1;
  const top2 = digitCount(c2) + e2;
  let magnitude: -1 | 0 | 1;
  if (top1 !== top2) magnitude = top1 > top2 ? 1 : -1;
  else {
    const e = Math.min(e1, e2);
    const a1 = abs(c1) * pow10(e1 - e);
    const a2 = abs(c2) * pow10(e2 - e);
    magnitude = a1 === a2 ? 0 : a1 > a2 ? 1 : -1;
  }
  return s1 > 0 ? magnitude : magnitude === 0 ? 0 : magnitude === 1 ? -1 : 1;
}

export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return compareScaled(a.coefficient, a.exponent, b.coefficient, b.exponent);
}

/** The exact integer value of a quantity known to be integral with a modest exponent. */
function integerValue(q: Quantity): bigint {
  return q.exponent >= 0 ? q.coefficient * pow10(q.exponent) : q.coefficient / pow10(-q.exponent);
}

function isInteger(q: Quantity): boolean {
  return q.exponent >= 0 || q.coefficient % pow10(-q.exponent) === 0n;
}

/** Go Quantity.String(): the cached input spelling if any, else the canonical form for the format. */
export function formatQuantity(q: Quantity): string {
  if (q.cached !== undefined) return q.cached;
  if (q.coefficient === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    // Small or fractional binary values print as DecimalSI rather than round.
    const small = compareScaled(q.coefficient, q.exponent, -1024n, 0) > 0 && compareScaled(q.coefficient, q.exponent, 1024n, 0) < 0;
    if (small || !isInteger(q)) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let amount = integerValue(q);
    let times = 0;
    while (abs(amount) >= 1024n && amount % 1024n === 0n) { amount /= 1024n; times++; }
    // Go finds no binary suffix for 1024^0 (or past Ei) and then prints no suffix at all.
    return amount.toString() + (BINARY_BY_EXPONENT.get(times * 10) ?? '');
  }
  // Move factors of ten into the exponent, then lower it to a multiple of three (int32, as in Go).
  let amount = q.coefficient;
  let times = 0;
  while (amount % 10n === 0n) { amount /= 10n; times++; }
  let exponent = int32(int32(q.exponent) + times);
  const rest = exponent % 3;
  if (rest === 1 || rest === -2) { amount *= 10n; exponent = int32(exponent - 1); }
  else if (rest === 2 || rest === -1) { amount *= 100n; exponent = int32(exponent - 2); }
  let suffix: string;
  if (format === 'DecimalExponent') suffix = exponent === 0 ? '' : `e${exponent}`;
  // v0.36.3 has no DecimalSI suffix past E (or below n) and then drops the exponent: "1000E" -> "1".
  else suffix = DECIMAL_BY_EXPONENT.get(exponent) ?? '';
  return amount.toString() + suffix;
}

/** Go resource.NewMilliQuantity(milli, format). `milli` must be an int64, as in Go. */
export function milliQuantity(milli: bigint, format: QuantityFormat): Quantity {
  if (!fitsInt64(milli)) throw new RangeError(`milliQuantity: ${milli} does not fit in an int64`);
  return { coefficient: milli, exponent: -3, backing: 'int64', format };
}

/** formatQuantity(milliQuantity(milli, format)): how the HPA prints its milli-valued metrics. */
export function formatMilli(milli: bigint, format: QuantityFormat): string {
  return formatQuantity(milliQuantity(milli, format));
}
