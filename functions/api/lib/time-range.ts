// Time ranges and their alignment to the rollup buckets.
//
// THE ALIGNMENT RULE (documented in the OpenAPI document too):
//   A request covers the half-open interval [from, to). The rollups only know whole buckets, so
//   the range is widened to the buckets it touches: `from` is floored and `to` is ceiled to the
//   bucket size (the minute for /overview and /breakdown, the granularity for /timeseries).
//   The response echoes the effective `from`/`to`, and every figure is exactly the raw events with
//   effective_from <= occurred_at < effective_to. Hence a dashboard asking "last 24 h" up to now
//   includes the minute in progress, and the same range gives the same totals at every
//   granularity once both are aligned to it.
//   /overview and /breakdown read the coarsest table that fits each stretch of the range: whole
//   days from the day rollup, whole hours around them from the hour rollup, the leftover minutes at
//   the edges from the minute rollup. Aggregate states from the three tables merge exactly (counts,
//   Decimal sums, uniqExact merchants), so the figures equal a minute-by-minute read at a fraction
//   of the rows.
import type { Granularity } from '../../../contracts/api.js';
import { MAX_POINTS, MAX_RANGE_DAYS } from '../../../contracts/rest.js';

// The API's published limits live in the route table's contract; re-exported for the handlers.
export { MAX_POINTS, MAX_RANGE_DAYS };

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export const GRANULARITY_MS: Readonly<Record<Granularity, number>> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

export const MAX_RANGE_MS = MAX_RANGE_DAYS * DAY_MS;
/** Range used when neither `from` nor `to` is given (ending now). */
export const DEFAULT_RANGE_MS = DAY_MS;
/** Oldest `from` and latest `to` accepted (keeps DateTime arithmetic, previous periods included, in range). */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

export interface TimeRange {
  /** Epoch ms, inclusive. */
  fromMs: number;
  /** Epoch ms, exclusive. */
  toMs: number;
}

export function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}
export function ceilTo(ms: number, unit: number): number {
  return Math.ceil(ms / unit) * unit;
}

/** Widens a range to whole buckets of `unit` (floor from, ceil to). */
export function alignRange(range: TimeRange, unit: number): TimeRange {
  return { fromMs: floorTo(range.fromMs, unit), toMs: ceilTo(range.toMs, unit) };
}

/** The period of equal length just before `range` (already aligned). */
export function previousRange(range: TimeRange): TimeRange {
  return { fromMs: 2 * range.fromMs - range.toMs, toMs: range.fromMs };
}

/** Number of buckets of a granularity in an aligned range. */
export function bucketCount(range: TimeRange, granularity: Granularity): number {
  return (range.toMs - range.fromMs) / GRANULARITY_MS[granularity];
}

/**
 * Granularity when the request names none: the finest one that keeps a series under the cap
 * (minute up to a day, hour up to 60 days, then day).
 */
export function defaultGranularity(range: TimeRange): Granularity {
  const span = range.toMs - range.fromMs;
  if (span <= DAY_MS) return 'minute';
  if (span <= 60 * DAY_MS) return 'hour';
  return 'day';
}

/** Largest range (ms) a granularity allows under the point cap and the range limit. */
export function maxRangeMs(granularity: Granularity): number {
  return Math.min(MAX_POINTS * GRANULARITY_MS[granularity], MAX_RANGE_MS);
}

/** Human text for maxRangeMs, e.g. "25 hours", "1500 hours (62.5 days)", "400 days". */
export function maxRangeText(granularity: Granularity): string {
  const ms = maxRangeMs(granularity);
  if (ms % DAY_MS === 0) return `${ms / DAY_MS} days`;
  const hours = ms / HOUR_MS;
  return hours >= 48 ? `${hours} hours (${ms / DAY_MS} days)` : `${hours} hours`;
}

export interface Segment {
  granularity: Granularity;
  fromMs: number;
  toMs: number;
}

/**
 * Splits a minute-aligned range into day, hour and minute stretches: minutes up to the first whole
 * hour, hours up to the first whole day, whole days, then hours and minutes after the last whole
 * day. Empty stretches are dropped; the segments tile the range exactly.
 */
export function decompose(range: TimeRange): Segment[] {
  const out: Segment[] = [];
  const push = (granularity: Granularity, fromMs: number, toMs: number): void => {
    if (toMs > fromMs) out.push({ granularity, fromMs, toMs });
  };
  const hoursAndMinutes = (a: number, b: number): void => {
    const h1 = ceilTo(a, HOUR_MS);
    const h2 = floorTo(b, HOUR_MS);
    if (h1 < h2) {
      push('minute', a, h1);
      push('hour', h1, h2);
      push('minute', h2, b);
    } else {
      push('minute', a, b);
    }
  };
  const d1 = ceilTo(range.fromMs, DAY_MS);
  const d2 = floorTo(range.toMs, DAY_MS);
  if (d1 < d2) {
    hoursAndMinutes(range.fromMs, d1);
    push('day', d1, d2);
    hoursAndMinutes(d2, range.toMs);
  } else {
    hoursAndMinutes(range.fromMs, range.toMs);
  }
  return out;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
