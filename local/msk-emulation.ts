// MSK event-source emulation: what Lambda's event source mapping does for an MSK cluster, done
// with a kafkajs consumer group so the local cloud can be fed from a real broker. The pieces:
//  * msk/group-consumer.ts: the consumer group; records buffered per partition (msk/lanes.ts),
//    offsets committed (last + 1) per batch only after the handler succeeded; a rebalance or a
//    restart drops the buffer and the in-flight commit (ingest is idempotent by event_id).
//  * msk/batcher.ts: a batch of one partition is due at `batchSize` records (or 6 MB, Lambda's
//    payload limit) or after `batchingWindowMs`; partitions proceed concurrently, at most one
//    batch per partition and `concurrency` in all (default: one per partition).
//  * msk/invoker.ts: retries with exponential backoff; after `maxRetries` the batch goes to the
//    on-failure destination (<dir>/msk-on-failure/, msk/on-failure.ts) and is committed past.
//  * msk/lag.ts: consumer lag per partition, logged and emitted as EMF every `lagIntervalMs`.
import type { MSKEvent } from 'aws-lambda';
import { runBatcher } from './msk/batcher.js';
import { kafkaClient } from './msk/client.js';
import { createGroupConsumer } from './msk/group-consumer.js';
import { createInvoker } from './msk/invoker.js';
import { fetchLag, lagEmf, lagLogLine, type PartitionLag } from './msk/lag.js';
import { PartitionLanes } from './msk/lanes.js';
import { type Buffered, type MskEmulationStats, newRunState } from './msk/run-state.js';
import { concurrencySetting, mskSettings, type SettingsInput } from './msk/settings.js';

export type { PartitionLag } from './msk/lag.js';
export type { MskEmulationStats } from './msk/run-state.js';

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface MskEmulationOptions extends SettingsInput {
  brokers: string[];
  /** The function the event source invokes (the ingest handler). Throwing = a failed invocation. */
  invoke: (event: MSKEvent) => Promise<unknown>;
  /**
   * Reads KAFKA_CONSUMER_GROUP (groupId, default analytics-consumer), MSK_BATCH_SIZE (100),
   * MSK_BATCHING_WINDOW_MS (500), MSK_CONCURRENCY (one per partition; 1 = serial), MSK_MAX_RETRIES
   * (5), MSK_RETRY_BASE_MS (500) doubling up to MSK_RETRY_MAX_MS (30,000), MSK_LAG_INTERVAL_MS
   * (15,000; 0 = no periodic report), MSK_STARTING_POSITION (TRIM_HORIZON or LATEST) when the
   * matching option is absent.
   */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The on-failure destination lives under `<dir>/msk-on-failure/`. */
  dir: string;
  concurrency?: number;
  /** Where EMF documents go (default: log). */
  metric?: (emf: string) => void;
  /**
   * Test hook, a fault no real part produces on demand: runs after the handler succeeded and before
   * the offsets are committed. If it throws, the consumer "dies" right there: nothing is committed,
   * the buffer is dropped and the emulation stops (as a killed process would).
   */
  afterInvoke?: (event: MSKEvent) => void | Promise<void>;
  clientId?: string;
}

export interface MskEmulation {
  readonly groupId: string;
  readonly settings: { batchSize: number; batchingWindowMs: number; maxRetries: number; concurrency: number; topics: readonly string[] };
  readonly stats: Readonly<MskEmulationStats>;
  /** Files written to the on-failure destination so far. */
  readonly onFailureFiles: readonly string[];
  /** Resolves once the emulation has stopped (stop(), or the afterInvoke crash). */
  readonly stopped: Promise<void>;
  /** Current lag per partition (committed offset vs high watermark). */
  lag(): Promise<PartitionLag[]>;
  /** Finishes the in-flight invocations (committed if they succeeded), abandons the buffer, leaves the group. */
  stop(): Promise<void>;
}

