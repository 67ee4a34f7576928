// Everything derived from a contract equals its one declaration: the OpenAPI parameter schemas,
// the REST validator, the event validator, the room grammar, the function catalog's routes, the
// error codes and the ingest column lists. A limit changed in contracts/ moves all of them.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../contracts/api.js';
import { EVENT_CONTENT_FIELDS, EVENT_FIELDS, validateEvent } from '../contracts/event.js';
import { COUNTRY_PATTERN_SOURCE, CURRENCY_PATTERN_SOURCE, FIELD_MAX_LENGTH, ZONE_PATTERN } from '../contracts/fields.js';
import { QUERY_PARAMETERS, REST_ROUTES, ROUTE_KEYS, acceptedParameters } from '../contracts/rest.js';
import { parseRoom } from '../contracts/rooms.js';
import { WS_ROUTE_KEYS } from '../contracts/ws.js';
import { OPENAPI_DOCUMENT } from '../functions/api/openapi-document.js';
import { filtersParam, ROUTE_PARAMETERS, ROUTES } from '../functions/api/lib/params.js';
import { FUNCTIONS } from '../functions/catalog.js';
import { CONTENT_FIELDS } from '../functions/ingest/duplicates.js';
import { RAW_COLUMNS } from '../functions/ingest/rows.js';

const doc: any = JSON.parse(JSON.stringify(OPENAPI_DOCUMENT));
const NOW = Date.UTC(2026, 10, 27, 12);
const RANGE = { from: '2026-11-27T00:00:00Z', to: '2026-11-27T06:00:00Z' };
const filters = (extra: Record<string, string>) => {
  try {
    return filtersParam(new Map(Object.entries({ ...RANGE, ...extra })), NOW);
  } catch (err) {
    return err as Error;
  }
};
const astral = (n: number) => '😀'.repeat(n);

describe('field limits and patterns', () => {
  it('the OpenAPI parameter schemas publish the field limits and patterns', () => {
    const p = doc.components.parameters;
    expect(p.zone.schema).toMatchObject({ minLength: 1, maxLength: FIELD_MAX_LENGTH.zone });
    expect(p.city.schema).toMatchObject({ minLength: 1, maxLength: FIELD_MAX_LENGTH.city });
    expect(p.country.schema.pattern).toBe(COUNTRY_PATTERN_SOURCE);
    expect(p.currency.schema.pattern).toBe(CURRENCY_PATTERN_SOURCE);
  });

  it('the REST validator accepts exactly up to the limit, in code points', () => {
    for (const field of ['zone', 'city'] as const) {
      const max = FIELD_MAX_LENGTH[field];
      expect(filters({ [field]: astral(max) }), field).toMatchObject({ [field]: astral(max) });
      expect(filters({ [field]: 'x'.repeat(max) }), field).toMatchObject({ [field]: 'x'.repeat(max) });
      expect(filters({ [field]: `${astral(max)}x` }), field).toBeInstanceOf(Error);
      expect(filters({ [field]: 'x'.repeat(max + 1) }), field).toBeInstanceOf(Error);
    }
  });

  it('the event validator counts the same way', () => {
    const valid = {
      event_id: 'e1',
      occurred_at: '2026-11-27T10:00:00.000Z',
      amount: '10',
      currency: 'XOF',
      zone: 'WAEMU',
      country: 'SN',
      city: 'Dakar',
      merchant_id: 'm1',
    };
    const check = (patch: Record<string, string>) => validateEvent('wallet_txn_created', { ...valid, ...patch }, NOW);
    for (const field of ['event_id', 'city', 'merchant_id'] as const) {
      const max = FIELD_MAX_LENGTH[field];
      expect(check({ [field]: astral(max) }).ok, field).toBe(true);
      expect(check({ [field]: `${astral(max)}x` }), field).toMatchObject({ ok: false, reject: { code: 'invalid_length', field } });
    }
    // A zone is ASCII (ZONE_PATTERN), up to its limit.
    expect(ZONE_PATTERN.test(`W${'A'.repeat(FIELD_MAX_LENGTH.zone - 1)}`)).toBe(true);
    expect(ZONE_PATTERN.test(`W${'A'.repeat(FIELD_MAX_LENGTH.zone)}`)).toBe(false);
  });

  it('room names hold zones and cities up to the same limits', () => {
    const zone = astral(FIELD_MAX_LENGTH.zone);
    const city = astral(FIELD_MAX_LENGTH.city);
    expect(parseRoom(`zone:${zone}`)).toEqual({ kind: 'zone', zone });
    expect(parseRoom(`zone:${zone}x`)).toBeUndefined();
    expect(parseRoom(`city:SN:${city}`)).toEqual({ kind: 'city', country: 'SN', city });
    expect(parseRoom(`city:SN:${city}x`)).toBeUndefined();
    expect(parseRoom('country:SN')).toEqual({ kind: 'country', country: 'SN' });
    expect(new RegExp(COUNTRY_PATTERN_SOURCE).test('SN') && !new RegExp(COUNTRY_PATTERN_SOURCE).test('SEN')).toBe(true);
  });
});

describe('routes', () => {
  it("the catalog's HTTP functions are the route table's routes, with its auth flag", () => {
    const http = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'http' ? [[f.trigger.path, f.trigger.auth] as const] : []));
    expect(Object.fromEntries(http)).toEqual(Object.fromEntries(ROUTE_KEYS.map((k) => [REST_ROUTES[k].path, REST_ROUTES[k].auth])));
    expect(http).toHaveLength(ROUTE_KEYS.length);
  });

  it('ROUTES, the parameter whitelist and the OpenAPI paths come from the table', () => {
    expect(Object.keys(ROUTES).sort()).toEqual([...ROUTE_KEYS].sort());
    for (const k of ROUTE_KEYS) {
      const { path, auth, operationId } = REST_ROUTES[k];
      expect(ROUTES[k]).toBe(path);
      expect(ROUTE_PARAMETERS[path]).toEqual(acceptedParameters(k));
      expect(doc.paths[path].get.operationId).toBe(operationId);
      expect(doc.paths[path].get.security ?? doc.security, k).toEqual(auth ? [{ bearerAuth: [] }] : []);
    }
    expect(doc.components.parameters).toEqual(JSON.parse(JSON.stringify(QUERY_PARAMETERS)));
  });

  it("the catalog's WebSocket functions are exactly the contract's route keys", () => {
    const keys = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'websocket' ? [f.trigger.routeKey] : []));
    expect([...keys].sort()).toEqual([...WS_ROUTE_KEYS].sort());
  });

  it('the documented error codes are the contract list', () => {
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
  });
});

describe('event fields', () => {
  it("duplicate detection compares the contract's content fields; raw's columns start with the event's fields", () => {
    expect([...CONTENT_FIELDS]).toEqual([...EVENT_CONTENT_FIELDS]);
    expect(RAW_COLUMNS.slice(0, EVENT_FIELDS.length)).toEqual([...EVENT_FIELDS]);
  });
});
