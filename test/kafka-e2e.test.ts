// Kafka end to end against a real broker (scripts/kafka, KRaft) and the whole local cloud on
// ephemeral ports fed by the MSK event-source emulation (KAFKA_BROKERS): every figure in ClickHouse
// equals a bigint reference computed from what the broker acknowledged, across crashes.
// The scenarios build on each other (one broker, one ClickHouse, one consumer group), so the
// reference grows with every test and each check covers everything produced so far.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MSKEvent } from 'aws-lambda';
import { startKafka, type KafkaBroker } from '../scripts/kafka/broker.js';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { startMskEmulation, type MskEmulation } from '../local/msk-emulation.js';
import { readOnFailure } from '../local/msk/on-failure.js';
import { produce, type ProducedRecord } from '../scripts/produce.js';
import { GroupActiveError, replayOffsets } from '../scripts/replay.js';
import { EventGenerator, type GeneratedRecord } from '../devkit/generator.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { fromUnits, toUnits } from '../contracts/decimal.js';
import { TOPICS, type PaymentEventInput } from '../contracts/event.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import type { DeltasMessage } from '../contracts/ws.js';
import { minuteBucket } from '../functions/shared/time.js';
import { METRIC } from '../functions/shared/observability-names.js';
import { bearerHeaders, type OverviewResponse, type TimeseriesResponse } from '../contracts/api.js';
import { kafkaClient } from '../local/msk/client.js';
import { Partitioners } from 'kafkajs';
import { WsClient, eventually, quietPowertools } from '../devkit/ws-harness.js';
import { expectedTotals, type Totals } from './support/totals.js';

const run = promisify(execFile);
const GROUP = 'analytics-consumer';
const BATCH_SIZE = 100;

let dir: string;
let broker: KafkaBroker;
let cloud: LocalCloud;
let client: WsClient;
/** The emulation consuming right now (the cloud's first, then the restarted ones). */
let current: MskEmulation;
const extraEmulations: MskEmulation[] = [];
const logs: string[] = [];
/** Every batch the handler accepted (afterInvoke sees it before the commit). */
const delivered: MSKEvent[] = [];
/** Test hook inside the cloud's emulation: null = let the commit happen. */
let afterInvokeHook: ((event: MSKEvent) => void) | null = null;

/** Everything the broker acknowledged, and the event ids the on-failure destination took out. */
const produced: ProducedRecord[] = [];
const droppedIds = new Set<string>();
let seed = 1000;

async function produceCounted(opts: {
  count?: number;
  durationS?: number;
  rate?: number;
  invalidRatio?: number;
  transform?: (r: GeneratedRecord, i: number) => GeneratedRecord;
}) {
  const summary = await produce({
    brokers: [broker.brokers],
    rate: opts.rate ?? Infinity,
    ...(opts.count !== undefined ? { count: opts.count } : {}),
    ...(opts.durationS !== undefined ? { durationS: opts.durationS } : {}),
    invalidRatio: opts.invalidRatio ?? 0,
    seed: seed++,
    sendSize: 200,
    ...(opts.transform ? { transform: opts.transform } : {}),
    onAcked: (records) => produced.push(...records),
  });
  expect(summary.errors).toBe(0);
  return summary;
}

function expectedTotalsOfProduced(): Record<string, Totals> {
  return expectedTotals(produced, (r) => droppedIds.has(r.event!.event_id));
}

async function query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await cloud.clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
}

async function storedTotals(table: 'analytics_events_raw' | `analytics_agg_${'minute' | 'hour' | 'day'}`): Promise<Record<string, Totals>> {
  const rows = await query<{ type: string; currency: string; count: string; amount: string; fee: string }>(
    table === 'analytics_events_raw'
      ? `SELECT type, currency, toString(count()) AS count, toString(sum(amount)) AS amount, toString(sum(fee)) AS fee FROM analytics_events_raw GROUP BY type, currency`
      : `SELECT type, currency, toString(countMerge(events)) AS count, toString(sumMerge(volume)) AS amount, toString(sumMerge(fees)) AS fee FROM ${table} GROUP BY type, currency`,
  );
  return Object.fromEntries(
    rows.map((r) => [
      `${r.type}|${r.currency}`,
      { count: Number(r.count), amount: fromUnits(toUnits(r.amount)), fee: fromUnits(toUnits(r.fee)) },
    ]),
  );
}

async function rejectedCount(): Promise<number> {
  return Number((await query<{ n: string }>('SELECT toString(count()) AS n FROM analytics_events_rejected'))[0]!.n);
}

