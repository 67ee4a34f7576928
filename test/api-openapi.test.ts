// The OpenAPI document and the handlers agree both ways: routes, parameters (names, required,
// enums), response fields (no undocumented field in a real answer, every required field present)
// and the status codes the handlers return.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPENAPI_DOCUMENT } from '../functions/api/openapi-document.js';
import { REQUIRED_PARAMETERS, ROUTE_PARAMETERS } from '../functions/api/lib/params.js';
import { FUNCTIONS } from '../functions/catalog.js';
import { call, startApiHarness, type ApiHarness, type Lambda } from './support/api-harness.js';
import { prng } from '../functions/shared/generator.js';
import { MAX_POINTS, MAX_RANGE_MS } from '../functions/api/lib/time-range.js';

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
    '/api/analytics/merchants': (await import('../functions/api/merchants.js')).handler as Lambda,
    '/api/analytics/health': h.handlers.health,
    '/api/analytics/openapi.json': h.handlers.openapi,
  };
});
afterAll(async () => {
  await h?.close();
});

function resolve(node: Json): Json {
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    node = node.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((n: Json, k: string) => n[k], doc);
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
  if (types.length && !types.includes(actual) && !(actual === 'integer' && types.includes('number')))
    return [`${at}: ${actual} is not ${types.join('|')}`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (schema.pattern && typeof value === 'string' && !new RegExp(schema.pattern).test(value))
    problems.push(`${at}: ${value} does not match ${schema.pattern}`);
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value)))
    problems.push(`${at}: not a date-time`);
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
  test("documented parameters = the validator's lists, with the same required ones", () => {
    expect(Object.keys(ROUTE_PARAMETERS).sort()).toEqual(Object.keys(doc.paths).sort());
    for (const [p, accepted] of Object.entries(ROUTE_PARAMETERS)) {
      const documented = (doc.paths[p].get.parameters ?? []).map(resolve);
      expect(documented.map((x: Json) => x.name).sort(), p).toEqual([...accepted].sort());
      for (const x of documented) expect(x.in).toBe('query');
      expect(
        documented
          .filter((x: Json) => x.required)
          .map((x: Json) => x.name)
          .sort(),
        p,
      ).toEqual([...(REQUIRED_PARAMETERS[p] ?? [])].sort());
    }
  });

  test('every documented enum value is accepted and a value outside the enum is refused', async () => {
    for (const [p, accepted] of Object.entries(ROUTE_PARAMETERS)) {
      for (const param of (doc.paths[p].get.parameters ?? []).map(resolve)) {
        expect(accepted).toContain(param.name);
        const base: Record<string, string> = {
          ...RANGE,
          ...((p.endsWith('breakdown') || p.endsWith('failures')) && param.name !== 'by' ? { by: 'zone' } : {}),
        };
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
          for (const v of [param.schema.minimum, param.schema.maximum])
            expect((await call(handlers[p]!, p, { ...base, [param.name]: String(v) }, token)).status).toBe(200);
          for (const v of [param.schema.minimum - 1, param.schema.maximum + 1])
            expect((await call(handlers[p]!, p, { ...base, [param.name]: String(v) }, token)).status).toBe(400);
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
    ['/api/analytics/failures', { ...RANGE, by: 'merchant', limit: '5' }, true, 200],
    ['/api/analytics/merchants', RANGE, true, 200],
    ['/api/analytics/merchants', { ...RANGE, sort: 'volume', currency: 'XOF', limit: '3' }, true, 200],
    ['/api/analytics/merchants', { ...RANGE, limit: '0' }, true, 400],
    ['/api/analytics/merchants', { ...RANGE, sort: 'fees' }, true, 400],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'failed', granularity: 'hour' }, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'success_rate', granularity: 'hour' }, true, 200],
    ['/api/analytics/timeseries', { ...RANGE, metric: 'success_rate', granularity: 'minute', encoding: 'compact' }, true, 200],
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

// Schema-valid requests, generated: candidates from a hostile alphabet (control characters,
// surrounding and exotic spaces, astral characters, impossible dates, out-of-range years), kept
// only when they match the documented schema (pattern with the `u` flag, lengths in code points).
// Every such request must be answered 200, or 400 for a rule the document declares.
describe('schema-valid requests are accepted', () => {
  const rand = prng(20261201);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const codePoints = (v: string) => [...v].length;

  function matches(value: string, schema: Json): boolean {
    if (schema.enum) return schema.enum.includes(value);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) return false;
    if (schema.minLength !== undefined && codePoints(value) < schema.minLength) return false;
    if (schema.maxLength !== undefined && codePoints(value) > schema.maxLength) return false;
    return true;
  }

  function timestampCandidate(): string {
    const date = `${int(1998, 2102)}-${pad(int(0, 13))}-${pad(int(0, 32))}`;
    if (rand() < 0.3) return date;
    const secs = rand() < 0.5 ? '' : `:${pad(int(0, 60))}${rand() < 0.5 ? '' : `.${String(int(0, 999999999)).slice(0, int(1, 10))}`}`;
    const offset = pick(['Z', '', `+${pad(int(0, 24))}:${pad(int(0, 60))}`, `-${pad(int(0, 24))}:${pad(int(0, 60))}`]);
    return `${date}T${pad(int(0, 24))}:${pad(int(0, 60))}${secs}${offset}`;
  }
  const ALPHABET = [
    'a',
    'Z',
    'é',
    'ü',
    'ß',
    '-',
    "'",
    ':',
    '*',
    ' ',
    '\t',
    '\n',
    '\u0000',
    '\u007f',
    '\u00a0',
    '\u200b',
    '\u2028',
    '\ufeff',
    '😀',
    'Dakar',
    'WAEMU',
    '%',
    '&',
    '=',
  ];
  const nameCandidate = () =>
    Array.from({ length: int(1, 70) }, () => pick(ALPHABET))
      .join('')
      .slice(0, int(1, 80));
  const lettersCandidate = () => Array.from({ length: int(1, 4) }, () => pick(['A', 'S', 'N', 'X', 'O', 'F', 'a', '1'])).join('');

  function valueFor(name: string, schema: Json): string {
    if (schema.enum) return String(pick(schema.enum));
    if (schema.type === 'integer') return String(int(schema.minimum, schema.maximum));
    for (let i = 0; i < 10_000; i++) {
      const v =
        name === 'from' || name === 'to'
          ? timestampCandidate()
          : name === 'country' || name === 'currency'
            ? lettersCandidate()
            : nameCandidate();
      if (matches(v, schema)) return v;
    }
    throw new Error(`no schema-valid value found for ${name}`);
  }

  /** Epoch ms of a documented timestamp, independently of the validator (Date.parse takes ≤ 3 fraction digits). */
  const parse = (v: string) => Date.parse(v.replace(/(\.\d{3})\d+/, '$1'));

  /** The declared cross-parameter refusal this request falls under, if any. */
  function declaredRefusal(p: string, q: Record<string, string>): string | undefined {
    if (q.from === undefined) return undefined; // from and to are generated together or not at all
    const from = parse(q.from),
      to = parse(q.to!);
    if (!(from < to)) return 'to';
    if (to - from > MAX_RANGE_MS) return 'from';
    if (p.endsWith('/timeseries') && q.granularity) {
      const step = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[q.granularity]!;
      if (Math.ceil(to / step) - Math.floor(from / step) > MAX_POINTS) return 'granularity';
    }
    return undefined;
  }

  test('300 generated requests over every route: 200, or a declared 400', async () => {
    const authRoutes = Object.keys(ROUTE_PARAMETERS).filter((p) => (doc.paths[p].get.parameters ?? []).length > 0);
    const outcomes = { ok: 0, declared: 0 };
    for (let i = 0; i < 300; i++) {
      const p = pick(authRoutes);
      const params = (doc.paths[p].get.parameters ?? []).map(resolve);
      const q: Record<string, string> = {};
      const withRange = rand() < 0.85;
      for (const param of params) {
        if (param.name === 'from' || param.name === 'to') continue;
        if (param.required || rand() < 0.5) q[param.name] = valueFor(param.name, param.schema);
      }
      if (withRange) {
        const fromSchema = params.find((x: Json) => x.name === 'from').schema;
        q.from = valueFor('from', fromSchema);
        // Half the time a `to` close after `from`, so most ranges are usable; always schema-valid.
        const near = new Date(parse(q.from) + int(1, 90 * 24) * 3_600_000).toISOString().replace('.000Z', 'Z');
        q.to = rand() < 0.5 && matches(near, fromSchema) ? near : valueFor('to', fromSchema);
      }
      const res = await call(handlers[p]!, p, q, token);
      const refusal = declaredRefusal(p, q);
      const shown = `${p} ${JSON.stringify(q)} -> ${res.status} ${JSON.stringify(res.body?.error ?? '')}`;
      if (refusal) {
        expect(res.status, shown).toBe(400);
        expect(res.body.error.parameter, shown).toBe(refusal);
        // The rule is declared in the document's 400 for this route.
        expect(resolve(doc.paths[p].get.responses['400']).description, shown).toContain(
          refusal === 'granularity' ? `${MAX_POINTS} points` : `\`${refusal}\``,
        );
        outcomes.declared++;
      } else {
        expect(res.status, shown).toBe(200);
        outcomes.ok++;
      }
    }
    // Both kinds were exercised.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.declared).toBeGreaterThan(10);
  }, 240_000);

  test('the documented patterns refuse what the validator refuses', async () => {
    const schemaOf = (name: string) => resolve(doc.components.parameters[name]).schema;
    for (const bad of [' WAEMU', 'WAEMU ', 'WA\u0000EMU', 'WAEMU\u00a0', '\ufeffWAEMU', '']) {
      expect(matches(bad, schemaOf('zone')), JSON.stringify(bad)).toBe(false);
      expect((await call(h.handlers.overview, '/api/analytics/overview', { ...RANGE, zone: bad }, token)).status, JSON.stringify(bad)).toBe(
        400,
      );
    }
    for (const bad of ['2026-02-30', '2026-13-01', '2026-11-27T10:15', '2026-11-27T24:00Z', '1999-12-31']) {
      expect(matches(bad, schemaOf('from')), bad).toBe(false);
      expect((await call(h.handlers.overview, '/api/analytics/overview', { from: bad }, token)).status, bad).toBe(400);
    }
    // 32 astral characters are 32 code points (JSON Schema's count) and accepted as such.
    const astral = '😀'.repeat(32);
    expect(matches(astral, schemaOf('zone'))).toBe(true);
    expect((await call(h.handlers.overview, '/api/analytics/overview', { ...RANGE, zone: astral }, token)).status).toBe(200);
  });
});
