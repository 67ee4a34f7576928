// npm run retention:report [-- --json]
// Rows, bytes (on disk, compressed, uncompressed) and active parts per table and partition
// (system.parts), and the TTL each table enforces (system.tables.engine_full), with totals.
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouseClient, resolveClickHouseConfig } from '../functions/shared/clickhouse.js';
import { parseArgs, runCli, UsageError } from './lib/args.js';
import { isMain } from '../local/lib/is-main.js';

export const USAGE = `usage: npm run retention:report [-- --json]
  --json   machine-readable output
environment: CLICKHOUSE_URL / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD or CLICKHOUSE_SECRET_ARN`;
export const FLAGS = ['json', 'help'] as const;

export interface PartitionUsage {
  table: string;
  partition: string;
  rows: number;
  parts: number;
  bytesOnDisk: number;
  compressed: number;
  uncompressed: number;
  oldest: string | null;
  newest: string | null;
}

export interface TableRetention {
  table: string;
  engine: string;
  ttl: string;
}

export interface RetentionReport {
  tables: TableRetention[];
  partitions: PartitionUsage[];
  total: Omit<PartitionUsage, 'table' | 'partition' | 'oldest' | 'newest'>;
}

/** The TTL clause of engine_full ("TTL … SETTINGS …"), or "none". */
export function ttlOf(engineFull: string): string {
  const m = / TTL (.+?)(?: SETTINGS |$)/.exec(engineFull);
  return m ? m[1]!.trim() : 'none';
}

export async function retentionReport(client: ClickHouseClient): Promise<RetentionReport> {
  const tablesRs = await client.query({
    query: `SELECT name, engine, engine_full FROM system.tables
            WHERE database = currentDatabase() AND engine LIKE '%MergeTree' ORDER BY name`,
    format: 'JSONEachRow',
  });
  const tables = (await tablesRs.json<{ name: string; engine: string; engine_full: string }>()).map((t) => ({
    table: t.name,
    engine: t.engine,
    ttl: ttlOf(t.engine_full),
  }));
  const partsRs = await client.query({
    query: `SELECT table, partition, toString(sum(rows)) AS rows, toString(count()) AS parts,
                   toString(sum(bytes_on_disk)) AS on_disk, toString(sum(data_compressed_bytes)) AS compressed,
                   toString(sum(data_uncompressed_bytes)) AS uncompressed,
                   toString(min(min_time)) AS oldest, toString(max(max_time)) AS newest
            FROM system.parts
            WHERE database = currentDatabase() AND active
            GROUP BY table, partition ORDER BY table, partition`,
    format: 'JSONEachRow',
  });
  const partitions = (await partsRs.json<Record<string, string>>()).map((r) => ({
    table: r.table!,
    partition: r.partition!,
    rows: Number(r.rows),
    parts: Number(r.parts),
    bytesOnDisk: Number(r.on_disk),
    compressed: Number(r.compressed),
    uncompressed: Number(r.uncompressed),
    // min_time/max_time are the partition key's time range when it is a date (1970 otherwise).
    oldest: r.oldest && !r.oldest.startsWith('1970') ? r.oldest : null,
    newest: r.newest && !r.newest.startsWith('1970') ? r.newest : null,
  }));
  const total = partitions.reduce(
    (t, p) => ({
      rows: t.rows + p.rows,
      parts: t.parts + p.parts,
      bytesOnDisk: t.bytesOnDisk + p.bytesOnDisk,
      compressed: t.compressed + p.compressed,
      uncompressed: t.uncompressed + p.uncompressed,
    }),
    { rows: 0, parts: 0, bytesOnDisk: 0, compressed: 0, uncompressed: 0 },
  );
  return { tables, partitions, total };
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatReport(r: RetentionReport): string {
  const lines: string[] = ['TTLs in force'];
  for (const t of r.tables) lines.push(`  ${t.table.padEnd(34)} ${t.engine.padEnd(22)} ${t.ttl}`);
  lines.push(
    '',
    `${'table'.padEnd(34)} ${'partition'.padEnd(10)} ${'rows'.padStart(12)} ${'parts'.padStart(6)} ${'on disk'.padStart(11)} ${'compressed'.padStart(11)} ${'uncompressed'.padStart(13)}`,
  );
  const row = (name: string, part: string, u: RetentionReport['total']) =>
    `${name.padEnd(34)} ${part.padEnd(10)} ${String(u.rows).padStart(12)} ${String(u.parts).padStart(6)} ${humanBytes(u.bytesOnDisk).padStart(11)} ${humanBytes(u.compressed).padStart(11)} ${humanBytes(u.uncompressed).padStart(13)}`;
  for (const p of r.partitions) lines.push(row(p.table, p.partition, p));
  lines.push(row('total', '', r.total));
  return lines.join('\n');
}

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = parseArgs(argv);
  for (const name of args.flags.keys()) if (!(FLAGS as readonly string[]).includes(name)) throw new UsageError(`unknown flag --${name}`);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return;
  }
  const client = createClickHouseClient({ ...(await resolveClickHouseConfig(env)), application: 'molam-retention-report' });
  try {
    const report = await retentionReport(client);
    console.log(args.flags.has('json') ? JSON.stringify(report, null, 2) : formatReport(report));
  } finally {
    await client.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli(() => main(), USAGE);
}
