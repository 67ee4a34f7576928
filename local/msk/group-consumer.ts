// The kafkajs consumer group behind the MSK event-source emulation. Fetched records go into the
// per-partition lanes (back-pressure: a partition's fetcher waits, heartbeating, while its lane is
// full); only the fetch position moves then. Offsets are committed (last + 1 per partition) once a
// batch is done. A group (re)join or a consumer crash bumps the generation and drops the buffer:
// the committed offsets are the truth and those records are fetched again (ingest deduplicates).
import type { Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { OutgoingRecord } from '../../devkit/msk-events.js';
import type { PartitionLanes } from './lanes.js';
import { type Buffered, laneKey, type RunState } from './run-state.js';

export interface GroupConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  partitionCount: number;
  batchSize: number;
  lanes: PartitionLanes<Buffered>;
  state: RunState;
  /** Empties the lanes (and wakes whoever waits on them). */
  dropBuffer: () => void;
}

export interface GroupConsumer {
  /** Joins the group and starts fetching (restarting itself after a crash until halted). */
  run(): Promise<void>;
  /** Commits past `records`, unless the group changed since generation `gen` or the emulation halted. */
  commit(records: readonly OutgoingRecord[], gen: number): Promise<void>;
  disconnect(): Promise<void>;
}

/** The offsets to commit after a batch: per partition, the highest offset + 1. Pure. */
export function nextOffsets(records: readonly OutgoingRecord[]): Array<{ topic: string; partition: number; offset: string }> {
  const next = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const r of records) {
    const k = laneKey(r.topic, r.partition);
    const held = next.get(k);
    if (!held || r.offset + 1 > held.offset) next.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }
  return [...next.values()].map((p) => ({ ...p, offset: String(p.offset) }));
}

function headersOf(h: IHeaders | undefined): Record<string, string | Buffer | undefined> | undefined {
  if (!h) return undefined;
  const out: Record<string, string | Buffer | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}

// Base64 grows data by 4/3; the rest is the record's JSON envelope.
const recordBytes = (key: Buffer | null, value: Buffer | null) => Math.ceil((((key?.length ?? 0) + (value?.length ?? 0)) * 4) / 3) + 200;

export function createGroupConsumer(o: GroupConsumerOptions): GroupConsumer {
  const { lanes, state, groupId } = o;
  const log = state.log;
  // Keeps each partition's fetcher a batch or two ahead of its handler, no more.
  const maxBufferedPerPartition = Math.max(2 * o.batchSize, 1000);
  let consumer: Consumer | undefined;

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const gen = state.generation;
    const live = () => !state.halted && !state.stopping && isRunning() && !isStale() && gen === state.generation;
    const partition = batch.partition;
    const key = laneKey(batch.topic, partition);
    for (const m of batch.messages) {
      // Back-pressure: wait (heartbeating, so the group keeps us) while this partition's handler catches up.
      while (lanes.sizeOf(key) >= maxBufferedPerPartition && live()) {
        await state.drained.wait(1000);
        await heartbeat();
      }
      if (!live()) return;
      const record = {
        topic: batch.topic,
        partition,
        offset: Number(m.offset),
        timestamp: Number(m.timestamp),
        key: m.key,
        value: m.value,
        headers: headersOf(m.headers),
      };
      lanes.push(key, { record, bytes: recordBytes(m.key, m.value), arrivedAt: Date.now(), generation: gen });
      // Only the fetch position moves; the group's committed offset moves after the handler succeeded.
      resolveOffset(m.offset);
      const held = lanes.sizeOf(key);
      if (held === o.batchSize || held === 1) state.arrived.notify();
    }
    state.arrived.notify();
    await heartbeat();
  }

  async function commit(records: readonly OutgoingRecord[], gen: number): Promise<void> {
    // A halted emulation is a dead process: batches still in flight on other partitions commit nothing.
    if (state.halted) return;
    if (gen !== state.generation || !consumer) {
      log(`MSK emulation: group changed during the batch; not committing it (its records are fetched again and deduplicated)`);
      return;
    }
    try {
      await consumer.commitOffsets(nextOffsets(records));
      state.stats.commits++;
    } catch (err) {
      // A later commit covers these offsets; after a rebalance the records come back and are deduplicated.
      log(`MSK emulation: offset commit failed (${(err as Error).message}); a later commit or a redelivery covers it`);
    }
  }

  async function run(): Promise<void> {
    const c = o.kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: 3000,
      // Short long-polls: a stop never waits long for an in-flight fetch.
      maxWaitTimeInMs: 250,
      retry: {
        retries: 30,
        initialRetryTime: 300,
        maxRetryTime: 3000,
        // kafkajs restarts the consumer after retriable failures (a broker restart): always do.
        restartOnFailure: async (err) => {
          log(`MSK emulation: consumer failed (${err.message}); restarting`);
          return true;
        },
      },
    });
    consumer = c;
    c.on(c.events.GROUP_JOIN, (e) => {
      state.generation++;
      state.stats.joins++;
      o.dropBuffer();
      const assigned = Object.values(e.payload.memberAssignment).reduce((s, p) => s + p.length, 0);
      log(`MSK emulation: joined group ${groupId} as ${e.payload.memberId}, ${assigned} partitions assigned`);
    });
    c.on(c.events.CRASH, (e) => {
      state.generation++;
      state.stats.restarts++;
      o.dropBuffer();
      if (!e.payload.restart && !state.halted && !state.stopping) {
        // A non-retriable crash: kafkajs gives up, we do not — start a fresh consumer shortly.
        log(`MSK emulation: consumer stopped on ${e.payload.error.message}; starting a new one`);
        setTimeout(() => {
          if (!state.halted && !state.stopping) run().catch((err: Error) => log(`MSK emulation: restart failed: ${err.message}`));
        }, 1000).unref();
      }
    });
    await c.connect();
    await c.subscribe({ topics: [...o.topics], fromBeginning: o.startingPosition === 'TRIM_HORIZON' });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, o.partitionCount),
      eachBatch,
    });
  }

  return {
    run,
    commit,
    async disconnect() {
      try {
        await consumer?.disconnect();
      } catch (err) {
        log(`MSK emulation: consumer disconnect failed: ${(err as Error).message}`);
      }
    },
  };
}
