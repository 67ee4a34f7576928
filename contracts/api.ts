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

export const METRICS = ['count', 'volume', 'fees', 'merchants'] as const;
export type Metric = (typeof METRICS)[number];

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

export interface TimeseriesPoint {
  t: string;
  value: string | number;
}
/** The default encoding (`encoding=points`). */
export interface TimeseriesResponse {
  from: string;
  to: string;
  granularity: Granularity;
  metric: Metric;
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
  metric: Metric;
  encoding: 'compact';
  series: Array<{ type: EventType; currency: string; start: string; step_ms: number; values: Array<string | number> }>;
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

export interface HealthResponse {
  status: 'ok' | 'degraded';
  clickhouse: 'ok' | 'unreachable';
  time: string;
}

/** Every `error.code` the API answers with (the OpenAPI document publishes this list). */
export const ERROR_CODES = ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export interface ApiError {
  error: { code: ErrorCode; message: string; parameter?: string };
}
