// Dashboard filters and their URL form. The query string is the single source of truth, so a view
// can be shared, reloaded and navigated with the back button.
import {
  COUNTRIES,
  COUNTRY_PATTERN,
  CURRENCY_PATTERN,
  EVENT_TYPES,
  FIELD_MAX_LENGTH,
  GRANULARITIES,
  MERCHANT_SORTS,
  ZONES,
  zoneOfCountry,
  type EventType,
  type Granularity,
  type MerchantSort,
  type QueryFilters,
  withinLength,
} from '../../contracts/index.js';

export const RANGE_PRESETS = ['15m', '1h', '24h', '7d', '30d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export type RangeChoice = RangePreset | 'custom';

export const PRESET_MS: Record<RangePreset, number> = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** Metrics the chart can plot; all additive per bucket, so live snapshots can update them. */
export const CHART_METRICS = ['volume', 'count', 'fees'] as const;
export type ChartMetric = (typeof CHART_METRICS)[number];

/** `merchant` is the last drill-down level (zone → country → city → merchant), served by /merchants. */
export const BREAKDOWN_BY = ['zone', 'country', 'city', 'merchant', 'type', 'currency'] as const;
export type BreakdownBy = (typeof BREAKDOWN_BY)[number];

export interface DashboardFilters {
  range: RangeChoice;
  /** Custom range only: ISO-8601 UTC. */
  from?: string;
  to?: string;
  zone?: string;
  country?: string;
  city?: string;
  currency?: string;
  type?: EventType;
  granularity: 'auto' | Granularity;
  metric: ChartMetric;
  by: BreakdownBy;
  /** What the merchants table ranks by (the API's `sort`). */
  msort: MerchantSort;
  /**
   * Time zone of displayed times: UTC, UTC+1 (West and Central Africa: NG, CM, NE, BJ… — day
   * buckets then follow that business day), or the browser's.
   */
  tz: 'utc' | 'wat' | 'local';
}

export const DEFAULT_FILTERS: DashboardFilters = {
  range: '24h',
  granularity: 'auto',
  metric: 'volume',
  by: 'country',
  msort: 'count',
  tz: 'utc',
};

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;
const includes = <T extends string>(list: readonly T[], v: string | null): v is T => v !== null && (list as readonly string[]).includes(v);

function isoOrUndefined(v: string | null): string | undefined {
  if (!v || !ISO.test(v) || Number.isNaN(Date.parse(v))) return undefined;
  return new Date(v).toISOString();
}

/**
 * Reads filters from a query string. Unknown or inconsistent values fall back to defaults (a shared
 * link with a typo still opens a working view): a country outside the chosen zone drops the
 * country, a city needs its country, a custom range needs from < to.
 */
export function parseFilters(search: string): DashboardFilters {
  const q = new URLSearchParams(search);
  const f: DashboardFilters = { ...DEFAULT_FILTERS };
  const range = q.get('range');
  if (includes(RANGE_PRESETS, range)) f.range = range;
  const from = isoOrUndefined(q.get('from'));
  const to = isoOrUndefined(q.get('to'));
  if ((range === 'custom' || (range === null && (from || to))) && from && to && Date.parse(from) < Date.parse(to)) {
    f.range = 'custom';
    f.from = from;
    f.to = to;
  }
  const zone = q.get('zone');
  if (zone && ZONES.includes(zone)) f.zone = zone;
  const country = q.get('country');
  if (country && COUNTRY_PATTERN.test(country)) {
    const z = zoneOfCountry(country);
    if (!f.zone || z === f.zone) {
      f.country = country;
      if (!f.zone && z) f.zone = z;
    }
  }
  const city = q.get('city');
  if (f.country && city && withinLength(city, FIELD_MAX_LENGTH.city)) f.city = city;
  const currency = q.get('currency');
  if (currency && CURRENCY_PATTERN.test(currency)) f.currency = currency;
  const type = q.get('type');
  if (includes(EVENT_TYPES, type)) f.type = type;
  const granularity = q.get('granularity');
  if (includes(GRANULARITIES, granularity)) f.granularity = granularity;
  const metric = q.get('metric');
  if (includes(CHART_METRICS, metric)) f.metric = metric;
  const by = q.get('by');
  if (includes(BREAKDOWN_BY, by)) f.by = by;
  const msort = q.get('msort');
  if (includes(MERCHANT_SORTS, msort)) f.msort = msort;
  const tz = q.get('tz');
  if (tz === 'local' || tz === 'wat') f.tz = tz;
  return f;
}

/** Canonical query string (fixed order, defaults omitted), starting with `?` or empty. */
export function serializeFilters(f: DashboardFilters): string {
  const q = new URLSearchParams();
  if (f.range === 'custom' && f.from && f.to) {
    q.set('range', 'custom');
    q.set('from', f.from);
    q.set('to', f.to);
  } else if (f.range !== DEFAULT_FILTERS.range && f.range !== 'custom') {
    q.set('range', f.range);
  }
  if (f.zone) q.set('zone', f.zone);
  if (f.country) q.set('country', f.country);
  if (f.country && f.city) q.set('city', f.city);
  if (f.currency) q.set('currency', f.currency);
  if (f.type) q.set('type', f.type);
  if (f.granularity !== DEFAULT_FILTERS.granularity) q.set('granularity', f.granularity);
  if (f.metric !== DEFAULT_FILTERS.metric) q.set('metric', f.metric);
  if (f.by !== DEFAULT_FILTERS.by) q.set('by', f.by);
  if (f.msort !== DEFAULT_FILTERS.msort) q.set('msort', f.msort);
  if (f.tz !== DEFAULT_FILTERS.tz) q.set('tz', f.tz);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface ResolvedRange {
  from: string;
  to: string;
  /** Relative ranges slide with time; live snapshots may extend them past `to` until the next refetch. */
  relative: boolean;
}

/**
 * The concrete range of a filter at `now`. Presets are aligned to whole minutes, ending at the end
 * of the current minute, so their bucket boundaries coincide with the minute snapshots.
 */
export function resolveRange(f: DashboardFilters, now: number): ResolvedRange {
  if (f.range === 'custom' && f.from && f.to) return { from: f.from, to: f.to, relative: false };
  const preset: RangePreset = f.range === 'custom' ? (DEFAULT_FILTERS.range as RangePreset) : f.range;
  const to = Math.floor(now / 60_000) * 60_000 + 60_000;
  return { from: new Date(to - PRESET_MS[preset]).toISOString(), to: new Date(to).toISOString(), relative: true };
}

/**
 * REST filters for a resolved range. The currency is a display choice (which money the KPIs and
 * charts show), not a filter: counts, merchants and the per-currency table cover every currency.
 */
export function queryFilters(f: DashboardFilters, range: ResolvedRange): QueryFilters {
  const q: QueryFilters = { from: range.from, to: range.to };
  if (f.zone) q.zone = f.zone;
  if (f.country) q.country = f.country;
  if (f.country && f.city) q.city = f.city;
  if (f.type) q.type = f.type;
  return q;
}

/** Cascade helpers for the zone → country → city selects. */
export function countryOptions(zone: string | undefined): string[] {
  return Object.entries(COUNTRIES)
    .filter(([, info]) => !zone || info.zone === zone)
    .map(([code]) => code)
    .sort();
}
export function cityOptions(country: string | undefined): readonly string[] {
  return (country && COUNTRIES[country]?.cities) || [];
}

/** Applies a change from one control, keeping the cascade consistent. */
export function withChange(f: DashboardFilters, change: Partial<DashboardFilters>): DashboardFilters {
  const next: DashboardFilters = { ...f, ...change };
  if ('zone' in change && change.zone !== f.zone) {
    if (next.country && zoneOfCountry(next.country) !== next.zone) delete next.country;
    delete next.city;
  }
  if ('country' in change && change.country !== f.country) {
    delete next.city;
    if (next.country) next.zone = zoneOfCountry(next.country) ?? next.zone;
  }
  for (const k of Object.keys(next) as Array<keyof DashboardFilters>) if (next[k] === undefined || next[k] === '') delete next[k];
  if (next.range !== 'custom') {
    delete next.from;
    delete next.to;
  }
  return next;
}
