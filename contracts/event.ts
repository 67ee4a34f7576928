// The payment event contract: one definition of the Kafka message schema and its validation.
import { DECIMAL_MAX_INTEGER_DIGITS, SCALE } from './decimal.js';
import {
  COUNTRY_CODE_LENGTH,
  COUNTRY_PATTERN,
  CURRENCY_CODE_LENGTH,
  CURRENCY_PATTERN,
  FIELD_MAX_LENGTH,
  type LimitedField,
  textLength,
  withinLength,
  ZONE_PATTERN,
} from './fields.js';
import { zoneOfCountry } from './geography.js';
import { hasControlOrPadding, isPadded, isUpperCode, isWellFormed, isZoneName, scanDecimal, scanEventTime } from './scan.js';

export const EVENT_TYPES = ['wallet_txn_created', 'payout.settled', 'invoice.paid'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Topic = event type. */
export const TOPICS: readonly EventType[] = EVENT_TYPES;

export const STATUSES = ['succeeded', 'failed', 'pending'] as const;
export type EventStatus = (typeof STATUSES)[number];

/** How far in the future an event may be dated before it is rejected as `clock_skew`. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * The instants an event may carry: EVENT_TIME_MIN_MS <= occurred_at < EVENT_TIME_END_MS
 * (2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z), else `timestamp_out_of_range`. One range that
 * every column and expression holds: raw's DateTime64(3) (1900–2299), the rollups' DateTime
 * `bucket` (1970-01-01 to 2106-02-07; earlier instants wrap into 2036+), and the TTLs computed
 * on DateTime — raw's `toDateTime(occurred_at) + 90 DAY`, the event-id table's `+ 90 DAY`, the
 * hour rollup's `bucket + 365 DAY` (the longest) — which must not pass 2106 either. No payment of
 * this platform predates 2000, and 2100 + 365 days stays clear of 2106.
 */
export const EVENT_TIME_MIN_MS = Date.UTC(2000, 0, 1);
export const EVENT_TIME_END_MS = Date.UTC(2100, 0, 1);

/** The event as producers write it (after JSON.parse). */
export interface PaymentEventInput {
  event_id: string;
  occurred_at: string;
  amount: string;
  fee?: string;
  currency: string;
  zone: string;
  country: string;
  city: string;
  merchant_id: string;
  status?: EventStatus;
  [extra: string]: unknown;
}

/** A validated event, normalised: decimals canonical (4 digits), defaults applied, extras dropped. */
export interface PaymentEvent {
  type: EventType;
  event_id: string;
  occurred_at: string; // ISO-8601 UTC with milliseconds
  amount: string;
  fee: string;
  currency: string;
  zone: string;
  country: string;
  city: string;
  merchant_id: string;
  status: EventStatus;
}

/**
 * An event's content: every field beside its id, in the raw table's column order. Ingest compares
 * two versions of an event_id on these and writes raw's columns in this order.
 */
export const EVENT_CONTENT_FIELDS = [
  'type',
  'occurred_at',
  'amount',
  'fee',
  'currency',
  'zone',
  'country',
  'city',
  'merchant_id',
  'status',
] as const satisfies ReadonlyArray<keyof PaymentEvent>;
/** Every field of a PaymentEvent, id first. */
export const EVENT_FIELDS = ['event_id', ...EVENT_CONTENT_FIELDS] as const;
// A field added to PaymentEvent and not to the list above fails to compile here.
const _everyFieldListed: Exclude<keyof PaymentEvent, (typeof EVENT_FIELDS)[number]> extends never ? true : never = true;
void _everyFieldListed;

/** Low-cardinality reject codes (metric dimension); `detail` says which field and why. */
export const REJECT_CODES = [
  'empty_value',
  'invalid_json',
  'not_an_object',
  'unknown_topic',
  'missing_field',
  'invalid_type',
  'invalid_length',
  'invalid_format',
  'invalid_amount',
  'too_many_decimals',
  'invalid_currency',
  'invalid_country',
  'invalid_status',
  'invalid_timestamp',
  'clock_skew',
  // occurred_at outside EVENT_TIME_MIN_MS..EVENT_TIME_END_MS (what every column and TTL holds).
  'timestamp_out_of_range',
  // A string field with a lone UTF-16 surrogate (not encodable as UTF-8).
  'invalid_unicode',
  // zone does not follow ZONE_PATTERN (e.g. `*`, `WA:EMU`, a zero-width space).
  'invalid_zone',
  // country is not in the reference geography (contracts/geography.ts), so no zone scopes it.
  'unknown_country',
  // zone is not the zone the reference geography gives the country.
  'zone_country_mismatch',
  // Passed validation, but ClickHouse refused the row (second line: ingest/isolate.ts); detail = the engine's message.
  'engine_refused',
  // Same event_id as an event already counted, different content: the first stays counted.
  'duplicate_conflict',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** The reject code of a conflicting duplicate (declared in REJECT_CODES, named here for its users). */
export const DUPLICATE_CONFLICT: RejectCode = 'duplicate_conflict';
/** The reject code of a record the engine refused after validation (declared in REJECT_CODES). */
export const ENGINE_REFUSED: RejectCode = 'engine_refused';

export interface Reject {
  code: RejectCode;
  field?: string;
  /** Human-readable reason, e.g. "amount: more than 4 fraction digits". */
  reason: string;
}

export type ValidationResult = { ok: true; event: PaymentEvent } | { ok: false; reject: Reject };

/**
 * Length limits of the free-text fields (FIELD_MAX_LENGTH, fields.ts), 1..max code points
 * (textLength: an emoji counts 1, as in the REST parameters and JSON Schema).
 */
export const STRING_LIMITS: ReadonlyArray<[field: LimitedField, max: number]> = Object.entries(FIELD_MAX_LENGTH) as Array<
  [LimitedField, number]
>;
const ZONE_MAX = FIELD_MAX_LENGTH.zone;
/** Every field a producer must send, in the order their absence is reported. */
const REQUIRED_FIELDS = ['event_id', 'occurred_at', 'amount', 'currency', 'zone', 'country', 'city', 'merchant_id'] as const;
/** The required fields that are strings (amount is a decimal string, checked on its own). */
const STRING_FIELDS = ['event_id', 'occurred_at', 'currency', 'zone', 'country', 'city', 'merchant_id'] as const;
// The documented forms; contracts/scan.ts holds the char-code scanners the hot path runs, and a
// test holds each scanner to its pattern.
export const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;
export { COUNTRY_PATTERN, CURRENCY_PATTERN, ZONE_PATTERN };
/** Control characters would corrupt logs, room names and CSV exports. */
export const CONTROL_PATTERN = /[\u0000-\u001f\u007f]/;

function reject(code: RejectCode, field: string | undefined, why: string): Reject {
  return { code, field, reason: field ? `${field}: ${why}` : why };
}

/** A PaymentEvent or the Reject that refused it (hot path: no result wrapper per record). */
export type Checked = PaymentEvent | Reject;
export const isReject = (c: Checked): c is Reject => (c as Reject).code !== undefined;
const toResult = (c: Checked): ValidationResult => (isReject(c) ? { ok: false, reject: c } : { ok: true, event: c });

export function isEventType(topic: string): topic is EventType {
  return (
    topic === EVENT_TYPES[0] || topic === EVENT_TYPES[1] || topic === EVENT_TYPES[2] || (EVENT_TYPES as readonly string[]).includes(topic)
  );
}

/** Parses an ISO-8601 UTC timestamp of TIMESTAMP_PATTERN's form (years 1900–2299); epoch ms or undefined. The event range is EVENT_TIME_MIN_MS..EVENT_TIME_END_MS. */
export function parseEventTime(value: string): number | undefined {
  return scanEventTime(value);
}

const TOO_MANY_DECIMALS = new RegExp(`^(0|[1-9][0-9]{0,${DECIMAL_MAX_INTEGER_DIGITS - 1}})\\.[0-9]{${SCALE + 1},}$`);

/** Why a decimal field is refused (only called once the fast scan refused it). */
function decimalReject(field: 'amount' | 'fee', value: unknown): Reject {
  if (typeof value !== 'string') return reject('invalid_type', field, `must be a decimal string, got ${typeName(value)}`);
  if (TOO_MANY_DECIMALS.test(value)) return reject('too_many_decimals', field, `more than ${SCALE} fraction digits`);
  return reject(
    'invalid_amount',
    field,
    `not a non-negative decimal (digits, optional dot and up to ${SCALE} digits): ${JSON.stringify(value.slice(0, 40))}`,
  );
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The first broken rule among the field checks, in contract order (the slow path of a reject). */
function fieldReject(v: Record<string, unknown>): Reject | undefined {
  for (const field of REQUIRED_FIELDS) {
    if (v[field] === undefined || v[field] === null) return reject('missing_field', field, 'is required');
  }
  for (const field of STRING_FIELDS) {
    if (typeof v[field] !== 'string') return reject('invalid_type', field, `must be a string, got ${typeName(v[field])}`);
  }
  for (const field of STRING_FIELDS) {
    if (!isWellFormed(v[field] as string)) return unicodeReject(field);
  }
  for (const [field, max] of STRING_LIMITS) {
    const s = v[field] as string;
    if (!withinLength(s, max))
      return reject('invalid_length', field, `length must be 1–${max} characters (code points), got ${textLength(s)}`);
    if (hasControlOrPadding(s)) return reject('invalid_format', field, 'contains control characters or surrounding spaces');
  }
  if (!isZoneName(v.zone as string, ZONE_MAX))
    return reject('invalid_zone', 'zone', `must match ${ZONE_PATTERN.source} (upper-case letters, digits, _)`);
  return undefined;
}

const unicodeReject = (field: string): Reject =>
  reject('invalid_unicode', field, 'holds a lone UTF-16 surrogate (not well-formed Unicode)');

/**
 * The fast accept test of a free-text field: well-formed, 1..max code points, no control or padding.
 * `plain` (see decodeAndCheck): the value cannot hold a control character or a lone surrogate.
 */
function checkedString(s: unknown, max: number, plain: boolean): boolean {
  return typeof s === 'string' && withinLength(s, max) && (plain ? !isPadded(s) : !hasControlOrPadding(s) && isWellFormed(s));
}

/** Where zone and country disagree with the reference geography, the reject that says so. */
function geographyReject(zone: string, country: string): Reject | undefined {
  const expected = zoneOfCountry(country);
  if (expected === undefined) return reject('unknown_country', 'country', `${country} is not in the reference geography`);
  if (expected !== zone)
    return reject('zone_country_mismatch', 'zone', `${JSON.stringify(zone)} is not the zone of ${country} (${expected})`);
  return undefined;
}

/**
 * Validates one decoded message against the contract. `topic` gives the event type; `now` is the
 * ingest clock for the clock-skew rule. The first broken rule wins.
 * Hot path: one read per field and char-code scans; the reason for a reject is worked out by
 * fieldReject / decimalReject only when a check failed.
 */
export function validateEvent(topic: string, value: unknown, now: number = Date.now()): ValidationResult {
  return toResult(checkEvent(topic, value, now));
}

/**
 * validateEvent without the result wrapper. `plain`: every string in `value` is known to hold no
 * control character and no lone surrogate (decodeAndCheck proves it from the JSON text), so the
 * fast accept test skips scanning for them; a failed test still finds its reject by fieldReject's
 * full checks, so the verdict is the same either way.
 */
export function checkEvent(topic: string, value: unknown, now: number, plain = false): Checked {
  if (!isEventType(topic)) return reject('unknown_topic', undefined, `topic ${JSON.stringify(topic)} is not an event type`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', undefined, `value must be a JSON object, got ${typeName(value)}`);
  }
  const v = value as Record<string, unknown>;
  const { event_id, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status } = v;
  if (
    !checkedString(event_id, FIELD_MAX_LENGTH.event_id, plain) ||
    typeof occurred_at !== 'string' ||
    amount === undefined ||
    amount === null ||
    typeof currency !== 'string' ||
    typeof zone !== 'string' ||
    !isZoneName(zone, ZONE_MAX) ||
    typeof country !== 'string' ||
    !checkedString(city, FIELD_MAX_LENGTH.city, plain) ||
    !checkedString(merchant_id, FIELD_MAX_LENGTH.merchant_id, plain)
  ) {
    const refused = fieldReject(v);
    if (refused) return refused;
  }
  const amountText = typeof amount === 'string' ? scanDecimal(amount) : undefined;
  if (amountText === undefined) return decimalReject('amount', amount);
  let feeText = '0.0000';
  if (fee !== undefined) {
    const scanned = typeof fee === 'string' ? scanDecimal(fee) : undefined;
    if (scanned === undefined) return decimalReject('fee', fee);
    feeText = scanned;
  }
  // A lone surrogate in these ASCII-only fields fails their scan; only then is it told apart.
  if (!isUpperCode(currency as string, CURRENCY_CODE_LENGTH)) {
    return isWellFormed(currency as string)
      ? reject('invalid_currency', 'currency', 'must be 3 upper-case letters (ISO-4217)')
      : unicodeReject('currency');
  }
  if (!isUpperCode(country as string, COUNTRY_CODE_LENGTH)) {
    return isWellFormed(country as string)
      ? reject('invalid_country', 'country', 'must be 2 upper-case letters (ISO-3166 alpha-2)')
      : unicodeReject('country');
  }
  if (status !== undefined && status !== STATUSES[0] && !(STATUSES as readonly unknown[]).includes(status)) {
    return reject('invalid_status', 'status', `must be one of ${STATUSES.join(', ')}`);
  }
  const occurred = scanEventTime(occurred_at as string);
  if (occurred === undefined) {
    if (!isWellFormed(occurred_at as string)) return unicodeReject('occurred_at');
    return reject('invalid_timestamp', 'occurred_at', 'must be ISO-8601 UTC like 2026-11-27T10:15:30.123Z');
  }
  if (occurred < EVENT_TIME_MIN_MS || occurred >= EVENT_TIME_END_MS) {
    return reject(
      'timestamp_out_of_range',
      'occurred_at',
      `must be from ${new Date(EVENT_TIME_MIN_MS).toISOString()} to before ${new Date(EVENT_TIME_END_MS).toISOString()}`,
    );
  }
  if (occurred - now > MAX_CLOCK_SKEW_MS) {
    return reject('clock_skew', 'occurred_at', `more than ${MAX_CLOCK_SKEW_MS / 60000} minutes in the future`);
  }
  const misplaced = geographyReject(zone as string, country as string);
  if (misplaced) return misplaced;
  return {
    type: topic,
    event_id: event_id as string,
    occurred_at: (occurred_at as string).length === 24 ? (occurred_at as string) : new Date(occurred).toISOString(),
    amount: amountText,
    fee: feeText,
    currency: currency as string,
    zone: zone as string,
    country: country as string,
    city: city as string,
    merchant_id: merchant_id as string,
    // A settled payout or a paid invoice has succeeded by definition; a wallet transaction
    // without a status is taken as succeeded too (the producer only omits it on success).
    status: (status as EventStatus | undefined) ?? 'succeeded',
  };
}

// One decoder for every record: constructing a TextDecoder per record showed up in ingest profiles.
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * True when no string JSON.parse takes from `text` can hold a control character or a lone
 * surrogate: JSON admits U+0000–U+001F in a string only as a backslash escape (raw, they are a
 * syntax error), and a lone surrogate only as an escape or raw in text that is not well-formed;
 * U+007F may stand raw. Two native searches of the whole text replace a char-by-char scan of
 * each free-text field (most of their cost in the ingest profile). UTF-8 decoding never yields a
 * lone surrogate; a string value may, hence the well-formedness test (O(1) for Latin-1 strings).
 */
function isPlainJson(text: string): boolean {
  return text.indexOf('\\') < 0 && text.indexOf('\u007f') < 0 && isWellFormed(text);
}

/** Decodes a raw Kafka value (UTF-8 bytes) and validates it. */
export function decodeEvent(topic: string, raw: Uint8Array | string | null | undefined, now: number = Date.now()): ValidationResult {
  return toResult(decodeAndCheck(topic, raw, now));
}

/** decodeEvent without the result wrapper (the ingest hot path). */
export function decodeAndCheck(topic: string, raw: Uint8Array | string | null | undefined, now: number): Checked {
  const text = typeof raw === 'string' ? raw : raw ? utf8.decode(raw) : '';
  // A JSON object starts with '{': only other values need the (allocating) blank check.
  if (text.charCodeAt(0) !== 123 && text.trim() === '') return reject('empty_value', undefined, 'value is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return reject('invalid_json', undefined, `not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
  return checkEvent(topic, parsed, now, isPlainJson(text));
}
