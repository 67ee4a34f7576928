// The client side of the local WebSocket gateway: upgrades become `$connect` events (a non-2xx
// answer refuses the upgrade), messages are routed by `$request.body.action` and run one at a time
// per connection from a bounded queue (beyond maxQueued a message is refused with `rate_limited`,
// as API Gateway's throttling refuses it), closes become `$disconnect`; the idle timeout and the
// maximum connection age are enforced like API Gateway does.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../lambda-context.js';
import type { WsEvent } from '../../functions/shared/ws-management.js';
import { isWsAction, type ErrorMessage } from '../../contracts/ws.js';
import { headersOf, httpReason, newConnectionId, queryOf, refuseUpgrade, statusOf, type WsRouteKey } from './events.js';

/** A route handler as the gateway calls it (a Lambda handler: event + context). */
export type WsRouteHandler = (event: WsEvent, context: Context) => Promise<unknown>;

export interface Conn {
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

export interface ClientServerOptions {
  handlers: Partial<Record<WsRouteKey, WsRouteHandler>>;
  /** The open connections, shared with the @connections API. */
  conns: Map<string, Conn>;
  /** Registers a handler invocation close() must wait for. */
  track: <T>(p: Promise<T>) => Promise<T>;
  stage: string;
  apiId: string;
  /** Until setDomainName: the host. */
  host: string;
  idleTimeoutMs: number;
  maxAgeMs: number;
  maxQueued: number;
  maxBuffered: number;
  maxMessageBytes: number;
}

export function createClientServer(o: ClientServerOptions) {
  const { handlers, conns, track, stage, apiId, idleTimeoutMs, maxAgeMs, maxQueued, maxBuffered } = o;
  let domainName = o.host;
  let shuttingDown = false;
  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes });

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

  return {
    onUpgrade,
    /** The domain name in events, once the server listens (host:port). */
    setDomainName(name: string): void {
      domainName = name;
    },
    /** From now on upgrades are refused with 503. */
    shutDown(): void {
      shuttingDown = true;
    },
    close(): void {
      wss.close();
    },
  };
}
