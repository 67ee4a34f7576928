// Shared plumbing of the WebSocket route handlers: middy with Powertools logging and metrics, the
// body parser, and replies through the management API (the same path on AWS and locally).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { flushMetrics } from '../shared/ws-metrics.js';
import type { Context } from 'aws-lambda';
import { createLogger, createMetrics } from '../shared/observability.js';
import { METRIC, SERVICE } from '../shared/observability-names.js';
import { MAX_ROOMS_PER_MESSAGE, MESSAGE_RATE, tokenExpiredMessage, type ErrorMessage, type ServerMessage } from '../../contracts/ws.js';
import { takeMessage } from '../shared/ws-limits.js';
import { LimitContention, tokenExpired, wsStoreFromEnv, type ConnectionRecord } from '../shared/ws-store.js';
import {
  closeConnection,
  managementClient,
  managementEndpoint,
  postData,
  postMessage,
  type PostOutcome,
  type WsEvent,
  type WsRouteResult,
} from '../shared/ws-management.js';

export const logger = createLogger(SERVICE.websocket);
export const metrics = createMetrics(SERVICE.websocket);

export type WsRouteFn = (event: WsEvent, context: Context) => Promise<WsRouteResult>;

/** Wraps a route function: context in the logs, metrics flushed after each invocation. */
export function wsHandler(fn: WsRouteFn) {
  return middy<WsEvent, WsRouteResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(flushMetrics(metrics))
    .handler(async (event, context) => {
      try {
        return await fn(event, context);
      } catch (err) {
        logger.error('route failed', { routeKey: event.requestContext.routeKey, error: err as Error });
        throw err;
      }
    });
}

export const OK: WsRouteResult = { statusCode: 200 };

export function countConnection(status: 'accepted' | 'rejected' | 'gone', n = 1): void {
  metrics.singleMetric().addDimension('status', status).addMetric(METRIC.wsConnections, MetricUnit.Count, n);
}

/** Sends a message to the caller's connection; 'gone' when it left meanwhile. */
export function reply(event: WsEvent, message: ServerMessage): Promise<PostOutcome> {
  return postMessage(managementClient(managementEndpoint(event)), event.requestContext.connectionId, message);
}

/** Sends an already-serialized message (e.g. a pre-chunked resume frame). */
export function replyData(event: WsEvent, data: string): Promise<PostOutcome> {
  return postData(managementClient(managementEndpoint(event)), event.requestContext.connectionId, data);
}

/**
 * Admits one client message: the connection must be registered, its token unexpired (else
 * `token_expired` and the connection is closed) and within MESSAGE_RATE (else `rate_limited`).
 * Resolves to the connection, or undefined when the message must have no effect (already answered).
 */
export async function admit(event: WsEvent, now = Date.now()): Promise<ConnectionRecord | undefined> {
  const connectionId = event.requestContext.connectionId;
  const out = await wsStoreFromEnv()
    .updateLimits(connectionId, (c) => {
      if (tokenExpired(c, now)) return { limits: undefined, result: 'expired' as const };
      const taken = takeMessage(c.limits, now);
      return { limits: taken.state, result: taken.allowed ? ('ok' as const) : ('limited' as const) };
    })
    // Many messages of this connection at the same instant (concurrent invocations on AWS): refuse.
    .catch((err: unknown) => {
      if (err instanceof LimitContention) return { connection: undefined, result: 'limited' as const };
      throw err;
    });
  if (!out) {
    await reply(event, errorMessage('internal', 'connection is not registered (expired?); reconnect'));
    return undefined;
  }
  if (out.result === 'expired') {
    logger.info('token expired: closing the connection', { connectionId });
    await closeConnection(managementClient(managementEndpoint(event)), connectionId, tokenExpiredMessage());
    return undefined;
  }
  if (out.result === 'limited') {
    metrics.singleMetric().addDimension('status', 'rate_limited').addMetric(METRIC.wsMessages, MetricUnit.Count, 1);
    logger.info('message refused: rate limit', { connectionId, routeKey: event.requestContext.routeKey });
    await reply(
      event,
      errorMessage(
        'rate_limited',
        `too many messages: at most ${MESSAGE_RATE.burst} at once, ${MESSAGE_RATE.perSecond}/s after that; this one had no effect`,
      ),
    );
    return undefined;
  }
  return out.connection!;
}

export function errorMessage(code: ErrorMessage['code'], message: string, rooms?: string[]): ErrorMessage {
  return { type: 'error', code, message, ...(rooms && rooms.length > 0 ? { rooms } : {}) };
}

/** The JSON object of a message body, or undefined when it is not one. */
export function parseBody(event: WsEvent): Record<string, unknown> | undefined {
  if (typeof event.body !== 'string') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `rooms` list of a subscribe/unsubscribe message, or an error explaining what is wrong. */
export function roomsField(body: Record<string, unknown> | undefined): string[] | ErrorMessage {
  const rooms = body?.rooms;
  if (!Array.isArray(rooms) || rooms.length === 0 || !rooms.every((r) => typeof r === 'string')) {
    return errorMessage('invalid_message', '"rooms" must be a non-empty array of room names');
  }
  if (rooms.length > MAX_ROOMS_PER_MESSAGE) {
    return errorMessage('invalid_message', `at most ${MAX_ROOMS_PER_MESSAGE} rooms per message`);
  }
  return [...new Set(rooms as string[])];
}

/** `{room: version}` with non-negative integer versions, or an error. */
export function versionsField(value: unknown, field: string): Record<string, number> | ErrorMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return errorMessage('invalid_message', `"${field}" must be an object of room -> last version held`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ROOMS_PER_MESSAGE) return errorMessage('invalid_message', `at most ${MAX_ROOMS_PER_MESSAGE} rooms per message`);
  for (const [, v] of entries) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      return errorMessage('invalid_message', `"${field}" versions must be non-negative integers`);
    }
  }
  return value as Record<string, number>;
}

export function isErrorMessage(value: unknown): value is ErrorMessage {
  const v = value as Partial<ErrorMessage> | null;
  return v !== null && typeof v === 'object' && v.type === 'error' && typeof v.code === 'string';
}
