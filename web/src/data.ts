// What one dashboard view holds after a REST fetch, and how it is fetched.
import {
  type BreakdownResponse,
  type CompactTimeseriesResponse,
  type EventType,
  type FailuresResponse,
  type SummaryResponse,
  type Metric,
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

/**
 * Fetches one view in two phases: the KPI figures first (overview and the all-currency summary), then the
 * chart, the breakdown and the per-minute baseline. `onSummary` renders the KPIs as soon as phase 1
 * is in, and again with the chart as soon as its two series are (before the rest of phase 2). Phase 2 starts after phase 1 on purpose: a query engine that runs requests one at a time
 * (the local chdb server) then answers the KPIs first, and on AWS it costs the charts one round trip.
 */
export async function fetchDashboard(
  api: ApiClient,
  filters: DashboardFilters,
  now: number,
  signal?: AbortSignal,
  onSummary?: (summary: DashboardData) => void,
): Promise<DashboardData> {
  const range = resolveRange(filters, now);
  const q = queryFilters(filters, range);
  const prev: QueryFilters = { ...q, ...previousRange(range) };
  const [overview, allCurrencies] = await Promise.all([
    api.get<OverviewResponse>('/overview', q, signal),
    api.get<SummaryResponse>('/summary', q, signal),
  ]);
  const noMerchants = (r: { from: string; to: string }): BreakdownResponse => ({ ...r, by: 'currency', metric: 'merchants', rows: [] });
  const summary: DashboardData = {
    fetchedAt: now,
    range,
    room: roomForFilter(filters),
    overview,
    merchants: { current: noMerchants(q), previous: noMerchants(prev) },
    summary: allCurrencies,
  };
  onSummary?.(summary);

  const toMs = Date.parse(range.to);
  const baselineFrom = Math.max(Date.parse(range.from), toMs - BASELINE_MINUTES * 60_000);
  const baselineQ: QueryFilters = { ...q, from: new Date(baselineFrom).toISOString() };
  const minute = (metric: Metric) => getTimeseries(api, { ...baselineQ, metric, granularity: 'minute' }, signal);
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
  const chartError: { error?: unknown } = {};
  const chart = <T>(p: Promise<T>): Promise<T | undefined> =>
    p.catch((err: unknown) => {
      if (signal?.aborted) throw err;
      chartError.error ??= err;
      return undefined;
    });
  // The chart's two requests go first (a one-at-a-time engine answers in order); after a filter
  // change the chart is published as soon as they are in, before the rest of phase 2.
  const currentSeries = chart(getTimeseries(api, { ...q, metric: filters.metric, granularity }, signal));
  const previousSeries = chart(getTimeseries(api, { ...prev, metric: filters.metric, granularity }, signal));
  let complete = false;
  if (onSummary) {
    void Promise.all([currentSeries, previousSeries]).then(
      ([t, p]) => {
        if (complete || signal?.aborted || !t) return;
        onSummary({ ...summary, timeseries: fold(t)!, ...(p ? { previousTimeseries: fold(p)! } : {}) });
      },
      () => undefined,
    );
  }
  // Settled either way before the partial chart may publish: a phase-2 failure that comes back
  // first (a fast refusal) must not be covered up by the chart arriving after it.
  const rest = Promise.all([
    currentSeries,
    previousSeries,
    api.get<BreakdownResponse>('/breakdown', { ...q, by, metric: 'volume', limit: '100' }, signal),
    minute('count'),
    minute('volume'),
    minute('fees'),
    baselineFrom > Date.parse(range.from)
      ? api.get<OverviewResponse>('/overview', olderQ, signal).then((o) => o.totals)
      : Promise.resolve([] as TotalsRow[]),
    api.get<FailuresResponse>('/failures', { ...q, by, limit: '100' }, signal),
    api.get<BreakdownResponse>('/breakdown', { ...q, by: 'currency', metric: 'merchants', limit: '100' }, signal),
    api.get<BreakdownResponse>('/breakdown', { ...prev, by: 'currency', metric: 'merchants', limit: '100' }, signal),
  ]).finally(() => (complete = true));
  const [timeseries, previousTimeseries, breakdown, bCount, bVolume, bFees, older, failures, merchantsNow, merchantsBefore] = await rest;
  return {
    ...summary,
    ...(timeseries ? { timeseries: fold(timeseries) } : {}),
    ...(previousTimeseries ? { previousTimeseries: fold(previousTimeseries) } : {}),
    ...(businessDays ? { dayShiftMs: WAT_OFFSET_MS } : {}),
    ...(chartError.error !== undefined ? { chartError: chartError.error } : {}),
    merchants: { current: merchantsNow, previous: merchantsBefore },
    breakdown,
    failures,
    older,
    baseline: buildBaseline(baselineFrom, toMs, bCount, bVolume, bFees),
  };
}
