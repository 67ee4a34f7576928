// What one dashboard view holds after a REST fetch, and how it is fetched.
import {
  type BreakdownResponse,
  type CompactTimeseriesResponse,
  type EventType,
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
  /** Unique merchants per currency across event types (not additive over types), now and before. */
  merchants: { current: BreakdownResponse; previous: BreakdownResponse };
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
export function buildBaseline(from: number, to: number, count: TimeseriesResponse, volume: TimeseriesResponse, fees: TimeseriesResponse): Baseline {
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
  for (const s of volume.series) for (const p of s.points) cell(p.t, s.type, s.currency).volume = pointUnits(p.value);
  for (const s of fees.series) for (const p of s.points) cell(p.t, s.type, s.currency).fees = pointUnits(p.value);
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
 * Fetches one view in two phases: the KPI figures first (overview and unique merchants), then the
 * chart, the breakdown and the per-minute baseline. `onSummary` renders the KPIs as soon as phase 1
 * is in. Phase 2 starts after phase 1 on purpose: a query engine that runs requests one at a time
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
  const [overview, merchantsNow, merchantsBefore] = await Promise.all([
    api.get<OverviewResponse>('/overview', q, signal),
    api.get<BreakdownResponse>('/breakdown', { ...q, by: 'currency', metric: 'merchants', limit: '100' }, signal),
    api.get<BreakdownResponse>('/breakdown', { ...prev, by: 'currency', metric: 'merchants', limit: '100' }, signal),
  ]);
  const summary: DashboardData = {
    fetchedAt: now,
    range,
    room: roomForFilter(filters),
    overview,
    merchants: { current: merchantsNow, previous: merchantsBefore },
  };
  onSummary?.(summary);

  const toMs = Date.parse(range.to);
  const baselineFrom = Math.max(Date.parse(range.from), toMs - BASELINE_MINUTES * 60_000);
  const baselineQ: QueryFilters = { ...q, from: new Date(baselineFrom).toISOString() };
  const minute = (metric: Metric) => getTimeseries(api, { ...baselineQ, metric, granularity: 'minute' }, signal);
  // Without a currency filter every currency comes back and the view picks one: keep the limit high
  // enough that the chosen currency's rows are not cut off by other currencies.
  const limit = filters.currency ? '20' : '100';
  const olderQ: QueryFilters = { ...q, to: new Date(baselineFrom).toISOString() };
  const [timeseries, breakdown, bCount, bVolume, bFees, older] = await Promise.all([
    getTimeseries(api, { ...q, metric: filters.metric, ...(filters.granularity !== 'auto' ? { granularity: filters.granularity } : {}) }, signal),
    api.get<BreakdownResponse>('/breakdown', { ...q, by: filters.by, metric: 'volume', limit }, signal),
    minute('count'),
    minute('volume'),
    minute('fees'),
    baselineFrom > Date.parse(range.from) ? api.get<OverviewResponse>('/overview', olderQ, signal).then((o) => o.totals) : Promise.resolve([] as TotalsRow[]),
  ]);
  return { ...summary, timeseries, breakdown, older, baseline: buildBaseline(baselineFrom, toMs, bCount, bVolume, bFees) };
}
