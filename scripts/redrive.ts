// npm run redrive -- <on-failure.json> [...]: re-drives batches the MSK event source gave up on
// (the local emulation's .local/msk-on-failure/*.json, or the S3 on-failure destination's objects
// in AWS, which carry the same `payload`) through the ingest pipeline once the cause is fixed.
// Offset high-water marks are bypassed — later offsets of the partition were stored since — and the
// per-insert deduplication token drops a re-drive of a batch that did get stored.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { createIngest } from '../functions/ingest/ingest.js';
import { getClickHouse, closeClickHouse } from '../functions/shared/clickhouse.js';
import { documentClient } from '../functions/shared/dynamo/client.js';
import { DELTAS_TABLE, tableName } from '../functions/shared/dynamo/tables.js';
import { applyEnvDefaults, localFunctionEnv, localPorts } from '../local/config.js';
import { parseArgs, runCli, UsageError } from './lib/args.js';

export const FLAGS = ['help'] as const;
const USAGE = 'usage: npm run redrive -- <on-failure.json> [more files]\n  re-drives each file\'s `payload` (an MSK event) through the ingest pipeline';

export async function redrive(files: string[], log: (line: string) => void = console.log): Promise<number> {
  const ingest = createIngest({ clickhouse: getClickHouse, dynamo: () => documentClient(), deltasTable: tableName(DELTAS_TABLE), useHighWaterMarks: false });
  let inserted = 0;
  for (const file of files) {
    const doc = JSON.parse(await readFile(file, 'utf8')) as { payload?: MSKEvent };
    if (!doc.payload || doc.payload.eventSource !== 'aws:kafka') throw new UsageError(`${file}: no MSK event under "payload"`);
    const result = await ingest(doc.payload);
    inserted += result.inserted;
    log(`${path.basename(file)}: ${result.received} records, ${result.inserted} stored, ${result.rejected} rejected, ${result.skipped} already stored`);
  }
  return inserted;
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  await runCli(async () => {
    const args = parseArgs();
    for (const flag of args.flags.keys()) if (!(FLAGS as readonly string[]).includes(flag)) throw new UsageError(`unknown flag --${flag}`);
    if (args.flags.has('help')) {
      console.log(USAGE);
      return;
    }
    if (args.positionals.length === 0) throw new UsageError('name at least one on-failure file');
    // Locally the defaults point at the running local cloud; in AWS set CLICKHOUSE_* / DELTAS_TABLE.
    applyEnvDefaults(localFunctionEnv(localPorts(), {}));
    try {
      await redrive(args.positionals);
    } finally {
      await closeClickHouse();
    }
  }, USAGE);
}
