/**
 * The real Kafka broker from scripts/kafka (Apache Kafka from Maven Central, KRaft) with the real
 * kafkajs 2.2.4 client: topics, produce across partitions, consumer-group commit, lag, replay
 * (reset/set offsets), a broker restart with a consumer attached, and a clean stop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, Partitioners, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import { TOPICS } from '../contracts/index.js';
import { KAFKA_VERSION, portOpen, startKafka, type KafkaBroker } from '../scripts/kafka/broker.js';

const GROUP = 'kafka-broker-test';
const PER_PARTITION = 40;
const PARTITIONS = 3;

let dir: string;
let broker: KafkaBroker;
let kafka: Kafka;
/** kafkajs errors and consumer events, shown when a wait times out (a failure must be diagnosable). */
const clientLog: string[] = [];
function note(line: string): void {
  clientLog.push(`${new Date().toISOString()} ${line}`);
  if (clientLog.length > 200) clientLog.shift();
}
/** Wall-clock time just before the second round was produced (for offsets by timestamp). */
let secondRoundAt = 0;

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; client log:\n${clientLog.slice(-40).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Produces PER_PARTITION messages to every partition of every topic; returns their values. */
async function produceRound(round: string): Promise<string[]> {
  // Idempotent: under load a produce request can time out after the broker wrote it, and a plain
  // producer's retry then writes the batch twice (seen as 80 per partition instead of 40).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const values: string[] = [];
  try {
    await producer.sendBatch({
      acks: -1,
      topicMessages: TOPICS.map((topic) => ({
        topic,
        messages: Array.from({ length: PER_PARTITION * PARTITIONS }, (_, i) => {
          const value = `${round}|${topic}|${i}`;
          values.push(value);
          return { partition: i % PARTITIONS, key: `entity-${i}`, value };
        }),
      })),
    });
  } finally {
    await producer.disconnect();
  }
  return values;
}

/** A consumer in GROUP that commits after each batch and records what it saw (value -> times). */
async function startConsumer(seen: Map<string, number>, fromBeginning: boolean): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  for (const e of [consumer.events.CRASH, consumer.events.GROUP_JOIN, consumer.events.STOP, consumer.events.REBALANCING]) {
    consumer.on(e, (ev: { type: string; payload?: unknown }) => note(`${ev.type} ${JSON.stringify(ev.payload ?? {}).slice(0, 300)}`));
  }
  await consumer.connect();
  await consumer.subscribe({ topics: [...TOPICS], fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }: EachBatchPayload) => {
      for (const m of batch.messages) {
        const v = m.value!.toString();
        seen.set(v, (seen.get(v) ?? 0) + 1);
        resolveOffset(m.offset);
      }
      if (batch.messages.length > 0) {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
      }
      await heartbeat();
    },
  });
  return consumer;
}

/** Committed offset and high watermark for every (topic, partition). */
async function offsets(): Promise<{ committed: Record<string, number>; high: Record<string, number> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed: Record<string, number> = {};
    const high: Record<string, number> = {};
    for (const t of await admin.fetchOffsets({ groupId: GROUP, topics: [...TOPICS] })) {
      for (const p of t.partitions) committed[`${t.topic}/${p.partition}`] = Number(p.offset);
    }
    for (const topic of TOPICS) {
      for (const p of await admin.fetchTopicOffsets(topic)) high[`${topic}/${p.partition}`] = Number(p.high);
    }
    return { committed, high };
  } finally {
    await admin.disconnect();
  }
}

function lag(o: { committed: Record<string, number>; high: Record<string, number> }): number {
  return Object.entries(o.high).reduce((sum, [k, h]) => sum + h - Math.max(0, o.committed[k] ?? 0), 0);
}

