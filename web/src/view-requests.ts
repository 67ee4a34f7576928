// The requests of one dashboard view, all started at once in the order the page needs the answers
// (see fetchDashboard in data.ts for how they are published).
import {
  type CompactTimeseriesResponse,
  expandTimeseries,
  SNAPSHOT_WINDOW_MINUTES,
  type BreakdownResponse,
  type FailuresResponse,
  type MerchantsResponse,
  type OverviewResponse,
  type QueryFilters,
  type SummaryResponse,
  type TimeseriesMetric,
  type TimeseriesResponse,
  type TotalsRow,
} from '../../contracts/index.js';
import type { ApiClient } from './api.js';
import { WAT_OFFSET_MS, foldHoursIntoDays } from './charts/business-day.js';
import { effectiveGranularity, granularityRefusal } from './charts/honest.js';
import { effectiveBy } from './drill/drill.js';
import { type DashboardFilters, type ResolvedRange, queryFilters, resolveRange } from './filters.js';
import { merchantsQuery } from './merchants/merchants.js';
import { currencyRows, defaultCurrency } from './overview/currencies.js';

/** How many recent minutes are fetched per minute as the baseline that live snapshots replace. */
export const BASELINE_MINUTES = SNAPSHOT_WINDOW_MINUTES;

/** The success-rate chart's series (wallet transactions, every currency). */
export interface SuccessData {
  rate: TimeseriesResponse;
  failed?: TimeseriesResponse;
  previousFailed?: TimeseriesResponse;
}

/**
 * A series in the compact encoding (start, step, values: about a third of the bytes of the points
 * form for a long minute series), expanded here into the points form the rest of the dashboard reads.
 */
export async function getTimeseries(api: ApiClient, params: object, signal?: AbortSignal): Promise<TimeseriesResponse> {
  return expandTimeseries(await api.get<CompactTimeseriesResponse>('/timeseries', { ...params, encoding: 'compact' }, signal));
}

/** The previous period of equal length, as the API computes it for `/overview`. */
export function previousRange(range: { from: string; to: string }): { from: string; to: string } {
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  return { from: new Date(from - (to - from)).toISOString(), to: range.from };
}

/** First error of a group of requests whose failure stays inside its panel. */
export interface SoftError {
  error?: unknown;
}

export interface ViewRequests {
  range: ResolvedRange;
  q: QueryFilters;
  prev: QueryFilters;
  baselineFrom: number;
  toMs: number;
  /** The chart's days are UTC+1 business days folded from hours (its clock shifted by this much). */
  dayShiftMs: number | undefined;
  fold(ts: TimeseriesResponse): TimeseriesResponse;
  overview: Promise<OverviewResponse>;
  summary: Promise<SummaryResponse>;
  currentSeries: Promise<TimeseriesResponse | undefined>;
  previousSeries: Promise<TimeseriesResponse | undefined>;
  chartError: SoftError;
  success: Promise<SuccessData | undefined>;
  successError: SoftError;
  merchants: Promise<MerchantsResponse | undefined>;
  merchantsError: SoftError;
  /** Breakdown (none by merchant), failures, baseline minutes, older totals, merchants per currency now and before. */
  rest: Promise<
    [
      BreakdownResponse | undefined,
      FailuresResponse,
      TimeseriesResponse,
      TimeseriesResponse,
      TimeseriesResponse,
      TotalsRow[],
      BreakdownResponse,
      BreakdownResponse,
    ]
  >;
}

/**
 * Starts the requests of a view in waves. First the KPIs (overview, summary); the chart's two series
 * when the overview answers (the chart no longer waits for the KPIs' round trip). The rest (success-rate chart,
 * merchants, tables, live baseline) starts once the KPIs are in: sent at the same time, ten more
 * requests measurably delayed the KPIs (their handlers share the gateway's CPU even while the
 * engine serves them in arrival order). Order inside each wave is deliberate: the browser sends at
 * most six at a time to one origin, in order, and an engine that serves one statement at a time
 * (the local chdb server) answers in arrival order. A request that fails inside its own panel
 * (charts, merchants) records its error instead of failing the view.
 */
