// npm run backfill -- <from> <to> <batchSize> [--dry-run] [--no-resume] [--checkpoint-dir DIR]
// Loads history from the PostgreSQL system of record (DATABASE_URL) into ClickHouse
// (CLICKHOUSE_URL / CLICKHOUSE_SECRET_ARN) through the live ingest path. See scripts/backfill/run.ts.
import path from 'node:path';
import pg from 'pg';
import { createClickHouseClient, resolveClickHouseConfig } from '../functions/shared/clickhouse.js';
import { localDir } from '../local/config.js';
import { parseArgs, runCli, stringFlag, UsageError, type ParsedArgs } from './lib/args.js';
import { redactUrl } from './backfill/checkpoint.js';
import { formatSummary, parseRange, runBackfill } from './backfill/run.js';
import { isMain } from '../local/lib/is-main.js';

export const USAGE = `usage: npm run backfill -- <from> <to> <batchSize> [--dry-run] [--no-resume] [--checkpoint-dir DIR]
  <from> <to>        UTC dates (YYYY-MM-DD; <to> includes that whole day) or ISO-8601 timestamps (<to> exclusive)
  <batchSize>        source rows per chunk (one insert, one checkpoint step), 1..100000
  --dry-run          read and validate only; print counts per type and day; write nothing (no checkpoint either)
  --no-resume        ignore an existing checkpoint and start over (rows already in raw are skipped)
  --checkpoint-dir   where checkpoints live (default .local/backfill)
environment: DATABASE_URL (PostgreSQL, required), CLICKHOUSE_URL / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD or CLICKHOUSE_SECRET_ARN`;

/** Every flag this CLI accepts (the runbook test checks documented commands against it). */
export const FLAGS = ['dry-run', 'no-resume', 'checkpoint-dir', 'help'] as const;

export function checkFlags(args: ParsedArgs, allowed: readonly string[]): void {
  for (const name of args.flags.keys()) if (!allowed.includes(name)) throw new UsageError(`unknown flag --${name}`);
}

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const args = parseArgs(argv);
  checkFlags(args, FLAGS);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return;
  }
  if (args.positionals.length !== 3) throw new UsageError('expected <from> <to> <batchSize>');
  const [fromArg, toArg, sizeArg] = args.positionals as [string, string, string];
  let range: { from: string; to: string };
  try {
    range = parseRange(fromArg, toArg);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const batchSize = Number(sizeArg);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000)
    throw new UsageError('<batchSize> must be an integer between 1 and 100000');
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is not set (postgresql://user:password@host:5432/db)');
  const dryRun = args.flags.has('dry-run');

  const source = new pg.Client({ connectionString: databaseUrl, application_name: 'molam-backfill' });
  await source.connect();
  const config = await resolveClickHouseConfig(env);
  const clickhouse = dryRun ? undefined : createClickHouseClient({ ...config, application: 'molam-backfill' });
  try {
    const summary = await runBackfill({
      ...range,
      batchSize,
      dryRun,
      resume: !args.flags.has('no-resume'),
      pg: source,
      clickhouse,
      checkpointDir: path.resolve(stringFlag(args, 'checkpoint-dir') ?? path.join(localDir(env), 'backfill')),
      identity: { source: redactUrl(databaseUrl), target: `${redactUrl(config.url)}#${config.database}` },
      progress: process.stderr,
      log: (line) => console.error(line),
    });
    console.log(formatSummary(summary, range));
  } finally {
    await source.end();
    await clickhouse?.close();
  }
}

if (isMain(import.meta.url)) {
  await runCli(() => main(), USAGE);
}
