// GET /api/analytics/overview: per (type, currency) totals for the range and for the period of
// equal length before it, read in one query over the day/hour/minute rollups (see time-range.ts).
import type { OverviewResponse, TotalsRow } from '../../contracts/api.js';
import { divideDecimal, normalizeDecimal } from '../../contracts/decimal.js';
import type { EventType } from '../../contracts/event.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { filtersParam } from './lib/params.js';
import { mergedUnion } from './lib/merchant-sql.js';
import { SUCCEEDED_STATUS, filterWhere, type Params } from './lib/sql.js';
import { MINUTE_MS, alignRange, decompose, iso, previousRange } from './lib/time-range.js';

interface Row {
  is_current: number;
  type: EventType;
  currency: string;
  n: string;
  ok: string;
  vol: string;
  fee: string;
  m: string;
}

function totalsRow(r: Row): TotalsRow {
  const count = Number(r.n);
  const volume = normalizeDecimal(r.vol);
  return {
    type: r.type,
    currency: r.currency,
    count,
    volume,
    fees: normalizeDecimal(r.fee),
    avg_ticket: divideDecimal(volume, count),
    merchants: Number(r.m),
    success_rate: r.type === 'wallet_txn_created' && count > 0 ? Number(r.ok) / count : null,
  };
}

export const handler = apiHandler({
  route: 'overview',
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    checkScope(filters, principal!);
    const current = alignRange(filters.range, MINUTE_MS);
    const previous = previousRange(current);
    const where = filterWhere(filters, principal!.zones);
    const params: Params = { ...where.params, cur_from: current.fromMs / 1000 };
    // Whole days take their distinct merchants from the merchant rollups (sql/007, mergedUnion).
    const union = mergedUnion(
      [
        { segments: decompose(previous), prefix: '0 AS is_current' },
        { segments: decompose(current), prefix: '1 AS is_current' },
      ],
      `bucket >= toDateTime({cur_from:UInt32}, 'UTC') AS is_current`,
      [{ expr: 'type' }, { expr: 'currency' }, { expr: 'status', month: "'' AS status" }],
      ['events', 'volume', 'fees'],
      where,
      params,
    );
    const sql = `
      SELECT is_current, type, currency,
             toString(countMerge(events)) AS n,
             toString(countMergeIf(events, status = '${SUCCEEDED_STATUS}')) AS ok,
             toString(sumMerge(volume)) AS vol,
             toString(sumMerge(fees)) AS fee,
             toString(uniqExactMerge(merchants)) AS m
      FROM (${union})
      GROUP BY is_current, type, currency
      ORDER BY is_current, type, currency`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Row>();
    const body: OverviewResponse = {
      from: iso(current.fromMs),
      to: iso(current.toMs),
      totals: rows.filter((r) => Number(r.is_current) === 1).map(totalsRow),
      previous: {
        from: iso(previous.fromMs),
        to: iso(previous.toMs),
        totals: rows.filter((r) => Number(r.is_current) !== 1).map(totalsRow),
      },
    };
    return { body };
  },
});
