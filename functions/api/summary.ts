// GET /api/analytics/summary: the currency-independent figures of a range and of the period of
// equal length before it — events, their statuses, distinct merchants over every currency — read in
// one query over the day/hour/minute rollups like /overview. No money: it is never summed across
// currencies, so the dashboard's "all currencies" KPIs come from here exactly (unique merchants are
// not additive over currencies, so they could not be summed from /overview's rows).
import type { SummaryFigures, SummaryResponse } from '../shared/contracts/api-summary.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { ROUTES, filtersParam } from './lib/params.js';
import { currentAndPrevious } from './lib/periods.js';
import { distinctMerchantsQuery } from './lib/merchant-sql.js';
import { SUCCEEDED_STATUS, filterWhere } from './lib/sql.js';
import { decompose, iso } from './lib/time-range.js';

interface Row {
  is_current: number;
  n: string;
  ok: string;
  failed: string;
  pending: string;
  m: string;
  wallet: string;
  wallet_ok: string;
}

const ZERO: Row = { is_current: 0, n: '0', ok: '0', failed: '0', pending: '0', m: '0', wallet: '0', wallet_ok: '0' };

function figures(r: Row): SummaryFigures {
  const wallet = Number(r.wallet);
  return {
    count: Number(r.n),
    succeeded: Number(r.ok),
    failed: Number(r.failed),
    pending: Number(r.pending),
    merchants: Number(r.m),
    wallet_count: wallet,
    success_rate: wallet > 0 ? Number(r.wallet_ok) / wallet : null,
  };
}

export const handler = apiHandler({
  route: ROUTES.summary,
  auth: true,
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    checkScope(filters, principal!);
    const { current, previous, union, params } = currentAndPrevious(filters, principal!.zones, 'type, status, events');
    // Distinct merchants from the merchant rollups (sql/007), joined per period.
    const merchants = distinctMerchantsQuery(
      [
        { segments: decompose(previous), keys: '0 AS is_current' },
        { segments: decompose(current), keys: '1 AS is_current' },
      ],
      'is_current',
      filterWhere(filters, principal!.zones),
      params,
    );
    const sql = `
      SELECT is_current, n, ok, failed, pending, toString(mq.m_) AS m, wallet, wallet_ok
      FROM (
        SELECT toUInt8(is_current) AS is_current,
               toString(countMerge(events)) AS n,
               toString(countMergeIf(events, status = '${SUCCEEDED_STATUS}')) AS ok,
               toString(countMergeIf(events, status = 'failed')) AS failed,
               toString(countMergeIf(events, status = 'pending')) AS pending,
               toString(countMergeIf(events, type = 'wallet_txn_created')) AS wallet,
               toString(countMergeIf(events, type = 'wallet_txn_created' AND status = '${SUCCEEDED_STATUS}')) AS wallet_ok
        FROM (${union})
        GROUP BY is_current) AS c
      LEFT JOIN (${merchants}) AS mq USING (is_current)`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Row>();
    const cur = rows.find((r) => Number(r.is_current) === 1) ?? ZERO;
    const prev = rows.find((r) => Number(r.is_current) !== 1) ?? ZERO;
    const body: SummaryResponse = {
      from: iso(current.fromMs),
      to: iso(current.toMs),
      current: figures(cur),
      previous: { from: iso(previous.fromMs), to: iso(previous.toMs), ...figures(prev) },
    };
    return { body };
  },
});
