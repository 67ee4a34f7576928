// Per-partition buffers of the MSK event-source emulation, and the rule that picks the next batch.
// Lambda's MSK pollers keep at most one batch per partition in flight and records of a partition
// in offset order; partitions proceed independently, up to the allowed concurrency. A lane is one
// (topic, partition): its records in arrival (= offset) order, and whether a batch holding some
// of them is in flight. Pure bookkeeping, no I/O: test/msk-lanes.test.ts covers it.

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

  /** Batches in flight. */
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
   * The next batch to hand over at `now`, or undefined. Lanes with a batch in flight are left out.
   * A batch is due when a free lane is full or its oldest record's window has passed, or when the
   * free lanes hold `batchSize` records together; it then takes records from the free lanes, the
   * longest-waiting first, up to `batchSize` (and the payload limit). So a backlog gives batches of
   * one partition each, running side by side, and a trickle gives one batch of several partitions,
   * as Lambda's pollers do. Every lane that gave records is in flight until release().
   */
  take(now: number): { keys: string[]; items: T[] } | undefined {
    const free = [...this.lanes.values()].filter((l) => !l.inFlight && l.items.length > 0);
    if (free.length === 0) return undefined;
    const { batchSize, maxBytes, windowMs } = this.rule;
    const total = free.reduce((s, l) => s + l.items.length, 0);
    const due = total >= batchSize || free.some((l) => this.full(l) || now >= l.items[0]!.arrivedAt + windowMs);
    if (!due) return undefined;
    free.sort((a, b) => a.items[0]!.arrivedAt - b.items[0]!.arrivedAt);
    const items: T[] = [];
    const keys: string[] = [];
    let bytes = 0;
    for (const lane of free) {
      let n = 0;
      let laneBytes = 0;
      while (
        n < lane.items.length &&
        items.length + n < batchSize &&
        (items.length + n === 0 || bytes + laneBytes + lane.items[n]!.bytes <= maxBytes)
      ) {
        laneBytes += lane.items[n++]!.bytes;
      }
      if (n === 0) break;
      items.push(...lane.items.splice(0, n));
      lane.bytes -= laneBytes;
      bytes += laneBytes;
      lane.inFlight = true;
      keys.push(lane.key);
      if (items.length >= batchSize) break;
    }
    this.inFlightCount++;
    return { keys, items };
  }

  /** Frees the lanes of a finished batch (or of one partition's part of it). */
  release(keys: readonly string[], batchDone = true): void {
    for (const key of keys) {
      const lane = this.lanes.get(key);
      if (lane) lane.inFlight = false;
    }
    if (batchDone) this.inFlightCount--;
  }

  /** When the next lane not in flight becomes due (epoch ms), or undefined when none holds records. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const lane of this.lanes.values()) {
      if (lane.inFlight || lane.items.length === 0) continue;
      const at = this.full(lane) ? 0 : lane.items[0]!.arrivedAt + this.rule.windowMs;
      // (take() may hand over earlier, when the free lanes together hold a batch.)
      if (due === undefined || at < due) due = at;
    }
    return due;
  }
}
