// Local stand-in for an API Gateway WebSocket API: a real `ws` server that turns upgrades,
// messages and closes into API Gateway WebSocket events for the same route handlers
// (ws/client-server.ts), and the `@connections` management API on the same port
// (ws/connections-api.ts), shaped so the real @aws-sdk/client-apigatewaymanagementapi works
// against it with only an endpoint override. The idle timeout and maximum connection age are
// enforced like API Gateway does (10 min, 2 h by default), so client keep-alive and reconnect
// logic really runs. One client cannot stall the others: each connection's messages run one at a
// time from a bounded queue (MAX_QUEUED_MESSAGES), and a connection that stops reading (more than
// maxBufferedBytes waiting in its socket) is cut and answers 410 to @connections.
import { createServer } from 'node:http';
import { MAX_QUEUED_MESSAGES } from '../contracts/ws.js';
import { lambdaContext } from './lambda-context.js';
import { catalogHandlers } from './lib/catalog.js';
import { REPO_ROOT } from './lib/repo-root.js';
import { sleep } from './lib/sleep.js';
import { closeServer, listen } from './listen.js';
import { type Conn, createClientServer, type WsRouteHandler } from './ws/client-server.js';
import { createConnectionsApi, sendError } from './ws/connections-api.js';
import type { WsRouteKey } from './ws/events.js';

export type { WsRouteHandler } from './ws/client-server.js';
export type { WsRouteKey } from './ws/events.js';

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

export async function startWsGateway(options: StartWsGatewayOptions): Promise<WsGateway> {
  const host = options.host ?? '127.0.0.1';
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const conns = new Map<string, Conn>();
  const inflight = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  const clients = createClientServer({
    handlers: options.handlers,
    conns,
    track,
    stage: options.stage ?? 'local',
    apiId: options.apiId ?? 'local',
    host,
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
    maxAgeMs: options.maxAgeMs ?? 2 * 60 * 60_000,
    maxQueued: options.maxQueuedMessages ?? MAX_QUEUED_MESSAGES,
    maxBuffered,
    maxMessageBytes: options.maxMessageBytes ?? 128 * 1024,
  });
  const onManagement = createConnectionsApi(conns, maxBuffered);

  const server = createServer((req, res) => {
    onManagement(req, res).catch((err: unknown) => {
      console.error('ws-gateway: management API failed:', err);
      if (!res.headersSent) sendError(res, 500, 'InternalServerErrorException', 'Internal server error');
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => {
    clients.onUpgrade(req, socket, head).catch((err: unknown) => {
      console.error('ws-gateway: upgrade failed:', err);
      socket.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;

  const { port, hostPort } = await listen(server, options.port, host);
  clients.setDomainName(hostPort);

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
      clients.shutDown();
      closing ??= (async () => {
        for (const conn of conns.values()) conn.ws.close(1001, 'Going away');
        // Give the closes their round trip, then cut whatever is left.
        const deadline = Date.now() + 2_000;
        while (conns.size > 0 && Date.now() < deadline) await sleep(10);
        for (const conn of conns.values()) conn.ws.terminate();
        await new Promise((r) => setImmediate(r));
        while (inflight.size > 0) await Promise.allSettled([...inflight]);
        clients.close();
        await closeServer(server);
      })();
      return closing;
    },
  };
}
