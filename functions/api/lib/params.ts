// Request parameters: which route accepts which, and their validation. Every rule answers 400
// naming the parameter. The lists are exported so the OpenAPI test can hold the document to them.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  API_BASE,
  BREAKDOWN_DIMENSIONS,
  GRANULARITIES,
  MERCHANT_SORTS,
  METRICS,
  TIMESERIES_ENCODINGS,
  TIMESERIES_METRICS,
  type BreakdownDimension,
  type Granularity,
  type MerchantSort,
  type Metric,
  type TimeseriesEncoding,
  type TimeseriesMetric,
} from '../../shared/contracts/api.js';
import { FAILURE_DIMENSIONS, type FailureDimension } from '../../shared/contracts/api-summary.js';
import { EVENT_TYPES, type EventType } from '../../shared/contracts/event.js';
import { badRequest } from './errors.js';
import { DEFAULT_RANGE_MS, MAX_RANGE_DAYS, MAX_RANGE_MS, MAX_TIME_MS, MIN_TIME_MS, type TimeRange } from './time-range.js';

export const FILTER_PARAMETERS = ['from', 'to', 'zone', 'country', 'city', 'currency', 'type'] as const;
export type FilterParameter = (typeof FILTER_PARAMETERS)[number];

export const ROUTES = {
  overview: `${API_BASE}/overview`,
  timeseries: `${API_BASE}/timeseries`,
  breakdown: `${API_BASE}/breakdown`,
  summary: `${API_BASE}/summary`,
  failures: `${API_BASE}/failures`,
  merchants: `${API_BASE}/merchants`,
  health: `${API_BASE}/health`,
  openapi: `${API_BASE}/openapi.json`,
} as const;

/** Every query parameter each route accepts; anything else is a 400. */
export const ROUTE_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  [ROUTES.overview]: [...FILTER_PARAMETERS],
  [ROUTES.timeseries]: [...FILTER_PARAMETERS, 'granularity', 'metric', 'encoding'],
  [ROUTES.breakdown]: [...FILTER_PARAMETERS, 'by', 'metric', 'limit'],
  [ROUTES.summary]: [...FILTER_PARAMETERS],
  [ROUTES.failures]: [...FILTER_PARAMETERS, 'by', 'limit'],
  [ROUTES.merchants]: [...FILTER_PARAMETERS, 'limit', 'sort'],
  [ROUTES.health]: [],
  [ROUTES.openapi]: [],
};

/** Parameters a route cannot do without. */
export const REQUIRED_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  [ROUTES.breakdown]: ['by'],
  [ROUTES.failures]: ['by'],
};

export const LIMITS = {
  zoneMaxLength: 32,
  cityMaxLength: 64,
  timestampMaxLength: 40,
  breakdownLimitDefault: 10,
  breakdownLimitMax: 100,
} as const;

export interface Filters {
  range: TimeRange;
  zone?: string;
  country?: string;
  city?: string;
  currency?: string;
  type?: EventType;
}

/**
 * The query string as name -> value. Read from rawQueryString so a repeated name (which payload
 * 2.0 would silently join with commas) is caught; names outside `allowed` are refused.
 */
export function readQuery(
  event: Pick<APIGatewayProxyEventV2, 'rawQueryString' | 'queryStringParameters'>,
  allowed: readonly string[],
): Map<string, string> {
  const entries: Array<[string, string]> =
    event.rawQueryString !== undefined
      ? [...new URLSearchParams(event.rawQueryString)]
      : Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v ?? '']);
  const out = new Map<string, string>();
  for (const [name, value] of entries) {
    if (!allowed.includes(name)) {
      const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
      throw badRequest(name, `unknown parameter ${JSON.stringify(shown)}; accepted: ${allowed.join(', ') || 'none'}`);
    }
    if (out.has(name)) throw badRequest(name, `parameter ${name} is given more than once`);
    out.set(name, value);
  }
  return out;
}

export function requireParameters(query: Map<string, string>, route: string): void {
  for (const name of REQUIRED_PARAMETERS[route] ?? []) {
    if (!query.has(name)) throw badRequest(name, `parameter ${name} is required`);
  }
}

// Patterns of the query parameters, as JSON Schema (ECMA-262, `u` flag) patterns: the OpenAPI
// document publishes these strings, the validator tests the same ones.
const NOT_CONTROL = '[^\\u0000-\\u001f\\u007f]';
const NOT_SPACE_OR_CONTROL = '[^\\s\\u0000-\\u001f\\u007f]';
const YEAR = '(?:200[1-9]|20[1-9][0-9])';
const LEAP_YEAR = '(?:20(?:0[48]|[2468][048]|[13579][26]))';
const MONTH_DAY = '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))';
const TIME = '(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,9})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]))?';
export const PARAMETER_PATTERNS = {
  /**
   * from/to: a real calendar date 2001-2099 (so no offset can move it outside 2000-2100), optional
   * time with an explicit offset. The validator also accepts 2000 and 2100-01-01; the pattern is
   * the part every request can rely on.
   */
  timestamp: `^(?:${YEAR}-${MONTH_DAY}|${LEAP_YEAR}-02-29)${TIME}$`,
  country: '^[A-Z]{2}$',
  currency: '^[A-Z]{3}$',
  /** zone/city: no control characters, no leading or trailing white space (what trim() removes). */
  name: `^${NOT_SPACE_OR_CONTROL}(?:${NOT_CONTROL}*${NOT_SPACE_OR_CONTROL})?$`,
} as const;
const NAME_RE = new RegExp(PARAMETER_PATTERNS.name, 'u');

