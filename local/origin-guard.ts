// The local endpoints answer the local dashboard only. A web page on any other origin must not
// mint tokens, run ClickHouse statements or write DynamoDB items through the browser of whoever
// runs `npm start`. Browsers always send `Origin` on cross-origin requests (including "simple"
// POSTs that skip the preflight); the real @clickhouse/client, the AWS SDK and curl send none, so
// "no Origin, or the dashboard's" keeps every legitimate caller working.
import type http from 'node:http';
import { declaredTooLarge } from './lib/body.js';

/** The origins allowed right now (the dashboard's port is known only once it listens). */
export type AllowedOrigins = () => readonly string[];

/** `http://127.0.0.1:3004` also reached as `http://localhost:3004`: the same local dashboard. */
export function dashboardOrigins(dashboardUrl: string | undefined): string[] {
  if (!dashboardUrl) return [];
  const url = new URL(dashboardUrl);
  const origins = [url.origin];
  if (url.hostname === '127.0.0.1') origins.push(`${url.protocol}//localhost${url.port ? `:${url.port}` : ''}`);
  return origins;
}

function originOf(headers: http.IncomingHttpHeaders): string | undefined {
  const value = headers.origin;
  return Array.isArray(value) ? value[0] : value;
}

/** The request's Origin when it is an allowed one (to echo in Access-Control-Allow-Origin). */
export function allowedOrigin(headers: http.IncomingHttpHeaders, allowed: readonly string[]): string | undefined {
  const origin = originOf(headers);
  return origin !== undefined && allowed.includes(origin) ? origin : undefined;
}

/** True when a browser on another origin sent this request (an Origin header that is not allowed). */
export function foreignOrigin(headers: http.IncomingHttpHeaders, allowed: readonly string[]): boolean {
  const origin = originOf(headers);
  return origin !== undefined && !allowed.includes(origin);
}

/** How long the rest of a refused upload is discarded (not buffered) before the socket is cut. */
const DISCARD_MS = 1_000;

/**
 * Answers and closes the connection. The rest of a refused upload is discarded, never kept, for
 * up to DISCARD_MS: cutting the socket while the client still writes would reset the connection,
 * and a reset can drop the answer before the client reads it.
 */
export function sendAndClose(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  const req = res.req;
  const socket = req.socket;
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    connection: 'close',
  });
  req.removeAllListeners('data');
  req.resume();
  res.end(body, () => setTimeout(() => socket?.destroy(), DISCARD_MS).unref());
}

export function jsonBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Wraps a server's request handling (dynalite, the stream tap): requests from a foreign origin
 * get 403 and oversized declared bodies 413 before the wrapped handler sees them.
 */
export function guardServer(server: http.Server, allowed: AllowedOrigins, maxBodyBytes: number): void {
  const inner = server.listeners('request') as Array<(req: http.IncomingMessage, res: http.ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (foreignOrigin(req.headers, allowed())) {
      return sendAndClose(res, 403, 'application/json', jsonBody('forbidden_origin', 'cross-origin browser requests are refused'));
    }
    if (declaredTooLarge(req.headers, maxBodyBytes)) {
      return sendAndClose(res, 413, 'application/json', jsonBody('payload_too_large', `request body exceeds ${maxBodyBytes} bytes`));
    }
    for (const listener of inner) listener.call(server, req, res);
  });
}
