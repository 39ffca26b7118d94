// Golden values below were produced by k8s.io/apimachinery v0.36.3 (Go's resource.Quantity), the
// release of the Kubernetes v1.36.3 control plane kscale is compared against.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approximateFloat64, compareQuantity, formatMilli, formatQuantity, isQuantity, milliQuantity, milliValue,
  parseQuantity, QuantityError, value, type QuantityFormat,
} from './quantity.ts';

// [input, String(), MilliValue(), Value(), AsApproximateFloat64(), Format]
const PARSED: [string, string, bigint, bigint, number, QuantityFormat][] = [
  ['0', '0', 0n, 0n, 0, 'DecimalSI'],
  ['1', '1', 1000n, 1n, 1, 'DecimalSI'],
  ['2', '2', 2000n, 2n, 2, 'DecimalSI'],
  ['250m', '250m', 250n, 1n, 0.25, 'DecimalSI'],
  ['1500m', '1500m', 1500n, 2n, 1.5, 'DecimalSI'],
  ['1000m', '1', 1000n, 1n, 1, 'DecimalSI'],
  ['100m', '100m', 100n, 1n, 0.1, 'DecimalSI'],
  ['50m', '50m', 50n, 1n, 0.05, 'DecimalSI'],
  ['0.05', '50m', 50n, 1n, 0.05, 'DecimalSI'],
  ['0.1', '100m', 100n, 1n, 0.1, 'DecimalSI'],
  ['.5', '500m', 500n, 1n, 0.5, 'DecimalSI'],
  ['1.5', '1500m', 1500n, 2n, 1.5, 'DecimalSI'],
  ['1u', '1u', 1n, 1n, 0.000001, 'DecimalSI'],
  ['1k', '1k', 1000000n, 1000n, 1000, 'DecimalSI'],
  ['1000k', '1M', 1000000000n, 1000000n, 1000000, 'DecimalSI'],
  ['1M', '1M', 1000000000n, 1000000n, 1000000, 'DecimalSI'],
  ['2G', '2G', 2000000000000n, 2000000000n, 2000000000, 'DecimalSI'],
  ['3T', '3T', 3000000000000000n, 3000000000000n, 3000000000000, 'DecimalSI'],
  ['4P', '4P', 4000000000000000000n, 4000000000000000n, 4000000000000000, 'DecimalSI'],
  // Go caches the input spelling when it "looks canonical" and String() returns it verbatim.
  ['1.500', '1.500', 1500n, 2n, 1.5, 'DecimalSI'],
  ['5.', '5.', 5000n, 5n, 5, 'DecimalSI'],
  ['+1', '+1', 1000n, 1n, 1, 'DecimalSI'],
  ['01', '01', 1000n, 1n, 1, 'DecimalSI'],
  ['-1', '-1', -1000n, -1n, -1, 'DecimalSI'],
  ['-0', '0', 0n, 0n, 0, 'DecimalSI'],
  // The scanner takes a digit-less mantissa as zero.
  ['.', '0', 0n, 0n, 0, 'DecimalSI'],
  ['-', '0', 0n, 0n, 0, 'DecimalSI'],
  ['Mi', '0', 0n, 0n, 0, 'BinarySI'],
  ['e3', '0', 0n, 0n, 0, 'DecimalExponent'],
  // Sub-milli and sub-nano values: MilliValue rounds up; parsing rounds below 1n up to 1n.
  ['123456789n', '123456789n', 124n, 1n, 0.12345678900000001, 'DecimalSI'],
  ['1n', '1n', 1n, 1n, 1e-9, 'DecimalSI'],
  ['-1n', '-1n', -1n, -1n, -1e-9, 'DecimalSI'],
  ['0.0000000001', '1n', 1n, 1n, 1e-9, 'DecimalSI'],
  ['0.9n', '1n', 1n, 1n, 1e-9, 'DecimalSI'],
  ['1.0000000001', '1000000001n', 1001n, 2n, 1.000000001, 'DecimalSI'],
  ['0.123456789123456789', '123456790n', 124n, 1n, 0.12345679000000001, 'DecimalSI'],
  // v0.36.3's inf.Dec path adds one to a truncated quotient, so these negatives round the "wrong" way.
  ['-0.0000000001', '-1n', 1n, 1n, -1e-9, 'DecimalSI'],
  ['-1.0000000001', '-1000000001n', -999n, 0n, -1.000000001, 'DecimalSI'],
  // Decimal exponents.
  ['1e3', '1e3', 1000000n, 1000n, 1000, 'DecimalExponent'],
  ['1E3', '1E3', 1000000n, 1000n, 1000, 'DecimalExponent'],
  ['+1e+3', '+1e+3', 1000000n, 1000n, 1000, 'DecimalExponent'],
  ['1e0', '1e0', 1000n, 1n, 1, 'DecimalExponent'],
  ['1e1', '10', 10000n, 10n, 10, 'DecimalExponent'],
  ['1e-1', '100e-3', 100n, 1n, 0.1, 'DecimalExponent'],
  ['1e-3', '1e-3', 1n, 1n, 0.001, 'DecimalExponent'],
  ['1e-9', '1e-9', 1n, 1n, 1e-9, 'DecimalExponent'],
  ['1e-10', '1e-9', 1n, 1n, 1e-9, 'DecimalExponent'],
  ['1e-400', '1e-9', 1n, 1n, 1e-9, 'DecimalExponent'],
  ['1e18', '1e18', 0n, 1000000000000000000n, 1000000000000000000, 'DecimalExponent'],
  ['1e19', '10e18', 0n, 0n, 10000000000000000000, 'DecimalExponent'],
  ['5e300', '5e300', 0n, 0n, 5e300, 'DecimalExponent'],
  ['1e400', '10e399', 0n, 0n, Infinity, 'DecimalExponent'],
  ['0e400', '0', 0n, 0n, NaN, 'DecimalExponent'], // 0 × math.Pow10(400) = 0 × +Inf
  // int32 exponents wrap in Go; so do its scale differences.
  ['1e2147483647', '10e2147483646', 1n, 0n, Infinity, 'DecimalExponent'],
  ['1.5e-2147483648', '150e2147483646', 15n, 0n, Infinity, 'DecimalExponent'],
  // Binary suffixes, including fractional ones (Go accepts "1.5Gi").
  ['1Ki', '1Ki', 1024000n, 1024n, 1024, 'BinarySI'],
  ['8Ki', '8Ki', 8192000n, 8192n, 8192, 'BinarySI'],
  ['1023Ki', '1023Ki', 1047552000n, 1047552n, 1047552, 'BinarySI'],
  ['1024Ki', '1Mi', 1048576000n, 1048576n, 1048576, 'BinarySI'],
  ['64Mi', '64Mi', 67108864000n, 67108864n, 67108864, 'BinarySI'],
  ['512Mi', '512Mi', 536870912000n, 536870912n, 536870912, 'BinarySI'],
  ['1.5Gi', '1536Mi', 1610612736000n, 1610612736n, 1610612736, 'BinarySI'],
  ['-1.5Gi', '-1536Mi', -1610612736000n, -1610612736n, -1610612736, 'BinarySI'],
  ['0.5Gi', '512Mi', 536870912000n, 536870912n, 536870912, 'BinarySI'],
  ['0.5Ki', '512', 512000n, 512n, 512, 'BinarySI'], // below 1024 prints as DecimalSI
  ['1.5Ki', '1536', 1536000n, 1536n, 1536, 'BinarySI'], // 1536 is not a multiple of 1024
  ['1.1Ki', '1126400m', 1126400n, 1127n, 1126.4, 'BinarySI'], // fractional: DecimalSI
  ['0.0001Ki', '102400u', 103n, 1n, 0.1024, 'DecimalSI'], // a fraction of one stops being BinarySI
  ['0Mi', '0', 0n, 0n, 0, 'BinarySI'],
  ['1Ti', '1Ti', 1099511627776000n, 1099511627776n, 1099511627776, 'BinarySI'],
  ['1Pi', '1Pi', 1125899906842624000n, 1125899906842624n, 1125899906842624, 'BinarySI'],
  // Past int64: BinarySI is capped at MaxInt64 when parsed; the int64 accessors wrap or give 0.
  ['1Ei', '1Ei', -9223372036854775808n, 1152921504606846976n, 1152921504606847000, 'BinarySI'],
  ['7Ei', '7Ei', -9223372036854775808n, 8070450532247928832n, 8070450532247929000, 'BinarySI'],
  ['8Ei', '9223372036854775807', -1000n, 9223372036854775807n, 9223372036854776000, 'BinarySI'],
  ['-8Ei', '-9223372036854775807', 1000n, -9223372036854775807n, -9223372036854776000, 'BinarySI'],
  ['1024Ei', '9223372036854775807', -1000n, 9223372036854775807n, 9223372036854776000, 'BinarySI'],
  ['5E', '5E', 0n, 5000000000000000000n, 5000000000000000000, 'DecimalSI'],
  ['10E', '10E', 0n, 0n, 10000000000000000000, 'DecimalSI'],
  ['1000E', '1', 0n, 0n, 1e21, 'DecimalSI'], // v0.36.3 has no DecimalSI suffix past E and drops it
  ['999999999999999999', '999999999999999999', 3875820019684211736n, 999999999999999999n, 1000000000000000000, 'DecimalSI'],
  // 19 digits take the inf.Dec path, whose float conversion differs from "1e18" by one ulp.
  ['1000000000000000000', '1E', 3875820019684212736n, 1000000000000000000n, 1000000000000000100, 'DecimalSI'],
  ['9223372036854775807', '9223372036854775807', -1000n, 9223372036854775807n, 9223372036854776000, 'DecimalSI'],
  ['9223372036854775808', '9223372036854775808', 0n, -9223372036854775808n, 9223372036854776000, 'DecimalSI'],
  ['-9223372036854775809', '-9223372036854775809', -1000n, -1n, -9223372036854776000, 'DecimalSI'],
  ['18446744073709551616', '18446744073709551616', 0n, 0n, 18446744073709552000, 'DecimalSI'],
  ['123456789012345678901', '123456789012345678901', -7269072992350064888n, -5670419503621182411n, 123456789012345680000, 'DecimalSI'],
  ['12345678901234567890m', '12345678901234567890m', -6101065172474983726n, 12345678901234568n, 12345678901234570, 'DecimalSI'],
  ['0.1000000000', '100m', 100n, 1n, 0.1, 'DecimalSI'],
];

