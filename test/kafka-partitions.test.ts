// The MSK event-source emulation against a real Kafka broker, partitions in parallel: batches of
// different partitions run at the same time, each partition's records arrive in offset order with
// one batch in flight, offsets are committed only after success, and a partition whose batches
// keep failing does not hold back the others.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { MSKEvent } from 'aws-lambda';
import { startKafka, type KafkaBroker } from '../scripts/kafka/broker.js';
import { startMskEmulation } from '../local/msk-emulation.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { TOPICS } from '../contracts/event.js';
import { eventually } from '../devkit/ws-harness.js';

const TOPIC: string = TOPICS[0]!;
const PER_PARTITION = 300;
const PARTITIONS = 3;

let dir: string;
let broker: KafkaBroker;
let kafka: Kafka;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'molam-kafka-partitions-'));
  broker = await startKafka({ dataDir: path.join(dir, 'kafka') });
  kafka = new Kafka({ clientId: 'kafka-partitions-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: TOPIC,
    acks: -1,
    messages: Array.from({ length: PER_PARTITION * PARTITIONS }, (_, i) => ({
      partition: i % PARTITIONS,
      key: `k${i}`,
      value: `p${i % PARTITIONS}-${Math.floor(i / PARTITIONS)}`,
    })),
  });
  await producer.disconnect();
}, 600_000);

afterAll(async () => {
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

function partitionsOf(event: MSKEvent): number[] {
  return [...new Set(decodeMskRecords(event).map((r) => r.partition))];
}

describe('MSK event-source emulation, partitions in parallel', () => {
  it('runs partitions concurrently, one batch per partition in flight, in offset order, committing after success', async () => {
    const seen = new Map<number, number[]>();
    const inFlight = new Set<number>();
    let maxConcurrent = 0;
    let batchesInFlight = 0;
    let overlapSamePartition = false;
    const emulation = await startMskEmulation({
      brokers: [broker.brokers],
      dir,
      groupId: 'parallel-ok',
      topics: [TOPIC],
      batchSize: 50,
      batchingWindowMs: 50,
      lagIntervalMs: 0,
      invoke: async (event) => {
        const parts = partitionsOf(event);
        if (parts.some((p) => inFlight.has(p))) overlapSamePartition = true;
        for (const p of parts) inFlight.add(p);
        batchesInFlight++;
        maxConcurrent = Math.max(maxConcurrent, batchesInFlight);
        // Long enough that the other partitions' batches are due meanwhile.
        await new Promise((r) => setTimeout(r, 150));
        for (const r of decodeMskRecords(event)) (seen.get(r.partition) ?? seen.set(r.partition, []).get(r.partition)!).push(r.offset);
        for (const p of parts) inFlight.delete(p);
        batchesInFlight--;
      },
    });
    try {
      expect(emulation.settings.concurrency).toBe(PARTITIONS);
      await eventually(async () => (await emulation.lag()).every((l) => l.lag === 0), 120_000, 200);
      expect(overlapSamePartition).toBe(false);
      expect(maxConcurrent).toBeGreaterThan(1);
      for (let p = 0; p < PARTITIONS; p++) expect(seen.get(p)).toEqual(Array.from({ length: PER_PARTITION }, (_, i) => i));
      expect(emulation.stats.records).toBe(PER_PARTITION * PARTITIONS);
    } finally {
      await emulation.stop();
    }
  }, 180_000);

  it('a failing partition keeps its offsets uncommitted while the others are consumed and committed', async () => {
    let failing = true;
    const attemptsOnBad = { n: 0 };
    const emulation = await startMskEmulation({
      brokers: [broker.brokers],
      dir,
      groupId: 'parallel-failing',
      topics: [TOPIC],
      batchSize: 100,
      batchingWindowMs: 50,
      maxRetries: 1000,
      retryBaseMs: 50,
      retryMaxMs: 100,
      lagIntervalMs: 0,
      invoke: async (event) => {
        // A batch holding partition 1 fails; the emulation then retries each partition on its own.
        if (partitionsOf(event).includes(1) && failing) {
          attemptsOnBad.n++;
          throw new Error('partition 1 is poisoned');
        }
      },
    });
    try {
      // Partitions 0 and 2 drain while partition 1 keeps failing: nothing of it is committed.
      await eventually(
        async () => {
          const lag = await emulation.lag();
          return lag.filter((l) => l.partition !== 1).every((l) => l.lag === 0) && attemptsOnBad.n >= 3;
        },
        120_000,
        200,
      );
      const lag = await emulation.lag();
      expect(lag.find((l) => l.partition === 1)!.lag).toBe(PER_PARTITION);
      expect(emulation.stats.records).toBe(2 * PER_PARTITION);
      // Once it recovers, its records are delivered and committed too.
      failing = false;
      await eventually(async () => (await emulation.lag()).every((l) => l.lag === 0), 120_000, 200);
      expect(emulation.stats.records).toBe(3 * PER_PARTITION);
      expect(emulation.stats.onFailureBatches).toBe(0);
    } finally {
      await emulation.stop();
    }
  }, 180_000);
});
