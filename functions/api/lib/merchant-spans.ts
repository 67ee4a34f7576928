// Whole days of the per-merchant routes from analytics_merchant_span (sql/008): a range of whole days
// is tiled by a few aligned spans of days per merchant instead of one day row per merchant, day,
// city and status. The tiling is pure (spanBlocks); the SQL branch binds every block.
import type { Where, Params } from './sql.js';
import { DAY_MS } from './time-range.js';

/** The spans (days) of sql/008's view, ascending; test/schema.test.ts checks they agree. */
export const MERCHANT_SPANS = [1, 2, 4, 8, 16] as const;
export const MERCHANT_SPAN_TABLE = 'analytics_merchant_span';

/**
 * A row set of the span table: `span` days from `fromMs` (a whole day whose 0-based day of the month
 * is a multiple of `span`), cut at the end of its month.
 */
export interface SpanBlock {
  span: number;
  fromMs: number;
  toMs: number;
}

const DESCENDING = [...MERCHANT_SPANS].sort((a, b) => b - a);

/**
 * Tiles [fromMs, toMs), both whole UTC days, with span blocks: from the left, the largest block
 * that starts here and ends within the range. Exact (the blocks tile the range, none overlaps) and
 * short: at most two blocks per span and month.
 */
export function spanBlocks(fromMs: number, toMs: number): SpanBlock[] {
  if (fromMs % DAY_MS !== 0 || toMs % DAY_MS !== 0) throw new RangeError('span blocks need whole days');
  const out: SpanBlock[] = [];
  for (let at = fromMs; at < toMs; ) {
    const d = new Date(at);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const dayOfMonth = (at - monthStart) / DAY_MS;
    const end = (span: number) => Math.min(at + span * DAY_MS, monthEnd);
    // Span 1 always fits: `at` is a whole day before `toMs`.
    const span = DESCENDING.find((s) => dayOfMonth % s === 0 && end(s) <= toMs) ?? 1;
    out.push({ span, fromMs: at, toMs: end(span) });
    at = end(span);
  }
  return out;
}

/**
 * SELECT of per-merchant rows (`keys`, merchant_id, r_events, r_failed, r_pending, r_volume, r_fees)
 * over the whole days [fromMs, toMs) of each range. `keys` may use `bucket` (a block's first day).
 * The filters must not name a city (the table has none). One branch per query (its parameters are `sp…`).
 */
export function spanRowsBranch(ranges: Array<{ fromMs: number; toMs: number }>, keys: string, where: Where, params: Params): string {
  const blocks = ranges.flatMap((r) => spanBlocks(r.fromMs, r.toMs));
  const picks = blocks.map((b, i) => {
    params[`sp${i}_span`] = b.span;
    params[`sp${i}_at`] = b.fromMs / 1000;
    return `(span = {sp${i}_span:UInt8} AND bucket = toDateTime({sp${i}_at:UInt32}, 'UTC'))`;
  });
  const conditions = [`(${picks.join(' OR ')})`, ...where.clauses].join(' AND ');
  return `SELECT ${keys}, merchant_id, events AS r_events, failed AS r_failed, pending AS r_pending, volume AS r_volume, fees AS r_fees
         FROM ${MERCHANT_SPAN_TABLE} WHERE ${conditions}`;
}
