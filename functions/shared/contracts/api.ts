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

export interface TimeseriesPoint {
  t: string;
  value: string | number;
}
export interface TimeseriesResponse {
  from: string;
  to: string;
  granularity: Granularity;
  metric: Metric;
  series: Array<{ type: EventType; currency: string; points: TimeseriesPoint[] }>;
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

export type ErrorCode = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'internal';
export interface ApiError {
  error: { code: ErrorCode; message: string; parameter?: string };
}
