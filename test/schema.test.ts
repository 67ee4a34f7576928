// The ClickHouse schema and its migrations, against the chdb engine over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestClickHouse, type TestClickHouse } from '../devkit/engines.js';
import { migrate, loadMigrations, splitStatements, LEDGER_TABLE } from '../sql/migrations.js';
import { EventGenerator } from '../devkit/generator.js';
import { validateEvent } from '../contracts/event.js';
import { chDateTime64 } from '../functions/shared/time.js';
import { RAW_COLUMNS } from '../functions/ingest/store.js';
import { MERCHANT_SPANS } from '../functions/api/lib/merchant-spans.js';

let ch: TestClickHouse;
beforeAll(async () => {
  ch = await startTestClickHouse();
});
afterAll(async () => ch?.close());

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await ch.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

function rawValues(seed: number, count: number): unknown[][] {
  const gen = new EventGenerator({ seed, spreadMs: 3 * 86_400_000 });
  return gen.records(count).map((r, i) => {
    const result = validateEvent(r.topic, JSON.parse(r.value));
    if (!result.ok) throw new Error(result.reject.reason);
    const e = result.event;
    return [
      e.event_id,
      e.type,
      chDateTime64(e.occurred_at),
      e.amount,
      e.fee,
      e.currency,
      e.zone,
      e.country,
      e.city,
      e.merchant_id,
      e.status,
      e.type,
      0,
      i,
      chDateTime64(Date.now()),
      chDateTime64(Date.now()),
    ];
  });
}

const ROLLUPS = ['analytics_agg_minute', 'analytics_agg_hour', 'analytics_agg_day'] as const;
const BUCKET = { analytics_agg_minute: 'toStartOfMinute', analytics_agg_hour: 'toStartOfHour', analytics_agg_day: 'toStartOfDay' } as const;
const MERCHANT_ROLLUPS = [
  'analytics_merchant_hour',
  'analytics_merchant_day',
  'analytics_merchant_month',
  'analytics_merchant_span',
] as const;
const MERCHANT_BUCKET = { analytics_merchant_hour: 'toStartOfHour', analytics_merchant_day: 'toStartOfDay' } as const;

/** Per-merchant sums of each merchant rollup against raw, and the month table's day bits. */
async function expectMerchantRollupsEqualRaw(): Promise<void> {
  for (const [table, bucket] of Object.entries(MERCHANT_BUCKET)) {
    const fromRaw = await rows(
      `SELECT ${bucket}(occurred_at) AS b, type, zone, country, city, currency, status, merchant_id,
              toString(count()) AS n, toString(sum(amount)) AS volume, toString(sum(fee)) AS fees
       FROM analytics_events_raw GROUP BY ALL ORDER BY ALL`,
    );
    const fromRollup = await rows(
      `SELECT bucket AS b, type, zone, country, city, currency, status, merchant_id,
              toString(sum(events)) AS n, toString(toDecimal64(sum(volume), 4)) AS volume, toString(toDecimal64(sum(fees), 4)) AS fees
       FROM ${table} GROUP BY ALL ORDER BY ALL`,
    );
    expect(fromRollup.length, table).toBeGreaterThan(100);
    expect(fromRollup, table).toEqual(fromRaw);
  }
  const daysFromRaw = await rows(
    `SELECT toStartOfMonth(occurred_at) AS b, type, zone, country, city, currency, merchant_id,
            toString(arraySort(groupUniqArray(toUInt32(toDayOfMonth(occurred_at))))) AS days
     FROM analytics_events_raw GROUP BY ALL ORDER BY ALL`,
  );
  const daysFromRollup = await rows(
    `SELECT toDate(bucket) AS b, type, zone, country, city, currency, merchant_id,
            toString(arrayMap(i -> toUInt32(i + 1), bitPositionsToArray(groupBitOr(days)))) AS days
     FROM analytics_merchant_month GROUP BY ALL ORDER BY ALL`,
  );
  expect(daysFromRollup.length).toBeGreaterThan(100);
  expect(daysFromRollup).toEqual(daysFromRaw);
  await expectSpansEqualRaw();
}

