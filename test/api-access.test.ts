// The query API's edges: the auth and scope matrix, every validation rule (400 naming the
// parameter), injection strings in every parameter, response headers, per-route metrics, and
// errors when ClickHouse is down (500 without internals, health 503).
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDevKeys, signDevToken } from '../devkit/dev-keys.js';
import { call, startApiHarness, type ApiHarness, type Lambda } from './support/api-harness.js';
import { refTotals } from '../devkit/api-dataset.js';
import { ROUTE_PARAMETERS } from '../functions/api/lib/params.js';
import { AUTH_HEADER } from '../contracts/api.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const END = Math.floor(Date.now() / DAY) * DAY - 3 * HOUR;
const START = END - 2 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
const RANGE = { from: iso(START), to: iso(END) };

const OVERVIEW = '/api/analytics/overview';
const TIMESERIES = '/api/analytics/timeseries';
const BREAKDOWN = '/api/analytics/breakdown';

let h: ApiHarness;
let all: string;
let waemu: string;
let multi: string;
let route: Record<string, Lambda>;

beforeAll(async () => {
  h = await startApiHarness({ seed: 99, count: 1500, end: END, spanMs: 2 * DAY });
  all = await h.token(['*']);
  waemu = await h.token(['WAEMU']);
  multi = await h.token(['CEMAC', 'WAMZ']);
  route = { [OVERVIEW]: h.handlers.overview, [TIMESERIES]: h.handlers.timeseries, [BREAKDOWN]: h.handlers.breakdown };
});
afterAll(async () => {
  await h?.close();
});

describe('auth and scope', () => {
  test('no token, a malformed token, a foreign key, an expired token: 401 with the reason', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'molam-other-keys-'));
    try {
      const other = await ensureDevKeys(dir);
      const cases: Array<[string | undefined, string]> = [
        [undefined, 'missing_token'],
        ['not.a.jwt', 'malformed'],
        [await signDevToken({ zones: ['*'], ttlSeconds: 600 }, other), 'bad_signature'],
        [await signDevToken({ zones: ['*'], ttlSeconds: -60 }, h.keys), 'expired'],
      ];
      for (const [token, reason] of cases) {
        for (const [p, handler] of Object.entries(route)) {
          const res = await call(handler, p, { ...RANGE, ...(p === BREAKDOWN ? { by: 'zone' } : {}) }, token);
          expect(res.status, `${p} ${reason}`).toBe(401);
          expect(res.body.error.code).toBe('unauthorized');
          expect(res.body.error.message).toContain(reason);
          expect(res.headers['www-authenticate']).toContain('invalid_token');
          expect(res.headers['cache-control']).toBe('no-store');
        }
      }
      // A token with the wrong scheme is no token at all.
      const basic = await call(h.handlers.overview, OVERVIEW, RANGE, undefined, { [AUTH_HEADER]: 'Basic dXNlcjpwYXNz' });
      expect(basic.status).toBe(401);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an HS256 token is refused even when it carries valid claims', async () => {
    const { SignJWT } = await import('jose');
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ zones: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setAudience('molam-analytics')
      .setIssuer('molam-id-local')
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode('k'.repeat(32)));
    const res = await call(h.handlers.overview, OVERVIEW, RANGE, hs);
    expect(res.status).toBe(401);
  });

  test('a zone filter outside the scope is 403 on every route', async () => {
    for (const [p, handler] of Object.entries(route)) {
      const res = await call(handler, p, { ...RANGE, zone: 'CEMAC', ...(p === BREAKDOWN ? { by: 'zone' } : {}) }, waemu);
      expect(res.status, p).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'forbidden', parameter: 'zone' });
    }
    const inScope = await call(h.handlers.overview, OVERVIEW, { ...RANGE, zone: 'WAEMU' }, waemu);
    expect(inScope.status).toBe(200);
  });

  test('`*` sees every zone; a multi-zone scope sees exactly its zones, without a filter too', async () => {
    const zonesOf = async (token: string) =>
      (await call(h.handlers.breakdown, BREAKDOWN, { ...RANGE, by: 'zone', limit: '100' }, token)).body.rows.map(
        (r: { key: string }) => r.key,
      );
    expect(new Set(await zonesOf(all))).toEqual(new Set(['WAEMU', 'CEMAC', 'WAMZ']));
    expect(new Set(await zonesOf(multi))).toEqual(new Set(['CEMAC', 'WAMZ']));
    expect(new Set(await zonesOf(waemu))).toEqual(new Set(['WAEMU']));

    const overview = await call(h.handlers.overview, OVERVIEW, RANGE, multi);
    expect(overview.body.totals).toEqual(refTotals(h.events, { fromMs: START, toMs: END, scope: ['CEMAC', 'WAMZ'] }));
    expect(overview.body.totals.map((r: { currency: string }) => r.currency)).not.toContain('XOF');
    // Filtering on a country of another zone gives nothing rather than that zone's data.
    const senegal = await call(h.handlers.overview, OVERVIEW, { ...RANGE, country: 'SN' }, multi);
    expect(senegal.status).toBe(200);
    expect(senegal.body.totals).toEqual([]);
    expect(senegal.body.previous.totals).toEqual([]);
    const series = await call(h.handlers.timeseries, TIMESERIES, { ...RANGE, granularity: 'hour', currency: 'XOF' }, multi);
    expect(series.body.series).toEqual([]);
  });

  test('health and the OpenAPI document need no token', async () => {
    expect((await call(h.handlers.health, '/api/analytics/health')).status).toBe(200);
    const doc = await call(h.handlers.openapi, '/api/analytics/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
  });
});

