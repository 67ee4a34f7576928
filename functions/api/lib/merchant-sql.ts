// Per-merchant rows for /merchants and /failures?by=merchant: whole hours and days from the merchant
// rollups (sql/007), the edge minutes from raw (the minute rollups carry no merchant column). Both
// give plain sums (events, volume, fees) per (keys, status, merchant_id), so the outer query adds
// them as one. Every value from the request is a bound parameter.
import type { Granularity } from '../../shared/contracts/api.js';
import type { Where, Params } from './sql.js';
import { bucketRange } from './sql.js';
import { DAY_MS, HOUR_MS, type Segment, type TimeRange } from './time-range.js';

export const MERCHANT_TABLES: Readonly<Record<Exclude<Granularity, 'minute'>, string>> = {
  hour: 'analytics_merchant_hour',
  day: 'analytics_merchant_day',
};

/**
 * Raw keeps 90 days (sql/001). A range starting earlier than this (a day of margin) is aligned to
 * whole hours by the per-merchant routes, so no edge minute is asked of raw after its TTL removed it.
 */
export const RAW_EDGE_HORIZON_MS = 89 * DAY_MS;

/**
 * The range a per-merchant route answers for: minute-aligned while raw still holds its edge
 * minutes, else widened to whole hours (echoed in the response like every alignment).
 */
export function merchantRangeUnit(range: TimeRange, now: number): number {
  return range.fromMs < now - RAW_EDGE_HORIZON_MS ? HOUR_MS : 60_000;
}

/** occurred_at within [from, to) for raw, bounds as bound epoch milliseconds. */
function occurredRange(s: Segment, prefix: string, params: Params): string {
  params[`${prefix}_from`] = s.fromMs;
  params[`${prefix}_to`] = s.toMs;
  return `(occurred_at >= fromUnixTimestamp64Milli({${prefix}_from:Int64}, 'UTC') AND occurred_at < fromUnixTimestamp64Milli({${prefix}_to:Int64}, 'UTC'))`;
}

/**
 * SELECT … UNION ALL … of rows (`keys`, status, merchant_id, r_events, r_volume, r_fees) over the
 * segments: plain sums (UInt64, Decimal(38, 4)). `keys` is a fixed select-list prefix
 * from the caller that may use `bucket` (the merchant tables) — raw rows see `occurred_at` as
 * `bucket` too, through the alias of their own branch.
 */
export function merchantRowsUnion(segments: Segment[], keys: string, where: Where, params: Params): string {
  const byTable = new Map<Granularity, Segment[]>();
  for (const s of segments) byTable.set(s.granularity, [...(byTable.get(s.granularity) ?? []), s]);
  const branches: string[] = [];
  let n = 0;
  for (const [granularity, list] of byTable) {
    if (granularity === 'minute') {
      const ranges = list.map((s) => occurredRange(s, `m${n++}`, params)).join(' OR ');
      const conditions = [`(${ranges})`, ...where.clauses].join(' AND ');
      branches.push(
        `SELECT ${keys}, status, merchant_id, toUInt64(count()) AS r_events, toDecimal128(sum(amount), 4) AS r_volume, toDecimal128(sum(fee), 4) AS r_fees
         FROM (SELECT *, toDateTime(occurred_at, 'UTC') AS bucket FROM analytics_events_raw WHERE ${conditions})
         GROUP BY ALL`,
      );
    } else {
      const ranges = list.map((s) => bucketRange(s, `m${n++}`, params)).join(' OR ');
      const conditions = [`(${ranges})`, ...where.clauses].join(' AND ');
      branches.push(
        `SELECT ${keys}, status, merchant_id, events AS r_events, volume AS r_volume, fees AS r_fees FROM ${MERCHANT_TABLES[granularity]} WHERE ${conditions}`,
      );
    }
  }
  return branches.join('\nUNION ALL\n');
}

/**
 * The instant from which the merchant rollups are complete (sql/007: the row recorded last).
 * Before it, distinct merchants still come from sql/002's uniqExact states.
 */