describe(`real Kafka ${KAFKA_VERSION} broker`, () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-broker-test-'));
    // The first run downloads the broker from Maven Central.
    broker = await startKafka({ dataDir: dir });
    kafka = new Kafka({
      clientId: 'kafka-broker-test',
      brokers: [broker.brokers],
      logLevel: logLevel.ERROR,
      logCreator:
        () =>
        ({ namespace, log }) =>
          note(`${namespace}: ${log.message} ${String(log.error ?? '')}`),
      // Long enough to ride out a broker restart.
      retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 3000 },
    });
  }, 600_000);

  afterAll(async () => {
    await broker?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('listens on an ephemeral loopback port with the three event topics, 3 partitions each, and no auto-create', async () => {
    expect(broker.brokers).toBe(`127.0.0.1:${broker.port}`);
    expect(broker.port).not.toBe(9092);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...TOPICS] });
      expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual(Object.fromEntries(TOPICS.map((t) => [t, 3])));
      await expect(admin.fetchTopicMetadata({ topics: ['no_such_topic'] })).rejects.toThrow();
      expect(await admin.listTopics()).not.toContain('no_such_topic');
    } finally {
      await admin.disconnect();
    }
  });

  it('consumes every produced message once, commits, survives a broker restart with the consumer attached', async () => {
    const seen = new Map<string, number>();
    const first = await produceRound('r1');
    const o1 = await offsets();
    // Every partition of every topic received its share.
    expect(Object.values(o1.high)).toEqual(Array(TOPICS.length * PARTITIONS).fill(PER_PARTITION));

    const consumer = await startConsumer(seen, true);
    try {
      await waitFor('first round consumed', () => first.every((v) => seen.has(v)));
      await waitFor('first round committed', async () => lag(await offsets()) === 0);

      const pidBefore = broker.pid;
      await broker.restart();
      expect(broker.pid).not.toBe(pidBefore);

      // Committed offsets live in __consumer_offsets on disk: unchanged by the restart.
      const o2 = await offsets();
      expect(o2.committed).toEqual(o1.high);

      // The same consumer reconnects by itself and carries on from its committed offsets.
      secondRoundAt = Date.now();
      const second = await produceRound('r2');
      await waitFor('second round consumed after restart', () => second.every((v) => seen.has(v)), 120_000);
      await waitFor('second round committed', async () => lag(await offsets()) === 0);
      expect(seen.size).toBe(first.length + second.length);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await consumer.disconnect();
    }
    const o3 = await offsets();
    expect(Object.values(o3.committed)).toEqual(Array(TOPICS.length * PARTITIONS).fill(2 * PER_PARTITION));
  }, 300_000);

  it('replays with admin resetOffsets (earliest), setOffsets and offsets by timestamp, as a replay tool would', async () => {
    const [t0, t1, t2] = TOPICS as [string, string, string];
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Offsets can only be reset in a group without members (a replay tool stops the consumer first).
      await waitFor('group empty', async () => (await admin.describeGroups([GROUP])).groups[0]?.state === 'Empty');
      // kafkajs stores the sentinel -2 here; a consumer then resolves it with its own `fromBeginning`
      // (true: earliest; false: latest, i.e. it would replay nothing).
      await admin.resetOffsets({ groupId: GROUP, topic: t0, earliest: true });
      await admin.setOffsets({ groupId: GROUP, topic: t1, partitions: [{ partition: 1, offset: String(PER_PARTITION * 2 - 5) }] });
      // --from-time: the first offset at or after a timestamp, per partition.
      const fromTime = await admin.fetchTopicOffsetsByTimestamp(t2, secondRoundAt);
      expect(fromTime.map((p) => Number(p.offset))).toEqual([PER_PARTITION, PER_PARTITION, PER_PARTITION]);
      await admin.setOffsets({ groupId: GROUP, topic: t2, partitions: fromTime });
    } finally {
      await admin.disconnect();
    }
    const seen = new Map<string, number>();
    const consumer = await startConsumer(seen, true);
    try {
      await waitFor('replay committed', async () => lag(await offsets()) === 0);
    } finally {
      await consumer.disconnect();
    }
    const byTopic = (t: string, round?: string) =>
      [...seen.keys()].filter((v) => v.split('|')[1] === t && (!round || v.startsWith(`${round}|`))).length;
    expect(byTopic(t0)).toBe(2 * PER_PARTITION * PARTITIONS);
    expect(byTopic(t1)).toBe(5);
    expect(byTopic(t2)).toBe(PER_PARTITION * PARTITIONS);
    expect(byTopic(t2, 'r2')).toBe(PER_PARTITION * PARTITIONS);
  }, 180_000);

  it('accepts idempotent and transactional producers (InitProducerId, AddPartitionsToTxn, EndTxn)', async () => {
    const topic = TOPICS[0]!;
    const before = await offsets();
    const idem = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await idem.connect();
    await idem.send({ topic, acks: -1, messages: [{ partition: 0, value: 'idempotent' }] });
    await idem.disconnect();
    const tx = kafka.producer({
      transactionalId: 'kafka-broker-test-tx',
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await tx.connect();
    const t = await tx.transaction();
    await t.send({ topic, messages: [{ partition: 1, value: 'in-transaction' }] });
    await t.commit();
    await tx.disconnect();
    const after = await offsets();
    expect(after.high[`${topic}/0`]).toBe(before.high[`${topic}/0`]! + 1);
    // One record plus the transaction's commit marker.
    expect(after.high[`${topic}/1`]).toBe(before.high[`${topic}/1`]! + 2);
  }, 120_000);

  it('stops cleanly: the JVM exits and the port closes', async () => {
    const pid = broker.pid;
    await broker.stop();
    expect(await portOpen(broker.port)).toBe(false);
    expect(await portOpen(broker.controllerPort)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
