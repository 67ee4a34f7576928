// WebSocket messages between dashboards and the API Gateway WebSocket API.
import type { DeltaMessage, DeltaSnapshot } from './delta.js';

export const WS_ACTIONS = ['subscribe', 'unsubscribe', 'ping', 'resume'] as const;
export type WsAction = (typeof WS_ACTIONS)[number];

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
export interface ErrorMessage {
  type: 'error';
  code: 'forbidden_room' | 'invalid_room' | 'invalid_message' | 'unknown_action' | 'internal';
  message: string;
  rooms?: string[];
}
export interface ResumeMessage {
  type: 'resume';
  snapshots: DeltaSnapshot[];
}
export type ServerMessage = AckMessage | PongMessage | ErrorMessage | DeltaMessage | ResumeMessage;

/** API Gateway WebSocket frames are limited to 32 KB; we stay under it. */
export const MAX_FRAME_BYTES = 32 * 1024;
