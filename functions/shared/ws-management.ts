// The API Gateway management API (`@connections`): one client factory and the message helpers the
// ws route handlers and the fan-out use. Replies to route messages go through postToConnection too,
// so they behave the same on AWS and on the local gateway (no route-response configuration).
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
  type ApiGatewayManagementApiClientConfig,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { APIGatewayEventWebsocketRequestContextV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { ServerMessage } from '../../contracts/ws.js';
import { backoffMs } from './backoff.js';
import { LOCAL_DUMMY_CREDENTIALS } from './dynamo/client.js';

/** A WebSocket route event as API Gateway delivers it ($connect also carries headers). */
export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  multiValueHeaders?: Record<string, string[] | undefined>;
  requestContext: APIGatewayEventWebsocketRequestContextV2 & {
    disconnectStatusCode?: number;
    disconnectReason?: string;
    identity?: { sourceIp?: string; userAgent?: string };
  };
};

export interface WsRouteResult {
  statusCode: number;
  body?: string;
}

/**
 * The management endpoint: WS_MANAGEMENT_ENDPOINT when set (custom domains, the local gateway),
 * else derived from the event as API Gateway documents it (https://{domain}/{stage}).
 */
export function managementEndpoint(event?: Pick<WsEvent, 'requestContext'>, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.WS_MANAGEMENT_ENDPOINT?.trim();
  if (configured) return configured;
  if (!event) throw new Error('WS_MANAGEMENT_ENDPOINT is not set');
  const { domainName, stage } = event.requestContext;
  // The local gateway reports its own host:port (plain http, stage prefix accepted).
  if (/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(domainName)) return `http://${domainName}/${stage}`;
  return `https://${domainName}/${stage}`;
}

const clients = new Map<string, ApiGatewayManagementApiClient>();

/** Upper bound of concurrent management API requests per container. */
export const MANAGEMENT_MAX_SOCKETS = 128;

function isLocalEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === '::1';
  } catch {
    return false;
  }
}

/** The one factory: a client per endpoint, cached per container. Throttling is retried by callers. */
export function managementClient(endpoint: string, env: NodeJS.ProcessEnv = process.env): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    // Sockets for the fan-out's posts in flight (the SDK's default pool is 50).
    const agent = { keepAlive: true, maxSockets: MANAGEMENT_MAX_SOCKETS };
    const config: ApiGatewayManagementApiClientConfig = {
      endpoint,
      maxAttempts: 1,
      // Resolve the middleware stack once per command class instead of on every send: ~15 % of
      // the client's CPU per post (bench:realtime, part `post`). We add no per-command middleware.
      cacheMiddleware: true,
      requestHandler: { httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent) },
    };
    if (isLocalEndpoint(endpoint)) {
      // The local gateway needs no account: dummy credentials, any region.
      config.credentials = LOCAL_DUMMY_CREDENTIALS;
      config.region = env.AWS_REGION ?? 'us-east-1';
    }
    client = new ApiGatewayManagementApiClient(config);
    clients.set(endpoint, client);
  }
  return client;
}

/** Destroys the cached clients (tests, local-cloud shutdown). */
export function resetManagementClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}

export type PostOutcome = 'sent' | 'gone';

export function isGone(err: unknown): boolean {
  return err instanceof GoneException || (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 410;
}

export function isThrottled(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.$metadata?.httpStatusCode === 429 ||
    e?.name === 'LimitExceededException' ||
    e?.name === 'TooManyRequestsException' ||
    e?.name === 'ThrottlingException'
  );
}

export interface RetryOptions {
  /** Attempts for throttled posts (default 6). */
  maxAttempts?: number;
  /** First backoff, ms (default 25), doubled per attempt with full jitter. */
  baseDelayMs?: number;
}

/**
 * Posts one already-serialized message. 410 resolves to 'gone' (the caller prunes); throttling is
 * retried with exponential backoff; anything else throws.
 */
export async function postData(
  client: ApiGatewayManagementApiClient,
  connectionId: string,
  data: string,
  retry: RetryOptions = {},
): Promise<PostOutcome> {
  const maxAttempts = retry.maxAttempts ?? 6;
  const base = retry.baseDelayMs ?? 25;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      return 'sent';
    } catch (err) {
      if (isGone(err)) return 'gone';
      if (!isThrottled(err) || attempt >= maxAttempts) throw err;
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: base, jitter: 'full' })));
    }
  }
}

export function postMessage(
  client: ApiGatewayManagementApiClient,
  connectionId: string,
  message: ServerMessage,
  retry?: RetryOptions,
): Promise<PostOutcome> {
  return postData(client, connectionId, JSON.stringify(message), retry);
}

/**
 * Sends `message` (when given), then closes the connection through `@connections` DELETE; a
 * connection already gone is no error.
 */
export async function closeConnection(
  client: ApiGatewayManagementApiClient,
  connectionId: string,
  message?: ServerMessage,
): Promise<PostOutcome> {
  if (message && (await postMessage(client, connectionId, message)) === 'gone') return 'gone';
  try {
    await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    return 'sent';
  } catch (err) {
    if (isGone(err)) return 'gone';
    throw err;
  }
}

/** Bytes of a string as UTF-8. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
