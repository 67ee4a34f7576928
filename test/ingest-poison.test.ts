// One bad record never blocks a batch: hostile records are quarantined by the contract; a record
// the engine refuses after validation is isolated by bisection (functions/ingest/isolate.ts) and
// quarantined as engine_refused while the rest is stored; an engine outage still fails the batch.
// Real engines: chdb behind the ClickHouse HTTP protocol, dynalite.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestClickHouse, startTestDynamo, type TestClickHouse, type TestDynamo, truncateIngestTables } from '../devkit/engines.js';
import { createIngest, type IngestDeps } from '../functions/ingest/ingest.js';
import { rawRowsBody } from '../functions/ingest/rows.js';
import { EventGenerator, toMskEvent, type GeneratedRecord } from '../devkit/generator.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { isDataError } from '../functions/ingest/isolate.js';

// One instant for the handler and the data, taken from the clock so the rows stay inside raw's
// TTL (which ClickHouse computes from its own real clock) whatever day the suite runs.
const NOW = Math.floor(Date.now() / 1000) * 1000;
let ch: TestClickHouse;
let ddb: TestDynamo;

beforeAll(async () => {
  [ch, ddb] = await Promise.all([startTestClickHouse(), startTestDynamo()]);
});
afterAll(async () => {
  await Promise.all([ch?.close(), ddb?.close()]);
});
beforeEach(async () => {
  await truncateIngestTables(ch.client);
});

function ingest(extra: Partial<IngestDeps> = {}) {
  return createIngest({
    clickhouse: async () => ch.client,
    dynamo: () => ddb.clients.doc,
    deltasTable: DELTAS_TABLE.id,
    now: () => NOW,
    ...extra,
  });
}

