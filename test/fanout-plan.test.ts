// Pure parts of the fan-out: frames under the frame limit, newest version per bucket, one plan
// entry per connection across its rooms, chunks for workers; and the deltas item shape.
import { describe, expect, it } from 'vitest';
import { deltasFrames, MAX_FRAME_BYTES, newestPerBucket, utf8Bytes, type DeltasMessage } from '../contracts/ws.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import { planDelivery } from '../functions/fanout/plan.js';
import { itemToSnapshots, snapshotsToItems } from '../functions/shared/dynamo/deltas-store.js';
import type { Membership } from '../functions/shared/ws-store.js';

const minute = (i: number) => new Date(Date.UTC(2026, 10, 27, 9, i)).toISOString();
function snap(room: string, i: number, version: number, currencies = 1): DeltaSnapshot {
  return {
    room,
    bucket: minute(i),
    version,
    values: Array.from({ length: currencies }, (_, c) => ({
      type: 'invoice.paid' as const,
      currency: `C${c}`,
      count: version,
      volume: `${version}.5000`,
      fees: '0.0100',
      merchants: 1,
      succeeded: 0,
    })),
    recorded_at: '2026-11-27T10:00:00.000Z',
    source_ts: 1,
  };
}

describe('deltas frames', () => {
  it('pack every snapshot once, each frame within the limit, in as few frames as the limit allows', () => {
    const all = Array.from({ length: 60 }, (_, i) => snap('city:SN:Thiès', i, 10, 12));
    const frames = deltasFrames(all);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames) expect(utf8Bytes(f)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(utf8Bytes(frames[0]!)).toBe(Buffer.byteLength(frames[0]!));
    const parsed = frames.map((f) => JSON.parse(f) as DeltasMessage);
    expect(parsed.flatMap((m) => m.snapshots)).toEqual(all);
    const total = frames.reduce((n, f) => n + utf8Bytes(f), 0);
    expect(frames.length).toBe(Math.ceil(total / MAX_FRAME_BYTES));
    expect(deltasFrames([])).toEqual([]);
    expect(deltasFrames([], { resume: true }).map((f) => JSON.parse(f))).toEqual([{ type: 'deltas', v: 1, resume: true, snapshots: [] }]);
  });

  it('keep the newest version of each bucket', () => {
    const out = newestPerBucket([snap('global', 1, 5), snap('global', 1, 7), snap('global', 1, 6), snap('global', 2, 1)]);
    expect(out.map((s) => [s.bucket, s.version])).toEqual([
      [minute(1), 7],
      [minute(2), 1],
    ]);
  });
});

describe('planDelivery', () => {
  const m = (room: string, connectionId: string, expiresAt = 0, tokenExpiresAt = 0): Membership => ({
    room,
    connectionId,
    expiresAt,
    tokenExpiresAt,
  });

  it('gives a connection one entry for all its rooms, skips expired ones, and chunks by size', () => {
    const byRoom = new Map([
      ['global', [snap('global', 1, 3), snap('global', 1, 4)]],
      ['zone:WAEMU', [snap('zone:WAEMU', 1, 4), snap('zone:WAEMU', 2, 4)]],
    ]);
    const members = new Map([
      ['global', [m('global', 'a'), m('global', 'b'), m('global', 'old', 5)]],
      ['zone:WAEMU', [m('zone:WAEMU', 'a'), m('zone:WAEMU', 'c')]],
    ]);
    const plan = planDelivery(byRoom, members, { nowSec: 10, chunkSize: 2 });
    expect(plan.expired.map((e) => e.connectionId)).toEqual(['old']);
    expect(plan.connections).toBe(3);
    expect(plan.chunks.map((c) => c.targets.length)).toEqual([2, 1]);
    const targets = plan.chunks.flatMap((c) =>
      c.targets.map((t) => ({ ...t, frames: c.frames[t.group]!.map((f) => JSON.parse(f) as DeltasMessage) })),
    );
    const a = targets.find((t) => t.connectionId === 'a')!;
    expect(a.rooms).toEqual(['global', 'zone:WAEMU']);
    expect(a.frames).toHaveLength(1);
    expect(a.frames[0]!.snapshots.map((s) => [s.room, s.bucket, s.version])).toEqual([
      ['global', minute(1), 4],
      ['zone:WAEMU', minute(1), 4],
      ['zone:WAEMU', minute(2), 4],
    ]);
    expect(targets.find((t) => t.connectionId === 'c')!.frames[0]!.snapshots.every((s) => s.room === 'zone:WAEMU')).toBe(true);
  });

  it('a connection whose token has expired gets no frame but is listed once, with its rooms, to be closed', () => {
    const byRoom = new Map([
      ['global', [snap('global', 1, 3)]],
      ['zone:WAEMU', [snap('zone:WAEMU', 1, 4)]],
    ]);
    const members = new Map([
      ['global', [m('global', 'a', 0, 100), m('global', 'b', 0, 9), m('global', 'c', 0, 10)]],
      ['zone:WAEMU', [m('zone:WAEMU', 'b', 0, 9)]],
    ]);
    const plan = planDelivery(byRoom, members, { nowSec: 10, chunkSize: 100 });
    expect(plan.chunks.flatMap((c) => c.targets.map((t) => t.connectionId))).toEqual(['a']);
    expect(plan.tokenExpired).toEqual([
      { connectionId: 'b', rooms: ['global', 'zone:WAEMU'] },
      { connectionId: 'c', rooms: ['global'] },
    ]);
    expect(plan.expired).toEqual([]);
  });
});

describe('deltas items', () => {
  it('one item per room and version, split by bytes under the item limit, read back exactly', () => {
    const snaps = [...Array.from({ length: 40 }, (_, i) => snap('global', i, 9, 6)), snap('country:SN', 3, 9)];
    const items = snapshotsToItems(snaps);
    expect(items.map((i) => i.room)).toEqual(['global', 'country:SN']);
    expect(
      items.flatMap((i) => itemToSnapshots({ ...i })).sort((x, y) => x.room.localeCompare(y.room) || x.bucket.localeCompare(y.bucket)),
    ).toEqual([...snaps].sort((x, y) => x.room.localeCompare(y.room) || x.bucket.localeCompare(y.bucket)));
    const small = snapshotsToItems(snaps, 4_000);
    expect(small.length).toBeGreaterThan(2);
    for (const i of small.filter((x) => x.room === 'global'))
      expect(Buffer.byteLength(JSON.stringify(i.buckets))).toBeLessThanOrEqual(4_000 + 200);
    expect(new Set(small.map((i) => `${i.room}|${i.sk}`)).size).toBe(small.length);
    expect(small.every((i) => i.sk.startsWith('0000000000000009#'))).toBe(true);
  });

  it('reads an item of the earlier one-bucket shape', () => {
    const old = {
      room: 'global',
      sk: 'x',
      bucket: minute(1),
      version: 3,
      recordedAt: '2026-11-27T10:00:00.000Z',
      sourceTs: 5,
      values: snap('global', 1, 3).values,
      expiresAt: 1,
    };
    expect(itemToSnapshots(old)).toEqual([{ ...snap('global', 1, 3), source_ts: 5 }]);
  });
});
