// GET /api/analytics/breakdown: figures per (dimension value, currency), largest first by the
// chosen metric, over the same day/hour/minute decomposition as the overview. Money is never added
// across currencies, so a key with two currencies gives two rows.
import type { BreakdownResponse, BreakdownRow } from '../shared/contracts/api.js';
import { normalizeDecimal } from '../shared/contracts/decimal.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { distinctMerchantsQuery } from './lib/merchant-sql.js';
import { ROUTES, byParam, filtersParam, limitParam, metricParam } from './lib/params.js';
import { DIMENSION_COLUMNS, filterWhere, segmentsUnion, type Params } from './lib/sql.js';
import { MINUTE_MS, alignRange, decompose, iso } from './lib/time-range.js';

interface Row {
  key: string;
  currency: string;
  n: string;
  vol: string;
  fee: string;
  m: string;
}

// Sort keys: the numeric aggregate (not its string form), then key and currency for a stable order.
const ORDER: Readonly<Record<string, string>> = { count: 'n_', volume: 'vol_', fees: 'fee_', merchants: 'm_' };

export const handler = apiHandler({
  route: ROUTES.breakdown,
  auth: true,
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const by = byParam(query);
    const metric = metricParam(query);
    const limit = limitParam(query);
    checkScope(filters, principal!);
    const range = alignRange(filters.range, MINUTE_MS);
    const where = filterWhere(filters, principal!.zones);
    const params: Params = { ...where.params, limit };
    const union = segmentsUnion(decompose(range), `${DIMENSION_COLUMNS[by]} AS key, currency, events, volume, fees`, where, params);
    // Distinct merchants from the merchant rollups (sql/007), joined per (key, currency).
    const merchants = distinctMerchantsQuery(
      [{ segments: decompose(range), keys: `${DIMENSION_COLUMNS[by]} AS key, currency` }],
      'key, currency',
      where,
      params,
    );
    const sql = `
      SELECT key, currency, n_, vol_, fee_, mq.m_ AS m_,
             toString(n_) AS n, toString(vol_) AS vol, toString(fee_) AS fee, toString(m_) AS m
      FROM (
        SELECT key, currency, countMerge(events) AS n_, sumMerge(volume) AS vol_, sumMerge(fees) AS fee_
        FROM (${union})
        GROUP BY key, currency) AS c
      LEFT JOIN (${merchants}) AS mq USING (key, currency)
      ORDER BY ${ORDER[metric]} DESC, key ASC, currency ASC
      LIMIT {limit:UInt32}`;
    const client = await getClickHouse();
    const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    const rows = await rs.json<Row>();
    const body: BreakdownResponse = {
      from: iso(range.fromMs),
      to: iso(range.toMs),
      by,
      metric,
      rows: rows.map(
        (r): BreakdownRow => ({
          key: r.key,
          currency: r.currency,
          count: Number(r.n),
          volume: normalizeDecimal(r.vol),
          fees: normalizeDecimal(r.fee),
          merchants: Number(r.m),
        }),
      ),
    };
    return { body };
  },
});
