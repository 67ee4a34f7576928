// Which snapshots of a server message belong to the room a dashboard shows. Pure, so every message
// form is unit-tested: the coalesced `deltas` frame (what servers send, also for resume), and the
// single `delta` / `resume` forms of earlier servers.
import { DELTAS_MESSAGE_VERSION, type DeltaSnapshot, type ServerMessage } from '../../../contracts/index.js';

/** The snapshots of `room` in a message; empty for other rooms, other messages and unknown versions. */
export function snapshotsForRoom(msg: ServerMessage, room: string): DeltaSnapshot[] {
  switch (msg.type) {
    case 'deltas':
      // A future, incompatible version is ignored rather than misread (the REST refetch still runs).
      if (msg.v !== DELTAS_MESSAGE_VERSION || !Array.isArray(msg.snapshots)) return [];
      return msg.snapshots.filter((s) => s.room === room);
    case 'delta': {
      const { type: _type, ...snapshot } = msg;
      return snapshot.room === room ? [snapshot] : [];
    }
    case 'resume':
      return msg.snapshots.filter((s) => s.room === room);
    default:
      return [];
  }
}