describe('parseQuantity against Go', () => {
  for (const [input, str, milli, val, float, format] of PARSED) {
    test(JSON.stringify(input), () => {
      const q = parseQuantity(input);
      assert.equal(formatQuantity(q), str, 'String()');
      assert.equal(milliValue(q), milli, 'MilliValue()');
      assert.equal(value(q), val, 'Value()');
      assert.ok(Object.is(approximateFloat64(q), float), `AsApproximateFloat64() = ${approximateFloat64(q)}, want ${float}`);
      assert.equal(q.format, format, 'Format');
    });
  }
});

const FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX = "unable to parse quantity's suffix";
const NUMERIC = 'unable to parse numeric part of quantity';
const REJECTED: [string, string][] = [
  ['', FORMAT], [' 1', FORMAT], ['1 ', FORMAT], ['1.2.3', FORMAT], ['abc', FORMAT], ['12x', FORMAT], ['1e3e', FORMAT],
  ['1.5.Gi', FORMAT], ['1,5', FORMAT], ['1_000', FORMAT], ['0x10', FORMAT], ['NaN', FORMAT], ['1e3.5', FORMAT],
  ['\u0661', FORMAT], // non-ASCII digit
  ['12e', SUFFIX], ['1i', SUFFIX], ['1mi', SUFFIX], ['1K', SUFFIX], ['1kk', SUFFIX], ['1Mii', SUFFIX], ['1e-', SUFFIX],
  ['1e+', SUFFIX], ['1ee3', SUFFIX], ['1eE3', SUFFIX], ['1e9223372036854775808', SUFFIX], ['1.5m5', SUFFIX],
  ['--1', SUFFIX], ['+-1', SUFFIX], ['Ki1', SUFFIX],
  ['.e-10', NUMERIC], ['-.Ei', NUMERIC],
];

