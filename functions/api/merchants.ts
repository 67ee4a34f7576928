// GET /api/analytics/merchants: the top merchants of the range, one row per (merchant, currency) —
// money is never added across currencies — with their failures, their share of every event in
// the filtered scope and the same merchant's figures over the previous period of equal length.
// Whole days come from the span rows (sql/008), whole hours from the merchant rollups (sql/007),
// edge minutes from raw. The ranking reads the current period only; the previous period is read
// for the ranked merchants alone (a second query), so its rows are filtered, not added up.
import type { MerchantRow, MerchantsResponse } from '../../contracts/api.js';
import { normalizeDecimal } from '../../contracts/decimal.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { merchantRangeUnit, merchantRowsUnion } from './lib/merchant-sql.js';
import { filtersParam, limitParam, merchantSortParam } from './lib/params.js';
import { filterWhere, type Params, type Where } from './lib/sql.js';
import { alignRange, decompose, iso, previousRange, type TimeRange } from './lib/time-range.js';

interface Row {
  merchant_id: string;
  currency: string;
  n: string;
  failed: string;
  pending: string;
  vol: string;
  fee: string;
  total_n: string;
  total_m: string;
}

interface PreviousRow {
  merchant_id: string;
  currency: string;
  prev_n: string;
  prev_vol: string;
}

// Sort keys: the numeric aggregate, then merchant_id and currency (byte order) for a stable order.
const ORDER: Readonly<Record<string, string>> = { count: 'n_', volume: 'vol_', failed: 'failed_' };

const key = (r: { merchant_id: string; currency: string }) => `${r.merchant_id}\u0000${r.currency}`;

/** The previous period's count and volume of the ranked (merchant, currency) pairs, by key. */
async function previousFigures(range: TimeRange, where: Where, spans: boolean, top: Row[]): Promise<Map<string, PreviousRow>> {
  if (top.length === 0) return new Map();
  const ids = [...new Set(top.map((r) => r.merchant_id))];
  // The merchant filter goes into every branch, so raw's edge minutes are filtered before grouping.
  const only: Where = { clauses: [...where.clauses, 'merchant_id IN {top_ids:Array(String)}'], params: where.params };
  const params: Params = { ...where.params, top_ids: ids };
  const union = merchantRowsUnion(decompose(range), 'currency', only, params, spans);
  const sql = `
    SELECT merchant_id, currency, toString(sum(r_events)) AS prev_n, toString(sum(r_volume)) AS prev_vol
    FROM (${union})
    GROUP BY merchant_id, currency`;
  const client = await getClickHouse();
  const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<PreviousRow>();
  return new Map(rows.map((r) => [key(r), r]));
}

export const handler = apiHandler({
  route: 'merchants',
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const sort = merchantSortParam(query);
    const limit = limitParam(query);
    checkScope(filters, principal!);
    const current = alignRange(filters.range, merchantRangeUnit(filters.range, now));
    const where = filterWhere(filters, principal!.zones);
    const spans = filters.city === undefined;
    const params: Params = { ...where.params, limit };
    const union = merchantRowsUnion(decompose(current), 'currency', where, params, spans);
    // Totals over every (merchant, currency) of the period, before LIMIT (window functions are
    // evaluated before ORDER BY and LIMIT).
    const sql = `
      SELECT merchant_id, currency,
             sum(r_events) AS n_, sum(r_failed) AS failed_, sum(r_pending) AS pending_, sum(r_volume) AS vol_, sum(r_fees) AS fee_,
             toString(n_) AS n, toString(failed_) AS failed, toString(pending_) AS pending, toString(vol_) AS vol, toString(fee_) AS fee,
             toString(sum(n_) OVER ()) AS total_n, toString(uniqExact(merchant_id) OVER ()) AS total_m
      FROM (${union})
      GROUP BY merchant_id, currency
      HAVING n_ > 0
      ORDER BY ${ORDER[sort]} DESC, merchant_id ASC, currency ASC
      LIMIT {limit:UInt32}`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Row>();
    const previous = await previousFigures(previousRange(current), where, spans, rows);
    const totalCount = Number(rows[0]?.total_n ?? 0);
    const body: MerchantsResponse = {
      from: iso(current.fromMs),
      to: iso(current.toMs),
      sort,
      rows: rows.map((r): MerchantRow => {
        const count = Number(r.n);
        const failed = Number(r.failed);
        const prev = previous.get(key(r));
        return {
          merchant_id: r.merchant_id,
          currency: r.currency,
          count,
          failed,
          pending: Number(r.pending),
          failed_share: count > 0 ? failed / count : 0,
          volume: normalizeDecimal(r.vol),
          fees: normalizeDecimal(r.fee),
          share: totalCount > 0 ? count / totalCount : 0,
          previous_count: Number(prev?.prev_n ?? 0),
          previous_volume: normalizeDecimal(prev?.prev_vol ?? '0'),
        };
      }),
      total_count: totalCount,
      total_merchants: Number(rows[0]?.total_m ?? 0),
    };
    return { body };
  },
});
