import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS } from '../filters.js';
import { liveUnavailableReason, scopeCountries, scopeOf, scopedFilters, zonesFromToken } from './zones.js';

const jwt = (payload: object) => `h.${btoa(JSON.stringify(payload)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.s`;

describe('zone scope', () => {
  it('reads the zones claim and tolerates junk', () => {
    expect(zonesFromToken(jwt({ zones: ['WAEMU'], sub: 'é?>>' }))).toEqual(['WAEMU']);
    expect(zonesFromToken(jwt({ zones: ['*'] }))).toEqual(['*']);
    expect(zonesFromToken(jwt({}))).toEqual([]);
    expect(zonesFromToken('nonsense')).toEqual([]);
    expect(zonesFromToken('a.%%%.b')).toEqual([]);
  });

  it('a one-zone holder defaults to that zone and cannot leave it', () => {
    const s = scopeOf(['WAEMU']);
    expect(s).toEqual({ all: false, zones: ['WAEMU'] });
    expect(scopedFilters(DEFAULT_FILTERS, s)).toEqual({ ...DEFAULT_FILTERS, zone: 'WAEMU' });
    expect(scopedFilters({ ...DEFAULT_FILTERS, zone: 'CEMAC', country: 'CM' }, s)).toEqual({ ...DEFAULT_FILTERS, zone: 'WAEMU' });
    expect(scopedFilters({ ...DEFAULT_FILTERS, zone: 'WAEMU', country: 'SN' }, s)).toEqual({
      ...DEFAULT_FILTERS,
      zone: 'WAEMU',
      country: 'SN',
    });
    expect(scopeCountries(s).has('SN')).toBe(true);
    expect(scopeCountries(s).has('CM')).toBe(false);
    expect(liveUnavailableReason(scopedFilters(DEFAULT_FILTERS, s), s)).toBeUndefined();
  });

  it('several zones: all of them by default, live needs one zone; * changes nothing', () => {
    const s = scopeOf(['WAMZ', 'CEMAC', 'ATLANTIS']);
    expect(s.zones).toEqual(['CEMAC', 'WAMZ']);
    expect(scopedFilters(DEFAULT_FILTERS, s)).toEqual(DEFAULT_FILTERS);
    expect(liveUnavailableReason(DEFAULT_FILTERS, s)).toMatch(/zone/);
    const all = scopeOf(['*']);
    expect(all.all).toBe(true);
    expect(scopedFilters({ ...DEFAULT_FILTERS, zone: 'CEMAC' }, all)).toEqual({ ...DEFAULT_FILTERS, zone: 'CEMAC' });
    expect(liveUnavailableReason(DEFAULT_FILTERS, all)).toBeUndefined();
  });
});
