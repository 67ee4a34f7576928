// What one dashboard view holds after a REST fetch, and how it is fetched.
import {
  type BreakdownResponse,
  type CompactTimeseriesResponse,
  type EventType,
  type FailuresResponse,
  type MerchantsResponse,
  type SummaryResponse,
  type TimeseriesMetric,
  type OverviewResponse,
  type QueryFilters,
  type TotalsRow,
  type TimeseriesResponse,
  expandTimeseries,
  roomForFilter,
  toUnits,
  SNAPSHOT_WINDOW_MINUTES,
} from '../../functions/shared/contracts/index.js';
import type { ApiClient } from './api.js';
import { WAT_OFFSET_MS, foldHoursIntoDays } from './charts/business-day.js';
import { effectiveGranularity, granularityRefusal } from './charts/honest.js';
import { effectiveBy } from './drill/drill.js';
import { merchantsQuery } from './merchants/merchants.js';
import { currencyRows, defaultCurrency } from './overview/currencies.js';
import { type DashboardFilters, type ResolvedRange, queryFilters, resolveRange } from './filters.js';

/** How many recent minutes are fetched per minute as the baseline that live snapshots replace. */
export const BASELINE_MINUTES = SNAPSHOT_WINDOW_MINUTES;

/** Additive figures of one (type, currency) in one minute; money in units of 10^-4. */
export interface BucketFigures {
  count: number;
  volume: bigint;
  fees: bigint;
}

/** Per-minute REST values of the newest minutes of the range: bucket start (ms) → `type|currency` → figures. */
export interface Baseline {
  from: number;
  to: number;
  buckets: Map<number, Map<string, BucketFigures>>;
}

export interface DashboardData {
  fetchedAt: number;
  range: ResolvedRange;
  /** The WebSocket room whose snapshots belong to this view. */
  room: string;
  overview: OverviewResponse;
  /**
   * Unique merchants per currency across event types (not additive over types), now and before.
   * Phase 2 (empty rows before): the KPIs' merchants are currency-independent, from `summary`.
   */
  merchants: { current: BreakdownResponse; previous: BreakdownResponse };
  /** Currency-independent figures over every currency (counts, statuses, distinct merchants). */
  summary: SummaryResponse;
  /** Phase 2: failures per value of the breakdown's dimension, every currency. */
  failures?: FailuresResponse;
  /** Phase 2: the chart's series for the previous period (ghost line). */
  previousTimeseries?: TimeseriesResponse;
  /** Phase 2: why the chart could not be loaded (the KPIs stay). */
  chartError?: unknown;
  /**
   * Set when the chart's days are UTC+1 business days folded from hours: the series' bucket times
   * are on a clock shifted by this much (see charts/business-day.ts).
   */
  dayShiftMs?: number;
  /** Wallet success rate and failed counts over time (absent while it loads or for another type). */
  success?: SuccessData;
  successError?: unknown;
  /** Top merchants of the view (one row per merchant and currency). */
  topMerchants?: MerchantsResponse;
  merchantsError?: unknown;
  /** Phase 2 (absent while it loads): chart, breakdown and the per-minute baseline. */
  timeseries?: TimeseriesResponse;
  breakdown?: BreakdownResponse;
  baseline?: Baseline;
  /**
   * Totals of the range before the baseline window ([from, baseline.from); empty when the window
   * covers the range). With the baseline they give the additive KPIs from one consistent source.
   */
  older?: TotalsRow[];
}

export const figuresKey = (type: EventType | string, currency: string): string => `${type}|${currency}`;

function pointUnits(value: string | number): bigint {
  return typeof value === 'number' ? toUnits(value.toFixed(4)) : toUnits(value);
}

/** Builds the baseline from three minute series (count, volume, fees) over the same window. */
export function buildBaseline(
  from: number,
  to: number,
  count: TimeseriesResponse,
  volume: TimeseriesResponse,
  fees: TimeseriesResponse,
): Baseline {
  const buckets = new Map<number, Map<string, BucketFigures>>();
  const cell = (t: string, type: string, currency: string): BucketFigures => {
    const ms = Date.parse(t);
    let bucket = buckets.get(ms);
    if (!bucket) buckets.set(ms, (bucket = new Map()));
    const key = figuresKey(type, currency);
    let figures = bucket.get(key);
    if (!figures) bucket.set(key, (figures = { count: 0, volume: 0n, fees: 0n }));
    return figures;
  };
  for (const s of count.series) for (const p of s.points) cell(p.t, s.type, s.currency).count = Number(p.value);
  for (const s of volume.series) for (const p of s.points) cell(p.t, s.type, s.currency).volume = pointUnits(p.value ?? 0);
  for (const s of fees.series) for (const p of s.points) cell(p.t, s.type, s.currency).fees = pointUnits(p.value ?? 0);
  return { from, to, buckets };
}

