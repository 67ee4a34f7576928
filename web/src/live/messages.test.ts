import { describe, expect, it } from 'vitest';
import {
  applySnapshot,
  deltasFrames,
  type BucketState,
  type DeltaSnapshot,
  type DeltasMessage,
  type ServerMessage,
} from '../../../contracts/index.js';
import { snapshotsForRoom } from './messages.js';

const snap = (room: string, bucket: string, version: number, count: number): DeltaSnapshot => ({
  room,
  bucket,
  version,
  values: [{ type: 'wallet_txn_created', currency: 'XOF', count, volume: `${count}.0000`, fees: '0.0000', merchants: 1, succeeded: count }],
  recorded_at: '2026-11-27T10:15:30.000Z',
});

describe('snapshotsForRoom', () => {
  it("takes the room's snapshots out of a coalesced deltas frame, as the server serializes it", () => {
    const all = [
      snap('global', '2026-11-27T10:14:00.000Z', 5, 9),
      snap('country:SN', '2026-11-27T10:14:00.000Z', 5, 3),
      snap('country:SN', '2026-11-27T10:15:00.000Z', 5, 4),
    ];
    const [frame] = deltasFrames(all);
    const msg = JSON.parse(frame!) as ServerMessage;
    expect(snapshotsForRoom(msg, 'country:SN').map((s) => [s.bucket, s.values[0]!.count])).toEqual([
      ['2026-11-27T10:14:00.000Z', 3],
      ['2026-11-27T10:15:00.000Z', 4],
    ]);
    expect(snapshotsForRoom(msg, 'zone:WAEMU')).toEqual([]);
  });

  it('ignores a frame of an unknown version, and still reads the single-delta and resume forms', () => {
    const s = snap('country:SN', '2026-11-27T10:14:00.000Z', 7, 2);
    expect(snapshotsForRoom({ type: 'deltas', v: 2, snapshots: [s] } as unknown as DeltasMessage, 'country:SN')).toEqual([]);
    expect(snapshotsForRoom({ type: 'delta', ...s }, 'country:SN')).toEqual([s]);
    expect(snapshotsForRoom({ type: 'resume', snapshots: [s] }, 'country:SN')).toEqual([s]);
    expect(snapshotsForRoom({ type: 'pong', at: 'x' }, 'country:SN')).toEqual([]);
  });

  it('an older version arriving after a newer one never replaces it in the live state', () => {
    const live: BucketState = new Map();
    const newer = JSON.parse(deltasFrames([snap('country:SN', '2026-11-27T10:14:00.000Z', 9, 5)])[0]!) as ServerMessage;
    const older = JSON.parse(deltasFrames([snap('country:SN', '2026-11-27T10:14:00.000Z', 8, 4)])[0]!) as ServerMessage;
    for (const m of [newer, older]) for (const s of snapshotsForRoom(m, 'country:SN')) applySnapshot(live, s);
    expect([...live.values()].map((s) => [s.version, s.values[0]!.count])).toEqual([[9, 5]]);
  });
});
