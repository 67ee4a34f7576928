// The local stand-in for CloudFront + Lambda function URLs in front of the REST functions:
// HTTP requests become payload-format-2.0 events, the handler's result becomes the HTTP response,
// and a shared cache keyed like the CloudFront cache policy (path + full query string + the token
// header, AUTH_HEADER) keeps GET answers for as long as their Cache-Control allows (s-maxage, else
// max-age; no-store / no-cache / private are never stored), capped at `cacheTtlSeconds` (the
// policy's MaxTTL, 10 s). Hits carry `X-Cache: Hit from cloudfront` and `Age`, like CloudFront,
// and JSON bodies from 1,000 bytes go out gzip-compressed to clients that accept it (compressed
// once per cache entry), as CloudFront's automatic compression does.
import { AUTH_HEADER } from '../functions/shared/contracts/api.js';
import { listen } from './listen.js';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { FUNCTIONS } from '../functions/catalog.js';
import { lambdaContext } from './lambda-context.js';
import {
  allowedOrigin,
  BodyTooLargeError,
  declaredTooLarge,
  foreignOrigin,
  jsonBody,
  readCappedBody,
  sendAndClose,
  type AllowedOrigins,
} from './origin-guard.js';

/** The REST API takes no request body (GET/HEAD with query parameters): any body is refused. */
export const MAX_REST_BODY_BYTES = 0;

export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface GatewayRoute {
  path: string;
  handler: HttpLambda;
  /** Function name shown in the Lambda context (defaults to the path). */
  name?: string;
}

export interface HttpGatewayOptions {
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  routes: GatewayRoute[];
  /**
   * Non-Lambda endpoints of the local cloud (e.g. /local/dev-token), matched on the exact path
   * first. They answer allowed origins only: a request from any other browser origin gets 403
   * before the route runs; `cors` holds the headers to send back.
   */
  extraRoutes?: Record<string, (req: http.IncomingMessage, res: http.ServerResponse, cors: Record<string, string>) => void | Promise<void>>;
  /** Longest time an answer is kept (CloudFront MaxTTL); default 10. 0 disables the cache. */
  cacheTtlSeconds?: number;
  /**
   * The origins CORS allows (the dashboard's), echoed per request; never `*`. Default
   * `corsAllowOrigin`, else env CORS_ALLOW_ORIGIN (a `*` there allows nothing).
   */
  allowedOrigins?: AllowedOrigins;
  corsAllowOrigin?: string;
  /** Largest request body (default MAX_REST_BODY_BYTES); over it: 413, connection closed. */
  maxBodyBytes?: number;
  /** Clock for cache ages and expiry (tests inject a fake one). */
  now?: () => number;
  /** Entries kept at most; expired ones go first, then the oldest. Default 10 000. */
  maxCacheEntries?: number;
  /** Per-invocation timeout handed to the handler's context, ms (default 30 000). */
  invocationTimeoutMs?: number;
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly stores: number;
  readonly entries: number;
}

export interface HttpGateway {
  url: string;
  port: number;
  cacheStats: CacheStats;
  clearCache(): void;
  close(): Promise<void>;
}

interface StoredResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** gzip of body, computed once per stored response when it is worth compressing. */
  gzipped?: Promise<Buffer>;
  /**
   * Per (CORS origin, encoding): the response head as a flat [name, value, …] list and the body
   * to send, built on first use. A cache hit then writes pre-encoded bytes with precomputed
   * headers: no header merging, no re-encoding.
   */
  prepared?: Map<string, Prepared>;
}

/** Set by the gateway per request (`extra` of send), never taken from a stored response. */
const GATEWAY_HEADERS: readonly string[] = ['x-cache', 'age'];

interface Prepared {
  head: string[];
  body: Buffer;
}

interface CacheEntry extends StoredResponse {
  storedAt: number;
  expiresAt: number;
}

const gzip = promisify(zlib.gzip);
/** CloudFront compresses bodies from 1,000 bytes for clients that accept gzip; so does the gateway. */
const COMPRESS_MIN_BYTES = 1000;

function compressible(r: StoredResponse): boolean {
  const type = String(r.headers['content-type'] ?? '');
  return r.body.length >= COMPRESS_MIN_BYTES && !r.headers['content-encoding'] && /json|text|javascript/.test(type);
}

function acceptsGzip(req: http.IncomingMessage): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The catalog's HTTP functions with their handlers imported (entry files export `handler`). */
export async function httpRoutesFromCatalog(): Promise<GatewayRoute[]> {
  const routes: GatewayRoute[] = [];
  for (const fn of FUNCTIONS) {
    if (fn.trigger.kind !== 'http') continue;
    const mod = (await import(pathToFileURL(path.join(ROOT, fn.entry)).href)) as { handler?: HttpLambda };
    if (typeof mod.handler !== 'function') throw new Error(`${fn.entry} does not export a handler`);
    routes.push({ path: fn.trigger.path, handler: mod.handler, name: fn.id });
  }
  return routes;
}

