// npm run rollups:rebuild -- --from <date> --to <date> [--force]
// Recomputes the minute, hour and day rollups and the merchant rollups (sql/007, 008) of a range from
// raw (after a view change or a repair), one monthly partition at a time, replacing each partition
// atomically:
//   1. CREATE TABLE <staging> AS <rollup>           (same columns, engine, partitioning)
//   2. INSERT INTO <staging> <the view's own SELECT, over raw rows of that month>
//   3. ALTER TABLE <rollup> REPLACE PARTITION <p> FROM <staging>
// so a reader sees the old partition or the new one, never a half-built range.
//
// One definition of the aggregation: the SELECT is read from the materialized view in ClickHouse
// (system.tables.as_select), i.e. exactly what the live path runs; migrations stay the only place
// it is written.
//
// Guards:
//  * the range is widened to whole months (partitions are monthly, toYYYYMM(bucket));
//  * raw keeps N days (its TTL, read from the table): a partition starting before now - N days is
//    no longer complete in raw, and rebuilding it would wipe rollup data raw no longer has. Such a
//    range is refused unless --force; even with --force the tables kept forever (the day rollup,
//    the merchant day, month and span rollups: the only long-term history) are never rebuilt for those
//    partitions;
//  * live inserts during a rebuild: raw's row count and latest ingested_at of the month are read
//    before and after; if they moved, the partition is rebuilt again (up to 3 attempts).
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseClient, resolveClickHouseConfig } from '../functions/shared/clickhouse.js';
import { chDateTime64 } from '../functions/shared/time.js';
import { parseArgs, runCli, stringFlag, UsageError, type ParsedArgs } from './lib/args.js';
import { isMain } from '../local/lib/is-main.js';

export const USAGE = `usage: npm run rollups:rebuild -- --from <date> --to <date> [--force]
  --from, --to   UTC dates (YYYY-MM-DD, --to inclusive) or ISO-8601 timestamps; widened to whole months
  --force        also rebuild minute/hour partitions older than raw's retention (their data is lost);
                 day (and merchant day/month) partitions older than raw's retention are never rebuilt
environment: CLICKHOUSE_URL / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD or CLICKHOUSE_SECRET_ARN`;

export const FLAGS = ['from', 'to', 'force', 'help'] as const;

/**
 * Every table fed from raw by a view, with what the log reports per partition (`measure`) and
 * whether it is kept forever (never rebuilt for partitions older than raw's retention: it is the
 * only long-term copy). The merchant rollups of sql/007 follow their counterparts.
 */
export const ROLLUPS = [
  { table: 'analytics_agg_minute', view: 'analytics_mv_minute', measure: 'countMerge(events)', forever: false },
  { table: 'analytics_agg_hour', view: 'analytics_mv_hour', measure: 'countMerge(events)', forever: false },
  { table: 'analytics_agg_day', view: 'analytics_mv_day', measure: 'countMerge(events)', forever: true },
  { table: 'analytics_merchant_hour', view: 'analytics_mv_merchant_hour', measure: 'sum(events)', forever: false },
  { table: 'analytics_merchant_day', view: 'analytics_mv_merchant_day', measure: 'sum(events)', forever: true },
  // Merchant-days (day bits) rather than events: the month rows hold no counts.
  { table: 'analytics_merchant_month', view: 'analytics_mv_merchant_month', measure: 'sum(bitCount(days))', forever: true },
  // Events of the one-day spans: every span length holds each event once (sql/008).
  { table: 'analytics_merchant_span', view: 'analytics_mv_merchant_span', measure: 'sumIf(events, span = 1)', forever: true },
] as const;
type Rollup = (typeof ROLLUPS)[number];
const RAW = 'analytics_events_raw';
const DAY_MS = 86_400_000;
const MAX_ATTEMPTS = 3;

export class RebuildRefused extends Error {}

/** Monthly partitions (YYYYMM) covering [from, to]. */
export function monthsCovering(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const d = new Date(Date.UTC(new Date(fromMs).getUTCFullYear(), new Date(fromMs).getUTCMonth(), 1));
  while (d.getTime() <= toMs) {
    out.push(d.getUTCFullYear() * 100 + d.getUTCMonth() + 1);
    d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}

export function monthBounds(partition: number): { start: number; end: number } {
  const y = Math.floor(partition / 100);
  const m = (partition % 100) - 1;
  return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
}

function parseDate(value: string, isTo: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(ms)) throw new UsageError(`not a date: ${value}`);
    return isTo ? ms + DAY_MS - 1 : ms;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new UsageError(`not a UTC date or ISO-8601 timestamp: ${value}`);
  return ms;
}

