// Local stand-in for an API Gateway WebSocket API: a real `ws` server that turns upgrades,
// messages and closes into API Gateway WebSocket events for the same route handlers, and the
// `@connections` management API on the same port, shaped so the real
// @aws-sdk/client-apigatewaymanagementapi works against it with only an endpoint override.
// The idle timeout and maximum connection age are enforced like API Gateway does (10 min, 2 h by
// default), so client keep-alive and reconnect logic really runs.
// One client cannot stall the others: each connection's messages run one at a time from a bounded
// queue (beyond MAX_QUEUED_MESSAGES a message is refused with `rate_limited`, as API Gateway's
// throttling refuses it), and a connection that stops reading (more than maxBufferedBytes waiting
// in its socket) is cut and answers 410 to @connections, instead of buffering without end.
import { listen } from './listen.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import { catalogHandlers } from './lib/catalog.js';
import { REPO_ROOT } from './lib/repo-root.js';
import type { WsEvent } from '../functions/shared/ws-management.js';
import { MAX_QUEUED_MESSAGES, isWsAction, type ErrorMessage } from '../functions/shared/contracts/ws.js';

export type WsRouteKey = '$connect' | '$disconnect' | '$default' | 'subscribe' | 'unsubscribe' | 'ping' | 'resume';

/** A route handler as the gateway calls it (a Lambda handler: event + context). */
export type WsRouteHandler = (event: WsEvent, context: Context) => Promise<unknown>;

export interface StartWsGatewayOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral); the local cloud passes 3003. */
  port?: number;
  /** Handlers by route key (see wsHandlersFromCatalog). */
  handlers: Partial<Record<WsRouteKey, WsRouteHandler>>;
  /** Closes a connection without a client message for this long (API Gateway: 10 min). */
  idleTimeoutMs?: number;
  /** Closes every connection at this age (API Gateway: 2 h). */
  maxAgeMs?: number;
  /** Stage name in events (and accepted as a path prefix of the management API). Default 'local'. */
  stage?: string;
  /** apiId in events. Default 'local'. */
  apiId?: string;
  /** Largest client message (API Gateway: 128 KB). */
  maxMessageBytes?: number;
  /** Client messages queued per connection before refusing more (default MAX_QUEUED_MESSAGES). */
  maxQueuedMessages?: number;
  /** Bytes waiting in a connection's socket past which it is cut as not reading (default 4 MiB). */
  maxBufferedBytes?: number;
}

export interface WsGateway {
  /** ws://host:port — clients add `?token=…`. */
  url: string;
  /** http://host:port — WS_MANAGEMENT_ENDPOINT for the handlers. */
  managementEndpoint: string;
  port: number;
  /** Open connections right now. */
  readonly connections: number;
  /** Ids of the open connections. */
  connectionIds(): string[];
  /** Closes every connection (each gets its $disconnect) and the server. */
  close(): Promise<void>;
}

interface Conn {
  id: string;
  ws: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  idleTimer?: NodeJS.Timeout;
  ageTimer?: NodeJS.Timeout;
  /** Messages waiting for their route handler (one runs at a time per connection). */
  queue: WsEvent[];
  running: boolean;
  /** Messages refused since the last log line about it. */
  dropped: number;
}

const MAX_POST_BYTES = 128 * 1024;

/**
 * The route handlers of the function catalog (every `websocket` trigger), imported from their
 * entry files under `root` (the repository root).
 */
export async function wsHandlersFromCatalog(root: string = REPO_ROOT): Promise<Record<WsRouteKey, WsRouteHandler>> {
  const out: Partial<Record<WsRouteKey, WsRouteHandler>> = {};
  for (const { def, handler } of await catalogHandlers<'websocket', WsRouteHandler>('websocket', root)) {
    out[def.trigger.routeKey] = (event) => handler(event, lambdaContext(def.id));
  }
  return out as Record<WsRouteKey, WsRouteHandler>;
}

