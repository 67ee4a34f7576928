// One scope rule for REST and WebSocket (contracts/scope.ts). Raw rows go straight into
// ClickHouse — including a zone/country mismatch (zone=CEMAC, country=SN), a zero-width-space zone
// and a country outside the reference geography — so the test holds whether or not ingest
// quarantines them. For every room and every query, each token sees exactly the same events over
// REST as the rooms it may subscribe to carry.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startApiHarness, type ApiHarness } from './support/api-harness.js';
import { generateDataset, insertRawEvents } from '../devkit/api-dataset.js';
import { parseRoom, roomInScope, roomsOf, zoneRoom, type ParsedRoom } from '../contracts/rooms.js';
import { ZONES } from '../contracts/geography.js';
import { countryInScope, eventInScope, referenceZone, scopeCountries, zoneCountries } from '../contracts/scope.js';
import type { PaymentEvent } from '../contracts/event.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Whole past days, well before now: no bucket is still filling.
const END = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const START = END - 6 * HOUR;
const RANGE = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };

let h: ApiHarness;
let events: PaymentEvent[];

const hostile = (base: PaymentEvent, i: number, dims: Pick<PaymentEvent, 'zone' | 'country' | 'city'>): PaymentEvent => ({
  ...base,
  ...dims,
  event_id: `scope_hostile_${i}`,
});

beforeAll(async () => {
  h = await startApiHarness(undefined);
  const base = generateDataset({ seed: 1414, count: 400, end: END, spanMs: END - START });
  events = [
    ...base,
    hostile(base[0]!, 0, { zone: 'CEMAC', country: 'SN', city: 'Dakar' }),
    hostile(base[1]!, 1, { zone: 'WAEMU', country: 'CM', city: 'Douala' }),
    hostile(base[2]!, 2, { zone: 'WAEMU\u200b', country: 'SN', city: 'Dakar' }),
    hostile(base[3]!, 3, { zone: 'WAEMU', country: 'XX', city: 'Nowhere' }),
  ];
  await insertRawEvents(h.ch.client, events);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** The REST filters that select the same events as a room. */
function roomFilters(room: ParsedRoom): Record<string, string> {
  switch (room.kind) {
    case 'global':
      return {};
    case 'zone':
      return { zone: room.zone };
    case 'country':
      return { country: room.country };
    case 'city':
      return { country: room.country, city: room.city };
  }
}

const countOf = (body: { totals?: Array<{ count: number }> }) => (body.totals ?? []).reduce((n, t) => n + t.count, 0);

describe('the scope rule', () => {
  test("decides by the country's reference zone, never by the zone column", () => {
    expect(eventInScope(['WAEMU'], { country: 'SN' })).toBe(true);
    expect(eventInScope(['CEMAC'], { country: 'SN' })).toBe(false); // even with zone=CEMAC on the event
    expect(eventInScope(['WAEMU'], { country: 'XX' })).toBe(false);
    expect(eventInScope(['*'], { country: 'XX' })).toBe(true);
    expect(countryInScope(['WAEMU', 'WAMZ'], 'NG')).toBe(true);
    expect(scopeCountries(['*'])).toBeUndefined();
    expect(scopeCountries(['WAEMU'])).toEqual(zoneCountries('WAEMU'));
    expect(scopeCountries(['WAEMU\u200b'])).toEqual([]);
    expect(roomsOf({ zone: 'CEMAC', country: 'SN', city: 'Dakar' })).toContain(zoneRoom('WAEMU'));
    expect(referenceZone({ country: 'XX' })).toBeUndefined();
  });
});

describe.each([[['WAEMU']], [['CEMAC', 'WAMZ']], [['*']]])('a token scoped to %j', (zones: string[]) => {
  let token: string;
  beforeAll(async () => {
    token = await h.token(zones);
  });
  const rooms = () => [...new Set(['global', ...ZONES.map(zoneRoom), 'zone:WAEMU\u200b', ...events.flatMap((e) => roomsOf(e))])];
  const inRoom = (room: string) => events.filter((e) => roomsOf(e).includes(room));

  test('every room: the REST query for it counts exactly the events the room carries to this token', async () => {
    for (const room of rooms()) {
      const parsed = parseRoom(room)!;
      expect(parsed, room).toBeDefined();
      const wsSees = roomInScope(parsed, zones) ? inRoom(room).length : 0;
      const res = await call(h.handlers.overview, '/api/analytics/overview', { ...RANGE, ...roomFilters(parsed) }, token);
      const restSees = res.status === 403 ? 0 : countOf(res.body);
      expect(res.status === 200 || res.status === 403, `${room}: ${res.status}`).toBe(true);
      // A global room is refused to a scoped token, but its unfiltered REST answer is its scope:
      // compared below against the union of the rooms it may hold.
      if (parsed.kind === 'global' && !roomInScope(parsed, zones)) continue;
      expect(restSees, room).toBe(wsSees);
    }
  });

  test('every query: the unfiltered answer is the union of the rooms this token may subscribe to', async () => {
    const allowed = rooms().filter((r) => roomInScope(parseRoom(r)!, zones));
    const viaRooms = new Set(allowed.flatMap((r) => inRoom(r).map((e) => e.event_id)));
    const expected = events.filter((e) => eventInScope(zones, e));
    expect(new Set(expected.map((e) => e.event_id))).toEqual(viaRooms);

    const overview = await call(h.handlers.overview, '/api/analytics/overview', RANGE, token);
    expect(overview.status).toBe(200);
    expect(countOf(overview.body)).toBe(viaRooms.size);

    const series = await call(
      h.handlers.timeseries,
      '/api/analytics/timeseries',
      { ...RANGE, granularity: 'hour', metric: 'count' },
      token,
    );
    expect(series.status).toBe(200);
    const seriesTotal = (series.body.series as Array<{ points: Array<unknown> }>)
      .flatMap((s) => s.points)
      .reduce<number>((n, p) => n + Number(Array.isArray(p) ? p[1] : (p as { value: number }).value), 0);
    expect(seriesTotal).toBe(viaRooms.size);

    for (const by of ['zone', 'country', 'city'] as const) {
      const res = await call(h.handlers.breakdown, '/api/analytics/breakdown', { ...RANGE, by, metric: 'count', limit: '100' }, token);
      expect(res.status, by).toBe(200);
      const rows = res.body.rows as Array<{ key: string; count: number }>;
      expect(
        rows.reduce((n, r) => n + r.count, 0),
        by,
      ).toBe(viaRooms.size);
      // Each key (rows are per key and currency) is a room this token may hold, with its events.
      const byKey = new Map<string, number>();
      for (const row of rows) byKey.set(row.key, (byKey.get(row.key) ?? 0) + row.count);
      for (const [key, count] of byKey) {
        // '' = outside the reference geography: in no zone room, only in its country's rooms.
        if (by === 'zone' && key === '') {
          expect(count).toBe(events.filter((e) => referenceZone(e) === undefined && eventInScope(zones, e)).length);
          continue;
        }
        const room = by === 'zone' ? zoneRoom(key) : by === 'country' ? `country:${key}` : undefined;
        if (!room) continue;
        expect(roomInScope(parseRoom(room)!, zones), `${by} ${key}`).toBe(true);
        expect(count, room).toBe(inRoom(room).length);
      }
    }
  });
});
