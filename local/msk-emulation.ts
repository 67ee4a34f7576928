// MSK event-source emulation: what Lambda's event source mapping does for an MSK cluster, done
// with a kafkajs consumer group so the local cloud can be fed from a real broker.
//
//  * Records are buffered per partition (local/msk/lanes.ts); a batch of one partition (an MSK
//    event built with buildMskEvent) is handed to the handler when it holds `batchSize` records
//    (or 6 MB, Lambda's payload limit), or when `batchingWindowMs` has passed since its first
//    record arrived. Records of one partition stay in offset order.
//  * Partitions proceed concurrently, as Lambda's pollers do: at most one batch per partition in
//    flight, at most `concurrency` batches in flight in all (default: one per partition). Offsets
//    are committed (last + 1) per batch only after the handler succeeded, so a partition whose
//    batch keeps failing holds back only itself. kafkajs' own fetch position moves ahead as
//    records are buffered, so the next fetch overlaps the current invocations.
//  * A failing batch is retried with exponential backoff; after `maxRetries` retries (Lambda's
//    MaximumRetryAttempts: 1 + maxRetries invocations) it is written to the on-failure destination
//    (<dir>/msk-on-failure/) and committed past, so consumption moves on.
//  * A rebalance or a consumer restart (a kafkajs crash, e.g. the broker went away) drops what is
//    buffered and skips the in-flight batch's commit: the group's committed offsets are the truth
//    and those records are fetched again. Ingest is idempotent (offset high-water marks and
//    deduplication tokens in ClickHouse), so a redelivery never double counts.
//  * Consumer lag per partition is logged and emitted as EMF every `lagIntervalMs`.
import { randomUUID } from 'node:crypto';
import type { MSKEvent } from 'aws-lambda';
import type { Admin, Consumer, EachBatchPayload, IHeaders } from 'kafkajs';
import { buildMskEvent, type OutgoingRecord } from '../devkit/msk-events.js';
import { TOPICS } from '../contracts/event.js';
import { DEFAULT_CONSUMER_GROUP, kafkaClient } from './msk/client.js';
import { fetchLag, lagEmf, lagLogLine, type PartitionLag } from './msk/lag.js';
import { onFailureRecord, writeOnFailure } from './msk/on-failure.js';
import { PartitionLanes } from './msk/lanes.js';

export type { PartitionLag } from './msk/lag.js';

/** Lambda's synchronous invocation payload limit. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface MskEmulationOptions {
  brokers: string[];
  /** The function the event source invokes (the ingest handler). Throwing = a failed invocation. */
  invoke: (event: MSKEvent) => Promise<unknown>;
  /** Reads KAFKA_CONSUMER_GROUP, MSK_* (below) when the matching option is absent. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** The on-failure destination lives under `<dir>/msk-on-failure/`. */
  dir: string;
  /** KAFKA_CONSUMER_GROUP, default analytics-consumer. */
  groupId?: string;
  topics?: readonly string[];
  /** MSK_BATCH_SIZE, default 100 (Lambda: 1–10,000). */
  batchSize?: number;
  /** MSK_BATCHING_WINDOW_MS, default 500. */
  batchingWindowMs?: number;
  /**
   * MSK_CONCURRENCY: batches in flight at once (each of a different partition), default the number
   * of partitions of the topics (Lambda: one concurrent invocation per partition). 1 = serial.
   */
  concurrency?: number;
  /** MSK_MAX_RETRIES, default 5: retries after the first failed invocation. */
  maxRetries?: number;
  /** MSK_RETRY_BASE_MS (default 500) doubling per retry up to MSK_RETRY_MAX_MS (default 30,000). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** MSK_LAG_INTERVAL_MS, default 15,000; 0 disables the periodic lag report (lag() still works). */
  lagIntervalMs?: number;
  /** MSK_STARTING_POSITION: TRIM_HORIZON (default, a new group reads from the start) or LATEST. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
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

export interface MskEmulationStats {
  /** Handler invocations, failed ones included. */
  invocations: number;
  failedInvocations: number;
  /** Batches the handler accepted, and their records. */
  batches: number;
  records: number;
  /** Batches / records sent to the on-failure destination. */
  onFailureBatches: number;
  onFailureRecords: number;
  /** Successful offset commits. */
  commits: number;
  /** Group (re)joins and consumer restarts seen. */
  joins: number;
  restarts: number;
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

