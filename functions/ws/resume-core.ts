// The snapshots a client missed: for each room it holds, the newest snapshot of every bucket
// recorded in the deltas table after the version it last saw, sent in the same `deltas` form the
// fan-out pushes (marked `resume`), in frames that each fit the frame limit.
import { documentClient } from '../shared/dynamo/client.js';
import { DELTAS_TABLE, tableName } from '../shared/dynamo/tables.js';
import { snapshotsSince } from '../shared/dynamo/deltas-store.js';
import { deltasFrames } from '../shared/contracts/ws.js';
import type { DeltaSnapshot } from '../shared/contracts/delta.js';
import { roomAllowed } from '../shared/auth.js';
import type { WsEvent } from '../shared/ws-management.js';
import { wsStoreFromEnv } from '../shared/ws-store.js';
import { errorMessage, reply, replyData } from './common.js';

export async function sendResume(event: WsEvent, versions: Record<string, number>): Promise<void> {
  const connection = await wsStoreFromEnv().getConnection(event.requestContext.connectionId);
  if (!connection) {
    await reply(event, errorMessage('internal', 'connection is not registered (expired?); reconnect'));
    return;
  }
  const rooms = Object.keys(versions);
  const notHeld = rooms.filter((r) => !connection.rooms.includes(r) || !roomAllowed(connection, r));
  if (notHeld.length > 0) {
    await reply(event, errorMessage('invalid_room', `not subscribed: ${notHeld.join(', ')} (subscribe before resuming)`, notHeld));
  }
  const doc = documentClient();
  const table = tableName(DELTAS_TABLE);
  const perRoom = await Promise.all(
    rooms.filter((r) => !notHeld.includes(r)).map((room) => snapshotsSince(doc, table, room, versions[room]!)),
  );
  const snapshots: DeltaSnapshot[] = perRoom.flat();
  for (const frame of deltasFrames(snapshots, { resume: true })) {
    if ((await replyData(event, frame)) === 'gone') return;
  }
}