describe('parseQuantity rejects what Go rejects', () => {
  for (const [input, reason] of REJECTED) {
    test(JSON.stringify(input), () => {
      assert.throws(() => parseQuantity(input), (e: unknown) => {
        assert.ok(e instanceof QuantityError);
        assert.equal(e.message, `invalid quantity ${JSON.stringify(input)}: ${reason}`);
        assert.equal(e.input, input);
        return true;
      });
      assert.equal(isQuantity(input), false);
    });
  }
});

describe('numbers and non-strings', () => {
  test('JSON numbers parse through their JavaScript spelling', () => {
    assert.equal(formatQuantity(parseQuantity(0.5)), '500m');
    assert.equal(formatQuantity(parseQuantity(100)), '100');
    assert.equal(milliValue(parseQuantity(0.001)), 1n);
    assert.equal(formatQuantity(parseQuantity(-0)), '0');
    assert.equal(formatQuantity(parseQuantity(1e21)), '1e+21'); // String(1e21) is "1e+21", kept as Go would
  });
  test('isQuantity', () => {
    for (const ok of ['1', '250m', '64Mi', '1.5Gi', 0, 2.5, -1]) assert.equal(isQuantity(ok), true, String(ok));
    const bad: unknown[] = [NaN, Infinity, null, undefined, true, {}, [], '1 ', ''];
    bad.forEach((b, i) => { assert.equal(isQuantity(b), false, `case ${i}`); });
  });
  test('non-finite numbers and other types throw QuantityError', () => {
    assert.throws(() => parseQuantity(NaN), QuantityError);
    assert.throws(() => parseQuantity(-Infinity), QuantityError);
    assert.throws(() => parseQuantity(null as unknown as string), QuantityError);
  });
});