async function rows<T>(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

/** Raw's TTL in days, read from the table itself (falls back to the documented 90). */
export async function rawRetentionDays(client: ClickHouseClient): Promise<number> {
  const [t] = await rows<{ engine_full: string }>(
    client,
    `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {name:String}`,
    { name: RAW },
  );
  const m = /TTL .*?toIntervalDay\((\d+)\)/.exec(t?.engine_full ?? '');
  return m ? Number(m[1]) : 90;
}

/** The view's SELECT with its source narrowed to raw rows of [start, end). */
export async function viewSelect(client: ClickHouseClient, view: string, table: string): Promise<string> {
  const [v] = await rows<{ as_select: string; create_table_query: string }>(
    client,
    `SELECT as_select, create_table_query FROM system.tables WHERE database = currentDatabase() AND name = {name:String}`,
    { name: view },
  );
  if (!v) throw new Error(`materialized view ${view} not found: run npm run migrate`);
  if (!new RegExp(`\\bTO\\s+(\\S+\\.)?\`?${table}\`?\\s`).test(v.create_table_query)) {
    throw new Error(`${view} does not write to ${table}: ${v.create_table_query.slice(0, 200)}`);
  }
  const source = new RegExp(`\\bFROM\\s+((?:\`?\\w+\`?\\.)?\`?${RAW}\`?)(?=\\s|$)`, 'g');
  const matches = v.as_select.match(source) ?? [];
  if (matches.length !== 1) throw new Error(`${view}: expected exactly one FROM ${RAW} in its SELECT, found ${matches.length}`);
  return v.as_select.replace(
    source,
    (_m, name: string) =>
      `FROM (SELECT * FROM ${name} WHERE occurred_at >= {start:DateTime64(3)} AND occurred_at < {end:DateTime64(3)}) AS ${RAW}`,
  );
}

async function rawStamp(client: ClickHouseClient, b: { start: number; end: number }): Promise<string> {
  const [r] = await rows<{ n: string; last: string }>(
    client,
    `SELECT toString(count()) AS n, toString(max(ingested_at)) AS last FROM ${RAW}
     WHERE occurred_at >= {start:DateTime64(3)} AND occurred_at < {end:DateTime64(3)}`,
    { start: chDateTime64(b.start), end: chDateTime64(b.end) },
  );
  return `${r?.n}|${r?.last}`;
}

async function rollupEvents(client: ClickHouseClient, rollup: Rollup, partition: number): Promise<string> {
  const [r] = await rows<{ events: string }>(
    client,
    `SELECT toString(${rollup.measure}) AS events FROM ${rollup.table} WHERE toYYYYMM(bucket) = {p:UInt32}`,
    { p: partition },
  );
  return r?.events ?? '0';
}

export interface PartitionResult {
  table: string;
  partition: number;
  eventsBefore: string;
  eventsAfter: string;
  attempts: number;
  skipped?: string;
}

export interface RebuildOptions {
  from: number;
  to: number;
  force?: boolean;
  now?: number;
  log?: (line: string) => void;
}

export async function rebuildRollups(client: ClickHouseClient, opts: RebuildOptions): Promise<PartitionResult[]> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now();
  if (!(opts.from <= opts.to)) throw new UsageError('--from must not be after --to');
  const partitions = monthsCovering(opts.from, opts.to);
  const first = monthBounds(partitions[0]!).start;
  const last = monthBounds(partitions[partitions.length - 1]!).end;
  log(
    `range widened to whole months: ${new Date(first).toISOString().slice(0, 10)} .. ${new Date(last - DAY_MS).toISOString().slice(0, 10)} (partitions ${partitions.join(', ')})`,
  );

  const retention = await rawRetentionDays(client);
  const cutoff = now - retention * DAY_MS;
  const stale = partitions.filter((p) => monthBounds(p).start < cutoff);
  log(`raw keeps ${retention} days: partitions starting before ${new Date(cutoff).toISOString().slice(0, 10)} are incomplete in raw`);
  if (stale.length > 0) {
    const msg = `partitions ${stale.join(', ')} start before raw's retention (${retention} days): rebuilding them from raw would wipe rollup data raw no longer holds`;
    if (!opts.force)
      throw new RebuildRefused(
        `${msg}. Refused; pass --force to rebuild minute/hour anyway (day and merchant day/month partitions older than raw are never rebuilt).`,
      );
    log(
      `WARNING: ${msg}; --force given: minute/hour are rebuilt from what raw still has, the day and merchant day/month tables are left untouched`,
    );
  }

  const selects = new Map<string, string>();
  for (const r of ROLLUPS) selects.set(r.table, await viewSelect(client, r.view, r.table));
  const results: PartitionResult[] = [];
  for (const p of partitions) {
    const bounds = monthBounds(p);
    for (const r of ROLLUPS) {
      const before = await rollupEvents(client, r, p);
      if (r.forever && stale.includes(p)) {
        results.push({
          table: r.table,
          partition: p,
          eventsBefore: before,
          eventsAfter: before,
          attempts: 0,
          skipped: 'older than raw retention',
        });
        log(`${p} ${r.table}: skipped (older than raw retention; this table is the only long-term copy)`);
        continue;
      }
      let attempts = 0;
      for (;;) {
        attempts++;
        const stampBefore = await rawStamp(client, bounds);
        await replacePartition(client, r.table, selects.get(r.table)!, p, bounds);
        const stampAfter = await rawStamp(client, bounds);
        if (stampBefore === stampAfter) break;
        if (attempts >= MAX_ATTEMPTS) {
          log(
            `WARNING: ${p} ${r.table}: raw kept changing during the rebuild (live inserts); rebuilt ${attempts} times, run again when ingest for this month is quiet`,
          );
          break;
        }
        log(`${p} ${r.table}: raw changed during the rebuild (live inserts), rebuilding again`);
      }
      const after = await rollupEvents(client, r, p);
      results.push({ table: r.table, partition: p, eventsBefore: before, eventsAfter: after, attempts });
      log(`${p} ${r.table}: replaced atomically; events ${before} -> ${after}`);
    }
  }
  return results;
}

