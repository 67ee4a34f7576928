// The ingest handler against real engines: chdb behind the ClickHouse HTTP protocol, dynalite.
import { chDateTime64 } from '../functions/shared/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { startTestClickHouse, startTestDynamo, type TestClickHouse, type TestDynamo, truncateIngestTables } from '../devkit/engines.js';
import { createIngest } from '../functions/ingest/ingest.js';
import { EventGenerator, toMskEvent, type GeneratedRecord } from '../devkit/generator.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { itemToSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import { toUnits, fromUnits } from '../contracts/decimal.js';
import { expectedByRoom, expectedTotals, type Totals } from './support/totals.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { closeClickHouse } from '../functions/shared/clickhouse.js';
import { onFailureRecord } from '../local/msk/on-failure.js';
import { startS3Objects } from './support/s3-objects.js';
import { canonicalContent, type EventContent } from '../functions/ingest/duplicates.js';
import { prefetchStoredEvents, storedEvents, storedEventsUsing } from '../functions/ingest/event-ids.js';
import { createLogger, createMetrics } from '../functions/shared/observability.js';
import { METRIC } from '../functions/shared/observability-names.js';
import { normalizeDecimal } from '../contracts/decimal.js';

/** Lines the real Powertools logger and metrics (EMF) print while `fn` runs, at INFO and with metrics on. */
async function captureStdout(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const keep = (text: unknown) =>
    lines.push(
      ...String(text)
        .split('\n')
        .filter((l) => l.trim().startsWith('{')),
    );
  const write = process.stdout.write;
  const writeErr = process.stderr.write;
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  const capture = (chunk: string | Uint8Array) => {
    keep(chunk);
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  for (const m of methods) console[m] = (...args: unknown[]) => keep(args.join(' '));
  const env = { LOG_LEVEL: process.env.LOG_LEVEL, POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED };
  process.env.LOG_LEVEL = 'INFO';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  try {
    await fn();
  } finally {
    Object.assign(process.env, env);
    process.stdout.write = write;
    process.stderr.write = writeErr;
    for (const [i, m] of methods.entries()) console[m] = saved[i]!;
  }
  return lines;
}

let ch: TestClickHouse;
let ddb: TestDynamo;

beforeAll(async () => {
  [ch, ddb] = await Promise.all([startTestClickHouse(), startTestDynamo()]);
});
afterAll(async () => {
  await Promise.all([ch?.close(), ddb?.close()]);
});

function ingest(now?: () => number) {
  return createIngest({ clickhouse: async () => ch.client, dynamo: () => ddb.clients.doc, deltasTable: DELTAS_TABLE.id, now });
}

async function truncateAll(): Promise<void> {
  await truncateIngestTables(ch.client);
  const items = await ddb.clients.doc.send(new ScanCommand({ TableName: DELTAS_TABLE.id }));
  for (const item of items.Items ?? []) {
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    await ddb.clients.doc.send(new DeleteCommand({ TableName: DELTAS_TABLE.id, Key: { room: item.room, sk: item.sk } }));
  }
}

async function totalsFrom(table: string): Promise<Record<string, Totals>> {
  const raw = table === 'analytics_events_raw';
  const rs = await ch.client.query({
    query: raw
      ? `SELECT type, currency, toString(count()) AS count, toString(sum(amount)) AS amount, toString(sum(fee)) AS fee FROM ${table} GROUP BY type, currency`
      : `SELECT type, currency, toString(countMerge(events)) AS count, toString(sumMerge(volume)) AS amount, toString(sumMerge(fees)) AS fee FROM ${table} GROUP BY type, currency`,
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ type: string; currency: string; count: string; amount: string; fee: string }>();
  return Object.fromEntries(
    rows.map((r) => [
      `${r.type}|${r.currency}`,
      { count: Number(r.count), amount: fromUnits(toUnits(r.amount)), fee: fromUnits(toUnits(r.fee)) },
    ]),
  );
}

const TABLES = ['analytics_events_raw', 'analytics_agg_minute', 'analytics_agg_hour', 'analytics_agg_day'];

async function deltaItems() {
  const out = await ddb.clients.doc.send(new ScanCommand({ TableName: DELTAS_TABLE.id }));
  return out.Items ?? [];
}

async function deltaSnapshots(): Promise<DeltaSnapshot[]> {
  return (await deltaItems()).flatMap(itemToSnapshots);
}

describe('ingest handler', () => {
  it('stores exact totals in raw and in every rollup, to the last digit', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 42, spreadMs: 3 * 3600_000 }).records(3000);
    const result = await ingest()(toMskEvent(records));
    expect(result).toMatchObject({ received: 3000, inserted: 3000, rejected: 0 });
    const expected = expectedTotals(records);
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expected);
  });

  it('counts an MSK event delivered three times once, everywhere', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 7 }).records(500);
    const event = toMskEvent(records);
    const run = ingest();
    const first = await run(event);
    const second = await run(event);
    await run(event);
    expect(first.inserted).toBe(500);
    expect(second).toMatchObject({ inserted: 0, skipped: 500 });
    const expected = expectedTotals(records);
    for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expected);
  });

  it('stores a redelivery with different batch boundaries once (by event_id, not offsets)', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 8 }).records(300);
    const all = toMskEvent(records);
    // Split every partition's records: the first delivery has offsets < 60, the redelivery starts
    // at 30 (overlapping) and runs to the end — different boundaries, same records.
    const subset = (keep: (offset: number) => boolean): MSKEvent => ({
      ...all,
      records: Object.fromEntries(Object.entries(all.records).map(([k, list]) => [k, list.filter((r) => keep(r.offset))])),
    });
    const firstPart = subset((o) => o < 60);
    const overlap = subset((o) => o >= 30);
    await ingest()(firstPart);
    await ingest()(overlap);
    for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals(records));
  });

  it('counts an event_id repeated inside a batch once', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 9 }).records(10);
    const withRepeat = [...records, { ...records[3]! }];
    const result = await ingest()(toMskEvent(withRepeat));
    expect(result).toMatchObject({ received: 11, inserted: 10, duplicates: 1 });
    expect(await totalsFrom('analytics_events_raw')).toEqual(expectedTotals(records));
  });

  it('quarantines poison records with their reason and stores the valid ones of the same batch', async () => {
    await truncateAll();
    const gen = new EventGenerator({ seed: 11 });
    const good = gen.records(20);
    const base = gen.event('wallet_txn_created').event;
    const now = Date.now();
    const poison: Array<[string, string | null]> = [
      ['invalid_json', '{"event_id": "x", '],
      ['empty_value', ''],
      ['missing_field', JSON.stringify({ ...base, merchant_id: undefined })],
      ['invalid_type', JSON.stringify({ ...base, amount: 1500 })],
      ['invalid_amount', JSON.stringify({ ...base, amount: '-5.00' })],
      ['invalid_amount', JSON.stringify({ ...base, amount: '1e3' })],
      ['invalid_amount', JSON.stringify({ ...base, amount: '0.1+0.2' })],
      ['too_many_decimals', JSON.stringify({ ...base, amount: '10.12345' })],
      ['invalid_currency', JSON.stringify({ ...base, currency: 'xof' })],
      ['invalid_country', JSON.stringify({ ...base, country: 'SEN' })],
      ['invalid_length', JSON.stringify({ ...base, city: 'C'.repeat(65) })],
      ['invalid_length', JSON.stringify({ ...base, event_id: 'e'.repeat(65) })],
      ['clock_skew', JSON.stringify({ ...base, occurred_at: new Date(now + 10 * 60_000).toISOString() })],
      ['invalid_timestamp', JSON.stringify({ ...base, occurred_at: '27/11/2026 10:00' })],
      ['not_an_object', '[1,2,3]'],
    ];
    const bad: GeneratedRecord[] = poison.map(([, value], i) => ({ topic: 'wallet_txn_created', key: `bad-${i}`, value: value ?? '' }));
    const mixed = [...good.slice(0, 10), ...bad, ...good.slice(10)];
    const result = await ingest()(toMskEvent(mixed));
    expect(result).toMatchObject({ received: 35, inserted: 20, rejected: 15 });
    expect(await totalsFrom('analytics_events_raw')).toEqual(expectedTotals(good));
    const rs = await ch.client.query({
      query: 'SELECT reason, detail, payload, payload_base64, topic, partition, offset FROM analytics_events_rejected ORDER BY key',
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ reason: string; detail: string; payload: string; payload_base64: string }>();
    expect(rows.map((r) => r.reason).sort()).toEqual(poison.map(([code]) => code).sort());
    for (const row of rows) {
      expect(row.detail.length).toBeGreaterThan(3);
      expect(Buffer.from(row.payload_base64, 'base64').toString('utf8')).toBe(row.payload);
    }
    const missing = rows.find((r) => r.reason === 'missing_field');
    expect(missing?.detail).toContain('merchant_id');
  });

  it('throws and records no delta when ClickHouse is unreachable; the retry stores everything once', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 13 }).records(200);
    const event = toMskEvent(records);
    await ch.stop();
    try {
      await expect(ingest()(event)).rejects.toThrow();
    } finally {
      await ch.restart();
    }
    expect(await deltaSnapshots()).toEqual([]);
    const client = ch.newClient();
    try {
      const retry = createIngest({ clickhouse: async () => client, dynamo: () => ddb.clients.doc, deltasTable: DELTAS_TABLE.id });
      await retry(event);
      await retry(event);
      expect(await totalsFrom('analytics_events_raw')).toEqual(expectedTotals(records));
      expect((await deltaSnapshots()).length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('records absolute snapshots for every affected room; a later batch in the same minute gets new totals and a higher version', async () => {
    await truncateAll();
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const gen = new EventGenerator({ seed: 21, now: () => minute + 1_000, lateShare: 0 });
    const first = gen.records(100);
    const second = gen.records(60);
    await ingest()(toMskEvent(first));
    const afterFirst = await deltaSnapshots();
    await ingest()(toMskEvent(second, { startOffset: 1000 }));
    const afterSecond = await deltaSnapshots();

    const expectRoomValues = (records: GeneratedRecord[], snapshots: DeltaSnapshot[]) => {
      // All events share one minute, so each room has exactly one expected bucket.
      const rooms = new Map([...expectedByRoom(records)].map(([key, byKey]) => [key.slice(0, key.lastIndexOf('|')), byKey]));
      // The newest snapshot of each room for this minute.
      const latest = new Map<string, DeltaSnapshot>();
      for (const s of snapshots) {
        if (s.bucket !== new Date(minute).toISOString()) continue;
        if ((latest.get(s.room)?.version ?? -1) < s.version) latest.set(s.room, s);
      }
      expect([...latest.keys()].sort()).toEqual([...rooms.keys()].sort());
      for (const [room, byKey] of rooms) {
        const snap = latest.get(room)!;
        const got = Object.fromEntries(
          snap.values.map((v) => [`${v.type}|${v.currency}`, { count: v.count, volume: v.volume, fees: v.fees, merchants: v.merchants }]),
        );
        const want = Object.fromEntries(
          [...byKey].map(([k, v]) => [
            k,
            { count: v.count, volume: fromUnits(v.volume), fees: fromUnits(v.fees), merchants: v.merchants.size },
          ]),
        );
        expect(got, room).toEqual(want);
      }
      return latest;
    };
    const v1 = expectRoomValues(first, afterFirst);
    const v2 = expectRoomValues([...first, ...second], afterSecond);
    expect(v1.has('global')).toBe(true);
    expect(v2.get('global')!.version).toBeGreaterThan(v1.get('global')!.version);
    for (const s of afterSecond) expect(s.recorded_at).toMatch(/Z$/);
  });

  it('records snapshots only for the last hour of buckets; older late events still count in the rollups', async () => {
    await truncateAll();
    const now = Date.now();
    // 300 events spread over two days: most buckets are older than the snapshot window.
    const records = new EventGenerator({ seed: 31, now: () => now, spreadMs: 2 * 86_400_000 }).records(300);
    // The handler reads the same instant: its snapshot window must not move to the next minute
    // between the expectation and the run.
    const result = await ingest(() => now)(toMskEvent(records));
    expect(result.inserted).toBe(300);
    expect(await totalsFrom('analytics_agg_hour')).toEqual(expectedTotals(records));
    const snapshots = await deltaSnapshots();
    const oldest = Math.floor(now / 60_000) * 60_000 - 60 * 60_000;
    const recent = records.filter((r) => Date.parse(r.event!.occurred_at) >= oldest);
    expect(recent.length).toBeGreaterThan(0);
    expect(snapshots.length).toBeGreaterThan(0);
    for (const s of snapshots) expect(Date.parse(s.bucket)).toBeGreaterThanOrEqual(oldest);
    const recentMinutes = new Set(recent.map((r) => Math.floor(Date.parse(r.event!.occurred_at) / 60_000) * 60_000));
    expect(new Set(snapshots.filter((s) => s.room === 'global').map((s) => Date.parse(s.bucket)))).toEqual(recentMinutes);
  });

  it('records a batch in at most one deltas item per room touched, each holding all its buckets', async () => {
    await truncateAll();
    const before = new Set((await deltaItems()).map((i) => `${i.room}|${i.sk}`));
    const now = Date.now();
    // 600 events over the last 30 minutes: many (room, minute) pairs, few rooms.
    const records = new EventGenerator({ seed: 57, now: () => now, spreadMs: 30 * 60_000, lateShare: 0 }).records(600);
    await ingest()(toMskEvent(records));
    const items = (await deltaItems()).filter((i) => !before.has(`${i.room}|${i.sk}`));
    const expected = expectedByRoom(records);
    const rooms = new Set([...expected.keys()].map((k) => k.slice(0, k.lastIndexOf('|'))));
    const pairs = expected.size;
    expect(pairs).toBeGreaterThan(rooms.size * 3);
    // One item per room (no item needed splitting at this size), far fewer than (room, minute) pairs.
    expect(items.length).toBeLessThanOrEqual(rooms.size);
    expect(new Set(items.map((i) => i.room))).toEqual(rooms);
    for (const i of items) expect(Buffer.byteLength(JSON.stringify(i))).toBeLessThan(400 * 1024);
    // Every (room, minute) the batch touched is in there, once, with the batch's one version.
    const snapshots = items.flatMap(itemToSnapshots);
    expect(snapshots.map((s) => `${s.room}|${s.bucket}`).sort()).toEqual([...expected.keys()].sort());
    expect(new Set(snapshots.map((s) => s.version)).size).toBe(1);
  });

  it("re-drives on-failure batches once, from the S3 destination's record and from the local emulation's file", async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 41 }).records(200);
    const all = toMskEvent(records);
    // The first half of every partition "failed" and went to the on-failure destination; the
    // consumer moved on and stored the second half.
    const half = (first: boolean): MSKEvent => ({
      ...all,
      records: Object.fromEntries(
        Object.entries(all.records).map(([k, list]) => [k, first ? list.slice(0, list.length >> 1) : list.slice(list.length >> 1)]),
      ),
    });
    await ingest()(half(false));
    const failed = half(true);
    const failedCount = Object.values(failed.records).reduce((n, l) => n + l.length, 0);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'molam-redrive-'));
    try {
      // Lambda's S3 on-failure object: the invocation record with the whole event under `payload`
      // (carried as a JSON string here; the local emulation writes it as an object).
      const s3Shaped = path.join(dir, 's3-object.json');
      await writeFile(
        s3Shaped,
        JSON.stringify({
          requestContext: {
            requestId: 'r-1',
            functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Ingest',
            condition: 'RetryAttemptsExhausted',
            approximateInvokeCount: 4,
          },
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          version: '1.0',
          timestamp: new Date().toISOString(),
          KafkaBatchInfo: {
            batchSize: failedCount,
            eventSourceArn: failed.eventSourceArn,
            bootstrapServers: failed.bootstrapServers,
            payloadSize: 1,
            recordsInfo: {},
          },
          payload: JSON.stringify(failed),
        }),
      );
      const localFile = path.join(dir, 'local.json');
      await writeFile(
        localFile,
        JSON.stringify(onFailureRecord(failed, { error: new Error('ClickHouse down'), attempts: 3, consumerGroup: 'g', requestId: 'r-2' })),
      );
      const sqsShaped = path.join(dir, 'sqs.json');
      await writeFile(sqsShaped, JSON.stringify({ requestContext: {}, KafkaBatchInfo: {} }));
      Object.assign(process.env, { CLICKHOUSE_URL: ch.server.url, DYNAMODB_ENDPOINT: ddb.dynamo.endpoint });
      const { redrive } = await import('../scripts/redrive.js');
      await expect(redrive([sqsShaped], () => undefined)).rejects.toThrow(/carries only offsets/);
      const [first] = await redrive([s3Shaped], () => undefined);
      expect(first).toMatchObject({ received: failedCount, inserted: failedCount });
      for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals(records));
      // Re-driving again, from either record, changes nothing: every event is counted by its event_id.
      const again = await redrive([s3Shaped, localFile], () => undefined);
      for (const r of again) expect(r).toMatchObject({ inserted: 0, skipped: failedCount });
      for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals(records));
      await closeClickHouse();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('re-drives every S3 on-failure object under an s3:// prefix (real S3 client, loopback stand-in), once', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 43 }).records(120);
    const first = toMskEvent(records.slice(0, 60));
    const second = toMskEvent(records.slice(60), { startOffset: 500 });
    const object = (event: MSKEvent) =>
      JSON.stringify({
        version: '1.0',
        requestContext: { condition: 'RetryAttemptsExhausted' },
        responseContext: { statusCode: 200 },
        payload: JSON.stringify(event),
      });
    const prefix = 'aws/lambda/esm-uuid/';
    const s3 = await startS3Objects({
      failures: {
        [`${prefix}wallet_txn_created-0/2026/11/27/a`]: object(first),
        [`${prefix}wallet_txn_created-1/2026/11/27/b`]: object(second),
        'other/x': '{}',
      },
    });
    const env = { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'eu-west-1' };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    try {
      Object.assign(process.env, env, { CLICKHOUSE_URL: ch.server.url, DYNAMODB_ENDPOINT: ddb.dynamo.endpoint });
      const { redrive } = await import('../scripts/redrive.js');
      const lines: string[] = [];
      const results = await redrive([`s3://failures/${prefix}`], (l) => lines.push(l));
      expect(results.map((r) => r.inserted)).toEqual([60, 60]);
      expect(lines[0]).toContain(`s3://failures/${prefix}wallet_txn_created-0/`);
      for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals(records));
      const [again] = await redrive([`s3://failures/${prefix}wallet_txn_created-1/2026/11/27/b`], () => undefined);
      expect(again).toMatchObject({ inserted: 0, skipped: 60 });
      for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals(records));
      expect(s3.requests.some((r) => r.includes('list-type=2'))).toBe(true);
      await closeClickHouse();
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await s3.close();
    }
  });

  it('counts events re-sent at new offsets, in later batches and on another partition, once everywhere', async () => {
    await truncateAll();
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const records = new EventGenerator({ seed: 51, now: () => minute + 1_000, lateShare: 0 }).records(600);
    const run = ingest();
    await run(toMskEvent(records));
    const afterFirst = await deltaSnapshots();
    // A producer retry / outbox relay: the same events again at new offsets, twice on their own
    // partitions (later batches), once with another key (another partition), mixed with new events.
    const fresh = new EventGenerator({ seed: 52, now: () => minute + 2_000, lateShare: 0 }).records(50);
    const second = await run(toMskEvent([...records, ...fresh], { startOffset: 10_000 }));
    const third = await run(toMskEvent(records, { startOffset: 20_000 }));
    const moved = await run(
      toMskEvent(
        records.map((r) => ({ ...r, key: `${r.key}-elsewhere` })),
        { startOffset: 30_000, partitions: 5 },
      ),
    );
    expect(second).toMatchObject({ inserted: 50, skipped: 600 });
    expect(third).toMatchObject({ inserted: 0, skipped: 600 });
    expect(moved).toMatchObject({ inserted: 0, skipped: 600 });
    const expected = expectedTotals([...records, ...fresh]);
    for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expected);
    // The snapshots a WebSocket client receives carry the same once-counted figures.
    const latest = new Map<string, DeltaSnapshot>();
    for (const snap of await deltaSnapshots()) if ((latest.get(snap.room)?.version ?? -1) < snap.version) latest.set(snap.room, snap);
    const global = Object.fromEntries(latest.get('global')!.values.map((v) => [`${v.type}|${v.currency}`, v.count]));
    expect(global).toEqual(Object.fromEntries(Object.entries(expected).map(([k, t]) => [k, t.count])));
    expect(afterFirst.length).toBeGreaterThan(0);
  });

  it('stores new events at offsets below the stored marks (recreated topic) and reports the regression', async () => {
    await truncateAll();
    const gen = new EventGenerator({ seed: 61 });
    const before = gen.records(500);
    const after = gen.records(400);
    const lines = await captureStdout(async () => {
      const run = createIngest({
        clickhouse: async () => ch.client,
        dynamo: () => ddb.clients.doc,
        deltasTable: DELTAS_TABLE.id,
        logger: createLogger('ingest'),
        metrics: createMetrics('ingest'),
      });
      await run(toMskEvent(before, { startOffset: 5000 }));
      const result = await run(toMskEvent(after, { startOffset: 0 }));
      expect(result).toMatchObject({ inserted: 400, skipped: 0 });
      expect(result.offsetRegressions).toBeGreaterThan(0);
    });
    expect(await totalsFrom('analytics_events_raw')).toEqual(expectedTotals([...before, ...after]));
    const warnings = lines.filter((l) => l.includes('Kafka offset regression')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warnings.length).toBeGreaterThan(0);
    for (const w of warnings) {
      expect(w.level).toBe('WARN');
      expect(typeof w.topic).toBe('string');
      expect(typeof w.partition).toBe('number');
      expect(w.storedOffset as number).toBeGreaterThanOrEqual(5000);
      expect(w.batchOffset).toBe(0);
    }
    const emf = lines.filter((l) => l.includes(METRIC.offsetRegressions)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf.reduce((n, d) => n + (d[METRIC.offsetRegressions] as number), 0)).toBe(warnings.length);
  });

  it('counts the events of a second cluster with overlapping offsets once each', async () => {
    await truncateAll();
    const gen = new EventGenerator({ seed: 71 });
    const a = gen.records(300);
    const b = gen.records(300);
    const run = ingest();
    await run(toMskEvent(a));
    // MSK failover / Replicator: another eventSourceArn, the same topics and offsets, other events
    // — and cluster A's events replicated there too.
    const other = 'arn:aws:kafka:eu-west-1:123456789012:cluster/molam-dr/11111111-2222-3333-4444-555555555555-1';
    const fromB = await run({ ...toMskEvent(b), eventSourceArn: other });
    const replicated = await run({ ...toMskEvent(a, { startOffset: 300 }), eventSourceArn: other });
    expect(fromB).toMatchObject({ inserted: 300 });
    expect(replicated).toMatchObject({ inserted: 0, skipped: 300 });
    for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals([...a, ...b]));
  });

  it('keeps the first version of a conflicting duplicate and quarantines the later one as duplicate_conflict; an identical re-send is a duplicate in the metrics', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 81 }).records(20);
    const original = records[5]!;
    const changed = {
      ...original.event!,
      amount: toUnits(original.event!.amount) === 10_000n ? '2' : '1',
      city: `${original.event!.city}`,
    };
    const conflict: GeneratedRecord = { ...original, value: JSON.stringify(changed), event: changed };
    const lines = await captureStdout(async () => {
      const run = createIngest({
        clickhouse: async () => ch.client,
        dynamo: () => ddb.clients.doc,
        deltasTable: DELTAS_TABLE.id,
        logger: createLogger('ingest'),
        metrics: createMetrics('ingest'),
      });
      await run(toMskEvent(records));
      const later = await run(toMskEvent([conflict, records[6]!], { startOffset: 100 }));
      expect(later).toMatchObject({ inserted: 0, rejected: 1, conflicts: 1, skipped: 1 });
      // Redelivering that batch quarantines nothing twice.
      expect(await run(toMskEvent([conflict, records[6]!], { startOffset: 100 }))).toMatchObject({ inserted: 0, skipped: 2 });
      // Inside one batch: the first version wins, the other is a conflict too.
      const fresh = new EventGenerator({ seed: 82 }).records(1);
      const twin = { ...fresh[0]!.event!, merchant_id: 'm_other' };
      expect(
        await run(toMskEvent([fresh[0]!, { ...fresh[0]!, value: JSON.stringify(twin), event: twin }], { startOffset: 200 })),
      ).toMatchObject({ inserted: 1, conflicts: 1 });
      records.push(fresh[0]!);
    });
    expect(await totalsFrom('analytics_events_raw')).toEqual(expectedTotals(records));
    for (const table of TABLES) expect(await totalsFrom(table), table).toEqual(expectedTotals(records));
    const rs = await ch.client.query({
      query: `SELECT reason, detail, payload FROM analytics_events_rejected ORDER BY rejected_at`,
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ reason: string; detail: string; payload: string }>();
    expect(rows.map((r) => r.reason)).toEqual(['duplicate_conflict', 'duplicate_conflict']);
    expect(JSON.parse(rows[0]!.payload)).toEqual(changed);
    // The detail names the stored version's key fields.
    const stored = original.event!;
    expect(rows[0]!.detail).toContain(original.event!.event_id);
    expect(rows[0]!.detail).toContain('amount');
    const quoted = JSON.parse(rows[0]!.detail.slice(rows[0]!.detail.indexOf('stored: ') + 'stored: '.length)) as Record<string, string>;
    expect(quoted).toMatchObject({
      amount: normalizeDecimal(stored.amount),
      currency: stored.currency,
      zone: stored.zone,
      country: stored.country,
      city: stored.city,
      occurred_at: new Date(Date.parse(stored.occurred_at)).toISOString(),
    });
    expect(rows[1]!.detail).toContain('merchant_id');
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const sum = (name: string, dim: string, value: string) =>
      emf.filter((d) => d[dim] === value).reduce((n, d) => n + ((d[name] as number | undefined) ?? 0), 0);
    expect(sum(METRIC.eventsRejected, 'reason', 'duplicate_conflict')).toBe(2);
    expect(emf.reduce((n, d) => n + ((d[METRIC.eventsDuplicate] as number | undefined) ?? 0), 0)).toBe(2);
    expect(lines.some((l) => l.includes('conflicting duplicates quarantined'))).toBe(true);
  });

  it('finds stored ids whatever their characters: the lookup hashes them as the view does', async () => {
    await truncateAll();
    // Non-ASCII, the longest allowed, a lone character, and ids that differ only by case.
    const ids = ['wal_1', 'évènement-Thiès-42', 'x'.repeat(64), '0', 'Wal_1', '😀-id'];
    const base = new EventGenerator({ seed: 61 }).records(ids.length);
    const records = base.map((r, i) => {
      const event = { ...r.event!, event_id: ids[i]! };
      return { ...r, event, value: JSON.stringify(event) };
    });
    const run = ingest();
    expect(await run(toMskEvent(records))).toMatchObject({ inserted: ids.length, skipped: 0 });
    const stored = await storedEvents(ch.client, [...ids, 'never-stored']);
    expect([...stored.keys()].sort()).toEqual([...ids].sort());
    expect(await run(toMskEvent(records, { startOffset: 100 }))).toMatchObject({ inserted: 0, skipped: ids.length });
  });

  it('looks up a batch of any size in one query: 2 MB of ids, past the 1 MiB URI limit', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 62 }).records(5);
    expect(await ingest()(toMskEvent(records))).toMatchObject({ inserted: 5 });
    const stored = records.map((r) => r.event!.event_id);
    const unknown = Array.from({ length: 30_000 }, (_, i) => `never-${i}-`.padEnd(64, 'x'));
    const found = await storedEvents(ch.client, [...unknown.slice(0, 15_000), ...stored, ...unknown.slice(15_000)]);
    expect([...found.keys()].sort()).toEqual([...stored].sort());
  });

  it('answers the earliest stored version when a race stored an id twice, whatever the row order', async () => {
    await truncateAll();
    // Later version written first, so the table's physical order is not the answer's. Times an
    // hour apart and recent, so the table's TTL (90 days) never drops them.
    const hourAgo = Date.now() - 3_600_000;
    for (const [amount, ingested] of [
      ['2', chDateTime64(hourAgo + 60_000)],
      ['1', chDateTime64(hourAgo)],
    ] as const) {
      await ch.client.command({
        query: `INSERT INTO analytics_event_ids (id_hash, event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, ingested_at)
                SELECT reinterpretAsUInt64(MD5({id:String})), {id:String}, 'wallet_txn_created', {ingested:DateTime64(3)}, {amount:Decimal(18,4)}, 0,
                       'XOF', 'WAEMU', 'SN', 'Dakar', 'm_1', 'succeeded', {ingested:DateTime64(3)}`,
        query_params: { id: 'raced', amount, ingested },
      });
    }
    const found = await storedEvents(ch.client, ['raced']);
    expect(found.get('raced')?.amount).toBe('1.0000');
  });

  it('answers the ids an early lookup covers from it, and looks up only the others', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 63 }).records(4);
    const ids = records.map((r) => r.event!.event_id);
    // The early lookup covers ids[0] (and an id validation would reject) and answers before ids[0]
    // is stored; ids[1..2] are not covered, so they must be looked up afterwards.
    const prefetch = prefetchStoredEvents(ch.client, [ids[0]!, 'rejected-later']);
    expect((await prefetch.stored).size).toBe(0);
    expect(await ingest()(toMskEvent(records))).toMatchObject({ inserted: 4 });
    const found = await storedEventsUsing(ch.client, [ids[0]!, ids[1]!, ids[2]!, 'new-id'], prefetch);
    expect([...found.keys()].sort()).toEqual([ids[1]!, ids[2]!].sort());
    expect(found.get(ids[1]!)).toMatchObject(canonicalContent(records[1]!.event! as EventContent));
  });

  it('processes a 10,000-record batch', async () => {
    await truncateAll();
    const records = new EventGenerator({ seed: 99 }).records(10_000, 25);
    const result = await ingest()(toMskEvent(records) as MSKEvent);
    expect(result).toMatchObject({ received: 10_000, inserted: 9_975, rejected: 25 });
    expect(await totalsFrom('analytics_agg_minute')).toEqual(expectedTotals(records));
  });
});
