// Pure planning of one fan-out invocation: which connections get which frames. Every connection
// receives, in one go, the newest snapshot of every bucket of all its rooms that the invocation
// has, in as few frames as the frame limit allows. Connections holding the same set of rooms
// share one serialization (a "group"), so the JSON work follows the rooms, not the members.
import { deltasFrames, newestPerBucket } from '../../contracts/ws.js';
import type { DeltaSnapshot } from '../../contracts/delta.js';
import type { Membership } from '../shared/ws-store.js';

export interface Target {
  connectionId: string;
  /** The rooms of this invocation the connection holds (to prune its memberships when gone). */
  rooms: string[];
  /** Index into the chunk's `frames`. */
  group: number;
}

/** One unit of delivery: what one invocation (the fan-out itself or a worker) posts. */
export interface DeliveryChunk {
  /** Serialized `deltas` frames per group. */
  frames: string[][];
  targets: Target[];
}

export interface Plan {
  chunks: DeliveryChunk[];
  /** Memberships past the connection's maximum age: pruned, not pushed. */
  expired: Membership[];
  /** Open connections whose token has expired: told so and closed, not pushed (with the rooms seen). */
  tokenExpired: Array<{ connectionId: string; rooms: string[] }>;
  connections: number;
}

/** Lambda's synchronous payload limit is 6 MB; a chunk stays well under it. */
export const MAX_CHUNK_PAYLOAD_BYTES = 4 * 1024 * 1024;

export function planDelivery(
  snapshotsByRoom: ReadonlyMap<string, readonly DeltaSnapshot[]>,
  membersByRoom: ReadonlyMap<string, readonly Membership[]>,
  opts: { nowSec: number; chunkSize: number; maxPayloadBytes?: number },
): Plan {
  const expired: Membership[] = [];
  const tokenExpired = new Map<string, string[]>();
  const roomsOf = new Map<string, string[]>();
  for (const [room, members] of membersByRoom) {
    for (const m of members) {
      if (m.expiresAt > 0 && m.expiresAt <= opts.nowSec) {
        // Past API Gateway's 2-hour maximum: the socket is closed already, only the rows are left.
        expired.push(m);
        continue;
      }
      if (m.tokenExpiresAt > 0 && m.tokenExpiresAt <= opts.nowSec) {
        // The socket is open but its token is not valid any more: no data for it.
        (tokenExpired.get(m.connectionId) ?? tokenExpired.set(m.connectionId, []).get(m.connectionId)!).push(room);
        continue;
      }
      const held = roomsOf.get(m.connectionId);
      if (held) held.push(room);
      else roomsOf.set(m.connectionId, [room]);
    }
  }
  const groupFrames = new Map<string, string[]>();
  const targets: Array<{ connectionId: string; rooms: string[]; key: string }> = [];
  for (const [connectionId, rooms] of roomsOf) {
    rooms.sort();
    const key = rooms.join('\n');
    if (!groupFrames.has(key)) {
      groupFrames.set(key, deltasFrames(newestPerBucket(rooms.flatMap((r) => snapshotsByRoom.get(r) ?? []))));
    }
    targets.push({ connectionId, rooms, key });
  }
  const maxPayload = opts.maxPayloadBytes ?? MAX_CHUNK_PAYLOAD_BYTES;
  const chunks: DeliveryChunk[] = [];
  let chunk: DeliveryChunk | undefined;
  let index = new Map<string, number>();
  let bytes = 0;
  for (const t of targets) {
    const frames = groupFrames.get(t.key)!;
    if (frames.length === 0) continue;
    const groupBytes = index.has(t.key) ? 0 : frames.reduce((n, f) => n + f.length, 0);
    const targetBytes = t.connectionId.length + t.key.length + 40;
    if (!chunk || chunk.targets.length >= opts.chunkSize || (chunk.targets.length > 0 && bytes + groupBytes + targetBytes > maxPayload)) {
      chunk = { frames: [], targets: [] };
      chunks.push(chunk);
      index = new Map();
      bytes = 0;
    }
    let group = index.get(t.key);
    if (group === undefined) {
      group = chunk.frames.push(frames) - 1;
      index.set(t.key, group);
      bytes += frames.reduce((n, f) => n + f.length, 0);
    }
    chunk.targets.push({ connectionId: t.connectionId, rooms: t.rooms, group });
    bytes += targetBytes;
  }
  return {
    chunks,
    expired,
    tokenExpired: [...tokenExpired].map(([connectionId, rooms]) => ({ connectionId, rooms: rooms.sort() })),
    connections: targets.length,
  };
}
