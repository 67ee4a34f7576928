// Rollup rebuild and retention report against a real chdb ClickHouse: data ingested through the live
// path (sortRecords + storeBatch, views feeding the rollups), then rebuilt from raw partition by
// partition; a deliberately corrupted rollup is repaired; old ranges are refused.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestClickHouse, type TestClickHouse } from '../devkit/engines.js';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { sortRecords } from '../functions/ingest/records.js';
import { storeBatch } from '../functions/ingest/store.js';
import { ROLLUPS, RebuildRefused, monthBounds, monthsCovering, rebuildRollups } from '../scripts/rollups-rebuild.js';
import { retentionReport, ttlOf } from '../scripts/retention-report.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const NOW = Date.now();
// 35 days back: at least two monthly partitions (three when NOW is early in a month), all starting
// inside raw's 90-day retention. Which months they are is read from the data, never assumed.
const SPREAD = 35 * DAY;
const FROM = NOW - SPREAD - DAY;
let ch: TestClickHouse;

async function q<T = Record<string, string>>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await ch.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
}

async function one<T>(query: string): Promise<T> {
  const [row] = await q<T>(query);
  if (!row) throw new Error(`no row: ${query}`);
  return row;
}

/** Every rollup row, merged: the state readers see. */
async function snapshot(table: string): Promise<string[]> {
  if (table === 'analytics_merchant_month') {
    const rows = await q(
      `SELECT toString(bucket) AS b, type, zone, country, city, currency, merchant_id, toString(groupBitOr(days)) AS days
       FROM ${table} GROUP BY ALL ORDER BY ALL`,
    );
    return rows.map((r) => Object.values(r).join('|'));
  }
  if (table === 'analytics_merchant_span') {
    const rows = await q(
      `SELECT toString(span) AS s, toString(bucket) AS b, country, currency, type, merchant_id, toString(sum(events)) AS n,
              toString(sum(failed)) AS failed, toString(sum(pending)) AS pending, toString(sum(volume)) AS v, toString(sum(fees)) AS f
       FROM ${table} GROUP BY ALL ORDER BY ALL`,
    );
    return rows.map((r) => Object.values(r).join('|'));
  }
  if (table.startsWith('analytics_merchant_')) {
    const rows = await q(
      `SELECT toString(bucket) AS b, type, zone, country, city, currency, status, merchant_id,
              toString(sum(events)) AS n, toString(sum(volume)) AS v, toString(sum(fees)) AS f
       FROM ${table} GROUP BY ALL ORDER BY ALL`,
    );
    return rows.map((r) => Object.values(r).join('|'));
  }
  const rows = await q(
    `SELECT toString(bucket) AS b, type, zone, country, city, currency, status,
            toString(countMerge(events)) AS n, toString(sumMerge(volume)) AS v, toString(sumMerge(fees)) AS f,
            toString(uniqExactMerge(merchants)) AS m, toString(max(last_kafka_ts)) AS ts
     FROM ${table} GROUP BY bucket, type, zone, country, city, currency, status
     ORDER BY bucket, type, zone, country, city, currency, status`,
  );
  return rows.map((r) => Object.values(r).join('|'));
}

async function allSnapshots(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const r of ROLLUPS) out[r.table] = await snapshot(r.table);
  return out;
}

const cliEnv = () => ({ ...process.env, CLICKHOUSE_URL: ch.server.url });
const cli = (script: string, args: string[]) => run(process.execPath, ['--import', 'tsx', script, ...args], { env: cliEnv() });

let before: Record<string, string[]>;
let events = 0;

beforeAll(async () => {
  ch = await startTestClickHouse();
  const generator = new EventGenerator({ seed: 1451, spreadMs: SPREAD, now: () => NOW - 60_000 });
  for (let batch = 0; batch < 6; batch++) {
    const records = decodeMskRecords(toMskEvent(generator.records(2_000, 10), { startOffset: batch * 10_000, timestamp: NOW }));
    const sorted = sortRecords(records, Date.now());
    await storeBatch(ch.client, { records, ...sorted }, Date.now());
    events += sorted.valid.length;
  }
  before = await allSnapshots();
}, 180_000);

