// Per-partition buffers of the MSK event-source emulation, and the rule that picks the next batch.
// Lambda's MSK pollers keep at most one batch per partition in flight and records of a partition
// in offset order; partitions proceed independently, up to the allowed concurrency. A lane is one
// (topic, partition): its records in arrival (= offset) order, and whether a batch of it is in
// flight. Pure bookkeeping, no I/O: test/msk-lanes.test.ts covers it.

export interface LaneItem {
  bytes: number;
  arrivedAt: number;
  generation: number;
}

interface Lane<T> {
  key: string;
  items: T[];
  bytes: number;
  inFlight: boolean;
}

export interface BatchRule {
  batchSize: number;
  windowMs: number;
  maxBytes: number;
}

export class PartitionLanes<T extends LaneItem> {
  private readonly lanes = new Map<string, Lane<T>>();
  private inFlightCount = 0;

  constructor(private readonly rule: BatchRule) {}

  /** Records buffered in every lane. */
  get size(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.items.length;
    return n;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  sizeOf(key: string): number {
    return this.lanes.get(key)?.items.length ?? 0;
  }

  push(key: string, item: T): void {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { key, items: [], bytes: 0, inFlight: false }));
    lane.items.push(item);
    lane.bytes += item.bytes;
  }

  /** Drops buffered records of older generations (a rebalance or restart made them void). */
  dropStale(generation: number): void {
    for (const lane of this.lanes.values()) {
      if (lane.items.length > 0 && lane.items.some((i) => i.generation !== generation)) {
        lane.items = lane.items.filter((i) => i.generation === generation);
        lane.bytes = lane.items.reduce((s, i) => s + i.bytes, 0);
      }
    }
  }

  /** Empties every lane (in-flight marks stay: those batches finish on their own). */
  clear(): void {
    for (const lane of this.lanes.values()) {
      lane.items = [];
      lane.bytes = 0;
    }
  }

  private full(lane: Lane<T>): boolean {
    return lane.items.length >= this.rule.batchSize || lane.bytes >= this.rule.maxBytes;
  }

  /**
   * The next batch to hand over at `now`: from the lane, not in flight, that is full or whose
   * oldest record's window has passed (the longest-waiting first), or undefined. Marks the lane
   * in flight; release() it when the batch is done.
   */
  take(now: number): { key: string; items: T[] } | undefined {
    let best: Lane<T> | undefined;
    for (const lane of this.lanes.values()) {
      if (lane.inFlight || lane.items.length === 0) continue;
      if (!this.full(lane) && now < lane.items[0]!.arrivedAt + this.rule.windowMs) continue;
      if (!best || lane.items[0]!.arrivedAt < best.items[0]!.arrivedAt) best = lane;
    }
    if (!best) return undefined;
    let n = 0;
    let bytes = 0;
    const { batchSize, maxBytes } = this.rule;
    while (n < best.items.length && n < batchSize && (n === 0 || bytes + best.items[n]!.bytes <= maxBytes)) bytes += best.items[n++]!.bytes;
    const items = best.items.splice(0, n);
    best.bytes -= bytes;
    best.inFlight = true;
    this.inFlightCount++;
    return { key: best.key, items };
  }

  release(key: string): void {
    const lane = this.lanes.get(key);
    if (lane?.inFlight) {
      lane.inFlight = false;
      this.inFlightCount--;
    }
  }

  /** When the next lane not in flight becomes due (epoch ms), or undefined when none holds records. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const lane of this.lanes.values()) {
      if (lane.inFlight || lane.items.length === 0) continue;
      const at = this.full(lane) ? 0 : lane.items[0]!.arrivedAt + this.rule.windowMs;
      if (due === undefined || at < due) due = at;
    }
    return due;
  }
}
