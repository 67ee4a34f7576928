// GET /api/analytics/timeseries: one zero-filled series per (type, currency) from the rollup of
// the requested (or default) granularity. The range is aligned to whole buckets (time-range.ts).
import type { CompactTimeseriesResponse, Granularity, TimeseriesResponse, TimeseriesValue } from '../shared/contracts/api.js';
import { SCALE } from '../shared/contracts/decimal.js';
import type { EventType } from '../shared/contracts/event.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { badRequest } from './lib/errors.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { ROUTES, encodingParam, filtersParam, granularityParam, timeseriesMetricParam } from './lib/params.js';
import { METRIC_EXPRESSIONS, ROLLUP_TABLES, SUCCEEDED_STATUS, bucketRange, filterWhere, type Params } from './lib/sql.js';
import { GRANULARITY_MS, MAX_POINTS, alignRange, bucketCount, defaultGranularity, iso, maxRangeText } from './lib/time-range.js';

/**
 * One row per series: [type, currency, bucket epoch seconds[], values[]]. A minute series over a
 * day is ~26k buckets in all; arrays per series keep the wire format and its parsing small (the
 * handler's own time, not the engine's, dominated long series in bench:api).
 */
type Row = [EventType, string, number[], string[], string[]?];

const MONEY = new Set(['volume', 'fees']);

/**
 * The value per bucket of each metric beyond the breakdown's. success_rate's is the succeeded
 * count; the bucket's wallet total comes beside it (`total`) and the handler divides, as /summary
 * does, so the share is the exact ratio of two exact counts.
 */
const STATUS_EXPRESSIONS: Readonly<Record<'failed' | 'success_rate', string>> = {
  failed: "countMergeIf(events, status = 'failed')",
  success_rate: `countMergeIf(events, status = '${SUCCEEDED_STATUS}')`,
};
const SUCCESS_TYPE = 'wallet_txn_created';

export const handler = apiHandler({
  route: ROUTES.timeseries,
  auth: true,
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const requested = granularityParam(query);
    const metric = timeseriesMetricParam(query);
    const encoding = encodingParam(query);
    checkScope(filters, principal!);
    const granularity: Granularity = requested ?? defaultGranularity(filters.range);
    const range = alignRange(filters.range, GRANULARITY_MS[granularity]);
    const points = bucketCount(range, granularity);
    if (points > MAX_POINTS) {
      throw badRequest(
        'granularity',
        `granularity=${granularity} allows at most ${MAX_POINTS} points per series, i.e. a range of at most ${maxRangeText(granularity)}; ` +
          `this range has ${points}. Use a coarser granularity or a shorter range`,
      );
    }
    const where = filterWhere(filters, principal!.zones);
    const params: Params = { ...where.params };
    const rate = metric === 'success_rate';
    const conditions = [bucketRange(range, 'r', params), ...where.clauses, ...(rate ? [`type = '${SUCCESS_TYPE}'`] : [])].join(' AND ');
    const money = MONEY.has(metric);
    const expression = metric === 'failed' || metric === 'success_rate' ? STATUS_EXPRESSIONS[metric] : METRIC_EXPRESSIONS[metric];
    // Money comes back in the canonical 4-digit form (toDecimalString), so no per-value normalising.
    const value = money ? `toDecimalString(${expression}, ${SCALE})` : `toString(${expression})`;
    const sql = `
      SELECT type, currency, groupArray(t) AS ts, groupArray(value) AS vs${rate ? ', groupArray(total) AS ns' : ''}
      FROM (
        SELECT toUInt32(toUnixTimestamp(bucket)) AS t, type, currency, ${value} AS value${rate ? ', toString(countMerge(events)) AS total' : ''}
        FROM ${ROLLUP_TABLES[granularity]}
        WHERE ${conditions}
        GROUP BY bucket, type, currency)
      GROUP BY type, currency
      ORDER BY type, currency`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONCompactEachRow' })).json<Row>();

    // Zero-filled value arrays, one slot per bucket (groupArray's order does not matter: t places each value).
    // A bucket without wallet transactions has no success rate (null), never 0.
    const zero: TimeseriesValue = money ? '0.0000' : rate ? null : 0;
    const step = GRANULARITY_MS[granularity];
    const fromSeconds = range.fromMs / 1000;
    const stepSeconds = step / 1000;
    const series = rows.map(([type, currency, ts, vs, ns]) => {
      const values = new Array<TimeseriesValue>(points).fill(zero);
      for (let i = 0; i < ts.length; i++) {
        const slot = (Number(ts[i]) - fromSeconds) / stepSeconds;
        if (rate) {
          const total = Number(ns![i]);
          if (total > 0) values[slot] = Number(vs[i]) / total;
        } else values[slot] = money ? vs[i]! : Number(vs[i]);
      }
      return { type, currency, values };
    });
    const head = { from: iso(range.fromMs), to: iso(range.toMs), granularity, metric };
    if (encoding === 'compact') {
      const start = head.from;
      const body: CompactTimeseriesResponse = {
        ...head,
        encoding,
        series: series.map((s) => ({ type: s.type, currency: s.currency, start, step_ms: step, values: s.values })),
      };
      return { body };
    }
    const times = Array.from({ length: points }, (_, i) => iso(range.fromMs + i * step));
    const body: TimeseriesResponse = {
      ...head,
      series: series.map((s) => ({ type: s.type, currency: s.currency, points: s.values.map((value, i) => ({ t: times[i]!, value })) })),
    };
    return { body };
  },
});
