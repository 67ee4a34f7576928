// Backfill from a real PostgreSQL (Debian's packages, started by the test) into a real chdb
// ClickHouse, through the CLI as an operator runs it: exact totals everywhere, idempotent re-runs,
// a dry run that writes nothing, and a run killed half-way (SIGKILL) that resumes and ends exact.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestClickHouse, truncateIngestTables, type TestClickHouse } from '../devkit/engines.js';
import { applySourceSchema, seedSourceTables, startTestPostgres, type SeedResult, type TestPostgres } from './support/postgres.js';
import { fromUnits, toUnits } from '../contracts/decimal.js';
import { BACKFILL_PARTITION, SOURCES, pageQuery, toKafkaRecord, type SourceRow } from '../scripts/backfill/sources.js';
import { startTestDynamo, type TestDynamo } from '../devkit/engines.js';
import { createIngest } from '../functions/ingest/ingest.js';
import { buildMskEvent } from '../devkit/msk-events.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { clockAt } from './support/clock.js';

const DAY = 86_400_000;
// Four whole UTC days ending two days ago (inside raw's retention, never in the future).
const FIRST_DAY = Math.floor((Date.now() - 6 * DAY) / DAY) * DAY;
const FROM = new Date(FIRST_DAY).toISOString().slice(0, 10);
const TO = new Date(FIRST_DAY + 3 * DAY).toISOString().slice(0, 10); // inclusive: 4 days
// The merchant rollups (sql/007) too: backfill fills them through the same views.
const TABLES = [
  'analytics_events_raw',
  'analytics_agg_minute',
  'analytics_agg_hour',
  'analytics_agg_day',
  'analytics_merchant_hour',
  'analytics_merchant_day',
];

let pg: TestPostgres;
let ch: TestClickHouse;
let seed: SeedResult;
let workDir: string;

beforeAll(async () => {
  [pg, ch] = await Promise.all([startTestPostgres(), startTestClickHouse()]);
  await applySourceSchema(pg.client);
  seed = await seedSourceTables(pg.client, { seed: 145, firstDay: FIRST_DAY, days: 4, wallet: 3_000, payouts: 1_200, invoices: 1_200 });
  workDir = await mkdtemp(path.join(os.tmpdir(), 'molam-backfill-'));
}, 180_000);