// Date, or date-time with seconds/fraction optional and an explicit offset (Z or ±hh:mm): a
// time without an offset would depend on the caller's zone, so it is refused.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Parses an ISO-8601 timestamp (see TIMESTAMP) to epoch ms; undefined when it is not one. */
export function parseTimestamp(value: string): number | undefined {
  if (value.length > LIMITS.timestampMaxLength) return undefined;
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', offset = 'Z'] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.slice(0, 3).padEnd(3, '0')));
  if (new Date(local).getUTCDate() !== day) return undefined; // 2026-02-30 and friends
  let offsetMs = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3)),
      om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMs = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return local - offsetMs;
}

function timestampParam(query: Map<string, string>, name: 'from' | 'to'): number | undefined {
  const value = query.get(name);
  if (value === undefined) return undefined;
  const ms = parseTimestamp(value);
  if (ms === undefined) {
    const hint = / /.test(value) ? " (a '+' offset must be sent URL-encoded as %2B)" : '';
    throw badRequest(name, `${name} must be an ISO-8601 date or date-time with offset, e.g. 2026-11-27 or 2026-11-27T10:15:00Z${hint}`);
  }
  if (ms < MIN_TIME_MS || ms > MAX_TIME_MS) throw badRequest(name, `${name} must be between 2000-01-01 and 2100-01-01`);
  return ms;
}

/** The requested range: defaults to the last 24 h, or 24 h before `to` / from `from` to now. */
export function rangeParam(query: Map<string, string>, now: number): TimeRange {
  const from = timestampParam(query, 'from');
  const to = timestampParam(query, 'to');
  const toMs = to ?? (from !== undefined ? Math.max(now, from) : now);
  const fromMs = from ?? toMs - DEFAULT_RANGE_MS;
  if (!(fromMs < toMs)) throw badRequest('to', 'to must be later than from');
  if (toMs - fromMs > MAX_RANGE_MS) throw badRequest('from', `the range from..to must not exceed ${MAX_RANGE_DAYS} days`);
  return { fromMs, toMs };
}

/** Length as JSON Schema's minLength/maxLength count it: in code points, not UTF-16 units. */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function nameParam(query: Map<string, string>, name: 'zone' | 'city', maxLength: number): string | undefined {
  const value = query.get(name);
  if (value === undefined) return undefined;
  const length = codePointLength(value);
  if (length < 1 || length > maxLength) throw badRequest(name, `${name} must be 1-${maxLength} characters`);
  if (!NAME_RE.test(value)) throw badRequest(name, `${name} must not contain control characters or surrounding spaces`);
  return value;
}

function patternParam(query: Map<string, string>, name: string, pattern: RegExp, rule: string): string | undefined {
  const value = query.get(name);
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw badRequest(name, `${name} must be ${rule}`);
  return value;
}

export function enumParam<T extends string>(query: Map<string, string>, name: string, values: readonly T[]): T | undefined {
  const value = query.get(name);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) throw badRequest(name, `${name} must be one of ${values.join(', ')}`);
  return value as T;
}

export function filtersParam(query: Map<string, string>, now: number): Filters {
  const filters: Filters = { range: rangeParam(query, now) };
  const zone = nameParam(query, 'zone', LIMITS.zoneMaxLength);
  const country = patternParam(
    query,
    'country',
    new RegExp(PARAMETER_PATTERNS.country, 'u'),
    'an ISO-3166 alpha-2 code (2 upper-case letters)',
  );
  const city = nameParam(query, 'city', LIMITS.cityMaxLength);
  const currency = patternParam(query, 'currency', new RegExp(PARAMETER_PATTERNS.currency, 'u'), 'an ISO-4217 code (3 upper-case letters)');
  const type = enumParam(query, 'type', EVENT_TYPES);
  if (zone !== undefined) filters.zone = zone;
  if (country !== undefined) filters.country = country;
  if (city !== undefined) filters.city = city;
  if (currency !== undefined) filters.currency = currency;
  if (type !== undefined) filters.type = type;
  return filters;
}

export function granularityParam(query: Map<string, string>): Granularity | undefined {
  return enumParam(query, 'granularity', GRANULARITIES);
}

export function encodingParam(query: Map<string, string>): TimeseriesEncoding {
  return enumParam(query, 'encoding', TIMESERIES_ENCODINGS) ?? 'points';
}

export function metricParam(query: Map<string, string>): Metric {
  return enumParam(query, 'metric', METRICS) ?? 'count';
}

export function timeseriesMetricParam(query: Map<string, string>): TimeseriesMetric {
  return enumParam(query, 'metric', TIMESERIES_METRICS) ?? 'count';
}

export function merchantSortParam(query: Map<string, string>): MerchantSort {
  return enumParam(query, 'sort', MERCHANT_SORTS) ?? 'count';
}

export function byParam(query: Map<string, string>): BreakdownDimension {
  const by = enumParam(query, 'by', BREAKDOWN_DIMENSIONS);
  if (by === undefined) throw badRequest('by', 'parameter by is required');
  return by;
}

export function failureByParam(query: Map<string, string>): FailureDimension {
  const by = enumParam(query, 'by', FAILURE_DIMENSIONS);
  if (by === undefined) throw badRequest('by', 'parameter by is required');
  return by;
}

export function limitParam(query: Map<string, string>): number {
  const value = query.get('limit');
  if (value === undefined) return LIMITS.breakdownLimitDefault;
  const n = /^[0-9]{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= LIMITS.breakdownLimitMax))
    throw badRequest('limit', `limit must be an integer from 1 to ${LIMITS.breakdownLimitMax}`);
  return n;
}
