// The one scope rule, for REST and WebSocket alike: a token's `zones` claim grants the countries
// whose reference zone (geography.ts: country → zone) it holds; `["*"]` grants everything,
// including places outside the reference geography. The event's own `zone` column never decides
// visibility on its own: it is free text from the producer, while the country is checked against
// the reference. REST turns the rule into bound SQL parameters (scopeCountries), the WebSocket
// into a room check (roomInScope in rooms.ts), both from the functions below.
import { COUNTRIES, countriesOfZone, zoneOfCountry } from './geography.js';

/** `["*"]` grants every zone. */
export const ALL_ZONES = '*';

export function hasAllZones(zones: readonly string[]): boolean {
  return zones.includes(ALL_ZONES);
}

/** The zone an event belongs to for scoping and zone rooms: its country's reference zone. */
export function referenceZone(dims: { country: string }): string | undefined {
  return zoneOfCountry(dims.country);
}

/** Whether a holder of `zones` may see one country (and every event, city and room in it). */
export function countryInScope(zones: readonly string[], country: string): boolean {
  if (hasAllZones(zones)) return true;
  const zone = zoneOfCountry(country);
  return zone !== undefined && zones.includes(zone);
}

/** Whether a holder of `zones` may see one event. */
export function eventInScope(zones: readonly string[], dims: { country: string }): boolean {
  return countryInScope(zones, dims.country);
}

/** Whether a holder of `zones` may ask about a whole zone (a zone filter, a zone room). */
export function zoneInScope(zones: readonly string[], zone: string): boolean {
  return hasAllZones(zones) || zones.includes(zone);
}

/**
 * The countries a holder may see, for a `country IN {…}` clause; undefined = no restriction.
 * Sorted, so equal scopes give equal queries.
 */
export function scopeCountries(zones: readonly string[]): string[] | undefined {
  if (hasAllZones(zones)) return undefined;
  return Object.keys(COUNTRIES)
    .filter((c) => countryInScope(zones, c))
    .sort();
}

/** The countries a zone filter selects: the zone's reference countries (none for an unknown zone). */
export function zoneCountries(zone: string): string[] {
  return countriesOfZone(zone).sort();
}