/** Waits until the group has committed everything the broker holds. */
async function drained(emulation: MskEmulation = current): Promise<void> {
  await eventually(async () => (await emulation.lag()).every((l) => l.lag === 0), 300_000, 500);
}

/** ClickHouse equals the reference: raw and the day rollup, and no event stored twice. */
async function expectExactTotals(): Promise<void> {
  const expected = expectedTotalsOfProduced();
  expect(await storedTotals('analytics_events_raw')).toEqual(expected);
  expect(await storedTotals('analytics_agg_day')).toEqual(expected);
  const dupes = await query<{ n: string }>(
    'SELECT toString(count()) AS n FROM (SELECT event_id FROM analytics_events_raw GROUP BY event_id HAVING count() > 1)',
  );
  expect(Number(dupes[0]!.n)).toBe(0);
  const invalid = produced.filter((r) => r.invalid).length;
  expect(await rejectedCount()).toBe(invalid);
}

/** Reference per minute bucket of the global room, from what was produced (and not dropped). */
function referenceByBucket(): Map<string, Map<string, { count: number; volume: bigint }>> {
  const reference = new Map<string, Map<string, { count: number; volume: bigint }>>();
  for (const r of produced) {
    if (!r.event || droppedIds.has(r.event.event_id)) continue;
    const bucket = minuteBucket(Date.parse(r.event.occurred_at));
    const values = reference.get(bucket) ?? new Map();
    const v = values.get(`${r.topic}|${r.event.currency}`) ?? { count: 0, volume: 0n };
    v.count++;
    v.volume += toUnits(r.event.amount);
    values.set(`${r.topic}|${r.event.currency}`, v);
    reference.set(bucket, values);
  }
  return reference;
}

/** The newest delta the subscriber holds per bucket of the global room. */
function latestDeltas(): Map<string, DeltaSnapshot> {
  const held = new Map<string, DeltaSnapshot>();
  for (const m of client.ofType<DeltasMessage>('deltas').flatMap((f) => f.snapshots)) {
    if (m.room !== 'global') continue;
    const h = held.get(m.bucket);
    if (!h || h.version < m.version) held.set(m.bucket, m);
  }
  return held;
}

/** Waits until the WebSocket subscriber holds, for every minute bucket it was sent, the reference values. */
async function expectSubscriberHoldsReference(): Promise<void> {
  const reference = referenceByBucket();
  const matches = () => {
    const held = latestDeltas();
    for (const [bucket, values] of reference) {
      const d = held.get(bucket);
      if (!d || d.values.length !== values.size) return false;
      for (const v of d.values) {
        const ref = values.get(`${v.type}|${v.currency}`);
        if (!ref || ref.count !== v.count || ref.volume !== toUnits(v.volume)) return false;
      }
    }
    return held.size === reference.size;
  };
  await eventually(
    async () => {
      await cloud.flushStreams();
      return matches();
    },
    120_000,
    500,
  );
}

beforeAll(async () => {
  quietPowertools();
  dir = await mkdtemp(path.join(os.tmpdir(), 'molam-kafka-e2e-'));
  // The first run anywhere downloads the broker from Maven Central.
  broker = await startKafka({ dataDir: path.join(dir, 'kafka') });
  process.env.KAFKA_BROKERS = broker.brokers;
  process.env.KAFKA_CONSUMER_GROUP = GROUP;
  cloud = await startLocalCloud({
    dir,
    ports: { clickhouse: 0, dynamodb: 0, httpGateway: 0, wsGateway: 0, dashboard: 0 },
    generatorRate: 0,
    dashboard: false,
    log: (line) => logs.push(line),
    msk: {
      batchSize: BATCH_SIZE,
      batchingWindowMs: 500,
      lagIntervalMs: 2000,
      afterInvoke: (event) => {
        afterInvokeHook?.(event);
        delivered.push(event);
      },
    },
  });
  current = cloud.msk!;
  client = await WsClient.connect(cloud.urls.ws, await cloud.devToken(['*']));
  client.send({ action: 'subscribe', rooms: ['global'] });
  await client.next((m) => (m as { type?: string }).type === 'ack');
}, 600_000);

