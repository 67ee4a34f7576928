import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUTH_HEADER, parseWebConfig } from '../../contracts/index.js';
import { ApiClient, ApiHttpError, describeError } from './api.js';
import { Auth, type AuthEnv, TOKEN_KEY, loginRedirectUrl, tokenFromFragment } from './auth.js';

// A real HTTP server standing in for the REST gateway and the local dev-token endpoint.
let server: Server;
let base = '';
const seen: string[] = [];
let devTokens = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/local/dev-token') {
      devTokens += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `dev-${devTokens}` }));
      return;
    }
    seen.push(`${req.headers[AUTH_HEADER.toLowerCase()]} ${url.pathname}${url.search}`);
    if (req.headers[AUTH_HEADER.toLowerCase()] === 'Bearer expired') {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'unauthorized', message: 'token expired' } }));
    } else if (url.searchParams.get('zone') === 'CEMAC') {
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'forbidden', message: 'zone CEMAC is outside your scope', parameter: 'zone' } }));
    } else {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, query: Object.fromEntries(url.searchParams) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function memoryEnv(href: string): AuthEnv & { store: Map<string, string>; visited: string[]; current: string } {
  const store = new Map<string, string>();
  const env = {
    store,
    visited: [] as string[],
    current: href,
    storage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
    href: () => env.current,
    replaceUrl: (u: string) => void (env.current = u),
    navigate: (u: string) => void env.visited.push(u),
  };
  return env;
}

describe('auth', () => {
  it('takes the token from the URL fragment, keeps it in session storage and cleans the URL', () => {
    const env = memoryEnv('https://dash.example/?zone=WAEMU#token=abc.def&x=1');
    const auth = new Auth({ apiBaseUrl: base, wsUrl: 'ws://127.0.0.1:1', loginUrl: 'https://id.molam.example/login' }, env);
    expect(env.store.get(TOKEN_KEY)).toBe('abc.def');
    expect(env.current).toBe('https://dash.example/?zone=WAEMU#x=1');
    return expect(auth.token()).resolves.toBe('abc.def');
  });

  it('builds the login URL with a return URL', () => {
    expect(loginRedirectUrl('https://id.molam.example/login', 'https://dash.example/?range=1h')).toBe(
      'https://id.molam.example/login?return_to=https%3A%2F%2Fdash.example%2F%3Frange%3D1h',
    );
    expect(loginRedirectUrl('https://id.example/a?next={returnUrl}', 'https://d/?a=1')).toBe(
      'https://id.example/a?next=https%3A%2F%2Fd%2F%3Fa%3D1',
    );
    expect(tokenFromFragment('https://d/#token=t1')).toEqual({ token: 't1', url: 'https://d/' });
  });

  it('after a 401 goes to the login page when there is no dev token service', async () => {
    const env = memoryEnv('https://dash.example/?range=1h');
    env.store.set(TOKEN_KEY, 'expired');
    const auth = new Auth({ apiBaseUrl: base, wsUrl: 'ws://127.0.0.1:1', loginUrl: 'https://id.molam.example/login' }, env);
    const api = new ApiClient(`${base}/api/analytics`, auth);
    const pending = api.get('/overview', { from: 'a' });
    await vi.waitFor(() => expect(env.visited.length).toBe(1), { timeout: 10_000 });
    expect(env.visited).toEqual(['https://id.molam.example/login?return_to=https%3A%2F%2Fdash.example%2F%3Frange%3D1h']);
    expect(env.store.has(TOKEN_KEY)).toBe(false);
    void pending;
  });
});

describe('ApiClient', () => {
  it('gets a dev token, sends it as a bearer token and drops empty parameters', async () => {
    const env = memoryEnv('http://127.0.0.1:3004/');
    const auth = new Auth({ apiBaseUrl: base, wsUrl: 'ws://127.0.0.1:1', devTokenUrl: `${base}/local/dev-token` }, env);
    const api = new ApiClient(`${base}/api/analytics`, auth);
    const body = await api.get<{ query: Record<string, string> }>('/overview', {
      from: '2026-11-27T10:00:00Z',
      to: '2026-11-27T11:00:00Z',
      zone: undefined,
      city: '',
    });
    expect(body.query).toEqual({ from: '2026-11-27T10:00:00Z', to: '2026-11-27T11:00:00Z' });
    expect(seen.at(-1)).toMatch(/^Bearer dev-\d+ \/api\/analytics\/overview\?from=/);
  });

  it('renews an expired token once and retries', async () => {
    const env = memoryEnv('http://127.0.0.1:3004/');
    env.store.set(TOKEN_KEY, 'expired');
    const auth = new Auth({ apiBaseUrl: base, wsUrl: 'ws://127.0.0.1:1', devTokenUrl: `${base}/local/dev-token` }, env);
    const api = new ApiClient(`${base}/api/analytics`, auth);
    const before = seen.length;
    await expect(api.get('/breakdown', { by: 'zone' })).resolves.toMatchObject({ ok: true });
    expect(seen.slice(before).map((s) => s.split(' ')[1])).toEqual(['expired', `dev-${devTokens}`]);
    expect(env.store.get(TOKEN_KEY)).toBe(`dev-${devTokens}`);
  });

  it('turns API errors into messages that say what happened', async () => {
    const env = memoryEnv('http://127.0.0.1:3004/');
    env.store.set(TOKEN_KEY, 'good');
    const api = new ApiClient(`${base}/api/analytics`, new Auth({ apiBaseUrl: base, wsUrl: 'ws://127.0.0.1:1' }, env));
    const err = await api.get('/overview', { zone: 'CEMAC' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiHttpError);
    expect((err as ApiHttpError).status).toBe(403);
    expect((err as ApiHttpError).parameter).toBe('zone');
    expect(describeError(err)).toBe('Access denied: zone CEMAC is outside your scope');
    const unreachable = new ApiClient('http://127.0.0.1:9/api/analytics', new Auth({ apiBaseUrl: base, wsUrl: 'ws://127.0.0.1:1' }, env));
    expect(describeError(await unreachable.get('/overview', {}).catch((e: unknown) => e))).toMatch(/cannot be reached/);
  });
});

describe('runtime config', () => {
  it('accepts the local config and rejects bad ones naming the field', () => {
    expect(
      parseWebConfig({
        apiBaseUrl: 'http://127.0.0.1:3002/api/analytics/',
        wsUrl: 'ws://127.0.0.1:3003',
        devTokenUrl: 'http://127.0.0.1:3002/local/dev-token',
      }),
    ).toEqual({
      apiBaseUrl: 'http://127.0.0.1:3002/api/analytics',
      wsUrl: 'ws://127.0.0.1:3003',
      devTokenUrl: 'http://127.0.0.1:3002/local/dev-token',
    });
    expect(() => parseWebConfig({ wsUrl: 'ws://x' })).toThrow(/apiBaseUrl is required/);
    expect(() => parseWebConfig({ apiBaseUrl: 'http://x', wsUrl: 'http://x' })).toThrow(/wsUrl must use ws: or wss:/);
    expect(() => parseWebConfig({ apiBaseUrl: 'http://x', wsUrl: 'wss://x', loginUrl: 'relative/login' })).toThrow(
      /loginUrl is not an absolute URL/,
    );
    expect(() => parseWebConfig([])).toThrow(/JSON object/);
  });
});