/** sql/008: every span length holds each event once, in the block of its day within its month. */
async function expectSpansEqualRaw(): Promise<void> {
  for (const span of MERCHANT_SPANS) {
    const fromRaw = await rows(
      `SELECT toDate(toStartOfMonth(occurred_at)) + (toDayOfMonth(occurred_at) - 1) - ((toDayOfMonth(occurred_at) - 1) % {span:UInt8}) AS b,
              country, currency, type, merchant_id, toString(count()) AS n, toString(countIf(status = 'failed')) AS failed,
              toString(countIf(status = 'pending')) AS pending, toString(sum(amount)) AS volume, toString(sum(fee)) AS fees
       FROM analytics_events_raw GROUP BY ALL ORDER BY ALL`,
      { span },
    );
    const fromSpans = await rows(
      `SELECT toDate(bucket) AS b, country, currency, type, merchant_id, toString(sum(events)) AS n, toString(sum(failed)) AS failed,
              toString(sum(pending)) AS pending, toString(toDecimal64(sum(volume), 4)) AS volume, toString(toDecimal64(sum(fees), 4)) AS fees
       FROM analytics_merchant_span WHERE span = {span:UInt8} GROUP BY ALL ORDER BY ALL`,
      { span },
    );
    expect(fromSpans.length, `span ${span}`).toBeGreaterThan(100);
    expect(fromSpans, `span ${span}`).toEqual(fromRaw);
  }
  const [other] = await rows<{ n: string }>(
    `SELECT toString(count()) AS n FROM analytics_merchant_span WHERE span NOT IN {spans:Array(UInt8)}`,
    {
      spans: [...MERCHANT_SPANS],
    },
  );
  expect(other!.n).toBe('0');
}

describe('migrations', () => {
  it('are applied once: a second run is a no-op and the ledger lists each file', async () => {
    const again = await migrate(ch.client);
    const files = (await loadMigrations()).map((m) => m.name);
    expect(again.applied).toEqual([]);
    expect(again.skipped).toEqual(files);
    const ledger = await rows<{ name: string }>(`SELECT name FROM ${LEDGER_TABLE} ORDER BY version`);
    expect(ledger.map((r) => r.name)).toEqual(files);
  });

  it('refuses an applied migration whose file changed', async () => {
    await ch.client.command({
      query: `ALTER TABLE ${LEDGER_TABLE} UPDATE checksum = 'edited' WHERE version = 1 SETTINGS mutations_sync = 1`,
    });
    try {
      await expect(migrate(ch.client)).rejects.toThrow(/different checksum/);
    } finally {
      const [first] = await loadMigrations();
      await ch.client.command({
        query: `ALTER TABLE ${LEDGER_TABLE} UPDATE checksum = {c:String} WHERE version = 1 SETTINGS mutations_sync = 1`,
        query_params: { c: first!.checksum },
      });
    }
  });

  it('splits statements on terminal semicolons and drops comment lines', () => {
    expect(splitStatements("-- c\nSELECT 1;\n\nSELECT ';' AS x;\n")).toEqual(['SELECT 1', "SELECT ';' AS x"]);
  });
});

describe('tables', () => {
  it('have the TTLs of the design and a deduplication window on every MergeTree table', async () => {
    const tables = await rows<{ name: string; create_table_query: string; engine: string }>(
      `SELECT name, create_table_query, engine FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'`,
    );
    const ddl = Object.fromEntries(tables.map((t) => [t.name, t.create_table_query]));
    expect(ddl.analytics_events_raw).toMatch(/TTL toDateTime\(occurred_at\) \+ toIntervalDay\(90\)/);
    expect(ddl.analytics_agg_minute).toMatch(/TTL bucket \+ toIntervalDay\(180\)/);
    expect(ddl.analytics_agg_hour).toMatch(/TTL bucket \+ toIntervalDay\(365\)/);
    expect(ddl.analytics_agg_day).not.toMatch(/TTL/);
    // The merchant rollups (sql/007) keep their counterparts' retention.
    expect(ddl.analytics_merchant_hour).toMatch(/TTL bucket \+ toIntervalDay\(365\)/);
    expect(ddl.analytics_merchant_day).not.toMatch(/TTL/);
    expect(ddl.analytics_merchant_month).not.toMatch(/TTL/);
    expect(ddl.analytics_merchant_span).not.toMatch(/TTL/);
    for (const name of MERCHANT_ROLLUPS) expect(ddl[name], name).toMatch(/PARTITION BY toYYYYMM\(bucket\)/);
    expect(ddl.analytics_events_rejected).toMatch(/TTL toDateTime\(rejected_at\) \+ toIntervalDay\(30\)/);
    expect(ddl.analytics_events_raw).toMatch(/PARTITION BY toYYYYMM\(occurred_at\)/);
    for (const name of [...ROLLUPS, ...MERCHANT_ROLLUPS]) expect(tables.find((t) => t.name === name)?.engine).toBe('AggregatingMergeTree');
    for (const t of tables) {
      if (t.name === LEDGER_TABLE) continue;
      expect(t.create_table_query, t.name).toMatch(/non_replicated_deduplication_window = 10000/);
    }
  });
});

