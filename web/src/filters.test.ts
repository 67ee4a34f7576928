import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTERS,
  type DashboardFilters,
  parseFilters,
  queryFilters,
  resolveRange,
  serializeFilters,
  withChange,
} from './filters.js';
import { COUNTRY_PATTERN, CURRENCY_PATTERN, FIELD_MAX_LENGTH } from '../../contracts/fields.js';

describe('filters in the URL', () => {
  const cases: DashboardFilters[] = [
    DEFAULT_FILTERS,
    { ...DEFAULT_FILTERS, range: '15m' },
    { ...DEFAULT_FILTERS, tz: 'wat', by: 'type' },
    { ...DEFAULT_FILTERS, tz: 'local', by: 'currency' },
    { ...DEFAULT_FILTERS, range: '30d', granularity: 'day', metric: 'count', by: 'city' },
    { ...DEFAULT_FILTERS, range: 'custom', from: '2026-11-01T00:00:00.000Z', to: '2026-11-27T10:15:00.000Z' },
    { ...DEFAULT_FILTERS, range: '7d', zone: 'WAEMU' },
    { ...DEFAULT_FILTERS, range: '1h', zone: 'WAEMU', country: 'SN', city: 'Thiès', currency: 'XOF', type: 'wallet_txn_created' },
    { ...DEFAULT_FILTERS, zone: 'CEMAC', country: 'CM', city: 'Yaoundé', type: 'payout.settled', granularity: 'minute', metric: 'fees' },
    { ...DEFAULT_FILTERS, currency: 'GHS', type: 'invoice.paid', by: 'zone' },
  ];

  it.each(cases.map((c) => [serializeFilters(c), c] as const))('round-trips %s', (search, f) => {
    expect(parseFilters(search)).toEqual(f);
    // The serialized form is canonical: a second trip gives the same string.
    expect(serializeFilters(parseFilters(search))).toBe(search);
  });

  it('survives the URL itself (encoding of accents, colons and apostrophes)', () => {
    const f: DashboardFilters = {
      ...DEFAULT_FILTERS,
      zone: 'CEMAC',
      country: 'TD',
      city: "N'Djamena",
      range: 'custom',
      from: '2026-11-27T09:00:00.000Z',
      to: '2026-11-27T10:00:00.000Z',
    };
    const url = new URL(`https://dash.example/${serializeFilters(f)}`);
    expect(parseFilters(url.search)).toEqual(f);
  });

  it('carries the merchant level and ranking in the URL, unknown rankings falling back', () => {
    const f = parseFilters('?zone=WAEMU&country=SN&city=Dakar&by=merchant&msort=failed');
    expect(f).toMatchObject({ city: 'Dakar', by: 'merchant', msort: 'failed' });
    expect(serializeFilters(f)).toBe('?zone=WAEMU&country=SN&city=Dakar&by=merchant&msort=failed');
    expect(parseFilters('?msort=fees').msort).toBe('count');
    expect(serializeFilters({ ...f, msort: 'count' })).not.toContain('msort');
  });

  it('keeps defaults out of the URL', () => {
    expect(serializeFilters(DEFAULT_FILTERS)).toBe('');
  });

  it('falls back to defaults for unknown or inconsistent values', () => {
    expect(parseFilters('?range=2y&granularity=week&metric=merchants&by=planet&type=refund&currency=xof')).toEqual(DEFAULT_FILTERS);
    // A country outside the chosen zone is dropped, and with it the city.
    expect(parseFilters('?zone=CEMAC&country=SN&city=Dakar')).toEqual({ ...DEFAULT_FILTERS, zone: 'CEMAC' });
    // A country alone brings its zone.
    expect(parseFilters('?country=CI')).toEqual({ ...DEFAULT_FILTERS, zone: 'WAEMU', country: 'CI' });
    // A custom range needs from < to.
    expect(parseFilters('?range=custom&from=2026-11-27T10:00:00Z&to=2026-11-27T09:00:00Z')).toEqual(DEFAULT_FILTERS);
    expect(parseFilters('?range=custom&from=yesterday&to=2026-11-27T09:00:00Z')).toEqual(DEFAULT_FILTERS);
  });

  it('keeps the zone → country → city cascade consistent on change', () => {
    const f: DashboardFilters = { ...DEFAULT_FILTERS, zone: 'WAEMU', country: 'SN', city: 'Dakar' };
    expect(withChange(f, { zone: 'CEMAC' })).toEqual({ ...DEFAULT_FILTERS, zone: 'CEMAC' });
    expect(withChange(f, { country: 'CI' })).toEqual({ ...DEFAULT_FILTERS, zone: 'WAEMU', country: 'CI' });
    expect(withChange(f, { country: undefined })).toEqual({ ...DEFAULT_FILTERS, zone: 'WAEMU' });
    expect(withChange({ ...DEFAULT_FILTERS }, { country: 'GH' })).toEqual({ ...DEFAULT_FILTERS, zone: 'WAMZ', country: 'GH' });
    expect(withChange({ ...DEFAULT_FILTERS, range: 'custom', from: 'a', to: 'b' }, { range: '1h' })).toEqual({
      ...DEFAULT_FILTERS,
      range: '1h',
    });
  });
});