export interface HttpEventInput {
  method: string;
  path: string;
  rawQueryString?: string;
  /** Header names in any case; they are lower-cased as Lambda does. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  sourceIp?: string;
  timeEpoch?: number;
  domainName?: string;
}

/** A Lambda function URL (payload format 2.0) event for one HTTP request. */
export function buildHttpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  let cookies: string[] | undefined;
  if (headers.cookie !== undefined) {
    cookies = headers.cookie.split(/;\s*/).filter(Boolean);
    delete headers.cookie;
  }
  const rawQueryString = input.rawQueryString ?? '';
  // Payload 2.0: decoded values, a repeated name joined with commas, absent when there is no query.
  let queryStringParameters: Record<string, string> | undefined;
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    queryStringParameters ??= {};
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  }
  const timeEpoch = input.timeEpoch ?? Date.now();
  const domainName = input.domainName ?? headers.host ?? 'localhost';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method.toUpperCase(),
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (input.body !== undefined && input.body !== '') event.body = input.body;
  return event;
}

/** A Lambda context for one invocation (enough for middy and Powertools). */
/** Function URL semantics for a handler's return value (structured result, or any JSON value = 200). */
export function toHttpResponse(result: unknown): StoredResponse {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, unknown>;
      body?: string;
      isBase64Encoded?: boolean;
      cookies?: string[];
    };
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
    return { status: r.statusCode, headers, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
}