afterAll(async () => {
  await ch?.close();
});

describe('rollups:rebuild', () => {
  it('ingested data spans the monthly partitions of its range, inside raw retention', async () => {
    const parts = await q<{ p: string }>(`SELECT DISTINCT toString(toYYYYMM(occurred_at)) AS p FROM analytics_events_raw ORDER BY p`);
    const { lo, hi } = await one<{ lo: string; hi: string }>(
      `SELECT toString(toUnixTimestamp64Milli(min(occurred_at))) AS lo, toString(toUnixTimestamp64Milli(max(occurred_at))) AS hi FROM analytics_events_raw`,
    );
    expect(parts.map((r) => Number(r.p))).toEqual(monthsCovering(Number(lo), Number(hi)));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(Number(lo)).toBeGreaterThan(NOW - 90 * DAY);
    const { n } = await one<{ n: string }>(`SELECT toString(count()) AS n FROM analytics_events_raw`);
    expect(Number(n)).toBe(events);
    for (const r of ROLLUPS) expect(before[r.table]!.length).toBeGreaterThan(100);
  });

  it('rebuilding the range through the CLI gives exactly the rollups the live path built', async () => {
    const from = new Date(FROM).toISOString().slice(0, 10);
    const to = new Date(NOW).toISOString().slice(0, 10);
    const { stdout } = await cli('scripts/rollups-rebuild.ts', ['--from', from, '--to', to]);
    expect(stdout).toMatch(/range widened to whole months/);
    for (const p of monthsCovering(FROM, NOW)) for (const r of ROLLUPS) expect(stdout).toContain(`${p} ${r.table}: replaced atomically`);
    expect(await allSnapshots()).toEqual(before);
    // No staging table left behind.
    expect(await q(`SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_rebuild\\_%'`)).toEqual([]);
  }, 180_000);

  it('repairs a corrupted hour partition and a dropped minute partition, merchant rollups alike', async () => {
    const { p } = await one<{ p: string }>(`SELECT toString(max(toYYYYMM(bucket))) AS p FROM analytics_agg_hour`);
    // Extra states: the partition's hour rows once more (doubles every count and sum).
    await ch.client.command({
      query: `INSERT INTO analytics_agg_hour SELECT * FROM analytics_agg_hour WHERE toYYYYMM(bucket) = {p:UInt32}`,
      query_params: { p: Number(p) },
    });
    await ch.client.command({ query: `ALTER TABLE analytics_agg_minute DROP PARTITION {p:UInt32}`, query_params: { p: Number(p) } });
    await ch.client.command({
      query: `INSERT INTO analytics_merchant_day SELECT * FROM analytics_merchant_day WHERE toYYYYMM(bucket) = {p:UInt32}`,
      query_params: { p: Number(p) },
    });
    await ch.client.command({ query: `ALTER TABLE analytics_merchant_month DROP PARTITION {p:UInt32}`, query_params: { p: Number(p) } });
    await ch.client.command({
      query: `INSERT INTO analytics_merchant_span SELECT * FROM analytics_merchant_span WHERE toYYYYMM(bucket) = {p:UInt32} AND span = 4`,
      query_params: { p: Number(p) },
    });
    const corrupted = await allSnapshots();
    expect(corrupted.analytics_agg_hour).not.toEqual(before.analytics_agg_hour);
    expect(corrupted.analytics_merchant_day).not.toEqual(before.analytics_merchant_day);
    expect(corrupted.analytics_merchant_month!.length).toBeLessThan(before.analytics_merchant_month!.length);
    expect(corrupted.analytics_merchant_span).not.toEqual(before.analytics_merchant_span);
    expect(corrupted.analytics_agg_minute!.length).toBeLessThan(before.analytics_agg_minute!.length);

    const logs: string[] = [];
    const month = monthsCovering(FROM, NOW).map(String).indexOf(p);
    expect(month).toBeGreaterThanOrEqual(0);
    // The newest month holding data (the current month, or the last one in a month's first minute).
    const { start } = monthBounds(Number(p));
    const results = await rebuildRollups(ch.client, { from: start, to: start, log: (l) => logs.push(l) });
    expect(results.map((r) => `${r.partition} ${r.table}`)).toEqual(ROLLUPS.map((r) => `${p} ${r.table}`));
    expect(await allSnapshots()).toEqual(before);
  }, 180_000);

  it('refuses a range older than raw retention; with --force never touches old day partitions', async () => {
    const old = NOW - 200 * DAY;
    const oldMonth = monthsCovering(old, old)[0]!;
    // History that only the day rollup still has (raw TTL'd it long ago).
    const bucket = `${new Date(old).toISOString().slice(0, 10)} 00:00:00`;
    await ch.client.command({
      query: `INSERT INTO analytics_agg_day SELECT toDateTime({b:String}, 'UTC'), 'invoice.paid', 'WAEMU', 'SN', 'Dakar', 'XOF', 'succeeded',
              countState(), sumState(toDecimal64('125.5', 4)), sumState(toDecimal64('1', 4)), uniqExactState('m1'), now64(3, 'UTC')
              FROM numbers(3)`,
      query_params: { b: bucket },
    });
    const dayBefore = await snapshot('analytics_agg_day');
    await expect(rebuildRollups(ch.client, { from: old, to: old })).rejects.toThrow(RebuildRefused);
    const cliRefusal = await cli('scripts/rollups-rebuild.ts', [
      '--from',
      new Date(old).toISOString().slice(0, 10),
      '--to',
      new Date(old).toISOString().slice(0, 10),
    ]).catch((e) => e);
    expect(cliRefusal.code).toBe(2);
    expect(cliRefusal.stderr).toMatch(/older than|before raw's retention/);
    expect(await snapshot('analytics_agg_day')).toEqual(dayBefore);

    const results = await rebuildRollups(ch.client, { from: old, to: old, force: true });
    for (const table of ['analytics_agg_day', 'analytics_merchant_day', 'analytics_merchant_month', 'analytics_merchant_span'])
      expect(results.find((r) => r.table === table)).toMatchObject({ partition: oldMonth, skipped: expect.any(String) });
    expect(await snapshot('analytics_agg_day')).toEqual(dayBefore);
    expect(dayBefore.some((row) => row.includes('|3|376.5|3|1|'))).toBe(true);
  }, 180_000);
});

describe('retention:report', () => {
  it('reports rows and parts per table and partition matching the tables, and the TTLs in force', async () => {
    const report = await retentionReport(ch.client);
    const ttl = Object.fromEntries(report.tables.map((t) => [t.table, t.ttl]));
    expect(ttl.analytics_events_raw).toMatch(/toIntervalDay\(90\)/);
    expect(ttl.analytics_agg_minute).toMatch(/toIntervalDay\(180\)/);
    expect(ttl.analytics_agg_hour).toMatch(/toIntervalDay\(365\)/);
    expect(ttl.analytics_events_rejected).toMatch(/toIntervalDay\(30\)/);
    expect(ttl.analytics_agg_day).toBe('none');
    const rawRows = report.partitions.filter((p) => p.table === 'analytics_events_raw').reduce((n, p) => n + p.rows, 0);
    expect(rawRows).toBe(events);
    const { n } = await one<{ n: string }>(`SELECT toString(count()) AS n FROM analytics_agg_day`);
    expect(report.partitions.filter((p) => p.table === 'analytics_agg_day').reduce((s, p) => s + p.rows, 0)).toBe(Number(n));
    expect(report.total.rows).toBe(report.partitions.reduce((s, p) => s + p.rows, 0));
    for (const p of report.partitions) expect(p.parts).toBeGreaterThan(0);
    expect(ttlOf('MergeTree ORDER BY x SETTINGS index_granularity = 8192')).toBe('none');

    const { stdout } = await cli('scripts/retention-report.ts', []);
    expect(stdout).toMatch(/TTLs in force/);
    expect(stdout).toMatch(/^analytics_events_raw\s+\d{6}\s+\d+/m);
    expect(stdout).toMatch(/^total\s+\d+/m);
    const json = JSON.parse((await cli('scripts/retention-report.ts', ['--json'])).stdout);
    expect(json.total.rows).toBe(report.total.rows);
  }, 120_000);
});
