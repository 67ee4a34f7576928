// The local CloudFront + function URL stand-in: payload-2.0 events, the shared 10 s cache keyed on
// path + query + the token header (counted at the ClickHouse server), CORS preflight, 404/405.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startApiHarness, type ApiHarness } from './support/api-harness.js';
import { httpRoutesFromCatalog, startHttpGateway, sharedCacheTtl, type HttpGateway } from '../local/http-gateway.js';
import { FUNCTIONS } from '../functions/catalog.js';
import { AUTH_HEADER, bearerHeaders } from '../contracts/api.js';
import { REQUIRED_PARAMETERS } from '../functions/api/lib/params.js';

const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY;
const QS = new URLSearchParams({ from: new Date(END - DAY).toISOString(), to: new Date(END).toISOString() }).toString();

let h: ApiHarness;
let gw: HttpGateway;
let clock = 1_000_000;
const echoed: APIGatewayProxyEventV2[] = [];
let token: string;

beforeAll(async () => {
  h = await startApiHarness({ seed: 5, count: 800, end: END, spanMs: DAY });
  token = await h.token(['*']);
  const routes = await httpRoutesFromCatalog();
  routes.push({
    path: '/test/echo',
    handler: async (event) => {
      echoed.push(event);
      return { statusCode: 200, headers: { 'Cache-Control': 'public, s-maxage=10' }, body: JSON.stringify({ n: echoed.length }) };
    },
  });
  gw = await startHttpGateway({
    port: 0,
    routes,
    now: () => clock,
    corsAllowOrigin: 'http://localhost:3004',
    extraRoutes: { '/local/ping': (_req, res) => void res.end('pong') },
  });
});
afterAll(async () => {
  await gw?.close();
  await h?.close();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${gw.url}${path}`, { method, headers });
const queries = () => h.ch.server.stats.queries;

describe('routes', () => {
  test('every HTTP function of the catalog is served', async () => {
    const paths = FUNCTIONS.flatMap((f) => (f.trigger.kind === 'http' ? [f.trigger.path] : []));
    expect(paths).toHaveLength(8);
    for (const p of paths) {
      const res = await get(p, bearerHeaders(token));
      expect(res.status, p).toBe(REQUIRED_PARAMETERS[p]?.length ? 400 : 200); // breakdown and failures need `by`
      expect(res.headers.get('content-type')).toContain('application/json');
    }
  });

  test('the handler receives a payload 2.0 event', async () => {
    const before = echoed.length;
    await get('/test/echo?b=2&a=x%20y&a=z', {
      'X-Custom-Header': 'Yes',
      Authorization: 'Bearer abc',
      [AUTH_HEADER]: 'Bearer abc',
      Cookie: 'k=v; k2=v2',
    });
    const e = echoed[before]!;
    expect(e).toMatchObject({
      version: '2.0',
      rawPath: '/test/echo',
      rawQueryString: 'b=2&a=x%20y&a=z',
      queryStringParameters: { b: '2', a: 'x y,z' },
      isBase64Encoded: false,
      cookies: ['k=v', 'k2=v2'],
      requestContext: { http: { method: 'GET', path: '/test/echo', sourceIp: '127.0.0.1' } },
    });
    expect(e.headers['x-custom-header']).toBe('Yes');
    // Origin access control overwrites Authorization: the viewer's value never reaches the function.
    expect(e.headers.authorization).toBeUndefined();
    expect(e.headers[AUTH_HEADER.toLowerCase()]).toBe('Bearer abc');
    expect(typeof e.requestContext.timeEpoch).toBe('number');
  });

  test('unknown path 404 JSON, other methods 405, extra routes, CORS preflight', async () => {
    const missing = await get('/api/analytics/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await get('/api/analytics/health', {}, 'POST')).status).toBe(405);
    expect(await (await get('/local/ping')).text()).toBe('pong');
    const pre = await get(
      '/api/analytics/overview',
      {
        origin: 'http://localhost:3004',
        'access-control-request-method': 'GET',
        'access-control-request-headers': AUTH_HEADER.toLowerCase(),
      },
      'OPTIONS',
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:3004');
    // Only the token header is allowed, whatever the preflight asks for; other origins are refused.
    expect(pre.headers.get('access-control-allow-headers')).toBe(AUTH_HEADER.toLowerCase());
    const foreign = await get(
      '/api/analytics/overview',
      { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
      'OPTIONS',
    );
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    expect((await get('/local/ping', { origin: 'http://evil.example' })).status).toBe(403);
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
  });
});

describe('the shared cache', () => {
  test('a cached answer is served without reaching ClickHouse, and expires after 10 s', async () => {
    gw.clearCache();
    const path = `/api/analytics/overview?${QS}`;
    const auth = bearerHeaders(token);
    const q0 = queries();
    const first = await get(path, auth);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('Miss from cloudfront');
    expect(first.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=10');
    const body = await first.text();
    const q1 = queries();
    expect(q1).toBeGreaterThan(q0);

    clock += 9_999;
    const second = await get(path, auth);
    expect(second.headers.get('x-cache')).toBe('Hit from cloudfront');
    expect(second.headers.get('age')).toBe('9');
    expect(await second.text()).toBe(body);
    expect(queries()).toBe(q1);

    clock += 1; // 10 s after it was stored
    const third = await get(path, auth);
    expect(third.headers.get('x-cache')).toBe('Miss from cloudfront');
    expect(await third.text()).toBe(body);
    expect(queries()).toBeGreaterThan(q1);
  });

  test('different tokens, or a different query, never share an entry', async () => {
    gw.clearCache();
    const path = `/api/analytics/overview?${QS}`;
    const other = await h.token(['*']).then(async (t) => (t === token ? h.token(['*'], 3599) : t));
    const scoped = await h.token(['CEMAC']);
    const a = await get(path, bearerHeaders(token));
    const q = queries();
    const b = await get(path, bearerHeaders(other));
    expect(b.headers.get('x-cache')).toBe('Miss from cloudfront');
    expect(queries()).toBeGreaterThan(q);
    const c = await get(path, bearerHeaders(scoped));
    expect(c.headers.get('x-cache')).toBe('Miss from cloudfront');
    const scopedBody = (await c.json()) as { totals: Array<{ currency: string }> };
    expect(scopedBody.totals.every((r) => r.currency === 'XAF' || r.currency === 'USD')).toBe(true);
    expect(await a.text()).not.toBe(JSON.stringify(scopedBody));
    // No token: 401, not the cached answer of a token holder.
    const anon = await get(path);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('x-cache')).toBe('Miss from cloudfront');
    // A different query string is a different key.
    const d = await get(`${path}&type=invoice.paid`, bearerHeaders(token));
    expect(d.headers.get('x-cache')).toBe('Miss from cloudfront');
    expect((await get(path, bearerHeaders(token))).headers.get('x-cache')).toBe('Hit from cloudfront');
  });

  test('no-store answers (errors, health) are never cached', async () => {
    gw.clearCache();
    for (let i = 0; i < 2; i++) {
      const res = await get('/api/analytics/health');
      expect(res.headers.get('x-cache')).toBe('Miss from cloudfront');
      const bad = await get(`/api/analytics/overview?${QS}&zone=`, bearerHeaders(token));
      expect(bad.status).toBe(400);
      expect(bad.headers.get('x-cache')).toBe('Miss from cloudfront');
    }
    expect(gw.cacheStats.entries).toBe(0);
  });

  test('concurrent misses for one key make a single invocation', async () => {
    gw.clearCache();
    const before = echoed.length;
    const res = await Promise.all(Array.from({ length: 5 }, () => get('/test/echo?burst=1')));
    const bodies = await Promise.all(res.map((r) => r.json()));
    expect(echoed.length - before).toBe(1);
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  test('large JSON goes out gzip-compressed to clients that accept it, identical once decoded', async () => {
    gw.clearCache();
    const path = `/api/analytics/timeseries?${QS}&granularity=minute&metric=volume`;
    const auth = bearerHeaders(token);
    const plain = await get(path, { ...auth, 'accept-encoding': 'identity' });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const text = await plain.text();
    expect(text.length).toBeGreaterThan(10_000);
    for (let i = 0; i < 2; i++) {
      const zipped = await get(path, { ...auth, 'accept-encoding': 'gzip, br' });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      expect(zipped.headers.get('x-cache')).toBe('Hit from cloudfront');
      // CORS is answered per Origin, compression per Accept-Encoding: both are in Vary.
      expect(zipped.headers.get('vary')).toBe(`${AUTH_HEADER}, Origin, Accept-Encoding`);
      expect(await zipped.text()).toBe(text);
    }
  });

  test('one cached entry answers each Origin and encoding with its own head: CORS, Age, Content-Length', async () => {
    gw.clearCache();
    const path = `/api/analytics/overview?${QS}`;
    const auth = bearerHeaders(token);
    const miss = await get(path, { ...auth, origin: 'http://localhost:3004', 'accept-encoding': 'identity' });
    expect(miss.headers.get('x-cache')).toBe('Miss from cloudfront');
    const text = await miss.text();
    expect(Buffer.byteLength(text)).toBeGreaterThan(1000); // large enough to be compressed
    clock += 2_000;
    const asks = [
      { origin: 'http://localhost:3004', enc: 'identity' },
      { origin: undefined, enc: 'identity' },
      { origin: 'http://localhost:3004', enc: 'gzip' },
      { origin: undefined, enc: 'gzip' },
      { origin: 'http://localhost:3004', enc: 'identity' },
    ];
    for (const { origin, enc } of asks) {
      const res = await get(path, { ...auth, 'accept-encoding': enc, ...(origin ? { origin } : {}) });
      expect(res.headers.get('x-cache')).toBe('Hit from cloudfront');
      expect(res.headers.get('age')).toBe('2');
      expect(res.headers.get('access-control-allow-origin')).toBe(origin ?? null);
      expect(res.headers.get('content-encoding')).toBe(enc === 'gzip' ? 'gzip' : null);
      // The length of the bytes sent: the body itself, or its (smaller) gzip.
      const length = Number(res.headers.get('content-length'));
      if (enc === 'gzip') expect(length).toBeLessThan(Buffer.byteLength(text));
      else expect(length).toBe(Buffer.byteLength(text));
      expect(await res.text()).toBe(text);
    }
  });

  test('TTL follows Cache-Control, capped at the configured maximum', () => {
    expect(sharedCacheTtl('public, max-age=0, s-maxage=10')).toBe(10);
    expect(sharedCacheTtl('public, max-age=30')).toBe(30);
    expect(sharedCacheTtl('no-store')).toBe(0);
    expect(sharedCacheTtl('private, max-age=60')).toBe(0);
    expect(sharedCacheTtl(undefined)).toBe(0);
  });

  test('the OpenAPI document (s-maxage=300) is kept only the gateway maximum, 10 s', async () => {
    gw.clearCache();
    await get('/api/analytics/openapi.json');
    clock += 9_000;
    expect((await get('/api/analytics/openapi.json')).headers.get('x-cache')).toBe('Hit from cloudfront');
    clock += 1_000;
    expect((await get('/api/analytics/openapi.json')).headers.get('x-cache')).toBe('Miss from cloudfront');
  });
});
