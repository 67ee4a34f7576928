// Query building. Table and column names come only from the fixed maps below; every value from a
// request reaches ClickHouse as a bound parameter ({name:Type} + query_params).
import type { BreakdownDimension, Granularity, Metric } from '../../../contracts/api.js';
import { scopeCountries, zoneCountries } from '../../../contracts/scope.js';
import { COUNTRIES } from '../../../contracts/geography.js';

const GEO_COUNTRIES = Object.keys(COUNTRIES);
const GEO_ZONES = GEO_COUNTRIES.map((c) => COUNTRIES[c]!.zone);
import type { Filters } from './params.js';
import type { Segment, TimeRange } from './time-range.js';

export const ROLLUP_TABLES: Readonly<Record<Granularity, string>> = {
  minute: 'analytics_agg_minute',
  hour: 'analytics_agg_hour',
  day: 'analytics_agg_day',
};

/**
 * The zone of a rollup row by the scope rule: its country's reference zone (bound arrays from
 * geography.ts); '' for a country outside the reference geography, which is in no zone (its
 * free-text zone column is not trusted, as in roomsOf).
 */
export const REFERENCE_ZONE_EXPRESSION = "transform(country, {geo_countries:Array(String)}, {geo_zones:Array(String)}, '')";

export const DIMENSION_COLUMNS: Readonly<Record<BreakdownDimension, string>> = {
  zone: REFERENCE_ZONE_EXPRESSION,
  country: 'country',
  city: 'city',
  type: 'type',
  currency: 'currency',
};

/** Aggregate expressions per metric over the rollup states. */
export const METRIC_EXPRESSIONS: Readonly<Record<Metric, string>> = {
  count: 'countMerge(events)',
  volume: 'sumMerge(volume)',
  fees: 'sumMerge(fees)',
  merchants: 'uniqExactMerge(merchants)',
};

export const SUCCEEDED_STATUS = 'succeeded';

export type Params = Record<string, unknown>;

export interface Where {
  clauses: string[];
  params: Params;
}

/**
 * Filter clauses for the rollups: the request's filters plus the token's zone scope, both by the
 * one scope rule (contracts/scope.ts): a zone means its reference countries, never the free-text
 * zone column, so REST sees exactly what the WebSocket rooms carry. `*` adds no scope clause.
 */
export function filterWhere(filters: Omit<Filters, 'range'>, scopeZones: readonly string[]): Where {
  const clauses: string[] = [];
  // Always bound: REFERENCE_ZONE_EXPRESSION may appear in the select list.
  const params: Params = { geo_countries: GEO_COUNTRIES, geo_zones: GEO_ZONES };
  const add = (column: string, name: string, value: string | undefined): void => {
    if (value === undefined) return;
    clauses.push(`${column} = {${name}:String}`);
    params[name] = value;
  };
  if (filters.zone !== undefined) {
    clauses.push('country IN {f_zone_countries:Array(String)}');
    params.f_zone_countries = zoneCountries(filters.zone);
  }
  add('country', 'f_country', filters.country);
  add('city', 'f_city', filters.city);
  add('currency', 'f_currency', filters.currency);
  add('type', 'f_type', filters.type);
  const countries = scopeCountries(scopeZones);
  if (countries !== undefined) {
    clauses.push('country IN {scope_countries:Array(String)}');
    params.scope_countries = countries;
  }
  return { clauses, params };
}

/** `bucket` within [from, to), bounds as bound epoch seconds. */
export function bucketRange(range: TimeRange, prefix: string, params: Params): string {
  params[`${prefix}_from`] = range.fromMs / 1000;
  params[`${prefix}_to`] = range.toMs / 1000;
  return `(bucket >= toDateTime({${prefix}_from:UInt32}, 'UTC') AND bucket < toDateTime({${prefix}_to:UInt32}, 'UTC'))`;
}

/**
 * One SELECT per rollup table over the segments it serves, glued with UNION ALL: the rows of all
 * three carry the same aggregate states, so the outer query merges them as one.
 * `columns` is the select list of each branch (fixed text from the callers).
 */
export function segmentsUnion(segments: Segment[], columns: string, where: Where, params: Params): string {
  const byTable = new Map<Granularity, Segment[]>();
  for (const s of segments) byTable.set(s.granularity, [...(byTable.get(s.granularity) ?? []), s]);
  const branches: string[] = [];
  let n = 0;
  for (const [granularity, list] of byTable) {
    const ranges = list.map((s) => bucketRange(s, `s${n++}`, params)).join(' OR ');
    const conditions = [`(${ranges})`, ...where.clauses].join(' AND ');
    branches.push(`SELECT ${columns} FROM ${ROLLUP_TABLES[granularity]} WHERE ${conditions}`);
  }
  return branches.join('\nUNION ALL\n');
}
