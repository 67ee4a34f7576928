// The local cloud's built-in event source when no Kafka broker is configured: generated events,
// laid out as MSK batches (keyed partitions, consecutive offsets), handed to the ingest handler
// every batching window — the same handler and event shape as in AWS.
import type { ClickHouseClient } from '@clickhouse/client';
import type { MSKEvent } from 'aws-lambda';
import { EventGenerator, partitionFor } from '../devkit/generator.js';
import { buildMskEvent, type OutgoingRecord } from '../devkit/msk-events.js';
import { TOPICS } from '../contracts/event.js';
import { backoffMs } from './lib/backoff.js';
import { sleep } from './lib/sleep.js';

export interface GeneratorSourceOptions {
  /** Events per second; 0 disables the source. */
  rate: number;
  /** How often a batch is handed over (the MSK maximum batching window). */
  windowMs?: number;
  partitions?: number;
  invalidRatio?: number;
  seed?: number;
  invoke: (event: MSKEvent) => Promise<unknown>;
  /** Offsets continue after what is already stored, so a restart is not taken for a redelivery. */
  clickhouse: ClickHouseClient;
  onError?: (err: unknown) => void;
}

export interface GeneratorSource {
  stop(): Promise<void>;
  readonly delivered: number;
}

async function storedOffsets(client: ClickHouseClient): Promise<Map<string, number>> {
  const rs = await client.query({
    query: `SELECT topic, partition, toString(max(max_offset)) AS max_offset FROM analytics_ingest_offsets GROUP BY topic, partition`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ topic: string; partition: number; max_offset: string }>();
  return new Map(rows.map((r) => [`${r.topic}-${r.partition}`, Number(r.max_offset) + 1]));
}

export async function startGeneratorSource(opts: GeneratorSourceOptions): Promise<GeneratorSource> {
  const windowMs = opts.windowMs ?? 500;
  const partitions = opts.partitions ?? 3;
  const generator = new EventGenerator({ seed: opts.seed });
  const next = await storedOffsets(opts.clickhouse);
  for (const topic of TOPICS) for (let p = 0; p < partitions; p++) if (!next.has(`${topic}-${p}`)) next.set(`${topic}-${p}`, 0);
  let delivered = 0;
  let carry = 0;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const exact = (opts.rate * windowMs) / 1000 + carry;
    const count = Math.floor(exact);
    carry = exact - count;
    if (count === 0) return;
    const now = Date.now();
    const records: OutgoingRecord[] = [];
    for (let i = 0; i < count; i++) {
      const r = generator.record(opts.invalidRatio ?? 0);
      const partition = partitionFor(r.key, partitions);
      const k = `${r.topic}-${partition}`;
      const offset = next.get(k)!;
      records.push({ topic: r.topic, partition, offset, timestamp: now, key: r.key, value: r.value });
      next.set(k, offset + 1);
    }
    const event = buildMskEvent(records);
    // Like the event source: a failed batch is retried (same records) until it goes through.
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await opts.invoke(event);
        delivered += records.length;
        return;
      } catch (err) {
        opts.onError?.(err);
        await sleep(backoffMs(attempt + 1, { baseMs: 200, maxMs: 5000 }));
      }
    }
  };

  const timer = setInterval(() => {
    // Never overlap batches: a slow insert delays the next window instead of piling up.
    running = running.then(() => (stopped ? undefined : tick()));
  }, windowMs);

  return {
    get delivered() {
      return delivered;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
