// GET /api/analytics/overview: per (type, currency) totals for the range and for the period of
// equal length before it, read in one query over the day/hour/minute rollups (see time-range.ts).
import type { OverviewResponse, TotalsRow } from '../shared/contracts/api.js';
import { divideDecimal, normalizeDecimal } from '../shared/contracts/decimal.js';
import type { EventType } from '../shared/contracts/event.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { ROUTES, filtersParam } from './lib/params.js';
import { currentAndPrevious } from './lib/periods.js';
import { distinctMerchantsQuery } from './lib/merchant-sql.js';
import { SUCCEEDED_STATUS, filterWhere } from './lib/sql.js';
import { decompose, iso } from './lib/time-range.js';

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
  route: ROUTES.overview,
  auth: true,
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    checkScope(filters, principal!);
    const { current, previous, union, params } = currentAndPrevious(
      filters,
      principal!.zones,
      'type, currency, status, events, volume, fees',
    );
    // Distinct merchants from the merchant rollups (sql/007), joined per (period, type, currency).
    const merchants = distinctMerchantsQuery(
      [
        { segments: decompose(previous), keys: '0 AS is_current, type, currency' },
        { segments: decompose(current), keys: '1 AS is_current, type, currency' },
      ],
      'is_current, type, currency',
      filterWhere(filters, principal!.zones),
      params,
    );
    const sql = `
      SELECT is_current, type, currency, n, ok, vol, fee, toString(mq.m_) AS m
      FROM (
        SELECT toUInt8(is_current) AS is_current, type, currency,
               toString(countMerge(events)) AS n,
               toString(countMergeIf(events, status = '${SUCCEEDED_STATUS}')) AS ok,
               toString(sumMerge(volume)) AS vol,
               toString(sumMerge(fees)) AS fee
        FROM (${union})
        GROUP BY is_current, type, currency) AS c
      LEFT JOIN (${merchants}) AS mq USING (is_current, type, currency)
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
