// The OpenAPI 3.1 document of the query API: written out by hand (not generated from the
// validator) so test/api-openapi.test.ts can hold the two against each other in both directions.
// Enum values come from the shared contracts so a new metric cannot be documented differently.
import {
  API_BASE,
  AUTH_HEADER,
  BREAKDOWN_DIMENSIONS,
  GRANULARITIES,
  MERCHANT_SORTS,
  METRICS,
  TIMESERIES_ENCODINGS,
  TIMESERIES_METRICS,
} from '../shared/contracts/api.js';
import { FAILURE_DIMENSIONS } from '../shared/contracts/api-summary.js';
import { EVENT_TYPES } from '../shared/contracts/event.js';
import { LIMITS, PARAMETER_PATTERNS } from './lib/params.js';
import { MAX_POINTS, MAX_RANGE_DAYS } from './lib/time-range.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const ok = (schema: string, description: string) => ({
  description,
  headers: {
    'Cache-Control': {
      description:
        'public, max-age=0, s-maxage=10: CloudFront keeps the answer 10 s (the token header is in its cache key), browsers revalidate.',
      schema: { type: 'string' },
    },
  },
  content: { 'application/json': { schema: ref(schema) } },
});
/**
 * The refusals no per-parameter schema can express (they relate two parameters): a request valid
 * against every parameter's schema gets a 400 only for these.
 */
export const CROSS_PARAMETER_RULES = [
  '`to` not later than `from` (`error.parameter` = `to`)',
  `a range over ${MAX_RANGE_DAYS} days (\`from\`)`,
] as const;
const POINT_CAP_RULE = `/timeseries: more than ${MAX_POINTS} points per series for the granularity (\`granularity\`; the message names the largest range)`;
const badRequestError = (rules: readonly string[]) =>
  error(
    'A parameter is invalid, unknown, repeated or missing; `error.parameter` names it. A request whose every parameter matches its schema is refused only for: ' +
      rules.join('; ') +
      '.',
  );
const queryErrors = {
  '400': badRequestError(CROSS_PARAMETER_RULES),
  '401': error('Missing or invalid bearer token; the message gives the reason.'),
  '403': error("The zone filter is outside the token's `zones` scope."),
  '500': error('Internal error (details are in the function logs only).'),
};
const filters = ['from', 'to', 'zone', 'country', 'city', 'currency', 'type'].map(param);

