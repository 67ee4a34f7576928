// Number, money and time formatting with Intl. Money arrives as exact decimal strings and is handed
// to Intl as a string (Intl.NumberFormat v3), so no float rounding happens before display; Intl knows
// each currency's minor units (XOF, XAF, GNF: none).

/** Below this magnitude values are shown in full; from it on, compact ("1,2 M F CFA"). */
export const COMPACT_FROM = 1_000_000;

const cache = new Map<string, Intl.NumberFormat>();
function nf(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    cache.set(key, f);
  }
  return f;
}

/** French-speaking by default: the browser's first French locale, else fr-FR. */
export function defaultLocale(languages: readonly string[] = typeof navigator === 'undefined' ? [] : (navigator.languages ?? [])): string {
  const fr = languages.find((l) => /^fr(-|$)/i.test(l));
  if (!fr) return 'fr-FR';
  try {
    return Intl.NumberFormat.supportedLocalesOf([fr])[0] ?? 'fr-FR';
  } catch {
    return 'fr-FR';
  }
}

function magnitude(value: string | number): number {
  return Math.abs(typeof value === 'number' ? value : Number(value));
}

export interface FormatOptions {
  /** Compact notation for large values (default true). */
  compact?: boolean;
}

/**
 * Currencies whose symbols collide or read alike ("F CFA" for XOF, "FCFA" for XAF): shown by ISO
 * code, so the two francs are never confused side by side.
 */
export const CODE_DISPLAY_CURRENCIES: ReadonlySet<string> = new Set(['XOF', 'XAF']);

/** Money in its currency: `formatMoney("1500.0000", "XOF", "fr-FR")` → "1 500 XOF". */
export function formatMoney(value: string | number, currency: string, locale: string, opts: FormatOptions = {}): string {
  const compact = (opts.compact ?? true) && magnitude(value) >= COMPACT_FROM;
  const display: Intl.NumberFormatOptions = CODE_DISPLAY_CURRENCIES.has(currency) ? { currencyDisplay: 'code' } : {};
  const options: Intl.NumberFormatOptions = compact
    ? { style: 'currency', currency, ...display, notation: 'compact', maximumFractionDigits: 1 }
    : { style: 'currency', currency, ...display };
  return nf(locale, options).format(value as Intl.StringNumericLiteral);
}

/** Integer counts: "12 345", compact from a million. */
export function formatCount(value: number, locale: string, opts: FormatOptions = {}): string {
  const compact = (opts.compact ?? true) && magnitude(value) >= COMPACT_FROM;
  return nf(locale, compact ? { notation: 'compact', maximumFractionDigits: 1 } : { maximumFractionDigits: 0 }).format(value);
}

/** A 0–1 ratio as a percentage: 0.9734 → "97,3 %". */
export function formatPercent(ratio: number, locale: string): string {
  return nf(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ratio);
}

/** Relative change between two values; undefined when there is no previous value to compare with. */
export function relativeChange(current: number, previous: number): number | undefined {
  if (!Number.isFinite(current) || !Number.isFinite(previous) || previous === 0) return undefined;
  return (current - previous) / Math.abs(previous);
}

/** "+12,3 %", "−4,0 %", "0,0 %"; "—" when there is nothing to compare with. */
export function formatChange(change: number | undefined, locale: string): string {
  if (change === undefined) return '—';
  return nf(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(change);
}

/** Change in percentage points between two ratios (success rate): "+1,2 pt". */
export function formatPointChange(current: number | null, previous: number | null, locale: string): string {
  if (current === null || previous === null) return '—';
  const points = (current - previous) * 100;
  return `${nf(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(points)} pt`;
}

/** Age of the newest data: "à l'instant", "12 s", "3 min", "2 h". */
export function formatAge(ms: number, locale: string): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const unit = (value: number, u: 'second' | 'minute' | 'hour') =>
    nf(locale, { style: 'unit', unit: u, unitDisplay: 'narrow', maximumFractionDigits: 0 }).format(value);
  if (s < 60) return unit(s, 'second');
  if (s < 3600) return unit(Math.floor(s / 60), 'minute');
  return unit(Math.floor(s / 3600), 'hour');
}

/** Time zone of displayed times: UTC, or the browser's own zone. */
export type DisplayZone = 'utc' | 'wat' | 'local';

/** The IANA zone for Intl (undefined = the browser's). West Africa Time has no daylight saving. */
export function intlZone(zone: DisplayZone): string | undefined {
  return zone === 'utc' ? 'UTC' : zone === 'wat' ? 'Africa/Lagos' : undefined;
}

/** "UTC" or the browser zone with its offset, e.g. "heure locale (Africa/Lagos, UTC+1)". */
export function zoneLabel(zone: DisplayZone, locale: string, at: number = Date.now()): string {
  if (zone === 'utc') return 'UTC';
  if (zone === 'wat') return 'UTC+1 (Afrique de l’Ouest et centrale)';
  const name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset =
    new Intl.DateTimeFormat(locale, { timeZoneName: 'shortOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `heure locale (${name}${offset ? `, ${offset.replace('GMT', 'UTC')}` : ''})`;
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();
/** One formatter per (locale, options): building one costs far more than formatting with it, and a chart formats every bucket. */
function dtf(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dtfCache.get(key);
  if (!f) dtfCache.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

/** Axis/table label of a bucket start for a granularity. */
export function formatBucket(iso: string, granularity: 'minute' | 'hour' | 'day', locale: string, zone: DisplayZone = 'utc'): string {
  const d = new Date(iso);
  const options: Intl.DateTimeFormatOptions =
    granularity === 'day'
      ? { day: '2-digit', month: 'short' }
      : granularity === 'hour'
        ? { day: '2-digit', hour: '2-digit', minute: '2-digit' }
        : { hour: '2-digit', minute: '2-digit' };
  return dtf(locale, { ...options, timeZone: intlZone(zone) }).format(d);
}

/** A date-time for range labels in the chosen zone. */
export function formatDateTime(iso: string, locale: string, zone: DisplayZone = 'utc'): string {
  return dtf(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: intlZone(zone) }).format(new Date(iso));
}
