// Rooms are the units of WebSocket subscription: global, zone:<ZONE>, country:<CC>, city:<CC>:<City>.
import { COUNTRY_CODE_LENGTH, FIELD_MAX_LENGTH } from './fields.js';
import { countryInScope, hasAllZones, referenceZone, zoneInScope } from './scope.js';

export { hasAllZones } from './scope.js';

export type RoomKind = 'global' | 'zone' | 'country' | 'city';

export interface RoomFilter {
  zone?: string;
  country?: string;
  city?: string;
}

export type ParsedRoom =
  | { kind: 'global' }
  | { kind: 'zone'; zone: string }
  | { kind: 'country'; country: string }
  | { kind: 'city'; country: string; city: string };

// The room grammar, from the field limits (lengths in code points, hence the `u` flag). A zone
// room's name is looser than ZONE_PATTERN: it names what a token or a filter asked for.
const ZONE_ROOM = new RegExp(`^zone:([^:\\s][^:]{0,${FIELD_MAX_LENGTH.zone - 1}})$`, 'u');
const COUNTRY_ROOM = new RegExp(`^country:([A-Z]{${COUNTRY_CODE_LENGTH}})$`, 'u');
const CITY_ROOM = new RegExp(`^city:([A-Z]{${COUNTRY_CODE_LENGTH}}):(.{1,${FIELD_MAX_LENGTH.city}})$`, 'u');

/** The longest room name in UTF-16 units (a city of astral characters): a cheap guard before the patterns. */
export const ROOM_MAX_LENGTH = 'city::'.length + COUNTRY_CODE_LENGTH + 2 * FIELD_MAX_LENGTH.city;

export function globalRoom(): string {
  return 'global';
}
export function zoneRoom(zone: string): string {
  return `zone:${zone}`;
}
export function countryRoom(country: string): string {
  return `country:${country}`;
}
export function cityRoom(country: string, city: string): string {
  return `city:${country}:${city}`;
}

/**
 * The rooms one event (or one aggregate row) belongs to, most general first. The zone room is the
 * country's reference zone (scope.ts), so a zone room holds exactly the events its holders may
 * see; a country outside the reference geography is in no zone room (only `*` may see it).
 */
export function roomsOf(dims: { zone: string; country: string; city: string }): string[] {
  const zone = referenceZone(dims);
  return [globalRoom(), ...(zone !== undefined ? [zoneRoom(zone)] : []), countryRoom(dims.country), cityRoom(dims.country, dims.city)];
}

export function parseRoom(room: string): ParsedRoom | undefined {
  if (typeof room !== 'string' || room.length === 0 || room.length > ROOM_MAX_LENGTH) return undefined;
  if (room === 'global') return { kind: 'global' };
  let m = ZONE_ROOM.exec(room);
  if (m) return { kind: 'zone', zone: m[1]! };
  m = COUNTRY_ROOM.exec(room);
  if (m) return { kind: 'country', country: m[1]! };
  m = CITY_ROOM.exec(room);
  if (m) return { kind: 'city', country: m[1]!, city: m[2]! };
  return undefined;
}

export function roomKind(room: string): RoomKind | undefined {
  return parseRoom(room)?.kind;
}

/** The most specific room for a dashboard filter (city > country > zone > global). */
export function roomForFilter(filter: RoomFilter): string {
  if (filter.country && filter.city) return cityRoom(filter.country, filter.city);
  if (filter.country) return countryRoom(filter.country);
  if (filter.zone) return zoneRoom(filter.zone);
  return globalRoom();
}

/**
 * Whether a holder of `zones` may see a room, by the one scope rule (scope.ts). `global` needs
 * every zone; country and city rooms are allowed when the country's reference zone is held
 * (countries outside the reference geography need `*`).
 */
export function roomInScope(room: ParsedRoom, zones: readonly string[]): boolean {
  if (hasAllZones(zones)) return true;
  switch (room.kind) {
    case 'global':
      return false;
    case 'zone':
      return zoneInScope(zones, room.zone);
    case 'country':
    case 'city':
      return countryInScope(zones, room.country);
  }
}
