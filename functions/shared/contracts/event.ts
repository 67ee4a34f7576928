// The payment event contract: one definition of the Kafka message schema and its validation.
import { isDecimalString, normalizeDecimal } from './decimal.js';

export const EVENT_TYPES = ['wallet_txn_created', 'payout.settled', 'invoice.paid'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** Topic = event type. */
export const TOPICS: readonly EventType[] = EVENT_TYPES;

export const STATUSES = ['succeeded', 'failed', 'pending'] as const;
export type EventStatus = (typeof STATUSES)[number];

/** How far in the future an event may be dated before it is rejected as `clock_skew`. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

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
  // Same event_id as an event already counted, different content: the first stays counted.
  'duplicate_conflict',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

/** The reject code of a conflicting duplicate (declared in REJECT_CODES, named here for its users). */
export const DUPLICATE_CONFLICT: RejectCode = 'duplicate_conflict';

export interface Reject {
  code: RejectCode;
  field?: string;
  /** Human-readable reason, e.g. "amount: more than 4 fraction digits". */
  reason: string;
}

export type ValidationResult = { ok: true; event: PaymentEvent } | { ok: false; reject: Reject };

const STRING_LIMITS: ReadonlyArray<[field: string, max: number]> = [
  ['event_id', 64],
  ['zone', 32],
  ['city', 64],
  ['merchant_id', 64],
];
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?Z$/;
const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
// Control characters would corrupt logs, room names and CSV exports.
const CONTROL = /[\u0000-\u001f\u007f]/;

function fail(code: RejectCode, field: string | undefined, why: string): ValidationResult {
  return { ok: false, reject: { code, field, reason: field ? `${field}: ${why}` : why } };
}

export function isEventType(topic: string): topic is EventType {
  return (EVENT_TYPES as readonly string[]).includes(topic);
}

/** Parses an ISO-8601 UTC timestamp as the contract allows; returns epoch ms or undefined. */
export function parseEventTime(value: string): number | undefined {
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  // ClickHouse DateTime64 holds 1900-2299; outside it a value would be clamped, not stored.
  if (year < 1900 || year > 2299 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  // Day 0 of the next month is the last day of this one: rejects 2026-02-30 and the like.
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const millis = m[7] ? Number(m[7].slice(1).padEnd(3, '0')) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

function checkDecimal(field: 'amount' | 'fee', value: unknown): ValidationResult | undefined {
  if (typeof value !== 'string') return fail('invalid_type', field, `must be a decimal string, got ${typeName(value)}`);
  if (isDecimalString(value)) return undefined;
  if (/^(0|[1-9][0-9]{0,13})\.[0-9]{5,}$/.test(value)) return fail('too_many_decimals', field, 'more than 4 fraction digits');
  return fail('invalid_amount', field, `not a non-negative decimal (digits, optional dot and up to 4 digits): ${JSON.stringify(value.slice(0, 40))}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Validates one decoded message against the contract. `topic` gives the event type; `now` is the
 * ingest clock for the clock-skew rule. The first broken rule wins.
 */
export function validateEvent(topic: string, value: unknown, now: number = Date.now()): ValidationResult {
  if (!isEventType(topic)) return fail('unknown_topic', undefined, `topic ${JSON.stringify(topic)} is not an event type`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not_an_object', undefined, `value must be a JSON object, got ${typeName(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const field of ['event_id', 'occurred_at', 'amount', 'currency', 'zone', 'country', 'city', 'merchant_id']) {
    if (v[field] === undefined || v[field] === null) return fail('missing_field', field, 'is required');
  }
  for (const field of ['event_id', 'occurred_at', 'currency', 'zone', 'country', 'city', 'merchant_id']) {
    if (typeof v[field] !== 'string') return fail('invalid_type', field, `must be a string, got ${typeName(v[field])}`);
  }
  for (const [field, max] of STRING_LIMITS) {
    const s = v[field] as string;
    if (s.length < 1 || s.length > max) return fail('invalid_length', field, `length must be 1–${max}, got ${s.length}`);
    if (CONTROL.test(s) || s.trim() !== s) return fail('invalid_format', field, 'contains control characters or surrounding spaces');
  }
  const amountError = checkDecimal('amount', v.amount);
  if (amountError) return amountError;
  if (v.fee !== undefined) {
    const feeError = checkDecimal('fee', v.fee);
    if (feeError) return feeError;
  }
  if (!CURRENCY.test(v.currency as string)) return fail('invalid_currency', 'currency', 'must be 3 upper-case letters (ISO-4217)');
  if (!COUNTRY.test(v.country as string)) return fail('invalid_country', 'country', 'must be 2 upper-case letters (ISO-3166 alpha-2)');
  if (v.status !== undefined && !(STATUSES as readonly unknown[]).includes(v.status)) {
    return fail('invalid_status', 'status', `must be one of ${STATUSES.join(', ')}`);
  }
  const occurred = parseEventTime(v.occurred_at as string);
  if (occurred === undefined) {
    return fail('invalid_timestamp', 'occurred_at', 'must be ISO-8601 UTC like 2026-11-27T10:15:30.123Z');
  }
  if (occurred - now > MAX_CLOCK_SKEW_MS) {
    return fail('clock_skew', 'occurred_at', `more than ${MAX_CLOCK_SKEW_MS / 60000} minutes in the future`);
  }
  return {
    ok: true,
    event: {
      type: topic,
      event_id: v.event_id as string,
      occurred_at: (v.occurred_at as string).length === 24 ? (v.occurred_at as string) : new Date(occurred).toISOString(),
      amount: normalizeDecimal(v.amount as string),
      fee: normalizeDecimal((v.fee as string | undefined) ?? '0'),
      currency: v.currency as string,
      zone: v.zone as string,
      country: v.country as string,
      city: v.city as string,
      merchant_id: v.merchant_id as string,
      // A settled payout or a paid invoice has succeeded by definition; a wallet transaction
      // without a status is taken as succeeded too (the producer only omits it on success).
      status: (v.status as EventStatus | undefined) ?? 'succeeded',
    },
  };
}

// One decoder for every record: constructing a TextDecoder per record showed up in ingest profiles.
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes a raw Kafka value (UTF-8 bytes) and validates it. */
export function decodeEvent(topic: string, raw: Uint8Array | string | null | undefined, now?: number): ValidationResult {
  const text = typeof raw === 'string' ? raw : raw ? utf8.decode(raw) : '';
  if (text.trim() === '') return fail('empty_value', undefined, 'value is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return fail('invalid_json', undefined, `not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
  return validateEvent(topic, parsed, now);
}