/** API Gateway connection ids look like `L0SM9cOFvHcCIhw=`: 15 base64 characters and a pad. */
function newConnectionId(): string {
  return randomBytes(11).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

function statusOf(result: unknown): number {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const code = Number((result as { statusCode: unknown }).statusCode);
    return Number.isFinite(code) ? code : 200;
  }
  return 200;
}

function httpReason(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      500: 'Internal Server Error',
      503: 'Service Unavailable',
    }[status] ?? 'Error'
  );
}

function firstValues(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]!]));
}

function queryOf(url: URL): { single?: Record<string, string>; multi?: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multi[k] ??= []).push(v);
  return Object.keys(multi).length === 0 ? {} : { single: firstValues(multi), multi };
}

function headersOf(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // API Gateway passes header names as sent.
    (multi[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return { single: firstValues(multi), multi };
}

function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  const payload = Buffer.from(body, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${httpReason(status)}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${payload.length}\r\n\r\n${payload.toString('utf8')}`,
  );
}

function sendError(res: ServerResponse, status: number, type: string, message: string | null): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startWsGateway(options: StartWsGatewayOptions): Promise<WsGateway> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const apiId = options.apiId ?? 'local';
  const idleTimeoutMs = options.idleTimeoutMs ?? 10 * 60_000;
  const maxAgeMs = options.maxAgeMs ?? 2 * 60 * 60_000;
  const handlers = options.handlers;
  const maxQueued = options.maxQueuedMessages ?? MAX_QUEUED_MESSAGES;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const conns = new Map<string, Conn>();
  const inflight = new Set<Promise<unknown>>();
  let domainName = host;

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  function requestContext(
    id: string,
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    connectedAt: number,
    ident: { sourceIp: string; userAgent: string },
  ): WsEvent['requestContext'] {
    const now = Date.now();
    const requestId = randomBytes(6).toString('base64');
    return {
      routeKey,
      messageId: eventType === 'MESSAGE' ? randomBytes(6).toString('base64') : (undefined as unknown as string),
      eventType,
      extendedRequestId: requestId,
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage,
      connectedAt,
      requestTimeEpoch: now,
      requestId,
      domainName,
      connectionId: id,
      apiId,
      identity: ident,
    };
  }

  async function invoke(routeKey: WsRouteKey, event: WsEvent): Promise<unknown> {
    const handler = handlers[routeKey];
    if (!handler) return { statusCode: 200 };
    return handler(event, lambdaContext(routeKey));
  }

  function armIdle(conn: Conn): void {
    const due = conn.lastActiveAt + idleTimeoutMs - Date.now();
    conn.idleTimer = setTimeout(
      () => {
        // Activity since the timer was set pushes the deadline instead of re-arming on every message.
        if (Date.now() - conn.lastActiveAt >= idleTimeoutMs) conn.ws.close(1001, 'Going away');
        else armIdle(conn);
      },
      Math.max(1, due),
    );
    conn.idleTimer.unref();
  }

  function onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    conn.lastActiveAt = Date.now();
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    let routeKey: WsRouteKey = '$default';
    let body: string;
    let isBase64Encoded = false;
    if (isBinary) {
      body = buf.toString('base64');
      isBase64Encoded = true;
    } else {
      body = buf.toString('utf8');
      // Route selection expression: $request.body.action.
      try {
        const parsed: unknown = JSON.parse(body);
        const action = parsed && typeof parsed === 'object' ? (parsed as { action?: unknown }).action : undefined;
        // An own-list lookup: `__proto__`, `constructor`, `toString`… are unknown actions ($default).
        if (isWsAction(action) && Object.hasOwn(handlers, action)) routeKey = action;
      } catch {
        /* not JSON: $default */
      }
    }
    const event: WsEvent = {
      requestContext: requestContext(conn.id, routeKey, 'MESSAGE', conn.connectedAt, {
        sourceIp: conn.sourceIp,
        userAgent: conn.userAgent,
      }),
      body,
      isBase64Encoded,
    };
    if (conn.queue.length >= maxQueued) {
      const refusal: ErrorMessage = {
        type: 'error',
        code: 'rate_limited',
        message: `too many messages in flight (at most ${maxQueued} queued per connection); this one was dropped`,
      };
      if (conn.ws.bufferedAmount <= maxBuffered) conn.ws.send(JSON.stringify(refusal));
      // One log line per flood (when the queue has drained), not one per refused message.
      conn.dropped++;
      return;
    }
    conn.queue.push(event);
    if (!conn.running) track(drain(conn));
  }

  /** Runs a connection's queued messages one at a time (as they arrived). */
  async function drain(conn: Conn): Promise<void> {
    conn.running = true;
    try {
      for (let event = conn.queue.shift(); event; event = conn.queue.shift()) {
        const routeKey = event.requestContext.routeKey as WsRouteKey;
        await invoke(routeKey, event).catch((err: unknown) => {
          console.error(`ws-gateway: ${routeKey} failed:`, err);
          // What API Gateway sends the client when the integration fails.
          if (conn.ws.readyState === WebSocket.OPEN) {
            conn.ws.send(
              JSON.stringify({ message: 'Internal server error', connectionId: conn.id, requestId: event.requestContext.requestId }),
            );
          }
        });
      }
    } finally {
      conn.running = false;
      if (conn.dropped > 0) {
        console.warn(
          `ws-gateway: refused ${conn.dropped} message(s) of connection ${conn.id}: more than ${maxQueued} queued (rate_limited)`,
        );
        conn.dropped = 0;
      }
    }
  }

  function onClose(conn: Conn, code: number, reason: Buffer): void {
    clearTimeout(conn.idleTimer);
    clearTimeout(conn.ageTimer);
    // Messages not yet handled die with the connection (API Gateway drops them likewise).
    conn.queue.length = 0;
    if (conns.get(conn.id) !== conn) return;
    conns.delete(conn.id);
    const event: WsEvent = {
      requestContext: {
        ...requestContext(conn.id, '$disconnect', 'DISCONNECT', conn.connectedAt, { sourceIp: conn.sourceIp, userAgent: conn.userAgent }),
        disconnectStatusCode: code,
        disconnectReason: reason.toString('utf8'),
      },
      isBase64Encoded: false,
    };
    track(invoke('$disconnect', event).catch((err: unknown) => console.error('ws-gateway: $disconnect failed:', err)));
  }

  let shuttingDown = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 128 * 1024 });

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    // Shutting down: a client reconnecting now must not get a socket that close() never terminates.
    if (shuttingDown) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? domainName}`);
    const id = newConnectionId();
    const connectedAt = Date.now();
    const headers = headersOf(req);
    const query = queryOf(url);
    const ident = { sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: String(req.headers['user-agent'] ?? '') };
    const event: WsEvent = {
      requestContext: requestContext(id, '$connect', 'CONNECT', connectedAt, ident),
      headers: headers.single,
      multiValueHeaders: headers.multi,
      ...(query.single ? { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi } : {}),
      isBase64Encoded: false,
    };
    let status: number;
    let body = '';
    try {
      const result = await track(invoke('$connect', event));
      status = statusOf(result);
      if (result && typeof result === 'object' && typeof (result as { body?: unknown }).body === 'string')
        body = (result as { body: string }).body;
    } catch (err) {
      console.error('ws-gateway: $connect failed:', err);
      status = 500;
      body = 'Internal server error';
    }
    if (status < 200 || status > 299) {
      refuseUpgrade(socket, status, body || httpReason(status));
      return;
    }
    if (socket.destroyed || shuttingDown) {
      // The client gave up while $connect ran (or the gateway began to close): API Gateway still reports a disconnect.
      if (!socket.destroyed) refuseUpgrade(socket, 503, 'Service Unavailable');
      track(
        invoke('$disconnect', {
          requestContext: { ...requestContext(id, '$disconnect', 'DISCONNECT', connectedAt, ident), disconnectStatusCode: 1006 },
          isBase64Encoded: false,
        }).catch(() => undefined),
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { id, ws, connectedAt, lastActiveAt: connectedAt, ...ident, queue: [], running: false, dropped: 0 };
      conns.set(id, conn);
      armIdle(conn);
      conn.ageTimer = setTimeout(() => ws.close(1001, 'Going away'), maxAgeMs);
      conn.ageTimer.unref();
      ws.on('message', (data, isBinary) => onMessage(conn, data, isBinary));
      ws.on('close', (code, reason) => onClose(conn, code, reason));
      ws.on('error', () => undefined);
    });
  }

  async function onManagement(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    // `/@connections/{id}`, or `/{stage}/@connections/{id}` when the endpoint carries the stage.
    const m = /^(?:\/[^/@]+)?\/@connections\/([^/]+)\/?$/.exec(path);
    if (!m) {
      sendError(res, 404, 'NotFoundException', 'Not Found');
      return;
    }
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      sendError(res, 400, 'BadRequestException', 'Invalid connection id');
      return;
    }
    const conn = conns.get(id);
    const open = conn !== undefined && conn.ws.readyState === WebSocket.OPEN;
    switch (req.method) {
      case 'POST': {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > MAX_POST_BYTES) {
            sendError(res, 413, 'PayloadTooLargeException', 'Message too long');
            return;
          }
          chunks.push(chunk as Buffer);
        }
        if (!open) {
          sendError(res, 410, 'GoneException', null);
          return;
        }
        if (conn.ws.bufferedAmount > maxBuffered) {
          // The client stopped reading: cut it rather than buffer for it (it is gone to senders).
          console.error(`ws-gateway: connection ${conn.id} is not reading (${conn.ws.bufferedAmount} bytes waiting): closed`);
          conn.ws.terminate();
          sendError(res, 410, 'GoneException', null);
          return;
        }
        conn.ws.send(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      }
      case 'GET': {
        if (!open) {
          sendError(res, 410, 'GoneException', null);
          return;
        }
        const body = JSON.stringify({
          connectedAt: new Date(conn.connectedAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'DELETE': {
        if (!open) {
          sendError(res, 410, 'GoneException', null);
          return;
        }
        conn.ws.close(1000, '');
        res.writeHead(204);
        res.end();
        return;
      }
      default:
        sendError(res, 405, 'MethodNotAllowedException', 'Method Not Allowed');
    }
  }

  const server = createServer((req, res) => {
    onManagement(req, res).catch((err: unknown) => {
      console.error('ws-gateway: management API failed:', err);
      if (!res.headersSent) sendError(res, 500, 'InternalServerErrorException', 'Internal server error');
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    onUpgrade(req, socket, head).catch((err: unknown) => {
      console.error('ws-gateway: upgrade failed:', err);
      socket.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  const { port, hostPort } = await listen(server, options.port, host);
  domainName = hostPort;

  let closing: Promise<void> | undefined;
  return {
    url: `ws://${hostPort}`,
    managementEndpoint: `http://${hostPort}`,
    port,
    get connections() {
      return conns.size;
    },
    connectionIds: () => [...conns.keys()],
    close() {
      shuttingDown = true;
      closing ??= (async () => {
        for (const conn of conns.values()) conn.ws.close(1001, 'Going away');
        // Give the closes their round trip, then cut whatever is left.
        const deadline = Date.now() + 2_000;
        while (conns.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        for (const conn of conns.values()) conn.ws.terminate();
        await new Promise((r) => setImmediate(r));
        while (inflight.size > 0) await Promise.allSettled([...inflight]);
        wss.close();
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