interface Buffered {
  record: OutgoingRecord;
  bytes: number;
  arrivedAt: number;
  generation: number;
}

/** A wake-up signal: wait(ms) resolves at the next notify() or after ms. */
class Signal {
  private waiters: Array<() => void> = [];
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve();
        },
        Math.max(0, ms),
      );
      this.waiters.push(done);
    });
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function numberSetting(
  value: number | undefined,
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = value ?? (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : fallback);
  if (!Number.isFinite(raw) || raw < min || raw > max)
    throw new Error(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(env[name] ?? value)}`);
  return raw;
}

function headersOf(h: IHeaders | undefined): Record<string, string | Buffer | undefined> | undefined {
  if (!h) return undefined;
  const out: Record<string, string | Buffer | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v[0] : v;
  return out;
}

// Base64 grows data by 4/3; the rest is the record's JSON envelope.
const recordBytes = (key: Buffer | null, value: Buffer | null) => Math.ceil((((key?.length ?? 0) + (value?.length ?? 0)) * 4) / 3) + 200;

export async function startMskEmulation(options: MskEmulationOptions): Promise<MskEmulation> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const metric = options.metric ?? log;
  const groupId = options.groupId ?? (env.KAFKA_CONSUMER_GROUP || DEFAULT_CONSUMER_GROUP);
  const topics = options.topics ?? TOPICS;
  const batchSize = numberSetting(options.batchSize, env, 'MSK_BATCH_SIZE', 100, 1, 10_000);
  const windowMs = numberSetting(options.batchingWindowMs, env, 'MSK_BATCHING_WINDOW_MS', 500, 0, 300_000);
  const maxRetries = numberSetting(options.maxRetries, env, 'MSK_MAX_RETRIES', 5, 0, 10_000);
  const retryBaseMs = numberSetting(options.retryBaseMs, env, 'MSK_RETRY_BASE_MS', 500, 0, 600_000);
  const retryMaxMs = numberSetting(options.retryMaxMs, env, 'MSK_RETRY_MAX_MS', 30_000, 0, 3_600_000);
  const lagIntervalMs = numberSetting(options.lagIntervalMs, env, 'MSK_LAG_INTERVAL_MS', 15_000, 0, 86_400_000);
  const startingPosition = options.startingPosition ?? (env.MSK_STARTING_POSITION === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON');
  const bootstrapServers = options.brokers.join(',');
  // Keeps each partition's fetcher a batch or two ahead of its handler, no more.
  const maxBufferedPerPartition = Math.max(2 * batchSize, 1000);

  const kafka = kafkaClient({ brokers: options.brokers, clientId: options.clientId ?? `msk-emulation-${groupId}`, log });
  const admin: Admin = kafka.admin();
  await admin.connect();

  let partitionCount = 0;
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
    partitionCount = meta.topics.reduce((s, t) => s + t.partitions.length, 0);
  } catch (err) {
    await admin.disconnect();
    throw new Error(`MSK emulation: cannot read the topics ${topics.join(', ')} on ${bootstrapServers}: ${(err as Error).message}`);
  }

  const concurrency = numberSetting(options.concurrency, env, 'MSK_CONCURRENCY', Math.max(1, partitionCount), 1, 10_000);
  const stats: MskEmulationStats = {
    invocations: 0,
    failedInvocations: 0,
    batches: 0,
    records: 0,
    onFailureBatches: 0,
    onFailureRecords: 0,
    commits: 0,
    joins: 0,
    restarts: 0,
  };
  const onFailureFiles: string[] = [];
  const lanes = new PartitionLanes<Buffered>({ batchSize, windowMs, maxBytes: MAX_PAYLOAD_BYTES });
  const laneKey = (topic: string, partition: number) => `${topic}|${partition}`;
  // Bumped at every group (re)join and consumer restart: older buffered records and batches are void.
  let generation = 0;
  let stopping = false; // stop(): no new batches, finish the in-flight one
  let halted = false; // nothing more happens at all
  const arrived = new Signal(); // records arrived / a batch finished / stopping
  const stopSignal = new Signal(); // stop() or halt(): cuts retry backoffs short
  const drained = new Signal(); // buffer shrank / halted
  let consumer: Consumer | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const dropBuffer = () => {
    lanes.clear();
    drained.notify();
  };

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const gen = generation;
    const live = () => !halted && !stopping && isRunning() && !isStale() && gen === generation;
    const partition = batch.partition;
    const key = laneKey(batch.topic, partition);
    for (const m of batch.messages) {
      // Back-pressure: wait (heartbeating, so the group keeps us) while this partition's handler catches up.
      while (lanes.sizeOf(key) >= maxBufferedPerPartition && live()) {
        await drained.wait(1000);
        await heartbeat();
      }
      if (!live()) return;
      const bytes = recordBytes(m.key, m.value);
      lanes.push(key, {
        record: {
          topic: batch.topic,
          partition,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
          key: m.key,
          value: m.value,
          headers: headersOf(m.headers),
        },
        bytes,
        arrivedAt: Date.now(),
        generation: gen,
      });
      // Only the fetch position moves; the group's committed offset moves after the handler succeeded.
      resolveOffset(m.offset);
      const held = lanes.sizeOf(key);
      if (held === batchSize || held === 1) arrived.notify();
    }
    arrived.notify();
    await heartbeat();
  }

  async function commit(records: readonly OutgoingRecord[], gen: number): Promise<void> {
    // A halted emulation is a dead process: batches still in flight on other partitions commit nothing.
    if (halted) return;
    if (gen !== generation || !consumer) {
      log(`MSK emulation: group changed during the batch; not committing it (its records are fetched again and deduplicated)`);
      return;
    }
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const r of records) {
      const k = `${r.topic}|${r.partition}`;
      const held = next.get(k);
      if (!held || r.offset + 1 > held.offset) next.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    }
    try {
      await consumer.commitOffsets([...next.values()].map((p) => ({ ...p, offset: String(p.offset) })));
      stats.commits++;
    } catch (err) {
      // A later commit covers these offsets; after a rebalance the records come back and are deduplicated.
      log(`MSK emulation: offset commit failed (${(err as Error).message}); a later commit or a redelivery covers it`);
    }
  }

  /**
   * Invokes with retries; resolves once the batch is committed, sent to on-failure, or abandoned,
   * or with 'split' when a batch of several partitions failed its first attempt and `splittable`:
   * the caller then retries each partition's part on its own, so one failing partition holds back
   * only itself.
   */
  async function deliver(items: Buffered[], opts: { firstAttempt?: number; splittable?: boolean } = {}): Promise<'done' | 'split'> {
    const gen = items[0]!.generation;
    const records = items.map((i) => i.record);
    const event = buildMskEvent(records, { bootstrapServers });
    const requestId = randomUUID();
    const firstAttempt = opts.firstAttempt ?? 1;
    for (let attempt = firstAttempt; ; attempt++) {
      if (halted || gen !== generation) return 'done';
      stats.invocations++;
      try {
        await options.invoke(event);
      } catch (err) {
        stats.failedInvocations++;
        if (opts.splittable && attempt === firstAttempt && attempt <= maxRetries && Object.keys(event.records).length > 1) {
          log(
            `MSK emulation: invocation of ${Object.keys(event.records).length} partitions failed (${(err as Error).message}); retrying each partition on its own`,
          );
          return 'split';
        }
        if (attempt > maxRetries) {
          const file = await writeOnFailure(
            options.dir,
            onFailureRecord(event, { error: err, attempts: attempt, consumerGroup: groupId, requestId }),
          );
          onFailureFiles.push(file);
          stats.onFailureBatches++;
          stats.onFailureRecords += records.length;
          log(
            `MSK emulation: batch of ${records.length} records failed ${attempt} times (${(err as Error).message}); sent to ${file} and skipped`,
          );
          await commit(records, gen);
          return 'done';
        }
        const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
        log(
          `MSK emulation: invocation failed (attempt ${attempt} of ${maxRetries + 1}): ${(err as Error).message}; retrying in ${delay} ms`,
        );
        // A stop during the backoff abandons the batch uncommitted.
        await stopSignal.wait(delay);
        if (stopping) return 'done';
        continue;
      }
      if (options.afterInvoke) {
        try {
          await options.afterInvoke(event);
        } catch (err) {
          log(`MSK emulation: killed after the invocation, before the commit (${(err as Error).message})`);
          void halt();
          return 'done';
        }
      }
      stats.batches++;
      stats.records += records.length;
      await commit(records, gen);
      return 'done';
    }
  }

  /** One batch from the lanes, split per partition if it fails; frees each lane as its part is done. */
  async function deliverBatch(keys: readonly string[], items: Buffered[]): Promise<void> {
    if ((await deliver(items, { splittable: keys.length > 1 })) === 'done') return;
    const delay = Math.min(retryMaxMs, retryBaseMs);
    await stopSignal.wait(delay);
    if (stopping) return;
    await Promise.all(
      keys.map(async (key) => {
        const part = items.filter((i) => laneKey(i.record.topic, i.record.partition) === key);
        try {
          await deliver(part, { firstAttempt: 2 });
        } finally {
          lanes.release([key], false);
          arrived.notify();
        }
      }),
    );
  }

  // The scheduling loop: hands batches over while fewer than `concurrency` are in flight; a
  // finished batch frees its lanes (and wakes the loop) for those partitions' next batch.
  const running = new Set<Promise<void>>();
  const loopDone = (async () => {
    while (!halted && !stopping) {
      lanes.dropStale(generation);
      let started = false;
      while (lanes.inFlight < concurrency) {
        const next = lanes.take(Date.now());
        if (!next) break;
        started = true;
        const job: Promise<void> = deliverBatch(next.keys, next.items)
          .catch(async (err: Error) => {
            // Only the on-failure write can get here (disk full…): the records come back after a restart.
            log(`MSK emulation: delivery failed unexpectedly: ${err.message}`);
            await new Promise((r) => setTimeout(r, 1000));
          })
          .finally(() => {
            lanes.release(next.keys);
            running.delete(job);
            drained.notify();
            arrived.notify();
          });
        running.add(job);
      }
      if (started) continue;
      const due = lanes.nextDue();
      await arrived.wait(due === undefined ? 1000 : Math.min(1000, due - Date.now()));
    }
    await Promise.all([...running]);
  })();

  async function runConsumer(): Promise<void> {
    const c = kafka.consumer({
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
      generation++;
      stats.joins++;
      dropBuffer();
      const assigned = Object.values(e.payload.memberAssignment).reduce((s, p) => s + p.length, 0);
      log(`MSK emulation: joined group ${groupId} as ${e.payload.memberId}, ${assigned} partitions assigned`);
    });
    c.on(c.events.CRASH, (e) => {
      generation++;
      stats.restarts++;
      dropBuffer();
      if (!e.payload.restart && !halted && !stopping) {
        // A non-retriable crash: kafkajs gives up, we do not — start a fresh consumer shortly.
        log(`MSK emulation: consumer stopped on ${e.payload.error.message}; starting a new one`);
        setTimeout(() => {
          if (!halted && !stopping) runConsumer().catch((err: Error) => log(`MSK emulation: restart failed: ${err.message}`));
        }, 1000).unref();
      }
    });
    await c.connect();
    await c.subscribe({ topics: [...topics], fromBeginning: startingPosition === 'TRIM_HORIZON' });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, partitionCount),
      eachBatch,
    });
  }

  async function reportLag(): Promise<void> {
    try {
      const lags = await fetchLag(admin, groupId, topics);
      log(lagLogLine(groupId, lags));
      for (const line of lagEmf(groupId, lags)) metric(line);
    } catch (err) {
      log(`MSK emulation: consumer lag unavailable: ${(err as Error).message}`);
    }
  }

  async function halt(): Promise<void> {
    if (halted) return stopped;
    halted = true;
    stopping = true;
    if (lagTimer) clearInterval(lagTimer);
    arrived.notify();
    stopSignal.notify();
    dropBuffer();
    try {
      await consumer?.disconnect();
    } catch (err) {
      log(`MSK emulation: consumer disconnect failed: ${(err as Error).message}`);
    }
    await admin.disconnect().catch(() => undefined);
    resolveStopped();
    return stopped;
  }

  try {
    await runConsumer();
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
    stats,
    onFailureFiles,
    stopped,
    async lag() {
      if (!halted) return fetchLag(admin, groupId, topics);
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
      if (!stopping) {
        stopping = true;
        arrived.notify();
        stopSignal.notify();
        drained.notify();
        await loopDone;
      }
      await halt();
    },
  };
}