// [milli, format, String(), AsApproximateFloat64(), Value()] for resource.NewMilliQuantity.
const MILLI: [bigint, QuantityFormat, string, number, bigint][] = [
  [250n, 'DecimalSI', '250m', 0.25, 1n],
  [1000n, 'DecimalSI', '1', 1, 1n],
  [1500n, 'DecimalSI', '1500m', 1.5, 2n],
  [2000n, 'DecimalSI', '2', 2, 2n],
  [1n, 'DecimalSI', '1m', 0.001, 1n],
  [10n, 'DecimalSI', '10m', 0.01, 1n],
  [50n, 'DecimalSI', '50m', 0.05, 1n],
  [123n, 'DecimalSI', '123m', 0.123, 1n],
  [1200n, 'DecimalSI', '1200m', 1.2, 2n],
  [12000n, 'DecimalSI', '12', 12, 12n],
  [120000n, 'DecimalSI', '120', 120, 120n],
  [1000000000n, 'DecimalSI', '1M', 1000000, 1000000n],
  [107374182400000000n, 'DecimalSI', '107374182400k', 107374182400000, 107374182400000n],
  [0n, 'DecimalSI', '0', 0, 0n],
  [-250n, 'DecimalSI', '-250m', -0.25, -1n],
  [9223372036854775807n, 'DecimalSI', '9223372036854775807m', 9223372036854776, 9223372036854776n],
  [-9223372036854775808n, 'DecimalSI', '-9223372036854775808m', -9223372036854776, -9223372036854776n],
  [1073741824000n, 'BinarySI', '1Gi', 1073741824, 1073741824n],
  [536870912000n, 'BinarySI', '512Mi', 536870912, 536870912n],
  [1610612736000n, 'BinarySI', '1536Mi', 1610612736, 1610612736n],
  [1572864000n, 'BinarySI', '1536Ki', 1572864, 1572864n],
  [1024000n, 'BinarySI', '1Ki', 1024, 1024n],
  [1500n, 'BinarySI', '1500m', 1.5, 2n], // fractional binary falls back to DecimalSI
  [1100n, 'BinarySI', '1100m', 1.1, 2n],
  [100000n, 'BinarySI', '100', 100, 100n], // below 1024: DecimalSI
  [1023999n, 'BinarySI', '1023999m', 1023.999, 1024n],
  [1024500n, 'BinarySI', '1024500m', 1024.5, 1025n],
  [0n, 'BinarySI', '0', 0, 0n],
  [-1073741824000n, 'BinarySI', '-1Gi', -1073741824, -1073741824n],
  [-1024000n, 'BinarySI', '-1Ki', -1024, -1024n],
  [-1023000n, 'BinarySI', '-1023', -1023, -1023n],
  [1125899906842624000n, 'BinarySI', '1Pi', 1125899906842624, 1125899906842624n],
  [10737418240000000n, 'BinarySI', '10000Gi', 10737418240000, 10737418240000n],
  [9223372036854775807n, 'BinarySI', '9223372036854775807m', 9223372036854776, 9223372036854776n],
  [1500n, 'DecimalExponent', '1500e-3', 1.5, 2n],
  [1000n, 'DecimalExponent', '1', 1, 1n],
  [1000000n, 'DecimalExponent', '1e3', 1000, 1000n],
  [-20n, 'DecimalExponent', '-20e-3', -0.02, -1n],
];