describe('resolveRange', () => {
  const now = Date.parse('2026-11-27T10:15:42.123Z');

  it('aligns presets to whole minutes, ending after the current minute', () => {
    expect(resolveRange({ ...DEFAULT_FILTERS, range: '15m' }, now)).toEqual({
      from: '2026-11-27T10:01:00.000Z',
      to: '2026-11-27T10:16:00.000Z',
      relative: true,
    });
    expect(resolveRange({ ...DEFAULT_FILTERS, range: '24h' }, now)).toEqual({
      from: '2026-11-26T10:16:00.000Z',
      to: '2026-11-27T10:16:00.000Z',
      relative: true,
    });
  });

  it('keeps a custom range as given and builds REST filters from it', () => {
    const f: DashboardFilters = {
      ...DEFAULT_FILTERS,
      range: 'custom',
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-02T00:00:00.000Z',
      country: 'SN',
      zone: 'WAEMU',
      type: 'invoice.paid',
    };
    const r = resolveRange(f, now);
    expect(r).toEqual({ from: f.from, to: f.to, relative: false });
    expect(queryFilters(f, r)).toEqual({ from: f.from, to: f.to, zone: 'WAEMU', country: 'SN', type: 'invoice.paid' });
    // The currency picks the money shown; it never narrows the counts.
    expect(queryFilters({ ...f, currency: 'XOF' }, r)).toEqual(queryFilters(f, r));
  });
});

describe('URL filters follow the contract (contracts/fields.ts)', () => {
  const city = (value: string) => parseFilters(`?country=SN&city=${encodeURIComponent(value)}`).city;

  it('keeps a city up to FIELD_MAX_LENGTH.city code points, as the REST API accepts it, and drops a longer one', () => {
    const max = FIELD_MAX_LENGTH.city;
    expect(city('😀'.repeat(max))).toBe('😀'.repeat(max));
    expect(city('x'.repeat(max))).toBe('x'.repeat(max));
    expect(city('x'.repeat(max + 1))).toBeUndefined();
    expect(city(`${'😀'.repeat(max)}x`)).toBeUndefined();
  });

  it('reads country and currency by the contract patterns', () => {
    for (const [value, ok] of [
      ['SN', true],
      ['sn', false],
      ['SEN', false],
    ] as const) {
      expect(parseFilters(`?country=${value}`).country !== undefined, value).toBe(ok && COUNTRY_PATTERN.test(value));
    }
    for (const [value, ok] of [
      ['XOF', true],
      ['XO', false],
      ['xof', false],
    ] as const) {
      expect(parseFilters(`?currency=${value}`).currency !== undefined, value).toBe(ok && CURRENCY_PATTERN.test(value));
    }
  });
});
