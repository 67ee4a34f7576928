// GET /api/analytics/failures: failed and pending counts per dimension value over every currency
// (counts do not depend on currency), most failures first, over the same day/hour/minute
// decomposition as /breakdown. The dashboard's "failures first" panel reads it.
import type { FailureRow, FailuresResponse } from '../../contracts/api-summary.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { merchantRangeUnit, merchantRowsUnion } from './lib/merchant-sql.js';
import { failureByParam, filtersParam, limitParam } from './lib/params.js';
import { DIMENSION_COLUMNS, filterWhere, segmentsUnion, type Params } from './lib/sql.js';
import { MINUTE_MS, alignRange, decompose, iso } from './lib/time-range.js';

interface Row {
  key: string;
  n: string;
  f: string;
  p: string;
}

export const handler = apiHandler({
  route: 'failures',
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const by = failureByParam(query);
    const limit = limitParam(query);
    checkScope(filters, principal!);
    const where = filterWhere(filters, principal!.zones);
    const params: Params = { ...where.params, limit };
    // Per merchant: plain sums from the merchant rollups (sql/007, 008) and raw; otherwise count states.
    const merchant = by === 'merchant';
    const range = alignRange(filters.range, merchant ? merchantRangeUnit(filters.range, now) : MINUTE_MS);
    const union = merchant
      ? merchantRowsUnion(decompose(range), 'merchant_id AS key', where, params, filters.city === undefined)
      : segmentsUnion(decompose(range), `${DIMENSION_COLUMNS[by]} AS key, status, events`, where, params);
    const measures = merchant
      ? `sum(r_events) AS n_, sum(r_failed) AS f_, sum(r_pending) AS p_`
      : `countMerge(events) AS n_, countMergeIf(events, status = 'failed') AS f_, countMergeIf(events, status = 'pending') AS p_`;
    const sql = `
      SELECT key, ${measures},
             toString(n_) AS n, toString(f_) AS f, toString(p_) AS p
      FROM (${union})
      GROUP BY key
      ORDER BY f_ DESC, key ASC
      LIMIT {limit:UInt32}`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Row>();
    const body: FailuresResponse = {
      from: iso(range.fromMs),
      to: iso(range.toMs),
      by,
      rows: rows.map((r): FailureRow => {
        const count = Number(r.n);
        const failed = Number(r.f);
        return { key: r.key, count, failed, pending: Number(r.p), failed_share: count > 0 ? failed / count : 0 };
      }),
    };
    return { body };
  },
});
