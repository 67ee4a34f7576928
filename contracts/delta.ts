// Deltas are snapshots: the absolute values of one room's minute bucket, with a version.
// A client replaces its bucket with a newer version and ignores older or equal ones.
import type { EventType } from './event.js';

/**
 * Snapshots are recorded for minute buckets at most this many minutes old (event time). Older
 * buckets, touched by late events, reach dashboards through REST: the dashboard's live window is
 * the same length, and the deltas table keeps items only an hour anyway.
 */
export const SNAPSHOT_WINDOW_MINUTES = 60;

/** Values of one (type, currency) inside a room's minute bucket. Money as decimal strings. */
export interface DeltaValue {
  type: EventType;
  currency: string;
  count: number;
  volume: string;
  fees: string;
  merchants: number;
  /** Wallet transactions only: how many of `count` succeeded. */
  succeeded: number;
}

export interface DeltaSnapshot {
  room: string;
  /** Minute bucket start, ISO-8601 UTC (event time). */
  bucket: string;
  /** Monotonic per room: later snapshots of the same bucket carry higher versions. */
  version: number;
  values: DeltaValue[];
  /** When the snapshot was read back from ClickHouse (ISO-8601). */
  recorded_at: string;
  /** Newest Kafka record timestamp (epoch ms) that contributed, to measure freshness. */
  source_ts?: number;
}

export interface DeltaMessage extends DeltaSnapshot {
  type: 'delta';
}

/** Keyed state of one bucket on a client. */
export type BucketState = Map<string, DeltaSnapshot>;

export function bucketKey(room: string, bucket: string): string {
  return `${room}|${bucket}`;
}

/**
 * Applies a snapshot to client state. Returns true when it replaced the bucket; false when it was
 * a replay or older than what is held (nothing changes then).
 */
export function applySnapshot(state: BucketState, snapshot: DeltaSnapshot): boolean {
  const key = bucketKey(snapshot.room, snapshot.bucket);
  const held = state.get(key);
  if (held && held.version >= snapshot.version) return false;
  state.set(key, snapshot);
  return true;
}
