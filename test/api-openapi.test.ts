// The OpenAPI document and the handlers agree both ways: routes, parameters (names, required,
// enums), response fields (no undocumented field in a real answer, every required field present)
// and the status codes the handlers return.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPENAPI_DOCUMENT } from '../functions/api/openapi-document.js';
import { REQUIRED_PARAMETERS, ROUTE_PARAMETERS } from '../functions/api/lib/params.js';
import { FUNCTIONS } from '../functions/catalog.js';
import { call, startApiHarness, type ApiHarness, type Lambda } from './support/api-harness.js';

type Json = any;
const doc: Json = JSON.parse(JSON.stringify(OPENAPI_DOCUMENT));
const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY;
const RANGE = { from: new Date(END - DAY).toISOString(), to: new Date(END).toISOString() };

let h: ApiHarness;
let token: string;
let handlers: Record<string, Lambda>;

beforeAll(async () => {
  h = await startApiHarness({ seed: 11, count: 600, end: END, spanMs: DAY });
  token = await h.token(['*']);
  handlers = {
    '/api/analytics/overview': h.handlers.overview,
    '/api/analytics/timeseries': h.handlers.timeseries,
    '/api/analytics/breakdown': h.handlers.breakdown,
    '/api/analytics/summary': (await import('../functions/api/summary.js')).handler as Lambda,
    '/api/analytics/failures': (await import('../functions/api/failures.js')).handler as Lambda,
    '/api/analytics/health': h.handlers.health,
    '/api/analytics/openapi.json': h.handlers.openapi,
  };
});
afterAll(async () => {
  await h?.close();
});

function resolve(node: Json): Json {
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    node = node.$ref.replace(/^#\//, '').split('/').reduce((n: Json, k: string) => n[k], doc);
  }
  return node;
}

/** Checks `value` against a schema (the subset the document uses); returns the problems found. */
function check(value: unknown, schema: Json, at = '$'): string[] {
  schema = resolve(schema);
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s: Json) => check(value, s, at).length === 0);
    return ok.length === 1 ? [] : [`${at}: matches ${ok.length} of oneOf`];
  }
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (types.length && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${at}: ${actual} is not ${types.join('|')}`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: ${value} does not match ${schema.pattern}`);
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value))) problems.push(`${at}: not a date-time`);
  if (actual === 'array' && schema.items) (value as unknown[]).forEach((v, i) => problems.push(...check(v, schema.items, `${at}[${i}]`)));
  if (actual === 'object' && schema.properties) {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (!(k in schema.properties)) problems.push(`${at}.${k}: not documented`);
      else problems.push(...check(obj[k], schema.properties[k], `${at}.${k}`));
    }
    for (const k of schema.required ?? []) if (!(k in obj)) problems.push(`${at}.${k}: required but missing`);
  }
  return problems;
}

function responseSchema(path: string, status: number): Json {
  const response = resolve(doc.paths[path].get.responses[String(status)]);
  expect(response, `${path} ${status} documented`).toBeDefined();
  return response.content['application/json'].schema;
}

describe('routes', () => {
  test('every catalog HTTP route is documented, and nothing else', () => {
    const catalog = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'http' ? [f.trigger.path] : [])).sort();
    expect(Object.keys(doc.paths).sort()).toEqual(catalog);
    for (const p of catalog) expect(Object.keys(doc.paths[p])).toEqual(['get']);
  });

  test('routes without auth in the catalog have no security requirement, the others the bearer scheme', () => {
    for (const f of FUNCTIONS) {
      if (f.trigger.kind !== 'http') continue;
      const security = doc.paths[f.trigger.path].get.security ?? doc.security;
      expect(security, f.trigger.path).toEqual(f.trigger.auth ? [{ bearerAuth: [] }] : []);
    }
  });
});