export const MERCHANT_ROLLUP_START = '(SELECT argMax(complete_from, recorded_at) FROM analytics_merchant_rollup_start)';

export const MERCHANT_MONTH_TABLE = 'analytics_merchant_month';

/** One period's segments and the select-list prefix its rows carry (fixed text, no `bucket`). */
export interface MerchantPeriod {
  segments: Segment[];
  keys: string;
}

/**
 * SELECT … UNION ALL … of rows (`keys`, m) with m a uniqExact(String) state: the caller's
 * `uniqExactMerge(m)` grouped by `groupBy` is the exact number of distinct merchants.
 *   * edge minutes: analytics_agg_minute's states;
 *   * whole hours: analytics_merchant_hour's merchant_id values (from the rollup start on), else
 *     analytics_agg_hour's states;
 *   * whole days: analytics_merchant_month's rows whose day bits meet the range's days (from the
 *     rollup start on), else analytics_agg_day's states.
 * uniqExactState(merchant_id) and the stored states hash the same String values the same way, so
 * they merge into one exact set.
 */
export function distinctMerchantsUnion(periods: MerchantPeriod[], groupBy: string, where: Where, params: Params): string {
  const branches: string[] = [];
  let n = 0;
  const filters = where.clauses.map((c) => ` AND ${c}`).join('');
  for (const { segments, keys } of periods) {
    for (const s of segments) {
      const p = `d${n++}`;
      const range = bucketRange(s, p, params);
      if (s.granularity === 'minute') {
        branches.push(`SELECT ${keys}, merchants AS m FROM analytics_agg_minute WHERE ${range}${filters}`);
        continue;
      }
      const states = s.granularity === 'hour' ? 'analytics_agg_hour' : 'analytics_agg_day';
      branches.push(`SELECT ${keys}, merchants AS m FROM ${states} WHERE ${range} AND bucket < ${MERCHANT_ROLLUP_START}${filters}`);
      if (s.granularity === 'hour') {
        branches.push(
          `SELECT ${keys}, uniqExactState(merchant_id) AS m FROM ${MERCHANT_TABLES.hour}
           WHERE ${range} AND bucket >= ${MERCHANT_ROLLUP_START}${filters} GROUP BY ${groupBy}`,
        );
        continue;
      }
      // Day bits [lo, hi) of each month row: the segment's days from the rollup start on (bit d =
      // day d + 1 of the month; hi ≤ 31, so the mask fits in a UInt64).
      const from = `toDate(greatest(toDateTime({${p}_from:UInt32}, 'UTC'), ${MERCHANT_ROLLUP_START}))`;
      const lo = `greatest(dateDiff('day', toDate(bucket), ${from}), 0)`;
      const hi = `least(greatest(dateDiff('day', toDate(bucket), toDate(toDateTime({${p}_to:UInt32}, 'UTC'))), 0), 31)`;
      branches.push(
        `SELECT ${keys}, uniqExactState(merchant_id) AS m FROM ${MERCHANT_MONTH_TABLE}
         WHERE bucket >= toStartOfMonth(toDateTime({${p}_from:UInt32}, 'UTC')) AND bucket < toDateTime({${p}_to:UInt32}, 'UTC')
           AND ${hi} > ${lo}
           AND bitAnd(days, bitShiftLeft(toUInt64(1), ${hi}) - bitShiftLeft(toUInt64(1), ${lo})) != 0${filters}
         GROUP BY ${groupBy}`,
      );
    }
  }
  return branches.join('\nUNION ALL\n');
}

/** `SELECT <groupBy>, m_ (distinct merchants, UInt64)` per group over the periods: a subquery to join on `groupBy`. */
export function distinctMerchantsQuery(periods: MerchantPeriod[], groupBy: string, where: Where, params: Params): string {
  return `SELECT ${groupBy}, uniqExactMerge(m) AS m_ FROM (${distinctMerchantsUnion(periods, groupBy, where, params)}) GROUP BY ${groupBy}`;
}
