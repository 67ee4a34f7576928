// The REST API's route table: each route's path, whether it needs a token, the query parameters it
// accepts (and which it requires), and the OpenAPI fragments these generate: the parameter objects
// carry the validator's own limits and patterns, each operation its id and summary. The function
// catalog, the handlers' routes and auth flag, the parameter whitelist and the OpenAPI document
// derive from it, so adding a route or changing a limit is one edit here.
import { API_BASE, BREAKDOWN_DIMENSIONS, GRANULARITIES, MERCHANT_SORTS, METRICS, TIMESERIES_ENCODINGS, TIMESERIES_METRICS } from './api.js';
import { FAILURE_DIMENSIONS } from './api-summary.js';
import { EVENT_TYPES } from './event.js';
import { COUNTRY_PATTERN_SOURCE, CURRENCY_PATTERN_SOURCE, FIELD_MAX_LENGTH } from './fields.js';

/** Largest requested range, any route. */
export const MAX_RANGE_DAYS = 400;
/** Points per series a timeseries may return. */
export const MAX_POINTS = 1500;

export const REST_LIMITS = {
  zoneMaxLength: FIELD_MAX_LENGTH.zone,
  cityMaxLength: FIELD_MAX_LENGTH.city,
  timestampMaxLength: 40,
  breakdownLimitDefault: 10,
  breakdownLimitMax: 100,
} as const;

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
  country: COUNTRY_PATTERN_SOURCE,
  currency: CURRENCY_PATTERN_SOURCE,
  /** zone/city: no control characters, no leading or trailing white space (what trim() removes). */
  name: `^${NOT_SPACE_OR_CONTROL}(?:${NOT_CONTROL}*${NOT_SPACE_OR_CONTROL})?$`,
} as const;

/** An OpenAPI 3.1 query parameter object (the subset this API uses). */
export interface QueryParameter {
  name: string;
  in: 'query';
  required: boolean;
  description: string;
  schema: Record<string, unknown>;
}

const query = (name: string, description: string, schema: Record<string, unknown>, required = false): QueryParameter => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});

/** Every query parameter, keyed by its OpenAPI component name (`failureBy` is /failures' `by`). */
export const QUERY_PARAMETERS = {
  from: query(
    'from',
    'Start, inclusive: ISO-8601 date or date-time with offset (floored to the bucket). A `+` offset is sent URL-encoded (%2B).',
    {
      type: 'string',
      maxLength: REST_LIMITS.timestampMaxLength,
      pattern: PARAMETER_PATTERNS.timestamp,
      examples: ['2026-11-27T00:00:00Z'],
    },
  ),
  to: query(
    'to',
    `End, exclusive: ISO-8601 date or date-time with offset (ceiled to the bucket). Later than \`from\`, at most ${MAX_RANGE_DAYS} days after it.`,
    {
      type: 'string',
      maxLength: REST_LIMITS.timestampMaxLength,
      pattern: PARAMETER_PATTERNS.timestamp,
      examples: ['2026-11-28T00:00:00Z'],
    },
  ),
  zone: query(
    'zone',
    'Monetary zone, e.g. WAEMU (its reference countries); must be in the token scope. Length in code points; no control characters or surrounding white space.',
    { type: 'string', minLength: 1, maxLength: REST_LIMITS.zoneMaxLength, pattern: PARAMETER_PATTERNS.name },
  ),
  country: query('country', 'ISO-3166 alpha-2 country.', { type: 'string', pattern: PARAMETER_PATTERNS.country }),
  city: query('city', 'City name. Length in code points; no control characters or surrounding white space.', {
    type: 'string',
    minLength: 1,
    maxLength: REST_LIMITS.cityMaxLength,
    pattern: PARAMETER_PATTERNS.name,
  }),
  currency: query('currency', 'ISO-4217 currency.', { type: 'string', pattern: PARAMETER_PATTERNS.currency }),
  type: query('type', 'Event type.', { type: 'string', enum: [...EVENT_TYPES] }),
  granularity: query(
    'granularity',
    `Bucket size and rollup table. Default: minute up to 24 h, hour up to 60 days, day beyond. At most ${MAX_POINTS} points per series (minute: ${MAX_POINTS / 60} hours, hour: ${MAX_POINTS / 24} days); more is a 400 naming the largest range.`,
    { type: 'string', enum: [...GRANULARITIES] },
  ),
  metric: query('metric', 'Measure (default count); volume and fees are decimal strings.', {
    type: 'string',
    enum: [...METRICS],
    default: 'count',
  }),
  timeseriesMetric: query(
    'metric',
    'Measure (default count); volume and fees are decimal strings; `failed`: failed events per bucket; `success_rate`: succeeded / all wallet transactions per bucket, 0-1, null for a bucket without any (only wallet_txn_created series are returned).',
    { type: 'string', enum: [...TIMESERIES_METRICS], default: 'count' },
  ),
  sort: query(
    'sort',
    'Order of /merchants rows, largest first (default count): `count`, `volume` (nominal amounts, so comparable within one currency: use with a `currency` filter) or `failed`; ties by merchant_id, then currency.',
    { type: 'string', enum: [...MERCHANT_SORTS], default: 'count' },
  ),
  encoding: query(
    'encoding',
    'Series layout. `points` (default): one `{t, value}` per bucket. `compact`: per series a `start`, a `step_ms` and a `values` array (values[i] is the bucket at start + i × step_ms), the same buckets at about a third of the size.',
    { type: 'string', enum: [...TIMESERIES_ENCODINGS], default: 'points' },
  ),
  by: query('by', 'Dimension of the breakdown.', { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] }, true),
  failureBy: query(
    'by',
    'Dimension the failures are counted by; `merchant`: the key is the merchant_id (see /merchants for its alignment).',
    { type: 'string', enum: [...FAILURE_DIMENSIONS] },
    true,
  ),
  limit: query(`limit`, `Rows returned (default ${REST_LIMITS.breakdownLimitDefault}).`, {
    type: 'integer',
    minimum: 1,
    maximum: REST_LIMITS.breakdownLimitMax,
    default: REST_LIMITS.breakdownLimitDefault,
  }),
} as const satisfies Record<string, QueryParameter>;
export type ParameterKey = keyof typeof QUERY_PARAMETERS;

