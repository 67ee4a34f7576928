// The snapshots a client missed: for each room it holds, the newest snapshot of every bucket
// recorded in the deltas table after the version it last saw, sent in the same `deltas` form the
// fan-out pushes (marked `resume`), in frames that each fit the frame limit.
// Bounded per connection (RESUME_LIMITS): one resume in flight (a lease on the connection item),
// at most `perResume` snapshots per reply and `perMinute` per minute; a cut reply says `truncated`.
import { documentClient } from '../shared/dynamo/client.js';
import { DELTAS_TABLE, tableName } from '../shared/dynamo/tables.js';
import { snapshotsSince } from '../shared/dynamo/deltas-store.js';
import { RESUME_LIMITS, deltasFrames } from '../../contracts/ws.js';
import type { DeltaSnapshot } from '../../contracts/delta.js';
import { roomAllowed } from '../shared/auth.js';
import type { WsEvent } from '../shared/ws-management.js';
import { beginResume, endResume } from '../shared/ws-limits.js';
import { LimitContention, wsStoreFromEnv, type ConnectionRecord } from '../shared/ws-store.js';
import { errorMessage, logger, reply, replyData } from './common.js';

/** The newest `budget` snapshots (by version, order kept), and whether any were left out. */
export function capSnapshots(snapshots: readonly DeltaSnapshot[], budget: number): { snapshots: DeltaSnapshot[]; truncated: boolean } {
  if (snapshots.length <= budget) return { snapshots: [...snapshots], truncated: false };
  const kept = new Set([...snapshots].sort((a, b) => b.version - a.version).slice(0, Math.max(0, budget)));
  return { snapshots: snapshots.filter((s) => kept.has(s)), truncated: true };
}

export async function sendResume(event: WsEvent, connection: ConnectionRecord, versions: Record<string, number>): Promise<void> {
  const store = wsStoreFromEnv();
  const connectionId = event.requestContext.connectionId;
  const rooms = Object.keys(versions);
  const notHeld = rooms.filter((r) => !connection.rooms.includes(r) || !roomAllowed(connection, r));
  if (notHeld.length > 0) {
    await reply(event, errorMessage('invalid_room', `not subscribed: ${notHeld.join(', ')} (subscribe before resuming)`, notHeld));
  }
  const started = await store
    .updateLimits(connectionId, (c) => {
      const r = beginResume(c.limits, Date.now());
      return { limits: r.ok ? r.state : undefined, result: r };
    })
    .catch((err: unknown) => {
      // Other messages of this connection racing for the limits: as good as a resume in flight.
      if (err instanceof LimitContention) return { result: { ok: false as const, reason: 'busy' as const } };
      throw err;
    });
  if (!started) return;
  const start = started.result;
  if (!start.ok) {
    logger.info('resume refused', { connectionId, reason: start.reason });
    await reply(
      event,
      start.reason === 'busy'
        ? errorMessage('resume_busy', 'a resume of this connection is still running; wait for its reply')
        : errorMessage('rate_limited', `resume budget spent: at most ${RESUME_LIMITS.perMinute} snapshots per minute; refetch over REST`),
    );
    return;
  }
  let sent = 0;
  try {
    const doc = documentClient();
    const table = tableName(DELTAS_TABLE);
    const perRoom = await Promise.all(
      // One item more than the budget: each holds at least one snapshot, so more than `budget`
      // snapshots come back exactly when some must be left out.
      rooms.filter((r) => !notHeld.includes(r)).map((room) => snapshotsSince(doc, table, room, versions[room]!, start.budget + 1)),
    );
    const { snapshots, truncated } = capSnapshots(perRoom.flat(), start.budget);
    if (truncated) logger.info('resume truncated', { connectionId, budget: start.budget });
    for (const frame of deltasFrames(snapshots, { resume: true, truncated })) {
      if ((await replyData(event, frame)) === 'gone') break;
    }
    sent = snapshots.length;
  } finally {
    // Releasing must not lose to contention (else the lease only lapses after leaseMs).
    await store
      .updateLimits(connectionId, (c) => ({ limits: endResume(c.limits, Date.now(), sent), result: undefined }), 30)
      .catch(() => undefined);
  }
}