describe('milliQuantity / formatMilli against Go NewMilliQuantity', () => {
  for (const [milli, format, str, float, val] of MILLI) {
    test(`${milli} ${format}`, () => {
      const q = milliQuantity(milli, format);
      assert.equal(formatQuantity(q), str);
      assert.equal(formatMilli(milli, format), str);
      assert.equal(milliValue(q), milli);
      assert.equal(value(q), val);
      assert.ok(Object.is(approximateFloat64(q), float), `AsApproximateFloat64() = ${approximateFloat64(q)}, want ${float}`);
    });
  }
  test('values outside int64 are refused', () => {
    assert.throws(() => milliQuantity(1n << 63n, 'DecimalSI'), RangeError);
    assert.throws(() => milliQuantity(-(1n << 63n) - 1n, 'BinarySI'), RangeError);
  });
});

describe('compareQuantity', () => {
  const cases: [string, string, -1 | 0 | 1][] = [
    ['1', '1000m', 0], ['1.5', '1500m', 0], ['1Ki', '1024', 0], ['1k', '1e3', 0], ['1.5Gi', '1536Mi', 0],
    ['0', '-0', 0], ['1n', '0.0000000001', 0], ['1000000001n', '1.0000000001', 0],
    ['1', '2', -1], ['2', '1', 1], ['-1', '1', -1], ['-2', '-1', -1], ['-1n', '0', -1], ['0', '1n', -1],
    ['999m', '1', -1], ['1Gi', '1G', 1], ['1Mi', '1M', 1], ['1e19', '9223372036854775807', 1],
    ['123456789012345678901', '123456789012345678901000m', 0], ['123456789012345678901', '123456789012345678902', -1],
    ['8Ei', '9223372036854775807', 0], ['5e300', '1e300', 1], ['1e300', '5e300', -1], ['1e-9', '1n', 0], ['1', '1e-400', 1],
    // Go's inf.Dec would write out 10^2147483647 digits here; we answer exactly.
    ['1e2147483647', '1', 1], ['-1e2147483647', '-1', -1],
  ];
  for (const [a, b, want] of cases) {
    test(`${a} vs ${b}`, () => {
      assert.equal(compareQuantity(parseQuantity(a), parseQuantity(b)), want);
      assert.equal(compareQuantity(parseQuantity(b), parseQuantity(a)), -want || 0);
    });
  }
});

describe('BigInt keeps memory sums exact beyond 2^53', () => {
  test('100 pods × 1Gi × 100 samples', () => {
    const perPod = milliValue(parseQuantity('1Gi'));
    assert.equal(perPod, 1073741824000n);
    let total = 0n;
    for (let sample = 0; sample < 100; sample++) for (let pod = 0; pod < 100; pod++) total += perPod;
    assert.equal(total, 10737418240000000n);
    assert.ok(total > BigInt(Number.MAX_SAFE_INTEGER));
    assert.equal(formatMilli(total, 'BinarySI'), '10000Gi');
    // One extra milli-byte survives in BigInt; a float would have lost it.
    assert.equal(total + 1n, 10737418240000001n);
    assert.equal(Number(total + 1n), Number(total));
    assert.equal(formatMilli(total + 1n, 'BinarySI'), '10737418240000001m');
  });
  test('mixed requests sum exactly', () => {
    const requests = ['1.5Gi', '512Mi', '100M', '1Gi', '123456789', '2Gi'];
    const sum = requests.map((r) => milliValue(parseQuantity(r))).reduce((a, b) => a + b, 0n);
    assert.equal(sum, 1610612736000n + 536870912000n + 100000000000n + 1073741824000n + 123456789000n + 2147483648000n);
    assert.equal(sum, 5592165909000n);
    const fleet = sum * 1000n; // 1000 such pods: 5.59e15 milli-bytes
    assert.ok(fleet > 2n ** 52n);
    assert.equal(formatMilli(fleet, 'DecimalSI'), '5592165909k');
    assert.equal(value(milliQuantity(fleet, 'DecimalSI')), 5592165909000n);
  });
});
