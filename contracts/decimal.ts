// Exact decimal money. Amounts travel as strings and are summed as scaled bigints, never floats.

/** Fraction digits kept everywhere (the contract allows up to 4). */
export const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);

/** Up to 14 integer digits fit ClickHouse Decimal(18,4). */
export const DECIMAL_MAX_INTEGER_DIGITS = 18 - SCALE;
/** No sign, no exponent, no stray dot, no leading zero (contracts/scan.ts is its fast form). */
export const DECIMAL_PATTERN = new RegExp(`^(0|[1-9][0-9]{0,${DECIMAL_MAX_INTEGER_DIGITS - 1}})(\\.[0-9]{1,${SCALE}})?$`);

export function isDecimalString(value: string): boolean {
  return DECIMAL_PATTERN.test(value);
}

/** Parses a contract decimal string into units of 10^-4. Throws on anything else. */
export function toUnits(value: string): bigint {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,4}))?$/.exec(value);
  if (!match) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  const [, sign, whole, frac = ''] = match;
  const units = BigInt(whole!) * FACTOR + BigInt(frac.padEnd(SCALE, '0'));
  return sign === '-' ? -units : units;
}

/** Formats units of 10^-4 as a decimal string with exactly `digits` fraction digits (default 4). */
export function fromUnits(units: bigint, digits = SCALE): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / FACTOR;
  const frac = (abs % FACTOR).toString().padStart(SCALE, '0').slice(0, digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${frac}` : ''}`;
}

/** Normalises any decimal string (e.g. ClickHouse output "12.5") to the canonical 4-digit form. */
export function normalizeDecimal(value: string): string {
  // Hot path (every ingested amount and fee): plain string padding when the form allows it.
  const dot = value.indexOf('.');
  if (
    dot < 0 ? /^(0|[1-9][0-9]*)$/.test(value) : dot > 0 && value.length - dot - 1 <= SCALE && /^(0|-?[1-9][0-9]*|-0)\.[0-9]+$/.test(value)
  ) {
    if (dot < 0) return `${value}.0000`;
    return value.padEnd(dot + 1 + SCALE, '0');
  }
  return fromUnits(toUnits(value));
}

export function addDecimals(a: string, b: string): string {
  return fromUnits(toUnits(a) + toUnits(b));
}

/** Exact division rounded half-up to 4 digits (used for average ticket). */
export function divideDecimal(total: string, count: number | bigint): string {
  const n = BigInt(count);
  if (n === 0n) return fromUnits(0n);
  const units = toUnits(total);
  const q = units / n;
  const r = units % n;
  return fromUnits(2n * (r < 0n ? -r : r) >= n ? q + (units < 0n ? -1n : 1n) : q);
}