/** Seconds a shared cache may keep a response under its Cache-Control (0 = not at all). */
export function sharedCacheTtl(cacheControl: string | undefined): number {
  if (!cacheControl) return 0;
  const directives = new Map<string, string | undefined>();
  for (const part of cacheControl.split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return 0;
  const seconds = Number(directives.get('s-maxage') ?? directives.get('max-age') ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

function jsonError(res: http.ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(body);
}

function defaultOrigins(options: HttpGatewayOptions): AllowedOrigins {
  if (options.allowedOrigins) return options.allowedOrigins;
  const listed = (options.corsAllowOrigin ?? process.env.CORS_ALLOW_ORIGIN ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '' && o !== '*');
  return () => listed;
}

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const now = options.now ?? Date.now;
  const maxTtl = options.cacheTtlSeconds ?? 10;
  const maxEntries = options.maxCacheEntries ?? 10_000;
  const origins = defaultOrigins(options);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_REST_BODY_BYTES;
  const routes = new Map(options.routes.map((r) => [r.path, r]));
  const cache = new Map<string, CacheEntry>();
  // Concurrent misses for one key wait for a single invocation, as CloudFront collapses them.
  const inflight = new Map<string, Promise<StoredResponse>>();
  const stats = { hits: 0, misses: 0, stores: 0 };
  const cacheStats: CacheStats = {
    get hits() {
      return stats.hits;
    },
    get misses() {
      return stats.misses;
    },
    get stores() {
      return stats.stores;
    },
    get entries() {
      return cache.size;
    },
  };

  // The request's origin when it is the dashboard's; nothing otherwise (the browser then withholds
  // the answer from the page). Answers vary by Origin.
  const corsHeaders = (req: http.IncomingMessage): Record<string, string> => {
    const origin = allowedOrigin(req.headers, origins());
    return origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'x-cache, age' } : {};
  };

  const store = (key: string, response: StoredResponse): void => {
    const ttl = Math.min(maxTtl, sharedCacheTtl(response.headers['cache-control'] as string | undefined));
    if (ttl <= 0) return;
    if (compressible(response)) response.gzipped ??= gzip(response.body);
    if (cache.size >= maxEntries) {
      const t = now();
      for (const [k, e] of cache) if (e.expiresAt <= t) cache.delete(k);
      while (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    }
    const storedAt = now();
    cache.set(key, { ...response, storedAt, expiresAt: storedAt + ttl * 1000 });
    stats.stores++;
  };

  // The head and body of `r` for this request's origin and encoding, without the per-request
  // `extra` headers (x-cache, age), which are appended when sent.
  const prepare = async (req: http.IncomingMessage, r: StoredResponse): Promise<Prepared> => {
    const cors = corsHeaders(req);
    const gz = compressible(r) && acceptsGzip(req);
    const key = `${cors['access-control-allow-origin'] ?? ''}\n${gz ? 'gzip' : ''}`;
    const held = r.prepared?.get(key);
    if (held) return held;
    const headers: Record<string, string | string[]> = { ...r.headers, ...cors };
    // The function's own CORS answer (CORS_ALLOW_ORIGIN) is replaced by the per-request one.
    if (!('access-control-allow-origin' in cors)) {
      delete headers['access-control-allow-origin'];
      delete headers['access-control-expose-headers'];
    }
    headers.vary = headers.vary ? `${headers.vary}, Origin` : 'Origin';
    let body = r.body;
    if (compressible(r)) {
      headers.vary = `${headers.vary}, Accept-Encoding`;
      if (gz) {
        r.gzipped ??= gzip(r.body);
        body = await r.gzipped;
        headers['content-encoding'] = 'gzip';
      }
    }
    headers['content-length'] = String(body.length);
    const head: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (GATEWAY_HEADERS.includes(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) head.push(name, v);
    }
    const prepared = { head, body };
    (r.prepared ??= new Map()).set(key, prepared);
    return prepared;
  };

  const send = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    r: StoredResponse,
    extra: Record<string, string>,
    head: boolean,
  ): Promise<void> => {
    const p = await prepare(req, r);
    const lines = p.head.slice();
    for (const name of Object.keys(extra)) lines.push(name, extra[name]!);
    res.writeHead(r.status, lines);
    res.end(head ? undefined : p.body);
  };

  async function invoke(
    route: GatewayRoute,
    req: http.IncomingMessage,
    url: URL,
    rawQueryString: string,
    body: string,
  ): Promise<StoredResponse> {
    const event = buildHttpEvent({
      method: req.method ?? 'GET',
      path: url.pathname,
      rawQueryString,
      // Origin access control signs the request to the function URL and overwrites Authorization:
      // the viewer's value never reaches the function (the token travels in AUTH_HEADER).
      headers: { ...req.headers, authorization: undefined },
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    });
    try {
      return toHttpResponse(await route.handler(event, lambdaContext(route.name ?? route.path, options.invocationTimeoutMs)));
    } catch (err) {
      // An unhandled function error: a function URL answers 502 and the error stays in the logs.
      console.error(`[http-gateway] ${route.path} failed:`, err);
      return {
        status: 502,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: Buffer.from(JSON.stringify({ error: { code: 'internal', message: 'function error' } })),
      };
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const rawQueryString = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : '';
    if (declaredTooLarge(req.headers, maxBodyBytes)) {
      return sendAndClose(
        res,
        413,
        'application/json; charset=utf-8',
        jsonBody('payload_too_large', `request body exceeds ${maxBodyBytes} bytes`),
      );
    }
    const foreign = foreignOrigin(req.headers, origins());
    const extra = Object.hasOwn(options.extraRoutes ?? {}, url.pathname) ? options.extraRoutes![url.pathname] : undefined;
    if (extra) {
      // A local route (a dev token, …) is for the local dashboard only.
      if (foreign) return jsonError(res, 403, 'forbidden', 'this local endpoint answers the local dashboard only', { vary: 'Origin' });
      return void (await extra(req, res, { ...corsHeaders(req), vary: 'Origin' }));
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      if (foreign) return jsonError(res, 403, 'forbidden', 'origin not allowed', { vary: 'Origin' });
      res.writeHead(204, {
        ...corsHeaders(req),
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        // The one header the API reads (the token); nothing else is needed for a GET.
        'access-control-allow-headers': AUTH_HEADER.toLowerCase(),
        'access-control-max-age': '600',
        vary: 'Origin',
      });
      return void res.end();
    }
    const route = routes.get(url.pathname);
    if (!route) return jsonError(res, 404, 'not_found', `no route for ${url.pathname}`, { ...corsHeaders(req), vary: 'Origin' });
    if (method !== 'GET' && method !== 'HEAD') {
      return jsonError(res, 405, 'bad_request', `method ${method} not allowed`, {
        ...corsHeaders(req),
        vary: 'Origin',
        allow: 'GET, HEAD, OPTIONS',
      });
    }
    const head = method === 'HEAD';
    // Read (and capped) before the cache: an oversized body is this request's 413, never shared
    // with the requests waiting on the same key.
    const body = (await readCappedBody(req, maxBodyBytes)).toString('utf8');
    if (maxTtl <= 0) {
      stats.misses++;
      return send(req, res, await invoke(route, req, url, rawQueryString, body), { 'x-cache': 'Miss from cloudfront' }, head);
    }
    // The CloudFront cache policy's key: path, the whole query string as sent, the token header.
    const key = `${url.pathname}?${rawQueryString}\n${req.headers[AUTH_HEADER.toLowerCase()] ?? ''}`;
    const hit = cache.get(key);
    const t = now();
    if (hit && hit.expiresAt > t) {
      stats.hits++;
      return send(req, res, hit, { 'x-cache': 'Hit from cloudfront', age: String(Math.floor((t - hit.storedAt) / 1000)) }, head);
    }
    if (hit) cache.delete(key);
    stats.misses++;
    let pending = inflight.get(key);
    if (!pending) {
      pending = invoke(route, req, url, rawQueryString, body).then((r) => {
        store(key, r);
        return r;
      });
      const p = pending;
      inflight.set(key, p);
      void p.finally(() => inflight.delete(key)).catch(() => undefined);
    }
    await send(req, res, await pending, { 'x-cache': 'Miss from cloudfront' }, head);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof BodyTooLargeError && !res.headersSent) {
        return sendAndClose(res, 413, 'application/json; charset=utf-8', jsonBody('payload_too_large', err.message));
      }
      console.error('[http-gateway] request failed:', err);
      if (!res.headersSent) jsonError(res, 502, 'internal', 'gateway error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  const { port, hostPort } = await listen(server, options.port, options.host);
  return {
    url: `http://${hostPort}`,
    port,
    cacheStats,
    clearCache: () => cache.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