afterAll(async () => {
  await Promise.all([pg?.close(), ch?.close()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `npm run backfill -- …` as a child process (node + tsx directly, so a kill hits the backfill itself). */
function backfill(
  args: string[],
  opts: { checkpointDir: string; killWhen?: () => Promise<boolean>; env?: NodeJS.ProcessEnv },
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/backfill.ts', ...args, '--checkpoint-dir', opts.checkpointDir], {
      env: { ...(opts.env ?? process.env), DATABASE_URL: pg.url, CLICKHOUSE_URL: ch.server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timer: NodeJS.Timeout | undefined;
    if (opts.killWhen) {
      const poll = async () => {
        if (child.exitCode !== null) return;
        if (await opts.killWhen!().catch(() => false)) child.kill('SIGKILL');
        else timer = setTimeout(poll, 10);
      };
      timer = setTimeout(poll, 10);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

type Totals = Record<string, { count: number; amount: string; fee: string }>;

function expectedTotals(days?: ReadonlySet<string>): Totals {
  const acc = new Map<string, { count: number; amount: bigint; fee: bigint }>();
  for (const e of seed.events) {
    if (days && !days.has(e.day)) continue;
    const key = `${e.type}|${e.currency}`;
    const t = acc.get(key) ?? { count: 0, amount: 0n, fee: 0n };
    t.count++;
    t.amount += e.amount;
    t.fee += e.fee;
    acc.set(key, t);
  }
  return Object.fromEntries([...acc].sort().map(([k, t]) => [k, { count: t.count, amount: fromUnits(t.amount), fee: fromUnits(t.fee) }]));
}

async function totalsFrom(table: string): Promise<Totals> {
  const raw = table === 'analytics_events_raw';
  const merchant = table.startsWith('analytics_merchant_');
  const rs = await ch.client.query({
    query: raw
      ? `SELECT type, currency, toString(count()) AS count, toString(sum(amount)) AS amount, toString(sum(fee)) AS fee FROM ${table} GROUP BY type, currency ORDER BY type, currency`
      : merchant
        ? `SELECT type, currency, toString(sum(events)) AS count, toString(sum(volume)) AS amount, toString(sum(fees)) AS fee FROM ${table} GROUP BY type, currency ORDER BY type, currency`
        : `SELECT type, currency, toString(countMerge(events)) AS count, toString(sumMerge(volume)) AS amount, toString(sumMerge(fees)) AS fee FROM ${table} GROUP BY type, currency ORDER BY type, currency`,
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

async function rejectedRows(): Promise<string[]> {
  const rs = await ch.client.query({
    query: `SELECT topic, toString(offset) AS id, reason FROM analytics_events_rejected WHERE partition = {p:UInt32} ORDER BY topic, offset`,
    query_params: { p: BACKFILL_PARTITION },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ topic: string; id: string; reason: string }>()).map((r) => `${r.topic}:${r.id}:${r.reason}`);
}

const expectedRejects = () => seed.bad.map((b) => `${b.source}:${b.id}:${b.code}`).sort();

async function expectExact(): Promise<void> {
  const expected = expectedTotals();
  for (const table of TABLES) expect({ table, totals: await totalsFrom(table) }).toEqual({ table, totals: expected });
  expect((await rejectedRows()).sort()).toEqual(expectedRejects());
}

async function truncate(): Promise<void> {
  await truncateIngestTables(ch.client);
}

async function checkpointChunks(dir: string): Promise<number> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  if (files.length === 0) return 0;
  const cp = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as { sources: Record<string, { chunks: number }> };
  return Object.values(cp.sources).reduce((n, s) => n + s.chunks, 0);
}

describe('npm run backfill', () => {
  it('seeded thousands of rows over four days in all three tables, with bad rows', () => {
    expect(seed.events.length).toBeGreaterThan(4_000);
    expect(new Set(seed.events.map((e) => e.type)).size).toBe(3);
    expect(new Set(seed.events.map((e) => e.day)).size).toBe(4);
    expect(new Set(seed.bad.map((b) => b.source)).size).toBe(3);
  });

  it('--dry-run prints counts per type and day and writes nothing, not even a checkpoint', async () => {
    const dir = path.join(workDir, 'dry');
    const r = await backfill([FROM, TO, '500', '--dry-run'], { checkpointDir: dir });
    expect(r.stderr).toMatch(/dry run \[#+\] 100\.0%/);
    expect(r.code).toBe(0);
    const counts = new Map<string, { valid: number; rejected: number }>();
    for (const e of seed.events) {
      const c = counts.get(`${e.day}|${e.type}`) ?? { valid: 0, rejected: 0 };
      c.valid++;
      counts.set(`${e.day}|${e.type}`, c);
    }
    for (const b of seed.bad) {
      const c = counts.get(`${b.day}|${b.type}`) ?? { valid: 0, rejected: 0 };
      c.rejected++;
      counts.set(`${b.day}|${b.type}`, c);
    }
    for (const [key, c] of counts) {
      const [day, type] = key.split('|') as [string, string];
      expect(r.stdout).toMatch(new RegExp(`^${day}\\s+${type.replace('.', '\\.')}\\s+${c.valid}\\s+${c.rejected}$`, 'm'));
    }
    expect(r.stdout).toMatch(new RegExp(`^total\\s+${seed.events.length}\\s+${seed.bad.length}$`, 'm'));
    for (const table of [...TABLES, 'analytics_events_rejected', 'analytics_ingest_offsets']) {
      const rs = await ch.client.query({ query: `SELECT toString(count()) AS n FROM ${table}`, format: 'JSONEachRow' });
      expect((await rs.json<{ n: string }>())[0]?.n, table).toBe('0');
    }
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  }, 180_000);

  it('loads exact totals into raw and every rollup, and quarantines the bad rows with their reasons', async () => {
    const r = await backfill([FROM, TO, '500'], { checkpointDir: path.join(workDir, 'full') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/backfill \[#+\] 100\.0% .* rows\/s +ETA/);
    expect(r.stdout).toMatch(/invalid_amount|invalid_currency|missing_field/);
    await expectExact();
  }, 180_000);

  it('running it twice changes nothing (checkpoint), nor does a run that ignores the checkpoint (dedup)', async () => {
    const again = await backfill([FROM, TO, '500'], { checkpointDir: path.join(workDir, 'full') });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming from/);
    await expectExact();
    const fresh = await backfill([FROM, TO, '500', '--no-resume'], { checkpointDir: path.join(workDir, 'full') });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/^wallet_transactions\s+\d+\s+0\s+\d+/m); // inserted 0, all already present
    await expectExact();
  }, 180_000);

  it('a re-run in a later month quarantines nothing twice (the quarantine is partitioned by rejection time)', async () => {
    const later = await backfill([FROM, TO, '500', '--no-resume'], {
      checkpointDir: path.join(workDir, 'later'),
      env: clockAt(Date.now() + 40 * DAY),
    });
    expect(later.code, later.stderr).toBe(0);
    await expectExact();
  }, 180_000);

  it('a run killed half-way resumes from its checkpoint and ends exact', async () => {
    await truncate();
    const dir = path.join(workDir, 'killed');
    const killed = await backfill([FROM, TO, '100'], { checkpointDir: dir, killWhen: async () => (await checkpointChunks(dir)) >= 12 });
    expect(killed.signal).toBe('SIGKILL');
    const partial = await totalsFrom('analytics_events_raw');
    const partialCount = Object.values(partial).reduce((n, t) => n + t.count, 0);
    expect(partialCount).toBeGreaterThan(0);
    expect(partialCount).toBeLessThan(seed.events.length);

    const resumed = await backfill([FROM, TO, '100'], { checkpointDir: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from/);
    await expectExact();
  }, 240_000);

  it('a range live ingest already covered changes no total; a new range after it is exact', async () => {
    await truncate();
    // Live ingest first: the first two days' source rows as Kafka records on real partitions and
    // offsets, through the ingest handler (what the producers' live events were).
    const MID = new Date(FIRST_DAY + 1 * DAY).toISOString().slice(0, 10);
    const NEXT = new Date(FIRST_DAY + 2 * DAY).toISOString().slice(0, 10);
    const liveDays = new Set([FROM, MID]);
    const ddb: TestDynamo = await startTestDynamo();
    try {
      const ingest = createIngest({ clickhouse: async () => ch.client, dynamo: () => ddb.clients.doc, deltasTable: DELTAS_TABLE.id });
      const until = new Date(FIRST_DAY + 2 * DAY).toISOString();
      let offset = 0;
      for (const s of SOURCES) {
        const rows = (await pg.client.query<SourceRow>(pageQuery(s, null), [new Date(FIRST_DAY).toISOString(), until, 100_000])).rows;
        const records = rows.map((row) => toKafkaRecord(s, row)).map((r, i) => ({ ...r, partition: i % 3, offset: offset++ }));
        for (let i = 0; i < records.length; i += 1000) await ingest(buildMskEvent(records.slice(i, i + 1000)));
      }
    } finally {
      await ddb.close();
    }
    const live = expectedTotals(liveDays);
    for (const table of TABLES) expect({ table, totals: await totalsFrom(table) }).toEqual({ table, totals: live });

    const dir = path.join(workDir, 'over-live');
    const over = await backfill([FROM, MID, '300'], { checkpointDir: dir });
    expect(over.code, over.stderr).toBe(0);
    for (const s of SOURCES) expect(over.stdout).toMatch(new RegExp(`^${s.name}\\s+\\d+\\s+0\\s+[1-9]\\d*`, 'm')); // inserted 0, all already present
    for (const table of TABLES) expect({ table, totals: await totalsFrom(table) }).toEqual({ table, totals: live });

    const rest = await backfill([NEXT, TO, '300'], { checkpointDir: dir });
    expect(rest.code, rest.stderr).toBe(0);
    const expected = expectedTotals();
    for (const table of TABLES) expect({ table, totals: await totalsFrom(table) }).toEqual({ table, totals: expected });
    expect((await rejectedRows()).sort()).toEqual(expectedRejects());
  }, 300_000);
});
