// WebSocket messages between dashboards and the API Gateway WebSocket API.
import { bucketKey, type DeltaMessage, type DeltaSnapshot } from './delta.js';

export const WS_ACTIONS = ['subscribe', 'unsubscribe', 'ping', 'resume'] as const;
export type WsAction = (typeof WS_ACTIONS)[number];

/** The WebSocket API's route keys: API Gateway's three built-in ones, then one per action. */
export const WS_ROUTE_KEYS = ['$connect', '$disconnect', '$default', ...WS_ACTIONS] as const;
export type WsRouteKey = (typeof WS_ROUTE_KEYS)[number];

/**
 * Whether a message's `action` names a route. An own-list lookup, never `obj[action]`: names such
 * as `__proto__`, `constructor` or `toString` are unknown actions like any other.
 */
export function isWsAction(action: unknown): action is WsAction {
  return typeof action === 'string' && (WS_ACTIONS as readonly string[]).includes(action);
}

/**
 * Per-connection message rate (a token bucket, enforced by the route handlers): `burst` messages
 * at once, refilled at `perSecond`. Beyond it a message gets a `rate_limited` error and no effect.
 */
export const MESSAGE_RATE = { burst: 20, perSecond: 5 } as const;

/**
 * Bounds of `resume` per connection: one in flight (a lease that lapses after `leaseMs` should the
 * handler die), at most `perResume` snapshots in one reply and `perMinute` over a minute. A reply
 * cut short says `truncated: true`; the client refetches over REST instead.
 */
export const RESUME_LIMITS = { perResume: 500, perMinute: 2_000, leaseMs: 30_000 } as const;

/** Client messages the local gateway queues per connection before refusing more (`rate_limited`). */
export const MAX_QUEUED_MESSAGES = 16;

/** Most rooms one message may name (keeps validation and fan-out bounded). */
export const MAX_ROOMS_PER_MESSAGE = 20;

export type ClientMessage =
  | { action: 'subscribe'; rooms: string[] }
  | { action: 'unsubscribe'; rooms: string[] }
  | { action: 'ping'; resume?: Record<string, number> }
  | { action: 'resume'; versions: Record<string, number> };

export interface AckMessage {
  type: 'ack';
  action: 'subscribe' | 'unsubscribe';
  rooms: string[];
}
export interface PongMessage {
  type: 'pong';
  at: string;
}
/**
 * `token_expired`: the token's `exp` has passed; the server closes the connection right after and
 * the client reconnects with a fresh token. `rate_limited`: over MESSAGE_RATE (or the gateway's
 * queue); the message had no effect. `resume_busy`: a resume of this connection is still running.
 */
export type WsErrorCode =
  | 'forbidden_room'
  | 'invalid_room'
  | 'invalid_message'
  | 'unknown_action'
  | 'internal'
  | 'token_expired'
  | 'rate_limited'
  | 'resume_busy';

export interface ErrorMessage {
  type: 'error';
  code: WsErrorCode;
  message: string;
  rooms?: string[];
}

/** Version of the `deltas` message; bumped when its shape changes incompatibly. */
export const DELTAS_MESSAGE_VERSION = 1;

/**
 * What the server pushes: every snapshot one fan-out invocation (or one resume) has for a
 * connection, newest version per (room, bucket), in as few frames as MAX_FRAME_BYTES allows.
 * `resume: true` marks the replies to a resume request (at least one, possibly empty).
 */
export interface DeltasMessage {
  type: 'deltas';
  v: typeof DELTAS_MESSAGE_VERSION;
  snapshots: DeltaSnapshot[];
  resume?: true;
  /** On every frame of a resume cut at RESUME_LIMITS: more was missed; refetch over REST. */
  truncated?: true;
}

/** What the server sends when the token expires, before closing the connection. */
export function tokenExpiredMessage(): ErrorMessage {
  return { type: 'error', code: 'token_expired', message: 'token has expired; reconnect with a fresh token' };
}

/** @deprecated The server sends `deltas` (also for resume); clients still accept this form. */
export interface ResumeMessage {
  type: 'resume';
  snapshots: DeltaSnapshot[];
}
export type ServerMessage = AckMessage | PongMessage | ErrorMessage | DeltasMessage | DeltaMessage | ResumeMessage;

/** API Gateway WebSocket frames are limited to 32 KB (and metered per 32 KB); we stay under it. */
export const MAX_FRAME_BYTES = 32 * 1024;

/** Default minimum time between two frames to one connection (FANOUT_PUSH_INTERVAL_MS overrides). */
export const DEFAULT_PUSH_INTERVAL_MS = 1_000;

/** UTF-8 length of a string without Buffer (this module is shared with the browser). */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Keeps the highest version of every (room, bucket); ordered by room, then bucket. */
export function newestPerBucket(snapshots: Iterable<DeltaSnapshot>): DeltaSnapshot[] {
  const held = new Map<string, DeltaSnapshot>();
  for (const s of snapshots) {
    const key = bucketKey(s.room, s.bucket);
    const prev = held.get(key);
    if (!prev || prev.version < s.version) held.set(key, s);
  }
  return [...held.values()].sort((a, b) =>
    a.room < b.room ? -1 : a.room > b.room ? 1 : a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0,
  );
}

/**
 * Serializes snapshots into `deltas` frames of at most `maxBytes` each (a single snapshot larger
 * than that still gets a frame of its own). With `resume`, always at least one frame, so the
 * client learns the resume is complete; otherwise none for no snapshots.
 */
export function deltasFrames(
  snapshots: readonly DeltaSnapshot[],
  opts: { resume?: boolean; truncated?: boolean; maxBytes?: number } = {},
): string[] {
  const maxBytes = opts.maxBytes ?? MAX_FRAME_BYTES;
  // Every frame of a cut resume carries the flag (the client cannot tell which frame is last).
  const head = `{"type":"deltas","v":${DELTAS_MESSAGE_VERSION},${opts.resume ? '"resume":true,' : ''}${opts.resume && opts.truncated ? '"truncated":true,' : ''}"snapshots":[`;
  const envelope = utf8Bytes(head) + 2;
  const out: string[] = [];
  let chunk: string[] = [];
  let size = envelope;
  const emit = () => {
    out.push(`${head}${chunk.join(',')}]}`);
    chunk = [];
    size = envelope;
  };
  for (const s of snapshots) {
    const json = JSON.stringify(s);
    const bytes = utf8Bytes(json);
    // +1 for the separating comma.
    if (chunk.length > 0 && size + 1 + bytes > maxBytes) emit();
    size += (chunk.length > 0 ? 1 : 0) + bytes;
    chunk.push(json);
  }
  if (chunk.length > 0 || (opts.resume && out.length === 0)) emit();
  return out;
}
