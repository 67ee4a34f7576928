// What the viewer gets back, as CloudFront sends it: CORS for the dashboard's origin only (echoed
// per request, never `*`; answers vary by Origin), JSON bodies from 1,000 bytes gzip-compressed to
// clients that accept it (once per stored answer), and the gateway's own JSON errors.
import type http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { allowedOrigin, type AllowedOrigins } from '../origin-guard.js';
import type { StoredResponse } from './function-url.js';

const gzip = promisify(zlib.gzip);
/** CloudFront compresses bodies from 1,000 bytes for clients that accept gzip; so does the gateway. */
const COMPRESS_MIN_BYTES = 1000;

export function compressible(r: StoredResponse): boolean {
  const type = String(r.headers['content-type'] ?? '');
  return r.body.length >= COMPRESS_MIN_BYTES && !r.headers['content-encoding'] && /json|text|javascript/.test(type);
}

/** Starts the gzip of a compressible answer (kept on it, so it is computed once). */
export function precompress(r: StoredResponse): void {
  if (compressible(r)) r.gzipped ??= gzip(r.body);
}

function acceptsGzip(req: http.IncomingMessage): boolean {
  return /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
}

/** The dashboard origins, else `corsAllowOrigin` / env CORS_ALLOW_ORIGIN (a `*` there allows nothing). */
export function defaultOrigins(options: { allowedOrigins?: AllowedOrigins; corsAllowOrigin?: string }): AllowedOrigins {
  if (options.allowedOrigins) return options.allowedOrigins;
  const listed = (options.corsAllowOrigin ?? process.env.CORS_ALLOW_ORIGIN ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '' && o !== '*');
  return () => listed;
}

/**
 * The request's origin when it is the dashboard's; nothing otherwise (the browser then withholds
 * the answer from the page).
 */
export function corsHeaders(req: http.IncomingMessage, origins: AllowedOrigins): Record<string, string> {
  const origin = allowedOrigin(req.headers, origins());
  return origin ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'x-cache, age' } : {};
}

export function jsonError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra });
  res.end(body);
}

export async function sendToViewer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  r: StoredResponse,
  extra: Record<string, string>,
  head: boolean,
  origins: AllowedOrigins,
): Promise<void> {
  const cors = corsHeaders(req, origins);
  const headers: Record<string, string | string[]> = { ...r.headers, ...cors, ...extra };
  // The function's own CORS answer (CORS_ALLOW_ORIGIN) is replaced by the per-request one.
  if (!('access-control-allow-origin' in cors)) {
    delete headers['access-control-allow-origin'];
    delete headers['access-control-expose-headers'];
  }
  headers.vary = headers.vary ? `${headers.vary}, Origin` : 'Origin';
  let body = r.body;
  if (compressible(r)) {
    headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : 'Accept-Encoding';
    if (acceptsGzip(req)) {
      precompress(r);
      body = await r.gzipped!;
      headers['content-encoding'] = 'gzip';
    }
  }
  headers['content-length'] = String(body.length);
  res.writeHead(r.status, headers);
  res.end(head ? undefined : body);
}
