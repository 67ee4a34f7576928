// REST API under /api/analytics: request parameters, response shapes and the error shape.
import type { EventType } from './event.js';

export const API_BASE = '/api/analytics';

/**
 * The request header carrying the Molam ID token (`Bearer <jwt>`) to the REST API. Not
 * `Authorization`: CloudFront signs its requests to the function URLs (origin access control,
 * SigV4) and overwrites that header. It is part of the CloudFront cache key, since answers depend
 * on the token's zone scope.
 */
export const AUTH_HEADER = 'X-Molam-Authorization';

/** Request headers presenting a token to the REST API. */
export function bearerHeaders(token: string): Record<string, string> {
  return { [AUTH_HEADER]: `Bearer ${token}` };
}

export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** Metrics of /breakdown (and the first four of /timeseries). */
export const METRICS = ['count', 'volume', 'fees', 'merchants'] as const;
export type Metric = (typeof METRICS)[number];

/**
 * Metrics of /timeseries: the breakdown's, plus `failed` (failed events per bucket) and
 * `success_rate` (succeeded / all wallet transactions per bucket, 0–1; null for a bucket without
 * any, and only wallet_txn_created series are returned for it, the one type that can fail).
 */
export const TIMESERIES_METRICS = [...METRICS, 'failed', 'success_rate'] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

export const BREAKDOWN_DIMENSIONS = ['zone', 'country', 'city', 'type', 'currency'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** Filters shared by every query route. */
export interface QueryFilters {
  from: string;
  to: string;
  zone?: string;
  country?: string;
  city?: string;
  currency?: string;
  type?: EventType;
}

export interface TotalsRow {
  type: EventType;
  currency: string;
  count: number;
  volume: string;
  fees: string;
  avg_ticket: string;
  merchants: number;
  /** Wallet transactions only: share of succeeded among all, 0–1; null for other types. */
  success_rate: number | null;
}

export interface OverviewResponse {
  from: string;
  to: string;
  totals: TotalsRow[];
  /** Same figures for the previous period of equal length. */
  previous: { from: string; to: string; totals: TotalsRow[] };
}

/** How /timeseries lays out its series: one {t, value} object per bucket, or start + step + values. */
export const TIMESERIES_ENCODINGS = ['points', 'compact'] as const;
export type TimeseriesEncoding = (typeof TIMESERIES_ENCODINGS)[number];

/** A decimal string (volume, fees), a count, a 0–1 share, or null (success_rate without wallet transactions). */
export type TimeseriesValue = string | number | null;

export interface TimeseriesPoint {
  t: string;
  value: TimeseriesValue;
}
/** The default encoding (`encoding=points`). */
export interface TimeseriesResponse {
  from: string;
  to: string;
  granularity: Granularity;
  metric: TimeseriesMetric;
  series: Array<{ type: EventType; currency: string; points: TimeseriesPoint[] }>;
}
/**
 * `encoding=compact`: the same buckets without a key and a timestamp per point. values[i] is the
 * bucket starting at start + i × step_ms; a long minute series is about a third of the size.
 */
export interface CompactTimeseriesResponse {
  from: string;
  to: string;
  granularity: Granularity;
  metric: TimeseriesMetric;
  encoding: 'compact';
  series: Array<{ type: EventType; currency: string; start: string; step_ms: number; values: TimeseriesValue[] }>;
}

/** The points form of a compact answer (what the dashboard's charts and live merge consume). */
export function expandTimeseries(compact: CompactTimeseriesResponse): TimeseriesResponse {
  const { from, to, granularity, metric } = compact;
  return {
    from,
    to,
    granularity,
    metric,
    series: compact.series.map(({ type, currency, start, step_ms, values }) => {
      const t0 = Date.parse(start);
      return { type, currency, points: values.map((value, i) => ({ t: new Date(t0 + i * step_ms).toISOString(), value })) };
    }),
  };
}

export interface BreakdownRow {
  key: string;
  currency: string;
  count: number;
  volume: string;
  fees: string;
  merchants: number;
}
export interface BreakdownResponse {
  from: string;
  to: string;
  by: BreakdownDimension;
  metric: Metric;
  rows: BreakdownRow[];
}

/** /merchants: what the rows are ordered by (largest first; ties by merchant_id, then currency). */
export const MERCHANT_SORTS = ['count', 'volume', 'failed'] as const;
export type MerchantSort = (typeof MERCHANT_SORTS)[number];

/**
 * One merchant in one currency (money is never summed across currencies, so a merchant paid in
 * two currencies is two rows). Figures are exact over the effective range; `previous_*` are the
 * same merchant and currency over the period of equal length just before it.
 */
export interface MerchantRow {
  merchant_id: string;
  currency: string;
  count: number;
  failed: number;
  pending: number;
  /** failed / count, 0–1. */
  failed_share: number;
  volume: string;
  fees: string;
  /** count / total_count: this row's share of every event in the filtered scope, 0–1. */
  share: number;
  previous_count: number;
  /** Decimal string in the row's currency ("0.0000" when the merchant had none). */
  previous_volume: string;
}

export interface MerchantsResponse {
  from: string;
  to: string;
  sort: MerchantSort;
  /** The top `limit` (merchant, currency) rows, largest `sort` first. */
  rows: MerchantRow[];
  /** Every event in the filtered scope (all merchants and, without a currency filter, all currencies): share's denominator. */
  total_count: number;
  /** Distinct merchants in the filtered scope (exact). */
  total_merchants: number;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  clickhouse: 'ok' | 'unreachable';
  time: string;
}

export type ErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'internal';
export interface ApiError {
  error: { code: ErrorCode; message: string; parameter?: string };
}