describe('rollups', () => {
  it('equal aggregates computed from raw rows, to the last decimal, at every granularity', async () => {
    await ch.client.insert({
      table: 'analytics_events_raw',
      values: rawValues(5, 4000),
      columns: [...RAW_COLUMNS],
      format: 'JSONCompactEachRow',
    });
    await ch.client.insert({
      table: 'analytics_events_raw',
      values: rawValues(6, 3000),
      columns: [...RAW_COLUMNS],
      format: 'JSONCompactEachRow',
    });
    for (const table of ROLLUPS) {
      const fromRaw = await rows(
        `SELECT ${BUCKET[table]}(occurred_at) AS b, type, zone, country, city, currency, status,
                toString(count()) AS n, toString(sum(amount)) AS volume, toString(sum(fee)) AS fees, toString(uniqExact(merchant_id)) AS merchants
         FROM analytics_events_raw GROUP BY b, type, zone, country, city, currency, status ORDER BY ALL`,
      );
      const fromRollup = await rows(
        `SELECT bucket AS b, type, zone, country, city, currency, status,
                toString(countMerge(events)) AS n, toString(sumMerge(volume)) AS volume, toString(sumMerge(fees)) AS fees, toString(uniqExactMerge(merchants)) AS merchants
         FROM ${table} GROUP BY b, type, zone, country, city, currency, status ORDER BY ALL`,
      );
      expect(fromRollup.length, table).toBeGreaterThan(100);
      expect(fromRollup, table).toEqual(fromRaw);
    }
    await expectMerchantRollupsEqualRaw();
    // Unique merchants merge exactly across buckets too (a per-day figure from minute states).
    const [viaMinute] = await rows<{ m: string }>(`SELECT toString(uniqExactMerge(merchants)) AS m FROM analytics_agg_minute`);
    const [viaRaw] = await rows<{ m: string }>(`SELECT toString(uniqExact(merchant_id)) AS m FROM analytics_events_raw`);
    expect(viaMinute).toEqual(viaRaw);
  });

  it('drop a batch inserted twice with one deduplication token, in raw and in every rollup', async () => {
    await ch.client.command({ query: 'TRUNCATE TABLE analytics_events_raw' });
    for (const t of [...ROLLUPS, ...MERCHANT_ROLLUPS]) await ch.client.command({ query: `TRUNCATE TABLE ${t}` });
    const values = rawValues(77, 500);
    const insert = (token: string) =>
      ch.client.insert({
        table: 'analytics_events_raw',
        values,
        columns: [...RAW_COLUMNS],
        format: 'JSONCompactEachRow',
        clickhouse_settings: { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
      });
    await insert('batch-a');
    await insert('batch-a');
    const counts = async () => ({
      raw: (await rows<{ n: string }>('SELECT toString(count()) AS n FROM analytics_events_raw'))[0]!.n,
      ...Object.fromEntries(
        await Promise.all(
          ROLLUPS.map(async (t) => [t, (await rows<{ n: string }>(`SELECT toString(countMerge(events)) AS n FROM ${t}`))[0]!.n]),
        ),
      ),
      ...Object.fromEntries(
        await Promise.all(
          Object.keys(MERCHANT_BUCKET).map(async (t) => [
            t,
            (await rows<{ n: string }>(`SELECT toString(sum(events)) AS n FROM ${t}`))[0]!.n,
          ]),
        ),
      ),
      analytics_merchant_span: (await rows<{ n: string }>('SELECT toString(sumIf(events, span = 1)) AS n FROM analytics_merchant_span'))[0]!
        .n,
    });
    // (analytics_merchant_month holds day bits, which a repeated block could not change anyway.)
    expect(await counts()).toEqual({
      raw: '500',
      analytics_agg_minute: '500',
      analytics_agg_hour: '500',
      analytics_agg_day: '500',
      analytics_merchant_hour: '500',
      analytics_merchant_day: '500',
      analytics_merchant_span: '500',
    });
    // A different token is a different batch: counted again (the test above is not vacuous).
    await insert('batch-b');
    const twice = await counts();
    expect(twice.analytics_agg_day).toBe('1000');
    expect(twice.analytics_merchant_day).toBe('1000');
    expect(twice.analytics_merchant_span).toBe('1000');
    await expectMerchantRollupsEqualRaw();
  });
});
