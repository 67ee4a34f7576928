// Char-code scanners for the event contract's hot path. Each one accepts exactly what the
// contract's pattern accepts (DECIMAL_PATTERN, the timestamp form, ISO codes, the control/space
// rule); test/contract-scan.test.ts holds every scanner to its pattern over generated inputs.
// They exist because the regex passes, trim() and Date allocations per record were most of the
// ingest validation cost (profile: --cpu-prof over 10k-record batches).
import { DECIMAL_MAX_INTEGER_DIGITS, SCALE } from './decimal.js';

const ZERO = 48;
const NINE = 57;
const DOT = 46;

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** What a decimal with `i` fraction digits lacks of its canonical form: ".0000" for none, then "000", "00", "0". */
const FRACTION_PAD = Array.from({ length: SCALE }, (_, i) => (i === 0 ? `.${'0'.repeat(SCALE)}` : '0'.repeat(SCALE - i)));

/**
 * The canonical 4-digit form of a contract decimal (DECIMAL_PATTERN), or undefined when `value`
 * does not match the pattern. One pass, one string built.
 */
export function scanDecimal(value: string): string | undefined {
  const n = value.length;
  if (n === 0) return undefined;
  const first = value.charCodeAt(0);
  if (!isDigit(first)) return undefined;
  let i = 1;
  if (first !== ZERO) {
    while (i < n && isDigit(value.charCodeAt(i))) i++;
    if (i > DECIMAL_MAX_INTEGER_DIGITS) return undefined;
  }
  if (i === n) return value + FRACTION_PAD[0];
  if (value.charCodeAt(i) !== DOT) return undefined;
  const fraction = n - i - 1;
  if (fraction < 1 || fraction > SCALE) return undefined;
  for (let j = i + 1; j < n; j++) if (!isDigit(value.charCodeAt(j))) return undefined;
  return fraction === SCALE ? value : value + FRACTION_PAD[fraction];
}

/** True when `value` is `length` characters A–Z (ISO-4217 currency, ISO-3166 alpha-2 country). */
export function isUpperCode(value: string, length: number): boolean {
  if (value.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 65 || c > 90) return false;
  }
  return true;
}

/** White space as String.prototype.trim() strips it (ECMAScript WhiteSpace and LineTerminator). */
function isTrimmed(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** True when `s` starts or ends with white space (what trim() would strip). */
export function isPadded(s: string): boolean {
  const n = s.length;
  return n > 0 && (isTrimmed(s.charCodeAt(0)) || isTrimmed(s.charCodeAt(n - 1)));
}

/** True when `s` holds a control character (U+0000–U+001F, U+007F) or surrounding white space. */
export function hasControlOrPadding(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  if (isPadded(s)) return true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MS_PER_DAY = 86_400_000;

/** Two decimal digits at `at` as a number, or -1. Callers check `s` is long enough. */
function twoDigits(s: string, at: number): number {
  const a = s.charCodeAt(at) - ZERO;
  const b = s.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, year >= 1 (H. Hinnant's days_from_civil):
 * integer arithmetic instead of a Date.UTC call per event, which showed in the ingest profile.
 */
function epochDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z` to epoch ms, years 1900–2299 (what DateTime64 holds), real
 * calendar dates only; undefined otherwise. The range an event may take is narrower
 * (EVENT_TIME_MIN_MS / EVENT_TIME_END_MS in event.ts, its own reject code).
 */
export function scanEventTime(s: string): number | undefined {
  const n = s.length;
  if (n !== 20 && (n < 22 || n > 24)) return undefined;
  if (
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(n - 1) !== 90
  ) {
    return undefined;
  }
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  const year = century * 100 + yy;
  if (
    century < 19 ||
    century > 22 ||
    yy < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return undefined;
  }
  if (day > (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!)) return undefined;
  let millis = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== DOT) return undefined;
    for (let i = 20; i < n - 1; i++) {
      const c = s.charCodeAt(i);
      if (c < ZERO || c > NINE) return undefined;
      millis = millis * 10 + (c - ZERO);
    }
    // One or two fraction digits are tenths or hundredths.
    if (n === 22) millis *= 100;
    else if (n === 23) millis *= 10;
  }
  return epochDay(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

// String.prototype.isWellFormed (ES2024; Node 20+) is not in the ES2023 lib the project compiles against.
type WellFormedString = string & { isWellFormed(): boolean };

/** True when `s` holds no lone UTF-16 surrogate, i.e. encodes to UTF-8 without a replacement character. */
export function isWellFormed(s: string): boolean {
  return (s as WellFormedString).isWellFormed();
}

/**
 * A zone name as ZONE_PATTERN (event.ts) states it: an upper-case letter, then upper-case letters,
 * digits or `_`, at most `max` characters. No `*`, no `:` (the room separator), no space, no
 * invisible character (zero-width space, BOM, ...) can pass.
 */
export function isZoneName(s: string, max: number): boolean {
  const n = s.length;
  if (n < 1 || n > max) return false;
  const first = s.charCodeAt(0);
  if (first < 65 || first > 90) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= ZERO && c <= NINE) || c === 95)) return false;
  }
  return true;
}
