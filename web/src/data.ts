// What one dashboard view holds after a REST fetch, and how it is fetched.
import {
  type BreakdownResponse,
  type EventType,
  type FailuresResponse,
  type MerchantsResponse,
  type SummaryResponse,
  type OverviewResponse,
  type TotalsRow,
  type TimeseriesResponse,
  roomForFilter,
  toUnits,
} from '../../contracts/index.js';
import type { ApiClient } from './api.js';
import { type SuccessData, startRequests } from './view-requests.js';

export { BASELINE_MINUTES, previousRange, type SuccessData } from './view-requests.js';
import type { DashboardFilters, ResolvedRange } from './filters.js';

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
 * Fetches one view (every request at once, see view-requests.ts): the charts no longer wait for the
 * KPIs' round trip. `onPartial` (after a filter change) renders the KPIs as soon as they are in,
 * then each chart and the merchants as they arrive, before the rest is complete.
 */
export async function fetchDashboard(
  api: ApiClient,
  filters: DashboardFilters,
  now: number,
  signal?: AbortSignal,
  onPartial?: (partial: DashboardData) => void,
): Promise<DashboardData> {
  const r = startRequests(api, filters, now, signal);
  // A failure of the rest ends the partial renders: it must not be covered up by a chart arriving
  // after it. It is reported only once the KPIs are settled (they stay on screen below it).
  let settled = false;
  const restSettled = r.rest.then(
    () => (settled = true),
    () => (settled = true),
  );
  const [overview, allCurrencies] = await Promise.all([r.overview, r.summary]);
  const noMerchants = (x: { from: string; to: string }): BreakdownResponse => ({ ...x, by: 'currency', metric: 'merchants', rows: [] });
  let view: DashboardData = {
    fetchedAt: now,
    range: r.range,
    room: roomForFilter(filters),
    overview,
    merchants: { current: noMerchants(r.q), previous: noMerchants(r.prev) },
    summary: allCurrencies,
  };
  const publish = (patch: Partial<DashboardData>) => {
    view = { ...view, ...patch };
    if (!settled && !signal?.aborted) onPartial?.(view);
  };
  // The KPIs show even when a later request has already failed (its error then comes after them).
  if (!signal?.aborted) onPartial?.(view);
  // Each patch is published as it arrives and kept for the complete view.
  const patchOf = <T>(p: Promise<T>, toPatch: (v: T) => Partial<DashboardData> | undefined): Promise<Partial<DashboardData>> => {
    const out = p.then((v) => {
      const patch = toPatch(v);
      if (patch) publish(patch);
      return patch ?? {};
    });
    out.catch(() => undefined);
    return out;
  };
  const shift = r.dayShiftMs !== undefined ? { dayShiftMs: r.dayShiftMs } : {};
  // The chart is drawn as soon as its own series is in; the previous period's ghost joins it after.
  const patches = [
    patchOf(r.currentSeries, (t) => (t ? { timeseries: r.fold(t), ...shift } : undefined)),
    patchOf(r.previousSeries, (p) => (p ? { previousTimeseries: r.fold(p) } : undefined)),
    patchOf(Promise.all([r.currentSeries, r.previousSeries]), () =>
      r.chartError.error !== undefined ? { chartError: r.chartError.error } : undefined,
    ),
    patchOf(r.success, (sd) => ({
      ...(sd ? { success: sd } : {}),
      ...(r.successError.error !== undefined ? { successError: r.successError.error } : {}),
    })),
    patchOf(r.merchants, (m) => ({
      ...(m ? { topMerchants: m } : {}),
      ...(r.merchantsError.error !== undefined ? { merchantsError: r.merchantsError.error } : {}),
    })),
  ];
  await restSettled;
  const [breakdown, failures, bCount, bVolume, bFees, older, merchantsNow, merchantsBefore] = await r.rest;
  const all = Object.assign({}, ...(await Promise.all(patches))) as Partial<DashboardData>;
  return {
    ...view,
    ...all,
    merchants: { current: merchantsNow, previous: merchantsBefore },
    ...(breakdown ? { breakdown } : {}),
    failures,
    older,
    baseline: buildBaseline(r.baselineFrom, r.toMs, bCount, bVolume, bFees),
  };
}