describe('validation: 400 naming the parameter', () => {
  const cases: Array<[string, Record<string, string> | string, string]> = [
    [OVERVIEW, { from: 'yesterday', to: RANGE.to }, 'from'],
    [OVERVIEW, { from: '2026-13-01', to: RANGE.to }, 'from'],
    [OVERVIEW, { from: '2026-02-30T00:00:00Z', to: RANGE.to }, 'from'],
    [OVERVIEW, { from: '2026-11-27T10:15:00', to: RANGE.to }, 'from'],
    [OVERVIEW, { from: '2026-11-27T24:00:00Z', to: RANGE.to }, 'from'],
    [OVERVIEW, { from: `2026-11-27T10:15:00.${'1'.repeat(40)}Z`, to: RANGE.to }, 'from'],
    [OVERVIEW, { from: '1999-12-31', to: RANGE.to }, 'from'],
    [OVERVIEW, { from: RANGE.from, to: 'soon' }, 'to'],
    [OVERVIEW, { from: RANGE.from, to: '2101-01-01' }, 'to'],
    [OVERVIEW, `from=2026-11-27T10:00:00+01:00&to=${RANGE.to}`, 'from'],
    [OVERVIEW, { from: RANGE.to, to: RANGE.from }, 'to'],
    [OVERVIEW, { from: RANGE.from, to: RANGE.from }, 'to'],
    [OVERVIEW, { from: '2025-01-01', to: '2026-02-06' }, 'from'],
    [OVERVIEW, { ...RANGE, zone: '' }, 'zone'],
    [OVERVIEW, { ...RANGE, zone: 'Z'.repeat(33) }, 'zone'],
    [OVERVIEW, { ...RANGE, zone: 'WA\nEMU' }, 'zone'],
    [OVERVIEW, { ...RANGE, zone: ' WAEMU' }, 'zone'],
    [OVERVIEW, { ...RANGE, country: 'sn' }, 'country'],
    [OVERVIEW, { ...RANGE, country: 'SEN' }, 'country'],
    [OVERVIEW, { ...RANGE, city: '' }, 'city'],
    [OVERVIEW, { ...RANGE, city: 'c'.repeat(65) }, 'city'],
    [OVERVIEW, { ...RANGE, currency: 'xof' }, 'currency'],
    [OVERVIEW, { ...RANGE, currency: 'XO' }, 'currency'],
    [OVERVIEW, { ...RANGE, type: 'refund' }, 'type'],
    [OVERVIEW, { ...RANGE, granularity: 'hour' }, 'granularity'],
    [OVERVIEW, { ...RANGE, foo: '1' }, 'foo'],
    [OVERVIEW, `from=${RANGE.from}&to=${RANGE.to}&zone=WAEMU&zone=CEMAC`, 'zone'],
    [TIMESERIES, { ...RANGE, granularity: 'week' }, 'granularity'],
    [TIMESERIES, { ...RANGE, metric: 'sum' }, 'metric'],
    [TIMESERIES, { ...RANGE, by: 'zone' }, 'by'],
    [BREAKDOWN, { ...RANGE }, 'by'],
    [BREAKDOWN, { ...RANGE, by: 'merchant' }, 'by'],
    [BREAKDOWN, { ...RANGE, by: 'zone', metric: 'avg' }, 'metric'],
    [BREAKDOWN, { ...RANGE, by: 'zone', limit: '0' }, 'limit'],
    [BREAKDOWN, { ...RANGE, by: 'zone', limit: '101' }, 'limit'],
    [BREAKDOWN, { ...RANGE, by: 'zone', limit: 'ten' }, 'limit'],
    [BREAKDOWN, { ...RANGE, by: 'zone', limit: '1.5' }, 'limit'],
    [BREAKDOWN, { ...RANGE, by: 'zone', limit: '-1' }, 'limit'],
    [BREAKDOWN, { ...RANGE, by: 'zone', granularity: 'day' }, 'granularity'],
  ];
  test.each(cases)('%s %j → 400 on %s', async (p, query, parameter) => {
    const res = await call(route[p]!, p, query, all);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.parameter).toBe(parameter);
    expect(res.body.error.message).toMatch(new RegExp(parameter.replace(/[^a-z]/g, '') || '.'));
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test("an unencoded '+' offset gets a hint; the encoded one is accepted", async () => {
    const bad = await call(h.handlers.overview, OVERVIEW, `from=2026-11-27T10:00:00+01:00&to=${RANGE.to}`, all);
    expect(bad.body.error.message).toContain('%2B');
    const good = await call(h.handlers.overview, OVERVIEW, { from: iso(START).replace('Z', '+00:00'), to: RANGE.to }, all);
    expect(good.status).toBe(200);
    expect(good.body.from).toBe(iso(START));
  });

  test('the point cap: 400 naming the largest range of the granularity; at the cap it passes', async () => {
    const minute = await call(
      h.handlers.timeseries,
      TIMESERIES,
      { from: iso(START), to: iso(START + 25 * HOUR + MIN), granularity: 'minute' },
      all,
    );
    expect(minute.status).toBe(400);
    expect(minute.body.error.parameter).toBe('granularity');
    expect(minute.body.error.message).toContain('25 hours');
    const hour = await call(h.handlers.timeseries, TIMESERIES, { from: '2026-01-01', to: '2026-04-01', granularity: 'hour' }, all);
    expect(hour.status).toBe(400);
    expect(hour.body.error.message).toContain('62.5 days');
    const atCap = await call(
      h.handlers.timeseries,
      TIMESERIES,
      { from: iso(START), to: iso(START + 25 * HOUR), granularity: 'minute' },
      all,
    );
    expect(atCap.status).toBe(200);
    expect(atCap.body.series[0].points).toHaveLength(1500);
  });

  test('defaults: last 24 h, granularity from the range, metric count, limit 10', async () => {
    const res = await call(h.handlers.overview, OVERVIEW, '', all);
    expect(res.status).toBe(200);
    const span = Date.parse(res.body.to) - Date.parse(res.body.from);
    expect([DAY, DAY + MIN]).toContain(span);
    expect(Math.abs(Date.parse(res.body.to) - Date.now())).toBeLessThan(2 * MIN);
    const g = async (from: number, to: number) =>
      (await call(h.handlers.timeseries, TIMESERIES, { from: iso(from), to: iso(to) }, all)).body;
    expect((await g(START, START + DAY)).granularity).toBe('minute');
    expect((await g(START, START + 2 * DAY)).granularity).toBe('hour');
    const long = await g(START - 90 * DAY, START);
    expect(long).toMatchObject({ granularity: 'day', metric: 'count' });
    const breakdown = await call(h.handlers.breakdown, BREAKDOWN, { ...RANGE, by: 'city' }, all);
    expect(breakdown.body.metric).toBe('count');
    expect(breakdown.body.rows).toHaveLength(10);
  });

  test('health accepts no parameters', async () => {
    const res = await call(h.handlers.health, '/api/analytics/health', { verbose: '1' });
    expect(res.status).toBe(400);
    expect(res.body.error.parameter).toBe('verbose');
  });
});

describe('injection strings are harmless in every parameter', () => {
  const payloads = [
    "' OR 1=1 --",
    "WAEMU' OR zone != '",
    '\\',
    "\\' OR 1=1 --",
    "'; DROP TABLE analytics_events_raw; --",
    '{zone:String}',
    ') UNION ALL SELECT name FROM system.tables --',
    'Zürich 🏙️ 東京',
    '%27%20OR%201%3D1',
    '\u202eSN',
  ];
  test("400, 403 or an empty answer; never a 500, never another zone's data", async () => {
    const before = await h.ch.client
      .query({ query: 'SELECT count() AS n FROM analytics_events_raw', format: 'JSONEachRow' })
      .then((r) => r.json<{ n: string }>());
    let checked = 0;
    for (const [p, handler] of Object.entries(route)) {
      for (const name of ROUTE_PARAMETERS[p]!) {
        for (const payload of payloads) {
          for (const token of [waemu, all]) {
            const base: Record<string, string> = { ...RANGE, ...(p === BREAKDOWN ? { by: 'zone' } : {}) };
            const res = await call(handler, p, { ...base, [name]: payload }, token);
            checked++;
            expect([200, 400, 403], `${p} ${name}=${payload}: ${JSON.stringify(res.body)}`).toContain(res.status);
            if (res.status === 400) expect(res.body.error.parameter).toBe(name);
            if (res.status === 200) {
              const body = res.body;
              const rows = body.totals ?? body.series ?? body.rows;
              expect(rows, `${p} ${name}=${payload}`).toEqual([]);
            }
          }
        }
      }
      // Injection in a parameter name is an unknown parameter.
      const res = await call(handler, p, `${new URLSearchParams(RANGE)}&${encodeURIComponent("zone' OR 1=1 --")}=x`, all);
      expect(res.status).toBe(400);
    }
    expect(checked).toBeGreaterThan(300);
    const after = await h.ch.client
      .query({ query: 'SELECT count() AS n FROM analytics_events_raw', format: 'JSONEachRow' })
      .then((r) => r.json<{ n: string }>());
    expect(after).toEqual(before);
  });
});

describe('headers and metrics', () => {
  test('200s carry the CloudFront cache policy, Vary on the token header and CORS for the configured origin', async () => {
    const prev = process.env.CORS_ALLOW_ORIGIN;
    process.env.CORS_ALLOW_ORIGIN = 'https://dashboard.example';
    try {
      const res = await call(h.handlers.overview, OVERVIEW, RANGE, all);
      expect(res.headers['cache-control']).toBe('public, max-age=0, s-maxage=10');
      expect(res.headers.vary).toBe(AUTH_HEADER);
      expect(res.headers['access-control-allow-origin']).toBe('https://dashboard.example');
      expect(res.headers['content-type']).toContain('application/json');
    } finally {
      if (prev === undefined) delete process.env.CORS_ALLOW_ORIGIN;
      else process.env.CORS_ALLOW_ORIGIN = prev;
    }
  });

  test('each request records http_requests_total and http_request_duration_seconds with route and status', async () => {
    const { apiMetrics } = await import('../functions/api/lib/middleware.js');
    const dims = vi.spyOn(apiMetrics, 'addDimensions');
    const metric = vi.spyOn(apiMetrics, 'addMetric');
    const single = vi.spyOn(apiMetrics, 'singleMetric');
    try {
      await call(h.handlers.overview, OVERVIEW, RANGE, all);
      await call(h.handlers.breakdown, BREAKDOWN, RANGE, all);
      await call(h.handlers.timeseries, TIMESERIES, RANGE);
      expect(dims.mock.calls.map((c) => c[0])).toEqual([
        { route: OVERVIEW, status: '200' },
        { route: BREAKDOWN, status: '400' },
        { route: TIMESERIES, status: '401' },
      ]);
      const names = metric.mock.calls.map((c) => c[0]);
      expect(names.filter((n) => n === 'http_requests_total')).toHaveLength(3);
      expect(names.filter((n) => n === 'http_request_duration_seconds')).toHaveLength(3);
      for (const c of metric.mock.calls.filter((x) => x[0] === 'http_request_duration_seconds')) expect(c[2]).toBeGreaterThan(0);
      // Plus one latency copy per request with the service dimension only (the alarm's).
      expect(single).toHaveBeenCalledTimes(3);
    } finally {
      single.mockRestore();
      dims.mockRestore();
      metric.mockRestore();
    }
  });
});

describe('ClickHouse down', () => {
  test('queries answer 500 without internals, health 503; both recover', async () => {
    // Health reuses a healthy verdict for HEALTH_CACHE_MS (api-health.test.ts); here the outage
    // must show at once.
    process.env.HEALTH_CACHE_MS = '0';
    await h.ch.stop();
    try {
      const res = await call(h.handlers.overview, OVERVIEW, RANGE, all);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error; see the function logs' } });
      const health = await call(h.handlers.health, '/api/analytics/health');
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'degraded', clickhouse: 'unreachable' });
      expect(health.headers['cache-control']).toBe('no-store');
    } finally {
      await h.ch.restart();
    }
    expect((await call(h.handlers.health, '/api/analytics/health')).status).toBe(200);
    expect((await call(h.handlers.overview, OVERVIEW, RANGE, all)).status).toBe(200);
    delete process.env.HEALTH_CACHE_MS;
  });
});
