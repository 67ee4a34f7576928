// Rooms are the units of WebSocket subscription: global, zone:<ZONE>, country:<CC>, city:<CC>:<City>.
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

export const ROOM_MAX_LENGTH = 128;

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
  let m = /^zone:([^:\s][^:]{0,31})$/.exec(room);
  if (m) return { kind: 'zone', zone: m[1]! };
  m = /^country:([A-Z]{2})$/.exec(room);
  if (m) return { kind: 'country', country: m[1]! };
  m = /^city:([A-Z]{2}):(.{1,64})$/.exec(room);
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