export function startRequests(api: ApiClient, filters: DashboardFilters, now: number, signal?: AbortSignal): ViewRequests {
  const range = resolveRange(filters, now);
  const q = queryFilters(filters, range);
  const prev: QueryFilters = { ...q, ...previousRange(range) };
  const toMs = Date.parse(range.to);
  const baselineFrom = Math.max(Date.parse(range.from), toMs - BASELINE_MINUTES * 60_000);
  const baselineQ: QueryFilters = { ...q, from: new Date(baselineFrom).toISOString() };
  const minute = (metric: TimeseriesMetric) => getTimeseries(api, { ...baselineQ, metric, granularity: 'minute' }, signal);
  const olderQ: QueryFilters = { ...q, to: new Date(baselineFrom).toISOString() };
  // The chart's granularity is chosen here (never the API's minute default for a day).
  const span = toMs - Date.parse(range.from);
  const chosen = effectiveGranularity(filters.granularity, span);
  // UTC+1 days come from the hour rollup (when the range allows hourly points).
  const businessDays = chosen === 'day' && filters.tz === 'wat' && !granularityRefusal('hour', span);
  const granularity = businessDays ? 'hour' : chosen;
  const by = effectiveBy(filters);
  const soft = <T>(p: Promise<T>, errors: SoftError): Promise<T | undefined> => {
    const out = p.catch((err: unknown) => {
      if (signal?.aborted) throw err;
      errors.error ??= err;
      return undefined;
    });
    // Rejected only on abort, possibly before anything awaits it.
    out.catch(() => undefined);
    return out;
  };
  const chartError: SoftError = {};
  const successError: SoftError = {};
  const merchantsError: SoftError = {};

  const overview = api.get<OverviewResponse>('/overview', q, signal);
  const summary = api.get<SummaryResponse>('/summary', q, signal);
  // The chart's series start when the overview answers: the summary is queued ahead of them by
  // then, so they no longer slip in before it (which cost the first KPI 1.24× in A/B runs).
  const afterOverview = <T>(request: () => Promise<T>): Promise<T> => overview.then(request);
  const currentSeries = soft(
    afterOverview(() => getTimeseries(api, { ...q, metric: filters.metric, granularity }, signal)),
    chartError,
  );
  const previousSeries = soft(
    afterOverview(() => getTimeseries(api, { ...prev, metric: filters.metric, granularity }, signal)),
    chartError,
  );
  // The second wave; if the KPIs fail the view fails with them, and nothing more is asked.
  const kpis = Promise.all([overview, summary]);
  kpis.catch(() => undefined);
  const later = <T>(request: () => Promise<T>): Promise<T> => kpis.then(request);
  // Only wallet transactions can fail: another type pinned has no success rate to draw.
  const walletOnly = !filters.type || filters.type === 'wallet_txn_created';
  const success: Promise<SuccessData | undefined> = walletOnly
    ? Promise.all([
        soft(
          later(() => getTimeseries(api, { ...q, metric: 'success_rate', granularity }, signal)),
          successError,
        ),
        soft(
          later(() => getTimeseries(api, { ...q, metric: 'failed', granularity }, signal)),
          successError,
        ),
        soft(
          later(() => getTimeseries(api, { ...prev, metric: 'failed', granularity }, signal)),
          successError,
        ),
      ]).then(([rate, failed, previousFailed]) =>
        rate ? { rate, ...(failed ? { failed } : {}), ...(previousFailed ? { previousFailed } : {}) } : undefined,
      )
    : Promise.resolve(undefined);
  success.catch(() => undefined);
  // Ranking by volume needs the currency shown; by default that follows the overview.
  const merchants = soft(
    filters.msort === 'volume' && !filters.currency
      ? kpis.then(([o]) => {
          const rows = currencyRows(o.totals, o.previous.totals);
          return api.get<MerchantsResponse>('/merchants', { ...q, ...merchantsQuery('volume', defaultCurrency(rows, filters)) }, signal);
        })
      : later(() => api.get<MerchantsResponse>('/merchants', { ...q, ...merchantsQuery(filters.msort, filters.currency) }, signal)),
    merchantsError,
  );
  // By merchant there is no /breakdown dimension: the merchants table is the breakdown.
  const breakdown: Promise<BreakdownResponse | undefined> =
    by === 'merchant'
      ? Promise.resolve(undefined)
      : later(() => api.get<BreakdownResponse>('/breakdown', { ...q, by, metric: 'volume', limit: '100' }, signal));
  const rest = Promise.all([
    breakdown,
    later(() => api.get<FailuresResponse>('/failures', { ...q, by, limit: '100' }, signal)),
    later(() => minute('count')),
    later(() => minute('volume')),
    later(() => minute('fees')),
    baselineFrom > Date.parse(range.from)
      ? later(() => api.get<OverviewResponse>('/overview', olderQ, signal)).then((o) => o.totals)
      : Promise.resolve([] as TotalsRow[]),
    later(() => api.get<BreakdownResponse>('/breakdown', { ...q, by: 'currency', metric: 'merchants', limit: '100' }, signal)),
    later(() => api.get<BreakdownResponse>('/breakdown', { ...prev, by: 'currency', metric: 'merchants', limit: '100' }, signal)),
  ]);
  return {
    range,
    q,
    prev,
    baselineFrom,
    toMs,
    dayShiftMs: businessDays ? WAT_OFFSET_MS : undefined,
    fold: (ts) => (businessDays ? foldHoursIntoDays(ts, WAT_OFFSET_MS) : ts),
    overview,
    summary,
    currentSeries,
    previousSeries,
    chartError,
    success,
    successError,
    merchants,
    merchantsError,
    rest,
  };
}