const decimal = { type: 'string', pattern: '^[0-9]+\\.[0-9]{4}$', description: "Exact decimal, 4 fraction digits, in the row's currency." };
const timestamp = { type: 'string', format: 'date-time' };
const eventType = { type: 'string', enum: [...EVENT_TYPES] };
const seriesValue = {
  oneOf: [{ type: ['number', 'null'] }, decimal],
  description:
    'Integer for count/failed/merchants, decimal string for volume/fees, a 0-1 number for success_rate (null: no wallet transaction in the bucket).',
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Molam Analytics query API',
    version: '1.0.0',
    description: [
      'Aggregates of payment events (wallet transactions, settled payouts, paid invoices) from the ClickHouse rollups.',
      '',
      'Time ranges: a request covers [from, to). Rollups hold whole buckets, so the range is widened to the buckets it touches:',
      '`from` is floored and `to` ceiled to the minute (/overview, /breakdown) or to the granularity (/timeseries).',
      'Responses echo the effective `from` and `to`; every figure is exact over that range. Without `from`/`to` the range is the',
      'last 24 hours; with only one of them, the other is 24 hours away (or now). Ranges are limited to 400 days.',
      '',
      'Scope: the token\'s `zones` claim limits every answer to the countries of those zones in the reference geography (`["*"]` = all, including other countries); a `zone` filter outside it is a 403.',
      'Money is a decimal string per currency, never summed across currencies.',
    ].join('\n'),
  },
  servers: [{ url: '/' }],
  security: [{ bearerAuth: [] }],
  paths: {
    [`${API_BASE}/overview`]: {
      get: {
        operationId: 'getOverview',
        summary: 'Totals per (type, currency) for the range and the previous period of equal length',
        parameters: filters,
        responses: { '200': ok('OverviewResponse', 'Totals'), ...queryErrors },
      },
    },
    [`${API_BASE}/timeseries`]: {
      get: {
        operationId: 'getTimeseries',
        summary: 'Zero-filled series per (type, currency)',
        parameters: [...filters, param('granularity'), param('timeseriesMetric'), param('encoding')],
        responses: {
          '200': ok('TimeseriesResponse', 'Series'),
          ...queryErrors,
          '400': badRequestError([...CROSS_PARAMETER_RULES, POINT_CAP_RULE]),
        },
      },
    },
    [`${API_BASE}/breakdown`]: {
      get: {
        operationId: 'getBreakdown',
        summary: 'Figures per dimension value and currency, largest first',
        parameters: [...filters, param('by'), param('metric'), param('limit')],
        responses: { '200': ok('BreakdownResponse', 'Rows'), ...queryErrors },
      },
    },
    [`${API_BASE}/summary`]: {
      get: {
        operationId: 'getSummary',
        summary:
          'Currency-independent figures (events, statuses, distinct merchants over every currency) for the range and the previous period',
        parameters: filters,
        responses: { '200': ok('SummaryResponse', 'Figures'), ...queryErrors },
      },
    },
    [`${API_BASE}/failures`]: {
      get: {
        operationId: 'getFailures',
        summary: 'Failed and pending counts per dimension value over every currency, most failures first',
        parameters: [...filters, param('failureBy'), param('limit')],
        responses: { '200': ok('FailuresResponse', 'Rows'), ...queryErrors },
      },
    },
    [`${API_BASE}/merchants`]: {
      get: {
        operationId: 'getMerchants',
        summary:
          'Top merchants per (merchant, currency): counts, failures, money, share of the scope and the previous period, largest `sort` first',
        description:
          'Whole hours and days come from the merchant rollups, edge minutes from the raw events, which are kept 90 days: a range starting more than 89 days before now is aligned to whole hours instead of minutes (the response echoes it). The same holds for /failures?by=merchant.',
        parameters: [...filters, param('limit'), param('sort')],
        responses: { '200': ok('MerchantsResponse', 'Rows'), ...queryErrors },
      },
    },
    [`${API_BASE}/health`]: {
      get: {
        operationId: 'getHealth',
        summary: 'ClickHouse reachability (no authentication)',
        security: [],
        responses: {
          '200': { description: 'Healthy', content: { 'application/json': { schema: ref('HealthResponse') } } },
          '400': error('Query parameters are not accepted.'),
          '503': { description: 'ClickHouse unreachable', content: { 'application/json': { schema: ref('HealthResponse') } } },
        },
      },
    },
    [`${API_BASE}/openapi.json`]: {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document (no authentication)',
        security: [],
        responses: {
          '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } },
          '400': error('Query parameters are not accepted.'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      // Not the http/bearer scheme: that one means the Authorization header, which CloudFront's
      // origin access control overwrites with its own signature.
      bearerAuth: {
        type: 'apiKey',
        in: 'header',
        name: AUTH_HEADER,
        description: `Molam ID token (RS256/ES256) with a \`zones\` claim, sent as \`${AUTH_HEADER}: Bearer <jwt>\`.`,
      },
    },
    parameters: {
      from: {
        name: 'from',
        in: 'query',
        required: false,
        description:
          'Start, inclusive: ISO-8601 date or date-time with offset (floored to the bucket). A `+` offset is sent URL-encoded (%2B).',
        schema: {
          type: 'string',
          maxLength: LIMITS.timestampMaxLength,
          pattern: PARAMETER_PATTERNS.timestamp,
          examples: ['2026-11-27T00:00:00Z'],
        },
      },
      to: {
        name: 'to',
        in: 'query',
        required: false,
        description: `End, exclusive: ISO-8601 date or date-time with offset (ceiled to the bucket). Later than \`from\`, at most ${MAX_RANGE_DAYS} days after it.`,
        schema: {
          type: 'string',
          maxLength: LIMITS.timestampMaxLength,
          pattern: PARAMETER_PATTERNS.timestamp,
          examples: ['2026-11-28T00:00:00Z'],
        },
      },
      zone: {
        name: 'zone',
        in: 'query',
        required: false,
        description:
          'Monetary zone, e.g. WAEMU (its reference countries); must be in the token scope. Length in code points; no control characters or surrounding white space.',
        schema: { type: 'string', minLength: 1, maxLength: LIMITS.zoneMaxLength, pattern: PARAMETER_PATTERNS.name },
      },
      country: {
        name: 'country',
        in: 'query',
        required: false,
        description: 'ISO-3166 alpha-2 country.',
        schema: { type: 'string', pattern: PARAMETER_PATTERNS.country },
      },
      city: {
        name: 'city',
        in: 'query',
        required: false,
        description: 'City name. Length in code points; no control characters or surrounding white space.',
        schema: { type: 'string', minLength: 1, maxLength: LIMITS.cityMaxLength, pattern: PARAMETER_PATTERNS.name },
      },
      currency: {
        name: 'currency',
        in: 'query',
        required: false,
        description: 'ISO-4217 currency.',
        schema: { type: 'string', pattern: PARAMETER_PATTERNS.currency },
      },
      type: { name: 'type', in: 'query', required: false, description: 'Event type.', schema: eventType },
      granularity: {
        name: 'granularity',
        in: 'query',
        required: false,
        description: `Bucket size and rollup table. Default: minute up to 24 h, hour up to 60 days, day beyond. At most ${MAX_POINTS} points per series (minute: ${MAX_POINTS / 60} hours, hour: ${MAX_POINTS / 24} days); more is a 400 naming the largest range.`,
        schema: { type: 'string', enum: [...GRANULARITIES] },
      },
      metric: {
        name: 'metric',
        in: 'query',
        required: false,
        description: 'Measure (default count); volume and fees are decimal strings.',
        schema: { type: 'string', enum: [...METRICS], default: 'count' },
      },
      timeseriesMetric: {
        name: 'metric',
        in: 'query',
        required: false,
        description:
          'Measure (default count); volume and fees are decimal strings; `failed`: failed events per bucket; `success_rate`: succeeded / all wallet transactions per bucket, 0-1, null for a bucket without any (only wallet_txn_created series are returned).',
        schema: { type: 'string', enum: [...TIMESERIES_METRICS], default: 'count' },
      },
      sort: {
        name: 'sort',
        in: 'query',
        required: false,
        description:
          'Order of /merchants rows, largest first (default count): `count`, `volume` (nominal amounts, so comparable within one currency: use with a `currency` filter) or `failed`; ties by merchant_id, then currency.',
        schema: { type: 'string', enum: [...MERCHANT_SORTS], default: 'count' },
      },
      encoding: {
        name: 'encoding',
        in: 'query',
        required: false,
        description:
          'Series layout. `points` (default): one `{t, value}` per bucket. `compact`: per series a `start`, a `step_ms` and a `values` array (values[i] is the bucket at start + i × step_ms), the same buckets at about a third of the size.',
        schema: { type: 'string', enum: [...TIMESERIES_ENCODINGS], default: 'points' },
      },
      by: {
        name: 'by',
        in: 'query',
        required: true,
        description: 'Dimension of the breakdown.',
        schema: { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] },
      },
      failureBy: {
        name: 'by',
        in: 'query',
        required: true,
        description: 'Dimension the failures are counted by; `merchant`: the key is the merchant_id (see /merchants for its alignment).',
        schema: { type: 'string', enum: [...FAILURE_DIMENSIONS] },
      },
      limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Rows returned (default 10).',
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', enum: ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'internal'] },
              message: { type: 'string' },
              parameter: { type: 'string', description: 'The offending parameter (400 only).' },
            },
          },
        },
      },
      TotalsRow: {
        type: 'object',
        required: ['type', 'currency', 'count', 'volume', 'fees', 'avg_ticket', 'merchants', 'success_rate'],
        properties: {
          type: eventType,
          currency: { type: 'string' },
          count: { type: 'integer' },
          volume: decimal,
          fees: decimal,
          avg_ticket: { ...decimal, description: 'volume / count, rounded half-up to 4 digits.' },
          merchants: { type: 'integer', description: 'Distinct merchants (exact).' },
          success_rate: { type: ['number', 'null'], description: 'wallet_txn_created: succeeded / all, 0-1; null for other types.' },
        },
      },
      Totals: {
        type: 'object',
        required: ['from', 'to', 'totals'],
        properties: { from: timestamp, to: timestamp, totals: { type: 'array', items: ref('TotalsRow') } },
      },
      OverviewResponse: {
        type: 'object',
        required: ['from', 'to', 'totals', 'previous'],
        properties: {
          from: { ...timestamp, description: 'Effective start (floored to the minute).' },
          to: { ...timestamp, description: 'Effective end, exclusive (ceiled to the minute).' },
          totals: { type: 'array', items: ref('TotalsRow') },
          previous: { ...ref('Totals'), description: 'The period of equal length just before `from`.' },
        },
      },
      TimeseriesResponse: {
        description: '`encoding=points` (default) or `encoding=compact`: the same buckets, two layouts.',
        oneOf: [ref('TimeseriesPoints'), ref('TimeseriesCompact')],
      },
      TimeseriesCompact: {
        type: 'object',
        required: ['from', 'to', 'granularity', 'metric', 'encoding', 'series'],
        properties: {
          from: timestamp,
          to: timestamp,
          granularity: { type: 'string', enum: [...GRANULARITIES] },
          metric: { type: 'string', enum: [...TIMESERIES_METRICS] },
          encoding: { type: 'string', enum: ['compact'] },
          series: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'currency', 'start', 'step_ms', 'values'],
              properties: {
                type: eventType,
                currency: { type: 'string' },
                start: { ...timestamp, description: 'Start of the first bucket (= `from`).' },
                step_ms: { type: 'integer', description: 'Bucket size in milliseconds (60000, 3600000 or 86400000).' },
                values: {
                  type: 'array',
                  description:
                    'One value per bucket from `from` to `to`, empty buckets zero: values[i] is the bucket starting at start + i × step_ms.',
                  items: seriesValue,
                },
              },
            },
          },
        },
      },
      TimeseriesPoints: {
        type: 'object',
        required: ['from', 'to', 'granularity', 'metric', 'series'],
        properties: {
          from: timestamp,
          to: timestamp,
          granularity: { type: 'string', enum: [...GRANULARITIES] },
          metric: { type: 'string', enum: [...TIMESERIES_METRICS] },
          series: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'currency', 'points'],
              properties: {
                type: eventType,
                currency: { type: 'string' },
                points: {
                  type: 'array',
                  description: 'Every bucket from `from` to `to`, empty ones with zero.',
                  items: {
                    type: 'object',
                    required: ['t', 'value'],
                    properties: {
                      t: { ...timestamp, description: 'Bucket start, UTC.' },
                      value: seriesValue,
                    },
                  },
                },
              },
            },
          },
        },
      },
      BreakdownRow: {
        type: 'object',
        required: ['key', 'currency', 'count', 'volume', 'fees', 'merchants'],
        properties: {
          key: { type: 'string', description: 'Value of the `by` dimension.' },
          currency: { type: 'string' },
          count: { type: 'integer' },
          volume: decimal,
          fees: decimal,
          merchants: { type: 'integer' },
        },
      },
      BreakdownResponse: {
        type: 'object',
        required: ['from', 'to', 'by', 'metric', 'rows'],
        properties: {
          from: timestamp,
          to: timestamp,
          by: { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] },
          metric: { type: 'string', enum: [...METRICS] },
          rows: { type: 'array', items: ref('BreakdownRow'), description: 'Largest first by `metric`, then key and currency.' },
        },
      },
      SummaryFigures: {
        type: 'object',
        required: ['count', 'succeeded', 'failed', 'pending', 'merchants', 'wallet_count', 'success_rate'],
        properties: {
          count: { type: 'integer', description: 'Events of every type and currency.' },
          succeeded: { type: 'integer' },
          failed: { type: 'integer' },
          pending: { type: 'integer' },
          merchants: {
            type: 'integer',
            description: 'Distinct merchants across every currency (exact; not the sum of per-currency figures).',
          },
          wallet_count: { type: 'integer', description: 'wallet_txn_created events (the only type with failures).' },
          success_rate: {
            type: ['number', 'null'],
            description: 'Succeeded wallet transactions / all wallet transactions, 0-1; null without any.',
          },
        },
      },
      SummaryResponse: {
        type: 'object',
        required: ['from', 'to', 'current', 'previous'],
        properties: {
          from: { ...timestamp, description: 'Effective start (floored to the minute).' },
          to: { ...timestamp, description: 'Effective end, exclusive (ceiled to the minute).' },
          current: ref('SummaryFigures'),
          previous: {
            description: 'The period of equal length just before `from`.',
            type: 'object',
            required: ['from', 'to', 'count', 'succeeded', 'failed', 'pending', 'merchants', 'wallet_count', 'success_rate'],
            properties: {
              from: timestamp,
              to: timestamp,
              count: { type: 'integer' },
              succeeded: { type: 'integer' },
              failed: { type: 'integer' },
              pending: { type: 'integer' },
              merchants: { type: 'integer' },
              wallet_count: { type: 'integer' },
              success_rate: { type: ['number', 'null'] },
            },
          },
        },
      },
      FailureRow: {
        type: 'object',
        required: ['key', 'count', 'failed', 'pending', 'failed_share'],
        properties: {
          key: { type: 'string', description: 'Value of the `by` dimension.' },
          count: { type: 'integer', description: 'Events of every currency.' },
          failed: { type: 'integer' },
          pending: { type: 'integer' },
          failed_share: { type: 'number', description: 'failed / count, 0-1.' },
        },
      },
      FailuresResponse: {
        type: 'object',
        required: ['from', 'to', 'by', 'rows'],
        properties: {
          from: timestamp,
          to: timestamp,
          by: { type: 'string', enum: [...FAILURE_DIMENSIONS] },
          rows: { type: 'array', items: ref('FailureRow'), description: 'Most failed first, then key.' },
        },
      },
      MerchantRow: {
        type: 'object',
        required: [
          'merchant_id',
          'currency',
          'count',
          'failed',
          'pending',
          'failed_share',
          'volume',
          'fees',
          'share',
          'previous_count',
          'previous_volume',
        ],
        properties: {
          merchant_id: { type: 'string' },
          currency: {
            type: 'string',
            description: 'A merchant paid in two currencies is two rows: money is never summed across currencies.',
          },
          count: { type: 'integer' },
          failed: { type: 'integer' },
          pending: { type: 'integer' },
          failed_share: { type: 'number', description: 'failed / count, 0-1.' },
          volume: decimal,
          fees: decimal,
          share: { type: 'number', description: 'count / total_count, 0-1.' },
          previous_count: { type: 'integer', description: 'The same merchant and currency over the previous period of equal length.' },
          previous_volume: decimal,
        },
      },
      MerchantsResponse: {
        type: 'object',
        required: ['from', 'to', 'sort', 'rows', 'total_count', 'total_merchants'],
        properties: {
          from: { ...timestamp, description: 'Effective start (floored to the minute, or the hour past 89 days ago).' },
          to: { ...timestamp, description: 'Effective end, exclusive (ceiled likewise).' },
          sort: { type: 'string', enum: [...MERCHANT_SORTS] },
          rows: { type: 'array', items: ref('MerchantRow'), description: 'The top `limit` rows with events in the range.' },
          total_count: {
            type: 'integer',
            description:
              'Every event in the filtered scope, all merchants (and all currencies unless `currency` is given): the denominator of `share`.',
          },
          total_merchants: { type: 'integer', description: 'Distinct merchants in the filtered scope (exact).' },
        },
      },
      HealthResponse: {
        type: 'object',
        required: ['status', 'clickhouse', 'time'],
        properties: {
          status: { type: 'string', enum: ['ok', 'degraded'] },
          clickhouse: { type: 'string', enum: ['ok', 'unreachable'] },
          time: timestamp,
        },
      },
    },
  },
} as const;
