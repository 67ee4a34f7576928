// Applies the numbered ClickHouse migrations of this folder in order and records them in a ledger
// table. Works the same against ClickHouse Cloud and the local chdb endpoint: only the client
// differs. It sits here, not in scripts/, because the CLI (scripts/migrate.ts), the local cloud and
// the test engines all run it.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { chDateTime64 } from '../functions/shared/time.js';

/** This folder: the numbered migrations sit next to their runner. */
export const SQL_DIR = fileURLToPath(new URL('./', import.meta.url));
export const LEDGER_TABLE = 'schema_migrations';

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

/** Splits a migration file on statement-ending semicolons; `--` comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((chunk) =>
      chunk
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement.length > 0);
}

export async function loadMigrations(dir: string = SQL_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(file.slice(0, 3)),
      name: file,
      checksum: createHash('sha256').update(text).digest('hex'),
      statements: splitStatements(text),
    });
  }
  const versions = migrations.map((m) => m.version);
  if (new Set(versions).size !== versions.length) throw new Error(`duplicate migration numbers in ${dir}`);
  return migrations;
}

async function ensureLedger(client: ClickHouseClient): Promise<void> {
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE}
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC'))
      ENGINE = MergeTree ORDER BY version`,
  });
}

export async function appliedMigrations(client: ClickHouseClient): Promise<Map<number, { name: string; checksum: string }>> {
  await ensureLedger(client);
  const rs = await client.query({ query: `SELECT version, name, checksum FROM ${LEDGER_TABLE} ORDER BY version`, format: 'JSONEachRow' });
  const rows = await rs.json<{ version: number; name: string; checksum: string }>();
  return new Map(rows.map((r) => [Number(r.version), { name: r.name, checksum: r.checksum }]));
}

/**
 * Applies every pending migration, in order. Statements are written to be re-runnable
 * (IF NOT EXISTS), so a migration interrupted half-way is simply applied again. An applied
 * migration whose file changed is an error: write a new migration instead of editing history.
 */
export async function migrate(
  client: ClickHouseClient,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<MigrationResult> {
  const log = options.log ?? (() => {});
  const done = await appliedMigrations(client);
  const result: MigrationResult = { applied: [], skipped: [] };
  for (const migration of await loadMigrations(options.dir)) {
    const previous = done.get(migration.version);
    if (previous) {
      if (previous.checksum !== migration.checksum) {
        throw new Error(
          `migration ${migration.name} was applied with a different checksum (${previous.checksum.slice(0, 12)}…); ` +
            'applied migrations are immutable: add a new numbered file instead',
        );
      }
      result.skipped.push(migration.name);
      continue;
    }
    for (const statement of migration.statements) await client.command({ query: statement });
    await client.insert({
      table: LEDGER_TABLE,
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum, applied_at: chDateTime64(Date.now()) }],
      format: 'JSONEachRow',
    });
    result.applied.push(migration.name);
    log(`applied ${migration.name} (${migration.statements.length} statements)`);
  }
  return result;
}
