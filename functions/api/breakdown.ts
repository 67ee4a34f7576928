// GET /api/analytics/breakdown: figures per (dimension value, currency), largest first by the
// chosen metric, over the same day/hour/minute decomposition as the overview. Money is never added
// across currencies, so a key with two currencies gives two rows.
import type { BreakdownResponse, BreakdownRow } from '../../contracts/api.js';
import { normalizeDecimal } from '../../contracts/decimal.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { mergedUnion } from './lib/merchant-sql.js';
import { byParam, filtersParam, limitParam, metricParam } from './lib/params.js';
import { DIMENSION_COLUMNS, filterWhere, type Params } from './lib/sql.js';
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
  route: 'breakdown',
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const by = byParam(query);
    const metric = metricParam(query);
    const limit = limitParam(query);
    checkScope(filters, principal!);
    const range = alignRange(filters.range, MINUTE_MS);
    const where = filterWhere(filters, principal!.zones);
    const params: Params = { ...where.params, limit };
    // Whole days take their distinct merchants from the merchant rollups (sql/007, mergedUnion).
    const union = mergedUnion(
      [{ segments: decompose(range), prefix: '' }],
      '',
      [{ expr: `${DIMENSION_COLUMNS[by]} AS key` }, { expr: 'currency' }],
      ['events', 'volume', 'fees'],
      where,
      params,
    );
    const sql = `
      SELECT key, currency,
             countMerge(events) AS n_, sumMerge(volume) AS vol_, sumMerge(fees) AS fee_, uniqExactMerge(merchants) AS m_,
             toString(n_) AS n, toString(vol_) AS vol, toString(fee_) AS fee, toString(m_) AS m
      FROM (${union})
      GROUP BY key, currency
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
