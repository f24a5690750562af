// Kubernetes resource quantities ("100m", "1Gi", "500Mi", "2", "1e3", "1.5Gi")
// parsed exactly. client-node's quantityToScalar rejects fractional binary
// quantities ("1.5Gi") and returns number | bigint, so a small exact parser of
// our own is used: the value is kept as a fraction of big integers and rounded
// up only when converted, as apimachinery's Value() and MilliValue() do.

export class QuantityError extends Error {
  readonly code = "InvalidQuantity";
}

/** value = numerator / denominator, exactly. */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// sign, digits with an optional fraction, then a suffix: binary, decimal SI or an exponent.
const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export function parseQuantity(text: string): Quantity {
  const match = quantityPattern.exec(text.trim());
  if (match === null) throw new QuantityError(`quantities must match the regular expression '${quantityPattern.source}': ${JSON.stringify(text)}`);
  const [, sign = "", number = "", suffix = ""] = match;
  const [whole = "", fraction = ""] = number.split(".");
  let numerator = BigInt((whole === "" ? "0" : whole) + fraction);
  let denominator = 10n ** BigInt(fraction.length);
  if (sign === "-") numerator = -numerator;
  let exp10 = 0;
  if (suffix in binarySuffixes) {
    numerator *= 1n << BigInt(binarySuffixes[suffix]!);
  } else if (suffix in decimalSuffixes) {
    exp10 = decimalSuffixes[suffix]!;
  } else {
    exp10 = Number(suffix.slice(1));
    if (Math.abs(exp10) > 100) throw new QuantityError(`quantity exponent out of range: ${JSON.stringify(text)}`);
  }
  if (exp10 >= 0) numerator *= 10n ** BigInt(exp10);
  else denominator *= 10n ** BigInt(-exp10);
  return { numerator, denominator };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b > 0n ? q + 1n : q;
}

function toSafeNumber(value: bigint, text: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new QuantityError(`quantity too large for this scheduler: ${JSON.stringify(text)}`);
  }
  return Number(value);
}

/** The value in whole units, rounded up ("1.5" → 2, "100m" → 1, "1Gi" → 1073741824). */
export function quantityValue(text: string): number {
  const q = parseQuantity(text);
  return toSafeNumber(ceilDiv(q.numerator, q.denominator), text);
}

/** The value in thousandths, rounded up ("100m" → 100, "2" → 2000, "0.1m" → 1). */
export function quantityMilliValue(text: string): number {
  const q = parseQuantity(text);
  return toSafeNumber(ceilDiv(q.numerator * 1000n, q.denominator), text);
}
