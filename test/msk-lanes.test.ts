// The per-partition lanes of the MSK event-source emulation: one batch per partition in flight,
// offset order within a partition, full or due lanes first, the payload limit.
import { describe, expect, it } from 'vitest';
import { PartitionLanes } from '../local/msk/lanes.js';

const item = (offset: number, arrivedAt: number, bytes = 10, generation = 1) => ({ offset, arrivedAt, bytes, generation });

describe('partition lanes', () => {
  it('hand over a full lane at once, a partial one after its window, one batch per partition at a time', () => {
    const lanes = new PartitionLanes<ReturnType<typeof item>>({ batchSize: 3, windowMs: 100, maxBytes: 1000 });
    for (let o = 0; o < 7; o++) lanes.push('t|0', item(o, 1000));
    lanes.push('t|1', item(0, 1010));
    const first = lanes.take(1000)!;
    expect(first.key).toBe('t|0');
    expect(first.items.map((i) => i.offset)).toEqual([0, 1, 2]);
    // Partition 0 is in flight: its next full batch waits; partition 1 is not due yet.
    expect(lanes.take(1000)).toBeUndefined();
    expect(lanes.nextDue()).toBe(1110);
    expect(lanes.take(1110)!.items.map((i) => i.offset)).toEqual([0]);
    expect(lanes.inFlight).toBe(2);
    lanes.release('t|0');
    expect(lanes.take(1110)!.items.map((i) => i.offset)).toEqual([3, 4, 5]);
    lanes.release('t|0');
    expect(lanes.take(1110)!.items.map((i) => i.offset)).toEqual([6]);
    expect(lanes.size).toBe(0);
  });

  it('serves the longest-waiting due lane first and keeps a batch within the payload limit', () => {
    const lanes = new PartitionLanes<ReturnType<typeof item>>({ batchSize: 10, windowMs: 0, maxBytes: 25 });
    lanes.push('a|0', item(0, 200));
    lanes.push('b|0', item(0, 100, 10));
    lanes.push('b|0', item(1, 100, 10));
    lanes.push('b|0', item(2, 100, 10));
    const b = lanes.take(300)!;
    expect(b.key).toBe('b|0');
    expect(b.items.map((i) => i.offset)).toEqual([0, 1]);
    expect(lanes.take(300)!.key).toBe('a|0');
  });

  it('drop records of an older generation and everything on clear', () => {
    const lanes = new PartitionLanes<ReturnType<typeof item>>({ batchSize: 10, windowMs: 0, maxBytes: 1000 });
    lanes.push('t|0', item(0, 1, 10, 1));
    lanes.push('t|0', item(1, 1, 10, 2));
    lanes.dropStale(2);
    expect(lanes.take(5)!.items.map((i) => i.offset)).toEqual([1]);
    lanes.push('t|1', item(0, 1));
    lanes.clear();
    expect(lanes.size).toBe(0);
  });
});