async function rows<T>(query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

const storedIds = async () =>
  (await rows<{ event_id: string }>('SELECT event_id FROM analytics_events_raw ORDER BY event_id')).map((r) => r.event_id);
const rejects = () =>
  rows<{ reason: string; detail: string; payload: string }>(
    'SELECT reason, detail, payload FROM analytics_events_rejected ORDER BY offset, topic',
  );

describe('poison isolation (second line)', () => {
  it('a record the engine refuses after validation is quarantined as engine_refused; every other record is stored', async () => {
    const records = new EventGenerator({ seed: 14, now: () => NOW - 60_000 }).records(40);
    const poisonId = records[17]!.event!.event_id;
    // Test-only path: validation passed the record; the body the engine gets holds an amount it cannot parse.
    const rawBody: IngestDeps['rawBody'] = (items, at) =>
      rawRowsBody(
        items.map((v) => (v.event.event_id === poisonId ? { ...v, event: { ...v.event, amount: '12x.5' } } : v)),
        at,
      );
    const batch = toMskEvent(records, { timestamp: NOW });

    const first = await ingest({ rawBody })(batch);
    expect(first).toMatchObject({ received: 40, inserted: 39, engineRefused: 1, rejected: 1 });
    const expectedIds = records
      .map((r) => r.event!.event_id)
      .filter((id) => id !== poisonId)
      .sort();
    expect(await storedIds()).toEqual(expectedIds);
    const [quarantined, ...others] = await rejects();
    expect(others).toEqual([]);
    expect(quarantined!.reason).toBe('engine_refused');
    expect(quarantined!.detail).toMatch(/Code: \d+/);
    expect(JSON.parse(quarantined!.payload).event_id).toBe(poisonId);
    // The rollups hold the 39 events, once.
    const [minute] = await rows<{ n: string }>('SELECT toString(countMerge(events)) AS n FROM analytics_agg_minute');
    expect(minute!.n).toBe('39');

    // Redelivered (the event source retries, the engine refuses the same record again): nothing doubles.
    const again = await ingest({ rawBody })(batch);
    expect(again).toMatchObject({ inserted: 0, engineRefused: 1 });
    expect(await storedIds()).toEqual(expectedIds);
    expect((await rejects()).length).toBe(1);
    const [minuteAgain] = await rows<{ n: string }>('SELECT toString(countMerge(events)) AS n FROM analytics_agg_minute');
    expect(minuteAgain!.n).toBe('39');
  });

  it('several refused records spread over the batch are each isolated', async () => {
    const records = new EventGenerator({ seed: 15, now: () => NOW - 60_000 }).records(64);
    const poisoned = new Set([0, 31, 32, 63].map((i) => records[i]!.event!.event_id));
    const rawBody: IngestDeps['rawBody'] = (items, at) =>
      rawRowsBody(
        items.map((v) => (poisoned.has(v.event.event_id) ? { ...v, event: { ...v.event, fee: 'abc' } } : v)),
        at,
      );
    const result = await ingest({ rawBody })(toMskEvent(records, { timestamp: NOW }));
    expect(result).toMatchObject({ inserted: 60, engineRefused: 4 });
    expect((await storedIds()).length).toBe(60);
    expect((await rejects()).map((r) => r.reason)).toEqual(Array(4).fill('engine_refused'));
  });

  it('an engine outage still fails the batch (so it is retried) and stores nothing', async () => {
    const records = new EventGenerator({ seed: 16, now: () => NOW - 60_000 }).records(10);
    const batch = toMskEvent(records, { timestamp: NOW });
    await ch.stop();
    let error: unknown;
    try {
      await ingest()(batch);
    } catch (err) {
      error = err;
    } finally {
      await ch.restart();
    }
    expect(error).toBeInstanceOf(Error);
    expect(isDataError(error)).toBe(false);
    expect(await storedIds()).toEqual([]);
    // The retry after the outage stores the batch.
    expect(await ingest()(batch)).toMatchObject({ inserted: 10 });
  });
});

describe('a batch spanning more months than one insert may touch', () => {
  it('300 events over 300 months (ClickHouse allows 100 partitions per insert) are all stored', async () => {
    // 2001–2025 is past raw's 90-day TTL in real time: keep TTL merges from removing rows while we count.
    await ch.client.command({ query: 'SYSTEM STOP TTL MERGES analytics_events_raw' });
    const end = Date.UTC(2100, 0, 1);
    const records = new EventGenerator({ seed: 19, now: () => end }).records(300).map((r, i) => {
      const event = { ...r.event!, occurred_at: new Date(Date.UTC(2001 + Math.floor(i / 12), i % 12, 1)).toISOString() };
      return { ...r, event, value: JSON.stringify(event) };
    });
    const run = createIngest({
      clickhouse: async () => ch.client,
      dynamo: () => ddb.clients.doc,
      deltasTable: DELTAS_TABLE.id,
      now: () => end,
    });
    expect(await run(toMskEvent(records, { timestamp: NOW }))).toMatchObject({ inserted: 300, rejected: 0 });
    const [raw] = await rows<{ n: string; months: string }>(
      'SELECT toString(count()) AS n, toString(uniq(toYYYYMM(occurred_at))) AS months FROM analytics_events_raw',
    );
    expect(raw).toEqual({ n: '300', months: '300' });
    // Retried: nothing doubles.
    expect(await run(toMskEvent(records, { timestamp: NOW }))).toMatchObject({ inserted: 0 });
    const [again] = await rows<{ n: string }>('SELECT toString(countMerge(events)) AS n FROM analytics_agg_day');
    expect(again!.n).toBe('300');
    await ch.client.command({ query: 'SYSTEM START TTL MERGES analytics_events_raw' });
    // 300 monthly parts in raw and every rollup: 30-46 s for the first batch under load average ~20.
  }, 180_000);
});

describe('hostile records are quarantined by the contract, with their own reasons', () => {
  it('Kafka timestamps outside what DateTime64 holds (the producer sets them) are stored as 0, never fail the batch', async () => {
    const gen = new EventGenerator({ seed: 18, now: () => NOW - 60_000 });
    for (const timestamp of [8.64e15 + 1, -1e15, Date.UTC(1800, 0, 1)]) {
      const records = [
        ...gen.records(3),
        { topic: 'wallet_txn_created' as const, key: 'k', value: JSON.stringify({ not: 'valid', timestamp }) },
      ];
      expect(await ingest()(toMskEvent(records, { timestamp }))).toMatchObject({ inserted: 3, rejected: 1 });
    }
    const [raw] = await rows<{ n: string; ts: string[] }>(
      `SELECT toString(count()) AS n, groupUniqArray(toString(kafka_timestamp)) AS ts FROM analytics_events_raw`,
    );
    expect(raw).toEqual({ n: '9', ts: ['1970-01-01 00:00:00.000'] });
    expect((await rejects()).map((r) => r.reason)).toEqual(Array(3).fill('missing_field'));
  });

  it('zone/country mismatch, a zero-width space in the zone, `*`, a lone surrogate and a pre-1970 time: quarantined; the valid ones stored', async () => {
    const gen = new EventGenerator({ seed: 17, now: () => NOW - 60_000 });
    const good = gen.records(5);
    const base = gen.event('wallet_txn_created').event;
    const hostile = (patch: Record<string, unknown>, raw?: string): GeneratedRecord => ({
      topic: 'wallet_txn_created',
      key: base.merchant_id,
      value: raw ?? JSON.stringify({ ...base, event_id: `h_${Object.keys(patch).join('_')}_${JSON.stringify(patch).length}`, ...patch }),
    });
    const bad = [
      hostile({ zone: 'CEMAC', country: 'SN' }),
      hostile({ zone: 'WAEMU\u200b', country: 'SN' }),
      hostile({ zone: '*' }),
      // A lone high surrogate as a JSON escape: exactly what a producer sent in the field.
      hostile({}, JSON.stringify({ ...base, event_id: 'h_surrogate' }).replace(/"city":"[^"]*"/, '"city":"Dakar\\ud800"')),
      hostile({ occurred_at: '1969-12-31T23:59:59Z' }),
    ];
    const result = await ingest()(toMskEvent([...good, ...bad], { timestamp: NOW }));
    expect(result).toMatchObject({ received: 10, inserted: 5, rejected: 5 });
    expect(await storedIds()).toEqual(good.map((r) => r.event!.event_id).sort());
    const reasons = (await rejects()).map((r) => r.reason).sort();
    expect(reasons).toEqual(['invalid_unicode', 'invalid_zone', 'invalid_zone', 'timestamp_out_of_range', 'zone_country_mismatch']);
    const [zones] = await rows<{ zones: string[] }>('SELECT groupUniqArray(zone) AS zones FROM analytics_events_raw');
    for (const z of zones!.zones) expect(z).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});
