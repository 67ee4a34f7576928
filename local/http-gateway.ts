// The local stand-in for CloudFront + Lambda function URLs in front of the REST functions:
// HTTP requests become payload-format-2.0 events and the handler's result the HTTP answer
// (http/function-url.ts), GET answers are shared by a cache keyed like the CloudFront cache policy
// (http/edge-cache.ts: path + full query string + AUTH_HEADER, Cache-Control capped at the
// policy's MaxTTL, 10 s; hits carry `X-Cache: Hit from cloudfront` and `Age`), and answers go out
// with CORS for the dashboard only and gzip like CloudFront's automatic compression
// (http/viewer-response.ts). This file routes a request through those pieces.
import http from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { AUTH_HEADER } from '../contracts/api.js';
import { EdgeCache, X_CACHE, cacheKey, type CacheStats } from './http/edge-cache.js';
import { buildHttpEvent, functionErrorResponse, toHttpResponse, type StoredResponse } from './http/function-url.js';
import { corsHeaders, defaultOrigins, jsonError, precompress, sendToViewer } from './http/viewer-response.js';
import { lambdaContext } from './lambda-context.js';
import { BodyTooLargeError, declaredTooLarge, readCappedBody } from './lib/body.js';
import { catalogHandlers } from './lib/catalog.js';
import { listen } from './listen.js';
import { foreignOrigin, jsonBody, sendAndClose, type AllowedOrigins } from './origin-guard.js';

export { buildHttpEvent, toHttpResponse, type HttpEventInput } from './http/function-url.js';
export { X_CACHE, sharedCacheTtl, type CacheStats } from './http/edge-cache.js';

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

export interface HttpGateway {
  url: string;
  port: number;
  cacheStats: CacheStats;
  clearCache(): void;
  close(): Promise<void>;
}

/** The catalog's HTTP functions with their handlers imported (entry files export `handler`). */
export async function httpRoutesFromCatalog(): Promise<GatewayRoute[]> {
  return (await catalogHandlers<'http', HttpLambda>('http')).map(({ def, handler }) => ({ path: def.trigger.path, handler, name: def.id }));
}

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const maxTtl = options.cacheTtlSeconds ?? 10;
  const origins = defaultOrigins(options);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_REST_BODY_BYTES;
  const routes = new Map(options.routes.map((r) => [r.path, r]));
  const cache = new EdgeCache({
    maxTtlSeconds: maxTtl,
    maxEntries: options.maxCacheEntries ?? 10_000,
    now: options.now ?? Date.now,
    onStore: precompress,
  });
  const cors = (req: http.IncomingMessage) => ({ ...corsHeaders(req, origins), vary: 'Origin' });

  async function invoke(
    route: GatewayRoute,
    req: http.IncomingMessage,
    path: string,
    rawQueryString: string,
    body: string,
  ): Promise<StoredResponse> {
    const event = buildHttpEvent({
      method: req.method ?? 'GET',
      path,
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
      return functionErrorResponse();
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
      return void (await extra(req, res, cors(req)));
    }
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      if (foreign) return jsonError(res, 403, 'forbidden', 'origin not allowed', { vary: 'Origin' });
      res.writeHead(204, {
        ...cors(req),
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        // The one header the API reads (the token); nothing else is needed for a GET.
        'access-control-allow-headers': AUTH_HEADER.toLowerCase(),
        'access-control-max-age': '600',
      });
      return void res.end();
    }
    const route = routes.get(url.pathname);
    if (!route) return jsonError(res, 404, 'not_found', `no route for ${url.pathname}`, cors(req));
    if (method !== 'GET' && method !== 'HEAD') {
      return jsonError(res, 405, 'bad_request', `method ${method} not allowed`, { ...cors(req), allow: 'GET, HEAD, OPTIONS' });
    }
    const head = method === 'HEAD';
    // Read (and capped) before the cache: an oversized body is this request's 413, never shared
    // with the requests waiting on the same key.
    const body = (await readCappedBody(req, maxBodyBytes)).toString('utf8');
    const origin = () => invoke(route, req, url.pathname, rawQueryString, body);
    if (maxTtl <= 0) {
      cache.bypass();
      return sendToViewer(req, res, await origin(), { 'x-cache': X_CACHE.miss }, head, origins);
    }
    const found = cache.lookup(cacheKey(url.pathname, rawQueryString, req.headers[AUTH_HEADER.toLowerCase()]), origin);
    if (found.hit) {
      return sendToViewer(req, res, found.response, { 'x-cache': X_CACHE.hit, age: String(found.ageSeconds) }, head, origins);
    }
    await sendToViewer(req, res, await found.response, { 'x-cache': X_CACHE.miss }, head, origins);
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
    cacheStats: cache.stats,
    clearCache: () => cache.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