/** The filters every query route shares. */
export const FILTER_PARAMETERS = ['from', 'to', 'zone', 'country', 'city', 'currency', 'type'] as const satisfies readonly ParameterKey[];
export type FilterParameter = (typeof FILTER_PARAMETERS)[number];

export interface RestRoute {
  path: string;
  /** Whether the route verifies a bearer token (and the document lists the bearer scheme). */
  auth: boolean;
  parameters: readonly ParameterKey[];
  operationId: string;
  summary: string;
  /** Longer OpenAPI description, where the summary is not enough. */
  description?: string;
}

export const REST_ROUTES = {
  overview: {
    path: `${API_BASE}/overview`,
    auth: true,
    parameters: FILTER_PARAMETERS,
    operationId: 'getOverview',
    summary: 'Totals per (type, currency) for the range and the previous period of equal length',
  },
  timeseries: {
    path: `${API_BASE}/timeseries`,
    auth: true,
    parameters: [...FILTER_PARAMETERS, 'granularity', 'timeseriesMetric', 'encoding'],
    operationId: 'getTimeseries',
    summary: 'Zero-filled series per (type, currency)',
  },
  breakdown: {
    path: `${API_BASE}/breakdown`,
    auth: true,
    parameters: [...FILTER_PARAMETERS, 'by', 'metric', 'limit'],
    operationId: 'getBreakdown',
    summary: 'Figures per dimension value and currency, largest first',
  },
  summary: {
    path: `${API_BASE}/summary`,
    auth: true,
    parameters: FILTER_PARAMETERS,
    operationId: 'getSummary',
    summary:
      'Currency-independent figures (events, statuses, distinct merchants over every currency) for the range and the previous period',
  },
  failures: {
    path: `${API_BASE}/failures`,
    auth: true,
    parameters: [...FILTER_PARAMETERS, 'failureBy', 'limit'],
    operationId: 'getFailures',
    summary: 'Failed and pending counts per dimension value over every currency, most failures first',
  },
  merchants: {
    path: `${API_BASE}/merchants`,
    auth: true,
    parameters: [...FILTER_PARAMETERS, 'limit', 'sort'],
    operationId: 'getMerchants',
    summary:
      'Top merchants per (merchant, currency): counts, failures, money, share of the scope and the previous period, largest `sort` first',
    description:
      'Whole hours and days come from the merchant rollups, edge minutes from the raw events, which are kept 90 days: a range starting more than 89 days before now is aligned to whole hours instead of minutes (the response echoes it). The same holds for /failures?by=merchant.',
  },
  health: {
    path: `${API_BASE}/health`,
    auth: false,
    parameters: [],
    operationId: 'getHealth',
    summary: 'ClickHouse reachability (no authentication)',
  },
  openapi: {
    path: `${API_BASE}/openapi.json`,
    auth: false,
    parameters: [],
    operationId: 'getOpenApi',
    summary: 'This document (no authentication)',
  },
} as const satisfies Record<string, RestRoute>;
export type RouteKey = keyof typeof REST_ROUTES;
export const ROUTE_KEYS = Object.keys(REST_ROUTES) as RouteKey[];

/** The parameter names a route accepts (anything else is a 400). */
export function acceptedParameters(route: RouteKey): string[] {
  return REST_ROUTES[route].parameters.map((k) => QUERY_PARAMETERS[k].name);
}

/** The parameter names a route cannot do without. */
export function requiredParameters(route: RouteKey): string[] {
  return REST_ROUTES[route].parameters.filter((k) => QUERY_PARAMETERS[k].required).map((k) => QUERY_PARAMETERS[k].name);
}
