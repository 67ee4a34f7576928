// GET /api/analytics/timeseries: one zero-filled series per (type, currency) from the rollup of
// the requested (or default) granularity. The range is aligned to whole buckets (time-range.ts).
import type { Granularity, TimeseriesPoint, TimeseriesResponse } from '../shared/contracts/api.js';
import { normalizeDecimal } from '../shared/contracts/decimal.js';
import type { EventType } from '../shared/contracts/event.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { badRequest } from './lib/errors.js';
import { apiHandler, checkScope } from './lib/handler.js';
import { ROUTES, filtersParam, granularityParam, metricParam } from './lib/params.js';
import { METRIC_EXPRESSIONS, ROLLUP_TABLES, bucketRange, filterWhere, type Params } from './lib/sql.js';
import {
  GRANULARITY_MS,
  MAX_POINTS,
  alignRange,
  bucketCount,
  defaultGranularity,
  iso,
  maxRangeText,
} from './lib/time-range.js';

/** [bucket epoch seconds, type, currency, value]: compact rows, as a series can hold 1,500 points. */
type Row = [number, EventType, string, string];

const MONEY = new Set(['volume', 'fees']);

export const handler = apiHandler({
  route: ROUTES.timeseries,
  auth: true,
  run: async ({ query, principal, now }) => {
    const filters = filtersParam(query, now);
    const requested = granularityParam(query);
    const metric = metricParam(query);
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
    const conditions = [bucketRange(range, 'r', params), ...where.clauses].join(' AND ');
    const sql = `
      SELECT toUInt32(toUnixTimestamp(bucket)) AS t, type, currency, toString(${METRIC_EXPRESSIONS[metric]}) AS value
      FROM ${ROLLUP_TABLES[granularity]}
      WHERE ${conditions}
      GROUP BY bucket, type, currency
      ORDER BY type, currency, bucket`;
    const client = await getClickHouse();
    const rows = await (await client.query({ query: sql, query_params: params, format: 'JSONCompactEachRow' })).json<Row>();

    const money = MONEY.has(metric);
    const zero: TimeseriesPoint['value'] = money ? '0.0000' : 0;
    const step = GRANULARITY_MS[granularity];
    const series: TimeseriesResponse['series'] = [];
    let current: { key: string; values: Map<number, string>; type: EventType; currency: string } | undefined;
    const flush = (): void => {
      if (!current) return;
      const pts: TimeseriesPoint[] = [];
      for (let t = range.fromMs; t < range.toMs; t += step) {
        const v = current.values.get(t / 1000);
        pts.push({ t: iso(t), value: v === undefined ? zero : money ? normalizeDecimal(v) : Number(v) });
      }
      series.push({ type: current.type, currency: current.currency, points: pts });
    };
    for (const [t, type, currency, value] of rows) {
      const key = `${type}\u0000${currency}`;
      if (current?.key !== key) {
        flush();
        current = { key, values: new Map(), type, currency };
      }
      current.values.set(Number(t), value);
    }
    flush();
    const body: TimeseriesResponse = { from: iso(range.fromMs), to: iso(range.toMs), granularity, metric, series };
    return { body };
  },
});