async function replacePartition(
  client: ClickHouseClient,
  table: string,
  select: string,
  partition: number,
  b: { start: number; end: number },
): Promise<void> {
  // Table names are constants of this module; only the suffix is generated.
  const staging = `${table}_rebuild_${partition}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await client.command({ query: `CREATE TABLE ${staging} AS ${table}` });
  try {
    await client.command({
      query: `INSERT INTO ${staging} ${select}`,
      query_params: { start: chDateTime64(b.start), end: chDateTime64(b.end) },
      clickhouse_settings: { insert_deduplicate: 0 },
    });
    const [built] = await rows<{ n: string }>(client, `SELECT toString(count()) AS n FROM ${staging}`);
    if (Number(built?.n ?? 0) > 0) {
      await client.command({ query: `ALTER TABLE ${table} REPLACE PARTITION {p:UInt32} FROM ${staging}`, query_params: { p: partition } });
    } else {
      // Raw has nothing for the month: the rollup partition must be empty too. Newer engines refuse
      // REPLACE from an empty source (allow_replace_partition_from_empty_source), so say it directly.
      await client.command({ query: `ALTER TABLE ${table} DROP PARTITION {p:UInt32}`, query_params: { p: partition } });
    }
  } finally {
    await client.command({ query: `DROP TABLE IF EXISTS ${staging}` });
  }
}

function checkFlags(args: ParsedArgs): void {
  for (const name of args.flags.keys()) if (!(FLAGS as readonly string[]).includes(name)) throw new UsageError(`unknown flag --${name}`);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
}

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = parseArgs(argv);
  checkFlags(args);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return;
  }
  const from = stringFlag(args, 'from');
  const to = stringFlag(args, 'to');
  if (!from || !to) throw new UsageError('--from and --to are required');
  const client = createClickHouseClient({ ...(await resolveClickHouseConfig(env)), application: 'molam-rollups-rebuild' });
  try {
    const results = await rebuildRollups(client, {
      from: parseDate(from, false),
      to: parseDate(to, true),
      force: args.flags.has('force'),
      log: (l) => console.log(l),
    });
    console.log(
      `done: ${results.filter((r) => !r.skipped).length} partition(s) replaced, ${results.filter((r) => r.skipped).length} skipped`,
    );
  } catch (err) {
    if (err instanceof RebuildRefused) throw new UsageError(err.message);
    throw err;
  } finally {
    await client.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli(() => main(), USAGE);
}
