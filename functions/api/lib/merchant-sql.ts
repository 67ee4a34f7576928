// Per-merchant rows for /merchants and /failures?by=merchant: whole days from the span rows (sql/008)
// or the day rows (sql/007), whole hours from the hour rows, the edge minutes from raw (the minute
// rollups carry no merchant column). All give plain sums (events, failed, pending, volume, fees) per
// (keys, merchant_id), so the outer query adds them as one. Every value from the request is bound.
import type { Granularity } from '../../../contracts/api.js';
import type { Where, Params } from './sql.js';
import { ROLLUP_TABLES, bucketRange } from './sql.js';
import { spanRowsBranch } from './merchant-spans.js';
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
 * SELECT … UNION ALL … of rows (`keys`, merchant_id, r_events, r_failed, r_pending, r_volume, r_fees)
 * over the segments: plain sums (UInt64, Decimal(38, 4)). `keys` is a fixed select-list prefix
 * from the caller that may use `bucket` (the merchant tables) — raw rows see `occurred_at` as
 * `bucket` too, through the alias of their own branch. With `spans` (the filters name no city),
 * whole days come from the span rows of sql/008, else from sql/007's day rows.
 */
export function merchantRowsUnion(segments: Segment[], keys: string, where: Where, params: Params, spans: boolean): string {
  const byTable = new Map<Granularity, Segment[]>();
  for (const s of segments) byTable.set(s.granularity, [...(byTable.get(s.granularity) ?? []), s]);
  const branches: string[] = [];
  let n = 0;
  for (const [granularity, list] of byTable) {
    if (granularity === 'minute') {
      const ranges = list.map((s) => occurredRange(s, `m${n++}`, params)).join(' OR ');
      const conditions = [`(${ranges})`, ...where.clauses].join(' AND ');
      branches.push(
        `SELECT ${keys}, merchant_id, toUInt64(count()) AS r_events, toUInt64(countIf(status = 'failed')) AS r_failed,
                toUInt64(countIf(status = 'pending')) AS r_pending, toDecimal128(sum(amount), 4) AS r_volume, toDecimal128(sum(fee), 4) AS r_fees
         FROM (SELECT *, toDateTime(occurred_at, 'UTC') AS bucket FROM analytics_events_raw WHERE ${conditions})
         GROUP BY ALL`,
      );
    } else if (granularity === 'day' && spans) {
      branches.push(spanRowsBranch(list, keys, where, params));
    } else {
      const ranges = list.map((s) => bucketRange(s, `m${n++}`, params)).join(' OR ');
      const conditions = [`(${ranges})`, ...where.clauses].join(' AND ');
      branches.push(
        `SELECT ${keys}, merchant_id, events AS r_events, if(status = 'failed', events, toUInt64(0)) AS r_failed,
                if(status = 'pending', events, toUInt64(0)) AS r_pending, volume AS r_volume, fees AS r_fees
         FROM ${MERCHANT_TABLES[granularity]} WHERE ${conditions}`,
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

/** A key column of a rollup union, and what the month rows carry instead when they lack it. */
export interface UnionKey {
  expr: string;
  /** For analytics_merchant_month (no status column): e.g. `'' AS status`. */
  month?: string;
}

const EMPTY_STATES: Readonly<Record<'events' | 'volume' | 'fees', string>> = {
  events: 'countStateIf(toUInt8(0)) AS events',
  volume: 'sumStateIf(toDecimal64(0, 4), 0) AS volume',
  fees: 'sumStateIf(toDecimal64(0, 4), 0) AS fees',
};
const NO_MERCHANTS = "arrayReduce('uniqExactState', CAST([], 'Array(String)')) AS merchants";

/**
 * Like segmentsUnion (sql.ts), one union of aggregate states (`prefix`, keys, measures, merchants)
 * over the periods, whose outer query merges as before (countMerge, sumMerge, uniqExactMerge) — but
 * whole days from the rollup start on take their merchants from analytics_merchant_month (empty
 * count and sum states beside them) and their counts and sums from analytics_agg_day (an empty
 * merchant state beside them). One pass over each table; the day states, whose merge over weeks
 * made the merchants measure slow, are not read for merchants.
 */
export function mergedUnion(
  periods: Array<{ segments: Segment[]; prefix: string }>,
  /** The periods' prefix as an expression of `bucket` (e.g. `bucket >= … AS is_current`), or ''. */
  bucketPrefix: string,
  keys: UnionKey[],
  measures: Array<'events' | 'volume' | 'fees'>,
  where: Where,
  params: Params,
): string {
  const filters = where.clauses.map((c) => ` AND ${c}`).join('');
  const cols = [bucketPrefix, ...keys.map((k) => k.expr), ...measures].filter((c) => c !== '').join(', ');
  // One branch per table over all its segments (ORed ranges), as segmentsUnion does: each branch
  // is a pipeline of its own, and a 24 h range with its previous period has six segments.
  const ranges = new Map<Granularity, string[]>();
  let n = 0;
  const months: Array<{ p: string; prefix: string }> = [];
  for (const { segments, prefix } of periods) {
    for (const s of segments) {
      const p = `u${n++}`;
      ranges.set(s.granularity, [...(ranges.get(s.granularity) ?? []), bucketRange(s, p, params)]);
      if (s.granularity === 'day') months.push({ p, prefix });
    }
  }
  const branches: string[] = [];
  for (const [granularity, list] of ranges) {
    const where = `(${list.join(' OR ')})`;
    if (granularity !== 'day') {
      branches.push(`SELECT ${cols}, merchants FROM ${ROLLUP_TABLES[granularity]} WHERE ${where}${filters}`);
      continue;
    }
    branches.push(`SELECT ${cols}, merchants FROM analytics_agg_day WHERE ${where} AND bucket < ${MERCHANT_ROLLUP_START}${filters}`);
    branches.push(`SELECT ${cols}, ${NO_MERCHANTS} FROM analytics_agg_day WHERE ${where} AND bucket >= ${MERCHANT_ROLLUP_START}${filters}`);
  }
  for (const { p, prefix } of months) {
    const monthCols = [prefix, ...keys.map((k) => k.month ?? k.expr), ...measures.map((m) => EMPTY_STATES[m])].filter((c) => c !== '');
    branches.push(
      `SELECT ${monthCols.join(', ')}, uniqExactState(merchant_id) AS merchants FROM ${MERCHANT_MONTH_TABLE}
       WHERE ${monthDaysCondition(p)}${filters}
       GROUP BY ALL`,
    );
  }
  return branches.join('\nUNION ALL\n');
}

/** Month rows whose day bits meet [p_from, p_to) from the rollup start on (bound by bucketRange). */
function monthDaysCondition(p: string): string {
  // Day bits [lo, hi) of each month row (bit d = day d + 1 of the month; hi ≤ 31: the mask fits a UInt64).
  const from = `toDate(greatest(toDateTime({${p}_from:UInt32}, 'UTC'), ${MERCHANT_ROLLUP_START}))`;
  const lo = `greatest(dateDiff('day', toDate(bucket), ${from}), 0)`;
  const hi = `least(greatest(dateDiff('day', toDate(bucket), toDate(toDateTime({${p}_to:UInt32}, 'UTC'))), 0), 31)`;
  return `bucket >= toStartOfMonth(toDateTime({${p}_from:UInt32}, 'UTC')) AND bucket < toDateTime({${p}_to:UInt32}, 'UTC')
           AND ${hi} > ${lo}
           AND bitAnd(days, bitShiftLeft(toUInt64(1), ${hi}) - bitShiftLeft(toUInt64(1), ${lo})) != 0`;
}
