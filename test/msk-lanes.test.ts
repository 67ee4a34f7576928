// The per-partition lanes of the MSK event-source emulation: one batch per partition in flight,
// offset order within a partition, a backlog in one-partition batches, a trickle in one batch of
// several partitions, the payload limit.
import { describe, expect, it } from 'vitest';
import { PartitionLanes } from '../local/msk/lanes.js';

const item = (offset: number, arrivedAt: number, bytes = 10, generation = 1) => ({ offset, arrivedAt, bytes, generation });
type Item = ReturnType<typeof item>;
const offsets = (b: { items: Item[] } | undefined) => b?.items.map((i) => i.offset);

describe('partition lanes', () => {
  it('hand over a full lane at once, a partial one after its window, one batch per partition at a time', () => {
    const lanes = new PartitionLanes<Item>({ batchSize: 3, windowMs: 100, maxBytes: 1000 });
    for (let o = 0; o < 7; o++) lanes.push('t|0', item(o, 1000));
    lanes.push('t|1', item(0, 1010));
    const first = lanes.take(1000)!;
    expect(first.keys).toEqual(['t|0']);
    expect(offsets(first)).toEqual([0, 1, 2]);
    // Partition 0 is in flight: its next full batch waits; partition 1 is not due yet.
    expect(lanes.take(1000)).toBeUndefined();
    expect(lanes.nextDue()).toBe(1110);
    const second = lanes.take(1110)!;
    expect(second.keys).toEqual(['t|1']);
    expect(offsets(second)).toEqual([0]);
    expect(lanes.inFlight).toBe(2);
    lanes.release(first.keys);
    expect(offsets(lanes.take(1110))).toEqual([3, 4, 5]);
    expect(lanes.take(1110)).toBeUndefined();
    lanes.release(['t|0']);
    expect(offsets(lanes.take(1110))).toEqual([6]);
    expect(lanes.size).toBe(0);
    expect(lanes.inFlight).toBe(2);
  });

  it('gathers several free partitions into one batch, the longest-waiting first, never one in flight', () => {
    const lanes = new PartitionLanes<Item>({ batchSize: 10, windowMs: 50, maxBytes: 1000 });
    lanes.push('b|0', item(0, 120));
    lanes.push('a|0', item(0, 100));
    lanes.push('a|0', item(1, 101));
    expect(lanes.take(140)).toBeUndefined();
    const mixed = lanes.take(150)!;
    expect(mixed.keys).toEqual(['a|0', 'b|0']);
    expect(offsets(mixed)).toEqual([0, 1, 0]);
    lanes.push('a|0', item(2, 160));
    lanes.push('c|0', item(0, 160));
    const next = lanes.take(1000)!;
    expect(next.keys).toEqual(['c|0']);
    // One part of a split batch done: its lane is free again, the batch still counts as in flight.
    lanes.release(['a|0'], false);
    expect(lanes.inFlight).toBe(2);
    expect(offsets(lanes.take(1000))).toEqual([2]);
  });

  it('keeps a batch within the payload limit and drops records of an older generation', () => {
    const lanes = new PartitionLanes<Item>({ batchSize: 10, windowMs: 0, maxBytes: 25 });
    for (let o = 0; o < 3; o++) lanes.push('b|0', item(o, 100, 10));
    expect(offsets(lanes.take(300))).toEqual([0, 1]);
    const stale = new PartitionLanes<Item>({ batchSize: 10, windowMs: 0, maxBytes: 1000 });
    stale.push('t|0', item(0, 1, 10, 1));
    stale.push('t|0', item(1, 1, 10, 2));
    stale.dropStale(2);
    expect(offsets(stale.take(5))).toEqual([1]);
    stale.push('t|1', item(0, 1));
    stale.clear();
    expect(stale.size).toBe(0);
  });
});
