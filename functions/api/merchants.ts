// GET /api/analytics/merchants: the top merchants of the range, one row per (merchant, currency) —
// money is never added across currencies — with their failures, their share of every event in
// the filtered scope and the same merchant's figures over the previous period of equal length.
// Whole days come from the span rows (sql/008), whole hours from the merchant rollups (sql/007),
// edge minutes from raw.
import type { MerchantRow, MerchantsResponse } from '../../contracts/api.js';
import { normalizeDecimal } from '../../contracts/decimal.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { merchantRangeUnit, merchantRowsUnion } from './lib/merchant-sql.js';
import { filtersParam, limitParam, merchantSortParam } from './lib/params.js';
import { filterWhere, type Params } from './lib/sql.js';
import { alignRange, decompose, iso, previousRange } from './lib/time-range.js';

interface Row {
  merchant_id: string;
  currency: string;
  n: string;
  failed: string;
  pending: string;
  vol: string;
  fee: string;
  prev_n: string;
  prev_vol: string;
  total_n: string;
  total_m: string;
}

// Sort keys: the numeric aggregate, then merchant_id and currency (byte order) for a stable order.
const ORDER: Readonly<Record<string, string>> = { count: 'n_', volume: 'vol_', failed: 'failed_' };

export const handler = apiHandler({
  route: 'merchants',
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const sort = merchantSortParam(query);
    const limit = limitParam(query);
    checkScope(filters, principal!);
    const current = alignRange(filters.range, merchantRangeUnit(filters.range, now));
    const previous = previousRange(current);
    const where = filterWhere(filters, principal!.zones);
    const params: Params = { ...where.params, limit, cur_from: current.fromMs / 1000 };
    const union = merchantRowsUnion(
      [...decompose(previous), ...decompose(current)],
      `bucket >= toDateTime({cur_from:UInt32}, 'UTC') AS is_current, currency`,
      where,
      params,
      filters.city === undefined,
    );
    // Totals over every (merchant, currency) of the current period, before LIMIT (window functions
    // are evaluated before ORDER BY and LIMIT).
    const sql = `
      SELECT merchant_id, currency,
             sumIf(r_events, is_current) AS n_, sumIf(r_failed, is_current) AS failed_,
             sumIf(r_pending, is_current) AS pending_,
             sumIf(r_volume, is_current) AS vol_, sumIf(r_fees, is_current) AS fee_,
             sumIf(r_events, NOT is_current) AS prev_n_, sumIf(r_volume, NOT is_current) AS prev_vol_,
             toString(n_) AS n, toString(failed_) AS failed, toString(pending_) AS pending,
             toString(vol_) AS vol, toString(fee_) AS fee, toString(prev_n_) AS prev_n, toString(prev_vol_) AS prev_vol,
             toString(sum(n_) OVER ()) AS total_n, toString(uniqExact(merchant_id) OVER ()) AS total_m
      FROM (${union})
      GROUP BY merchant_id, currency
      HAVING n_ > 0
      ORDER BY ${ORDER[sort]} DESC, merchant_id ASC, currency ASC
      LIMIT {limit:UInt32}`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Row>();
    const totalCount = Number(rows[0]?.total_n ?? 0);
    const body: MerchantsResponse = {
      from: iso(current.fromMs),
      to: iso(current.toMs),
      sort,
      rows: rows.map((r): MerchantRow => {
        const count = Number(r.n);
        const failed = Number(r.failed);
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
          previous_count: Number(r.prev_n),
          previous_volume: normalizeDecimal(r.prev_vol),
        };
      }),
      total_count: totalCount,
      total_merchants: Number(rows[0]?.total_m ?? 0),
    };
    return { body };
  },
});