afterAll(async () => {
  client?.close();
  for (const e of extraEmulations) await e.stop().catch(() => undefined);
  await cloud?.stop();
  await broker?.stop();
  delete process.env.KAFKA_BROKERS;
  delete process.env.KAFKA_CONSUMER_GROUP;
  if (dir) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('Kafka → MSK event-source emulation → ingest → ClickHouse and WebSocket', () => {
  it('stores N events from every topic and partition exactly, in MSK-shaped batches, and pushes the deltas to a subscriber', async () => {
    await produceCounted({ count: 900 });
    await drained();
    await expectExactTotals();

    // Every topic and partition carried records, and each was delivered in offset order without gaps.
    const byPartition = new Map<string, number[]>();
    for (const event of delivered) {
      expect(event.eventSource).toBe('aws:kafka');
      const records = decodeMskRecords(event);
      expect(records.length).toBeGreaterThan(0);
      expect(records.length).toBeLessThanOrEqual(BATCH_SIZE);
      for (const [key, list] of Object.entries(event.records)) {
        expect(key).toBe(`${list[0]!.topic}-${list[0]!.partition}`);
        const offsets = byPartition.get(key) ?? [];
        offsets.push(...list.map((r) => Number(r.offset)));
        byPartition.set(key, offsets);
      }
    }
    expect([...byPartition.keys()].sort()).toEqual(TOPICS.flatMap((t) => [0, 1, 2].map((p) => `${t}-${p}`)).sort());
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
    // Batches gather several partitions when records wait in the window together.
    expect(delivered.some((e) => Object.keys(e.records).length > 1)).toBe(true);

    // The subscriber holds, for every minute bucket of the global room, the reference values.
    await expectSubscriberHoldsReference();
  }, 600_000);

  it('logs consumer lag per partition as a line and as kafka_consumergroup_lag EMF documents', async () => {
    // The next periodic report after everything was committed (the previous one may predate the last commit).
    const from = logs.length;
    const at = await eventually(
      async () => {
        const i = logs.findIndex((l, n) => n >= from && l.startsWith(`${METRIC.consumerLag} consumergroup=${GROUP} total=0 `));
        return i >= 0 ? i + 1 : undefined;
      },
      30_000,
      200,
    );
    expect(logs[at - 1]).toMatch(new RegExp(`${TOPICS[0]!}/0=0 `));
    // Its EMF documents follow the line, one per partition.
    const last = logs.slice(at, at + TOPICS.length * 3).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(last.map((d) => `${d.topic as string}/${d.partition as string}`).sort()).toEqual(
      TOPICS.flatMap((t) => [0, 1, 2].map((p) => `${t}/${p}`)).sort(),
    );
    for (const d of last) {
      expect(d[METRIC.consumerLag]).toBe(0);
      expect(d.consumergroup).toBe(GROUP);
      expect(JSON.stringify(d._aws)).toContain(METRIC.consumerLag);
    }
    const lag = await current.lag();
    expect(lag).toHaveLength(9);
    for (const l of lag) expect(l.committed).toBe(l.high);
  }, 120_000);

  it('sends poison messages to the rejected table with reasons and keeps consuming', async () => {
    const before = await rejectedCount();
    await produceCounted({ count: 400, invalidRatio: 0.1 });
    // Valid records produced after the poison ones.
    await produceCounted({ count: 100 });
    await drained();
    await expectExactTotals();
    expect(await rejectedCount()).toBeGreaterThan(before);
    const reasons = await query<{ reason: string; detail: string; payload: string }>(
      'SELECT reason, detail, payload FROM analytics_events_rejected',
    );
    for (const r of reasons) {
      expect(r.reason).not.toBe('');
      expect(r.detail).not.toBe('');
    }
    expect(new Set(reasons.map((r) => r.reason)).size).toBeGreaterThan(3);
  }, 600_000);

  it('resumes by itself after a broker restart mid-stream, losing nothing', async () => {
    const base = produced.length;
    const stream = produceCounted({ rate: 100, durationS: 12 });
    await eventually(async () => produced.length > base + 200, 60_000, 100);
    const pid = broker.pid;
    await broker.restart();
    expect(broker.pid).not.toBe(pid);
    await stream;
    // And records produced once the broker is back.
    await produceCounted({ count: 200 });
    await drained();
    await expectExactTotals();
  }, 600_000);

  it('redelivers a batch whose consumer died between the insert and the offset commit, without double counting', async () => {
    let killed: MSKEvent | undefined;
    afterInvokeHook = (event) => {
      if (killed) return;
      killed = event;
      throw new Error('simulated kill between insert and commit');
    };
    await produceCounted({ count: 300 });
    await current.stopped;
    afterInvokeHook = null;
    expect(killed).toBeDefined();

    // The killed batch is in ClickHouse, but the group's committed offsets are still before it.
    const records = decodeMskRecords(killed!);
    const first = records[0]!;
    const stored = await query<{ n: string }>(
      'SELECT toString(count()) AS n FROM analytics_events_raw WHERE topic = {t:String} AND partition = {p:UInt32} AND offset = {o:UInt64}',
      { t: first.topic, p: first.partition, o: first.offset },
    );
    expect(Number(stored[0]!.n)).toBe(1);
    const lag = await current.lag();
    const committed = lag.find((l) => l.topic === first.topic && l.partition === first.partition)!.committed;
    expect(committed).toBeLessThanOrEqual(first.offset);

    // A new consumer in the same group gets the batch again; ingest drops what is already stored.
    current = await startMskEmulation({
      brokers: [broker.brokers],
      invoke: cloud.ingest,
      dir,
      groupId: GROUP,
      lagIntervalMs: 0,
      log: (l) => logs.push(l),
    });
    extraEmulations.push(current);
    await drained();
    await expectExactTotals();
  }, 600_000);

  it('sends a batch that keeps failing to the on-failure destination and moves on', async () => {
    await current.stop();
    const MARK = 'always-fails-';
    const failing = (event: MSKEvent) => decodeMskRecords(event).some((r) => r.value.toString().includes(MARK));
    current = await startMskEmulation({
      brokers: [broker.brokers],
      invoke: async (event) => {
        if (failing(event)) throw new Error('handler keeps failing on this batch');
        return cloud.ingest(event);
      },
      dir,
      groupId: GROUP,
      maxRetries: 2,
      retryBaseMs: 50,
      lagIntervalMs: 0,
    });
    extraEmulations.push(current);
    await produceCounted({
      count: 50,
      transform: (r, i) => {
        if (i !== 0 || !r.event) return r;
        const event = { ...r.event, event_id: `${MARK}${r.event.event_id}` };
        return { ...r, event, value: JSON.stringify(event) };
      },
    });
    const after = await produceCounted({ count: 200 });
    expect(after.total).toBe(200);

    const files = await eventually(
      async () => {
        const f = await readOnFailure(dir);
        return f.length > 0 ? f : undefined;
      },
      120_000,
      200,
    );
    expect(files).toHaveLength(1);
    const { record } = files[0]!;
    expect(record.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(record.requestContext.approximateInvokeCount).toBe(3);
    expect(record.error.message).toBe('handler keeps failing on this batch');
    expect(record.KafkaBatchInfo.consumerGroup).toBe(GROUP);
    const failed = decodeMskRecords(record.payload);
    expect(record.KafkaBatchInfo.batchSize).toBe(failed.length);
    expect(failed.some((r) => r.value.toString().includes(MARK))).toBe(true);
    for (const [tp, info] of Object.entries(record.KafkaBatchInfo.recordsInfo)) {
      const list = record.payload.records[tp]!;
      expect(info.firstRecordOffset).toBe(String(list[0]!.offset));
      expect(info.lastRecordOffset).toBe(String(list[list.length - 1]!.offset));
    }
    // The records of that batch are out of the totals; everything after it is in.
    for (const r of failed) droppedIds.add((JSON.parse(r.value.toString()) as PaymentEventInput).event_id);
    await drained();
    await expectExactTotals();
    expect(current.stats.onFailureBatches).toBe(1);

    // npm run redrive stores the batch from its on-failure file; a second re-drive changes nothing.
    Object.assign(process.env, { CLICKHOUSE_URL: cloud.urls.clickhouse, DYNAMODB_ENDPOINT: cloud.urls.dynamodb });
    const { redrive } = await import('../scripts/redrive.js');
    const [first] = await redrive([files[0]!.file], () => undefined);
    expect(first).toMatchObject({ received: failed.length, inserted: failed.length });
    droppedIds.clear();
    await expectExactTotals();
    const [again] = await redrive([files[0]!.file], () => undefined);
    expect(again).toMatchObject({ inserted: 0, skipped: failed.length });
    await expectExactTotals();
  }, 600_000);

  it('replays a topic from an offset only with the group inactive, without double counting', async () => {
    await expect(replayOffsets({ brokers: [broker.brokers], topic: TOPICS[0]!, groupId: GROUP, fromOffset: 0 })).rejects.toBeInstanceOf(
      GroupActiveError,
    );
    await current.stop();
    const plan = await replayOffsets({ brokers: [broker.brokers], topic: TOPICS[0]!, groupId: GROUP, fromOffset: 0, partition: 1 });
    expect(plan).toHaveLength(1);
    expect(plan[0]!.after).toBe(0);
    expect(plan[0]!.toReprocess).toBe(plan[0]!.high);
    current = await startMskEmulation({ brokers: [broker.brokers], invoke: cloud.ingest, dir, groupId: GROUP, lagIntervalMs: 0 });
    extraEmulations.push(current);
    await drained();
    expect(current.stats.records).toBeGreaterThanOrEqual(plan[0]!.high);
    await expectExactTotals();
  }, 600_000);

  it('npm run produce: validates flags, shows progress and a summary, and its events arrive', async () => {
    const tsx = path.resolve('node_modules/.bin/tsx');
    await expect(run(tsx, ['scripts/produce.ts', '--rate', 'fast', '--duration', '1'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--rate must be a number > 0'),
    });
    await expect(
      run(tsx, ['scripts/replay.ts', '--topic', TOPICS[0]!, '--from-offset', '1', '--from-time', '2026-01-01T00:00:00Z']),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('exactly one of --from-offset and --from-time'),
    });
    const cliSeed = 4242;
    const { stdout, stderr } = await run(tsx, [
      'scripts/produce.ts',
      '--rate',
      '150',
      '--duration',
      '3',
      '--invalid-ratio',
      '0.05',
      '--seed',
      String(cliSeed),
      '--brokers',
      broker.brokers,
    ]);
    expect(stderr).toMatch(/\[produce\]\s+\d+ s\s+rate\s+\d+\/s\s+total \d+\s+errors 0/);
    const total = Number(/produced (\d+) events/.exec(stdout)![1]);
    expect(total).toBeGreaterThan(0);
    expect(stdout).toContain(', 0 errors');
    // The same seed generates the same records in the same order (occurred_at aside).
    const g = new EventGenerator({ seed: cliSeed });
    const regenerated: ProducedRecord[] = [];
    for (let i = 0; i < total; i++) regenerated.push({ ...g.record(0.05), timestamp: 0 });
    produced.push(...regenerated);
    await drained();
    await expectExactTotals();
    // Their occurred_at came from the CLI's clock: take it from what was stored, so the per-minute
    // references of later tests hold whichever minute the CLI ran in.
    const valid = regenerated.filter((r) => r.event && !r.invalid);
    const stored = await query<{ event_id: string; at: string }>(
      `SELECT event_id, toString(toUnixTimestamp64Milli(occurred_at)) AS at FROM analytics_events_raw WHERE event_id IN {ids:Array(String)}`,
      { ids: valid.map((r) => r.event!.event_id) },
    );
    const at = new Map(stored.map((r) => [r.event_id, new Date(Number(r.at)).toISOString()]));
    expect(at.size).toBe(valid.length);
    for (const r of valid) r.event = { ...r.event!, occurred_at: at.get(r.event!.event_id)! };
  }, 600_000);

  it('counts events re-sent ×3 at new offsets (later batches, another partition) once: raw, rollups, overview, timeseries, WebSocket', async () => {
    // 600 events already counted, with the partition each was stored from.
    // (Not the CLI test's records: the test regenerates those with other occurred_at values, so
    // re-sending them would be conflicting duplicates.)
    const counted = produced.filter((r) => r.event && !r.invalid && r.timestamp !== 0).slice(-600);
    const stored = new Map(
      (
        await query<{ event_id: string; partition: number }>(
          'SELECT event_id, partition FROM analytics_events_raw WHERE event_id IN {ids:Array(String)}',
          { ids: counted.map((r) => r.event!.event_id) },
        )
      ).map((r) => [r.event_id, Number(r.partition)]),
    );
    expect(stored.size).toBe(600);
    const producer = kafkaClient({ brokers: [broker.brokers], clientId: 'resend' }).producer({
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      // An at-least-once producer retry / outbox relay: twice on the same partitions (new offsets,
      // later batches), then once more on another partition.
      for (const shift of [0, 0, 1]) {
        await producer.sendBatch({
          acks: -1,
          topicMessages: TOPICS.map((topic) => ({
            topic,
            messages: counted
              .filter((r) => r.topic === topic)
              .map((r) => ({ key: r.key, value: r.value, partition: (stored.get(r.event!.event_id)! + shift) % 3 })),
          })),
        });
        await drained();
      }
    } finally {
      await producer.disconnect();
    }
    await expectExactTotals();
    const expected = expectedTotalsOfProduced();
    for (const table of ['analytics_agg_minute', 'analytics_agg_hour'] as const) expect(await storedTotals(table), table).toEqual(expected);

    // The REST API over the whole produced range, derived from the data (minute-aligned).
    const times = produced.filter((r) => r.event).map((r) => Date.parse(r.event!.occurred_at));
    const from = new Date(Math.floor(Math.min(...times) / 60_000) * 60_000).toISOString();
    const to = new Date(Math.floor(Math.max(...times) / 60_000) * 60_000 + 60_000).toISOString();
    const token = await cloud.devToken(['*']);
    const get = async <T>(route: string, params: Record<string, string>) => {
      const res = await fetch(`${cloud.urls.api}/${route}?${new URLSearchParams(params)}`, { headers: bearerHeaders(token) });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    const overview = await get<OverviewResponse>('overview', { from, to });
    expect(
      Object.fromEntries(
        overview.totals.map((t) => [
          `${t.type}|${t.currency}`,
          { count: t.count, amount: fromUnits(toUnits(t.volume)), fee: fromUnits(toUnits(t.fees)) },
        ]),
      ),
    ).toEqual(expected);
    const series = await get<TimeseriesResponse>('timeseries', { from, to, granularity: 'minute', metric: 'count' });
    const seriesCounts = Object.fromEntries(
      series.series.map((s) => [`${s.type}|${s.currency}`, s.points.reduce((n, p) => n + Number(p.value), 0)]),
    );
    expect(seriesCounts).toEqual(Object.fromEntries(Object.entries(expected).map(([k, t]) => [k, t.count])));
    await expectSubscriberHoldsReference();
  }, 600_000);

  it('counts every new event after a topic is deleted and recreated (offsets restart below the marks); a replay from the earliest offset afterwards changes nothing', async () => {
    const topic = TOPICS[1]!;
    await current.stop();
    const admin = kafkaClient({ brokers: [broker.brokers], clientId: 'recreate', retry: { retries: 10, initialRetryTime: 300 } }).admin();
    await admin.connect();
    let highBefore: number;
    try {
      highBefore = Math.max(...(await admin.fetchTopicOffsets(topic)).map((o) => Number(o.high)));
      expect(highBefore).toBeGreaterThan(0);
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
      await eventually(async () => !(await admin.listTopics()).includes(topic), 60_000, 200);
      // The deletion may still be finishing, and under load a create may time out after it did
      // create the topic: retry until the topic has its partitions with leaders.
      await eventually(
        async () => {
          await admin
            .createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true, timeout: 30_000 })
            .catch(() => false);
          const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => undefined);
          const partitions = meta?.topics[0]?.partitions ?? [];
          return partitions.length === 3 && partitions.every((p) => p.leader >= 0);
        },
        120_000,
        500,
      );
    } finally {
      await admin.disconnect();
    }
    // The group's committed offsets belong to the old topic: start it at the new log's beginning.
    await replayOffsets({ brokers: [broker.brokers], topic, groupId: GROUP, fromOffset: 0 });
    current = await startMskEmulation({ brokers: [broker.brokers], invoke: cloud.ingest, dir, groupId: GROUP, lagIntervalMs: 0 });
    extraEmulations.push(current);
    const before = produced.length;
    await produceCounted({ count: 400 });
    const onTopic = produced.slice(before).filter((r) => r.topic === topic);
    expect(onTopic.length).toBeGreaterThan(20);
    await drained();
    // The new topic's offsets start at 0, far below what its partitions had reached.
    const lag = await current.lag();
    for (const l of lag.filter((x) => x.topic === topic)) expect(l.high).toBeLessThan(highBefore);
    await expectExactTotals();

    await current.stop();
    const plan = await replayOffsets({ brokers: [broker.brokers], topic, groupId: GROUP, fromOffset: 0 });
    expect(plan.reduce((n, p) => n + p.toReprocess, 0)).toBe(onTopic.length);
    current = await startMskEmulation({ brokers: [broker.brokers], invoke: cloud.ingest, dir, groupId: GROUP, lagIntervalMs: 0 });
    extraEmulations.push(current);
    await drained();
    expect(current.stats.records).toBeGreaterThanOrEqual(onTopic.length);
    await expectExactTotals();
  }, 600_000);
});

// KAFKA_E2E_LOG=path keeps the local cloud's and the emulation's log lines for a failed run.
afterAll(() => {
  if (process.env.KAFKA_E2E_LOG) fs.writeFileSync(process.env.KAFKA_E2E_LOG, logs.join('\n'));
});