export async function startMskEmulation(options: MskEmulationOptions): Promise<MskEmulation> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const metric = options.metric ?? log;
  const { groupId, topics, batchSize, windowMs, maxRetries, retryBaseMs, retryMaxMs, lagIntervalMs, startingPosition } = mskSettings(
    options,
    env,
  );
  const bootstrapServers = options.brokers.join(',');
  const kafka = kafkaClient({ brokers: options.brokers, clientId: options.clientId ?? `msk-emulation-${groupId}`, log });
  const admin = kafka.admin();
  await admin.connect();
  let partitionCount = 0;
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
    partitionCount = meta.topics.reduce((s, t) => s + t.partitions.length, 0);
  } catch (err) {
    await admin.disconnect();
    throw new Error(`MSK emulation: cannot read the topics ${topics.join(', ')} on ${bootstrapServers}: ${(err as Error).message}`);
  }
  const concurrency = concurrencySetting(options.concurrency, env, partitionCount);

  const state = newRunState(log);
  const onFailureFiles: string[] = [];
  const lanes = new PartitionLanes<Buffered>({ batchSize, windowMs, maxBytes: MAX_PAYLOAD_BYTES });
  const dropBuffer = () => {
    lanes.clear();
    state.drained.notify();
  };
  let lagTimer: NodeJS.Timeout | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const consumer = createGroupConsumer({ kafka, groupId, topics, startingPosition, partitionCount, batchSize, lanes, state, dropBuffer });

  async function halt(): Promise<void> {
    if (state.halted) return stopped;
    state.halted = true;
    state.stopping = true;
    if (lagTimer) clearInterval(lagTimer);
    state.arrived.notify();
    state.stopSignal.notify();
    dropBuffer();
    await consumer.disconnect();
    await admin.disconnect().catch(() => undefined);
    resolveStopped();
    return stopped;
  }

  const { invoke, afterInvoke, dir } = options;
  const deliver = createInvoker({
    invoke,
    afterInvoke,
    dir,
    bootstrapServers,
    groupId,
    maxRetries,
    retryBaseMs,
    retryMaxMs,
    state,
    onFailureFiles,
    commit: consumer.commit,
    halt,
  });
  const loopDone = runBatcher({ lanes, concurrency, deliver, state, retryBaseMs, retryMaxMs });

  async function reportLag(): Promise<void> {
    try {
      const lags = await fetchLag(admin, groupId, topics);
      log(lagLogLine(groupId, lags));
      for (const line of lagEmf(groupId, lags)) metric(line);
    } catch (err) {
      log(`MSK emulation: consumer lag unavailable: ${(err as Error).message}`);
    }
  }

  try {
    await consumer.run();
  } catch (err) {
    await halt();
    throw err;
  }
  if (lagIntervalMs > 0) {
    lagTimer = setInterval(() => void reportLag(), lagIntervalMs);
    lagTimer.unref();
  }
  log(
    `MSK emulation: group ${groupId} on ${topics.join(', ')} (${partitionCount} partitions), batch size ${batchSize}, window ${windowMs} ms, concurrency ${concurrency}, ${maxRetries} retries, on-failure ${options.dir}/msk-on-failure/`,
  );

  return {
    groupId,
    settings: { batchSize, batchingWindowMs: windowMs, maxRetries, concurrency, topics },
    stats: state.stats,
    onFailureFiles,
    stopped,
    async lag() {
      if (!state.halted) return fetchLag(admin, groupId, topics);
      // After a stop the group's committed offsets are still worth reading (tests, tools).
      const a = kafka.admin();
      await a.connect();
      try {
        return await fetchLag(a, groupId, topics);
      } finally {
        await a.disconnect();
      }
    },
    async stop() {
      if (!state.stopping) {
        state.stopping = true;
        state.arrived.notify();
        state.stopSignal.notify();
        state.drained.notify();
        await loopDone;
      }
      await halt();
    },
  };
}