/**
 * A series in the compact encoding (start, step, values: about a third of the bytes of the points
 * form for a long minute series), expanded here into the points form the rest of the dashboard reads.
 */
async function getTimeseries(api: ApiClient, params: object, signal?: AbortSignal): Promise<TimeseriesResponse> {
  return expandTimeseries(await api.get<CompactTimeseriesResponse>('/timeseries', { ...params, encoding: 'compact' }, signal));
}

/** The previous period of equal length, as the API computes it for `/overview`. */
export function previousRange(range: { from: string; to: string }): { from: string; to: string } {
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  return { from: new Date(from - (to - from)).toISOString(), to: range.from };
}

/** The success-rate chart's series (wallet transactions, every currency). */
export interface SuccessData {
  rate: TimeseriesResponse;
  failed?: TimeseriesResponse;
  previousFailed?: TimeseriesResponse;
}

/**
 * Fetches one view. Every request is sent at once, in the order the page needs the answers: the
 * KPIs (overview, summary), the chart's two series, the success-rate chart's, the merchants, then
 * the tables and the live baseline. An engine that serves one statement at a time (the local chdb
 * server) answers them in that order, and on AWS they run side by side; either way the charts no
 * longer wait for the KPIs' round trip. `onPartial` (after a filter change) renders the KPIs as
 * soon as they are in, then each chart as its series arrive, before the rest is complete.
 */
