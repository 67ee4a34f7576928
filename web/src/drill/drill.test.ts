import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS, withChange } from '../filters.js';
import { breadcrumbs, countryLabel, drillChange, effectiveBy } from './drill.js';

describe('drill-down', () => {
  it('steps the breakdown down as filters pin a level', () => {
    expect(effectiveBy({ ...DEFAULT_FILTERS, by: 'zone' })).toBe('zone');
    expect(effectiveBy({ ...DEFAULT_FILTERS, by: 'zone', zone: 'WAEMU' })).toBe('country');
    expect(effectiveBy({ ...DEFAULT_FILTERS, by: 'country', zone: 'WAEMU', country: 'SN' })).toBe('city');
    expect(effectiveBy({ ...DEFAULT_FILTERS, by: 'country', zone: 'WAEMU', country: 'SN', city: 'Dakar' })).toBe('merchant');
    expect(effectiveBy({ ...DEFAULT_FILTERS, by: 'merchant' })).toBe('merchant');
    expect(effectiveBy({ ...DEFAULT_FILTERS, by: 'type', type: 'invoice.paid' })).toBe('currency');
  });

  it('a click filters one level down, consistent with the cascade', () => {
    let f = withChange({ ...DEFAULT_FILTERS, by: 'zone' }, drillChange('zone', 'WAEMU'));
    expect(f).toMatchObject({ zone: 'WAEMU', by: 'country' });
    f = withChange(f, drillChange('country', 'SN'));
    expect(f).toMatchObject({ zone: 'WAEMU', country: 'SN', by: 'city' });
    f = withChange(f, drillChange('city', 'Dakar'));
    expect(f).toMatchObject({ city: 'Dakar', by: 'merchant' });
    expect(effectiveBy(f)).toBe('merchant');
    // Merchants are the last level: a merchant row changes nothing.
    expect(withChange(f, drillChange('merchant', 'm-1'))).toEqual(f);
    expect(withChange(DEFAULT_FILTERS, drillChange('country', 'GH'))).toMatchObject({ zone: 'WAMZ', country: 'GH' });
  });

  it('breadcrumbs lead back up; the last one is the current level', () => {
    const f = { ...DEFAULT_FILTERS, zone: 'WAEMU', country: 'SN', city: 'Dakar' };
    const crumbs = breadcrumbs(f, (c) => c);
    expect(crumbs.map((c) => c.label)).toEqual(['Toutes les zones', 'WAEMU', 'SN', 'Dakar']);
    expect(crumbs[3]!.change).toBeUndefined();
    // The country crumb goes back up from Dakar's merchants to SN's cities.
    expect(withChange(f, crumbs[2]!.change!)).toMatchObject({ country: 'SN', by: 'city' });
    expect(withChange(f, crumbs[2]!.change!).city).toBeUndefined();
    expect(withChange(f, crumbs[1]!.change!)).toMatchObject({ zone: 'WAEMU', by: 'country' });
    expect(withChange(f, crumbs[1]!.change!).country).toBeUndefined();
  });

  it('names countries in French next to their code', () => {
    expect(countryLabel('SN', 'fr-FR')).toBe('Sénégal (SN)');
    expect(countryLabel('CI', 'fr-FR')).toBe('Côte d’Ivoire (CI)');
  });
});
