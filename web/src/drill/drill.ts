// Drill-down: a click on a breakdown row filters one level down (zone → country → city → merchant),
// the breakdown steps down with it, and breadcrumbs lead back up. Merchants are the last level: the
// API has no merchant filter, so a merchant row leads nowhere further.
import type { EventType } from '../../../contracts/index.js';
import type { BreakdownBy, DashboardFilters } from '../filters.js';

/** The dimension the breakdown shows: never one that the filters already pin to one value. */
export function effectiveBy(f: DashboardFilters): BreakdownBy {
  let by = f.by;
  if (by === 'zone' && f.zone) by = 'country';
  if (by === 'country' && f.country) by = 'city';
  if (by === 'city' && f.city) by = 'merchant';
  if (by === 'type' && f.type) by = 'currency';
  if (by === 'currency' && f.currency) by = 'type';
  return by;
}

/** The filter change a click on row `key` of a breakdown by `by` makes. */
export function drillChange(by: BreakdownBy, key: string): Partial<DashboardFilters> {
  switch (by) {
    case 'zone':
      return { zone: key, by: 'country' };
    case 'country':
      return { country: key, by: 'city' };
    case 'city':
      return { city: key, by: 'merchant' };
    case 'merchant':
      return {};
    case 'type':
      return { type: key as EventType };
    case 'currency':
      return { currency: key };
  }
}

export interface Crumb {
  label: string;
  /** The change that goes back to this level; undefined for the current level. */
  change?: Partial<DashboardFilters>;
}

/** "Toutes les zones › WAEMU › Sénégal (SN) › Dakar" (Dakar's merchants are the level below it). */
export function breadcrumbs(f: DashboardFilters, countryLabel: (code: string) => string): Crumb[] {
  const crumbs: Crumb[] = [{ label: 'Toutes les zones', change: { zone: undefined, country: undefined, city: undefined, by: 'zone' } }];
  if (f.zone) crumbs.push({ label: f.zone, change: { country: undefined, city: undefined, by: 'country' } });
  if (f.country) crumbs.push({ label: countryLabel(f.country), change: { city: undefined, by: 'city' } });
  if (f.city) crumbs.push({ label: f.city, change: { by: 'merchant' } });
  delete crumbs[crumbs.length - 1]!.change;
  return crumbs;
}

const names = new Map<string, Intl.DisplayNames>();
/** "Sénégal (SN)": the fr-FR name next to the code; the code alone when Intl has no name. */
export function countryLabel(code: string, locale: string): string {
  let dn = names.get(locale);
  if (!dn) names.set(locale, (dn = new Intl.DisplayNames([locale], { type: 'region' })));
  let name: string | undefined;
  try {
    name = dn.of(code);
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code})` : code;
}
