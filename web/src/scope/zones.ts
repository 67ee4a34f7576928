// The token's zone scope, as the page needs it: which zones to offer and what to show by default.
// The token is only decoded here (the API and the WebSocket verify it); a malformed one means "no
// zone known", and the API's refusals then say why.
import { ZONES, countriesOfZone } from '../../../contracts/index.js';
import type { DashboardFilters } from '../filters.js';

/** The `zones` claim of a JWT, without verifying it; [] when absent or unreadable. */
export function zonesFromToken(token: string): string[] {
  const part = token.split('.')[1];
  if (!part) return [];
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const zones = (JSON.parse(json) as { zones?: unknown }).zones;
    return Array.isArray(zones) ? zones.filter((z): z is string => typeof z === 'string') : [];
  } catch {
    return [];
  }
}

export interface Scope {
  /** The token holds every zone. */
  all: boolean;
  /** Zones the page may offer, in the reference order. */
  zones: string[];
}

export function scopeOf(claim: readonly string[]): Scope {
  if (claim.includes('*')) return { all: true, zones: [...ZONES] };
  return { all: false, zones: ZONES.filter((z) => claim.includes(z)) };
}

/** Countries the scope may see (all of a zone's). */
export function scopeCountries(scope: Scope): Set<string> {
  return new Set(scope.zones.flatMap((z) => countriesOfZone(z)));
}

/**
 * Filters the scope can serve: a zone or country outside it is dropped; a holder of one zone gets
 * that zone by default ("Mes zones" = that zone). A holder of several zones without a zone filter
 * sees all of theirs (the API limits every answer to the token's zones).
 */
export function scopedFilters(f: DashboardFilters, scope: Scope): DashboardFilters {
  if (scope.all) return f;
  const next = { ...f };
  if (next.zone && !scope.zones.includes(next.zone)) {
    delete next.zone;
    delete next.country;
    delete next.city;
  }
  if (next.country && !scopeCountries(scope).has(next.country)) {
    delete next.country;
    delete next.city;
  }
  if (!next.zone && scope.zones.length === 1) next.zone = scope.zones[0];
  return next;
}

/**
 * Why live updates cannot follow this view, or undefined when they can: the live rooms are global,
 * zone, country or city, and `global` needs every zone.
 */
export function liveUnavailableReason(f: DashboardFilters, scope: Scope): string | undefined {
  if (!scope.all && !f.zone) return 'Le direct suit une zone à la fois : choisissez une de vos zones.';
  return undefined;
}