export async function fetchDashboard(
  api: ApiClient,
  filters: DashboardFilters,
  now: number,
  signal?: AbortSignal,
  onPartial?: (partial: DashboardData) => void,
): Promise<DashboardData> {
  const range = resolveRange(filters, now);
  const q = queryFilters(filters, range);
  const prev: QueryFilters = { ...q, ...previousRange(range) };
  const toMs = Date.parse(range.to);
  const baselineFrom = Math.max(Date.parse(range.from), toMs - BASELINE_MINUTES * 60_000);
  const baselineQ: QueryFilters = { ...q, from: new Date(baselineFrom).toISOString() };
  const minute = (metric: TimeseriesMetric) => getTimeseries(api, { ...baselineQ, metric, granularity: 'minute' }, signal);
  const olderQ: QueryFilters = { ...q, to: new Date(baselineFrom).toISOString() };
  // The chart's granularity is chosen here (never the API's minute default for a day), and a chart
  // request that fails leaves the KPIs and the breakdown on screen with the chart's own error.
  const span = toMs - Date.parse(range.from);
  const chosen = effectiveGranularity(filters.granularity, span);
  // UTC+1 days come from the hour rollup (when the range allows hourly points).
  const businessDays = chosen === 'day' && filters.tz === 'wat' && !granularityRefusal('hour', span);
  const granularity = businessDays ? 'hour' : chosen;
  const fold = (ts: TimeseriesResponse | undefined) => (ts && businessDays ? foldHoursIntoDays(ts, WAT_OFFSET_MS) : ts);
  const by = effectiveBy(filters);
  const soft = <T>(p: Promise<T>, errors: { error?: unknown }): Promise<T | undefined> =>
    p.catch((err: unknown) => {
      if (signal?.aborted) throw err;
      errors.error ??= err;
      return undefined;
    });
  const chartError: { error?: unknown } = {};
  const successError: { error?: unknown } = {};
  const merchantsError: { error?: unknown } = {};

  // Created in this order on purpose (the browser sends at most six at a time to one origin, in order).
  const overviewP = api.get<OverviewResponse>('/overview', q, signal);
  const summaryP = api.get<SummaryResponse>('/summary', q, signal);
  const currentSeries = soft(getTimeseries(api, { ...q, metric: filters.metric, granularity }, signal), chartError);
  const previousSeries = soft(getTimeseries(api, { ...prev, metric: filters.metric, granularity }, signal), chartError);
  // Only wallet transactions can fail: another type pinned has no success rate to draw.
  const walletOnly = !filters.type || filters.type === 'wallet_txn_created';
  const successP: Promise<SuccessData | undefined> = walletOnly
    ? Promise.all([
        soft(getTimeseries(api, { ...q, metric: 'success_rate', granularity }, signal), successError),
        soft(getTimeseries(api, { ...q, metric: 'failed', granularity }, signal), successError),
        soft(getTimeseries(api, { ...prev, metric: 'failed', granularity }, signal), successError),
      ]).then(([rate, failed, previousFailed]) =>
        rate ? { rate, ...(failed ? { failed } : {}), ...(previousFailed ? { previousFailed } : {}) } : undefined,
      )
    : Promise.resolve(undefined);
  // Ranking by volume needs the currency shown; by default that follows the overview.
  const merchantsP = soft(
    filters.msort === 'volume' && !filters.currency
      ? overviewP.then((o) => {
          const rows = currencyRows(o.totals, o.previous.totals);
          return api.get<MerchantsResponse>('/merchants', { ...q, ...merchantsQuery('volume', defaultCurrency(rows, filters)) }, signal);
        })
      : api.get<MerchantsResponse>('/merchants', { ...q, ...merchantsQuery(filters.msort, filters.currency) }, signal),
    merchantsError,
  );
  // By merchant there is no /breakdown dimension: the merchants table is the breakdown.
  const breakdownP: Promise<BreakdownResponse | undefined> =
    by === 'merchant'
      ? Promise.resolve(undefined)
      : api.get<BreakdownResponse>('/breakdown', { ...q, by, metric: 'volume', limit: '100' }, signal);
  const failuresP = api.get<FailuresResponse>('/failures', { ...q, by, limit: '100' }, signal);
  const rest = Promise.all([
    breakdownP,
    failuresP,
    minute('count'),
    minute('volume'),
    minute('fees'),
    baselineFrom > Date.parse(range.from)
      ? api.get<OverviewResponse>('/overview', olderQ, signal).then((o) => o.totals)
      : Promise.resolve([] as TotalsRow[]),
    api.get<BreakdownResponse>('/breakdown', { ...q, by: 'currency', metric: 'merchants', limit: '100' }, signal),
    api.get<BreakdownResponse>('/breakdown', { ...prev, by: 'currency', metric: 'merchants', limit: '100' }, signal),
  ]);
  // Rejected only on abort, possibly before anything awaits them.
  for (const p of [currentSeries, previousSeries, successP, merchantsP]) p.catch(() => undefined);
  // A failure of the rest ends the partial renders: it must not be covered up by a chart arriving
  // after it. It is reported only once the KPIs are settled (they stay on screen below it).
  let settled = false;
  const restSettled = rest.then(
    () => (settled = true),
    () => (settled = true),
  );
  const [overview, allCurrencies] = await Promise.all([overviewP, summaryP]);
  const noMerchants = (r: { from: string; to: string }): BreakdownResponse => ({ ...r, by: 'currency', metric: 'merchants', rows: [] });
  let view: DashboardData = {
    fetchedAt: now,
    range,
    room: roomForFilter(filters),
    overview,
    merchants: { current: noMerchants(q), previous: noMerchants(prev) },
    summary: allCurrencies,
  };
  const publish = (patch: Partial<DashboardData>) => {
    view = { ...view, ...patch };
    if (!settled && !signal?.aborted) onPartial?.(view);
  };
  // The KPIs show even when a later request has already failed (its error then comes after them).
  if (!signal?.aborted) onPartial?.(view);
  // The chart is drawn as soon as its own series is in; the previous period's ghost joins it after.
  const chartNow = currentSeries.then((t) => {
    const patch: Partial<DashboardData> = {
      ...(t ? { timeseries: fold(t)! } : {}),
      ...(businessDays ? { dayShiftMs: WAT_OFFSET_MS } : {}),
    };
    if (t) publish(patch);
    return patch;
  });
  const ghost = previousSeries.then((p) => {
    const patch: Partial<DashboardData> = p ? { previousTimeseries: fold(p)! } : {};
    if (p) publish(patch);
    return patch;
  });
  const charts = Promise.all([chartNow, ghost]).then(([a, b]) => {
    const patch: Partial<DashboardData> = { ...a, ...b, ...(chartError.error !== undefined ? { chartError: chartError.error } : {}) };
    if (chartError.error !== undefined) publish(patch);
    return patch;
  });
  const success = successP.then((sd) => {
    const patch: Partial<DashboardData> = {
      ...(sd ? { success: sd } : {}),
      ...(successError.error !== undefined ? { successError: successError.error } : {}),
    };
    publish(patch);
    return patch;
  });
  const merchants = merchantsP.then((m) => {
    const patch: Partial<DashboardData> = {
      ...(m ? { topMerchants: m } : {}),
      ...(merchantsError.error !== undefined ? { merchantsError: merchantsError.error } : {}),
    };
    publish(patch);
    return patch;
  });
  // Each chain is awaited below unless the view was abandoned (abort): then nothing may be left unobserved.
  for (const p of [charts, success, merchants]) p.catch(() => undefined);
  await restSettled;
  const [breakdown, failures, bCount, bVolume, bFees, older, merchantsNow, merchantsBefore] = await rest;
  const [chartPatch, successPatch, merchantsPatch] = await Promise.all([charts, success, merchants]);
  return {
    ...view,
    ...chartPatch,
    ...successPatch,
    ...merchantsPatch,
    merchants: { current: merchantsNow, previous: merchantsBefore },
    ...(breakdown ? { breakdown } : {}),
    failures,
    older,
    baseline: buildBaseline(baselineFrom, toMs, bCount, bVolume, bFees),
  };
}