describe('parameters', () => {
  test('documented parameters = the validator\'s lists, with the same required ones', () => {
    expect(Object.keys(ROUTE_PARAMETERS).sort()).toEqual(Object.keys(doc.paths).sort());
    for (const [p, accepted] of Object.entries(ROUTE_PARAMETERS)) {
      const documented = (doc.paths[p].get.parameters ?? []).map(resolve);
      expect(documented.map((x: Json) => x.name).sort(), p).toEqual([...accepted].sort());
      for (const x of documented) expect(x.in).toBe('query');
      expect(documented.filter((x: Json) => x.required).map((x: Json) => x.name).sort(), p).toEqual([...(REQUIRED_PARAMETERS[p] ?? [])].sort());
    }
  });

  test('every documented enum value is accepted and a value outside the enum is refused', async () => {
    for (const [p, accepted] of Object.entries(ROUTE_PARAMETERS)) {
      for (const param of (doc.paths[p].get.parameters ?? []).map(resolve)) {
        expect(accepted).toContain(param.name);
        const base: Record<string, string> = { ...RANGE, ...((p.endsWith('breakdown') || p.endsWith('failures')) && param.name !== 'by' ? { by: 'zone' } : {}) };
        for (const v of param.schema.enum ?? []) {
          const res = await call(handlers[p]!, p, { ...base, [param.name]: v }, token);
          expect(res.status, `${p} ${param.name}=${v}`).toBe(200);
        }
        if (param.schema.enum) {
          const res = await call(handlers[p]!, p, { ...base, [param.name]: 'not-in-enum' }, token);
          expect(res.status).toBe(400);
          expect(res.body.error.parameter).toBe(param.name);
        }
        if (param.schema.type === 'integer') {
          for (const v of [param.schema.minimum, param.schema.maximum]) expect((await call(handlers[p]!, p, { ...base, [param.name]: String(v) }, token)).status).toBe(200);
          for (const v of [param.schema.minimum - 1, param.schema.maximum + 1]) expect((await call(handlers[p]!, p, { ...base, [param.name]: String(v) }, token)).status).toBe(400);
        }
      }
    }
  });
});

describe('responses', () => {
  const real: Array<[string, Record<string, string>, boolean, number]> = [
    ['/api/analytics/overview', RANGE, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'count', granularity: 'hour' }, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'volume' }, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'merchants', granularity: 'day' }, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'volume', encoding: 'compact' }, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'count', granularity: 'hour', encoding: 'compact' }, true, 200],
    ['/api/analytics/breakdown', { ...RANGE, by: 'city', metric: 'fees' }, true, 200],
    ['/api/analytics/summary', RANGE, true, 200],
    ['/api/analytics/failures', { ...RANGE, by: 'country' }, true, 200],
    ['/api/analytics/failures', RANGE, true, 400],
    ['/api/analytics/health', {}, false, 200],
    ['/api/analytics/overview', { ...RANGE, zone: 'x'.repeat(40) }, true, 400],
    ['/api/analytics/timeseries', RANGE, false, 401],
    ['/api/analytics/breakdown', { ...RANGE, by: 'zone' }, false, 401],
    ['/api/analytics/health', { x: '1' }, false, 400],
    ['/api/analytics/openapi.json', {}, false, 200],
  ];
  test.each(real)('%s %j: the real answer matches the documented schema both ways', async (p, query, auth, status) => {
    const res = await call(handlers[p]!, p, query, auth ? token : undefined);
    expect(res.status).toBe(status);
    const problems = check(res.body, responseSchema(p, status));
    expect(problems).toEqual([]);
    if (status === 200 && p !== '/api/analytics/health' && p !== '/api/analytics/openapi.json') {
      // Non-empty, so the row schemas were exercised too.
      expect(JSON.stringify(res.body.totals ?? res.body.series ?? res.body.rows ?? res.body.current)).not.toBe('[]');
    }
  });

  test('a 403 is documented and matches the error schema', async () => {
    const scoped = await h.token(['WAEMU']);
    const res = await call(h.handlers.overview, '/api/analytics/overview', { ...RANGE, zone: 'CEMAC' }, scoped);
    expect(res.status).toBe(403);
    expect(check(res.body, responseSchema('/api/analytics/overview', 403))).toEqual([]);
  });

  test('the checker notices an undocumented field and a missing required one', async () => {
    const res = await call(h.handlers.overview, '/api/analytics/overview', RANGE, token);
    const schema = responseSchema('/api/analytics/overview', 200);
    expect(check({ ...res.body, extra: 1 }, schema)).toEqual(['$.extra: not documented']);
    const { previous: _previous, ...rest } = res.body;
    expect(check(rest, schema)).toEqual(['$.previous: required but missing']);
  });

  test('served document = the module', async () => {
    const res = await call(h.handlers.openapi, '/api/analytics/openapi.json');
    expect(res.body).toEqual(doc);
    expect(res.body.openapi).toBe('3.1.0');
  });
});
