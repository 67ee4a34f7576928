// npm run redrive -- <source> [...]: re-drives batches the MSK event source gave up on through the
// ingest pipeline once the cause is fixed. A source is
//   * a local file: the emulation's .local/msk-on-failure/*.json, or an object downloaded from S3;
//   * s3://bucket/key: an object Lambda wrote to the mapping's S3 on-failure destination;
//   * s3://bucket/prefix/ (trailing slash): every object under the prefix, in key order.
// Both destinations write the same invocation record (local/msk/on-failure.ts): version,
// timestamp, requestContext, responseContext, KafkaBatchInfo and `payload`, the MSK event itself
// (Lambda's S3 records may carry it as a JSON string; both forms are read). Re-driving is exact by
// the live path's rule: each event counts once by its event_id, so a batch that was in fact
// stored, or is re-driven twice, changes nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { createIngest, type IngestResult } from '../functions/ingest/ingest.js';
import { getClickHouse, closeClickHouse } from '../functions/shared/clickhouse.js';
import { documentClient } from '../functions/shared/dynamo/client.js';
import { DELTAS_TABLE, tableName } from '../functions/shared/dynamo/tables.js';
import { applyEnvDefaults, localFunctionEnv, localPorts } from '../local/config.js';
import { parseArgs, runCli, UsageError } from './lib/args.js';
import { isMain } from '../local/lib/is-main.js';

export const FLAGS = ['help'] as const;
const USAGE = `usage: npm run redrive -- <source> [more sources]
  source: an on-failure record file (.local/msk-on-failure/<file>.json), s3://bucket/key, or s3://bucket/prefix/
  re-drives each record's \`payload\` (the MSK event) through the ingest pipeline; running it twice changes nothing`;

/** The MSK event of an on-failure invocation record (S3 destination or the local emulation's file). */
export function payloadOf(doc: unknown, name: string): MSKEvent {
  const record = doc as { requestContext?: unknown; KafkaBatchInfo?: unknown; payload?: unknown };
  if (typeof record !== 'object' || record === null) throw new UsageError(`${name}: not a JSON object`);
  let payload = record.payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      throw new UsageError(`${name}: "payload" is a string but not JSON`);
    }
  }
  const event = payload as Partial<MSKEvent> | undefined;
  if (event?.eventSource !== 'aws:kafka' || typeof event.records !== 'object' || event.records === null) {
    const hint =
      record.requestContext && !('payload' in record)
        ? ' (an SQS/SNS on-failure record carries only offsets: rebuild the batch from Kafka with npm run replay)'
        : '';
    throw new UsageError(`${name}: no MSK event under "payload"${hint}`);
  }
  return event as MSKEvent;
}

export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m?.[1]) throw new UsageError(`not an s3://bucket/key URL: ${url}`);
  return { bucket: m[1], key: m[2]! };
}

/** Every source as (name, text), expanding s3 prefixes. */
async function* documents(sources: string[]): AsyncGenerator<{ name: string; text: string }> {
  let s3: import('@aws-sdk/client-s3').S3Client | undefined;
  const sdk = async () => {
    const mod = await import('@aws-sdk/client-s3');
    s3 ??= new mod.S3Client({});
    return { mod, s3 };
  };
  try {
    for (const source of sources) {
      if (!source.startsWith('s3://')) {
        yield { name: path.basename(source), text: await readFile(source, 'utf8') };
        continue;
      }
      const { bucket, key } = parseS3Url(source);
      const { mod, s3: client } = await sdk();
      const keys: string[] = [];
      if (key === '' || key.endsWith('/')) {
        let token: string | undefined;
        do {
          const page = await client.send(new mod.ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
          for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        keys.sort();
      } else keys.push(key);
      for (const k of keys) {
        const out = await client.send(new mod.GetObjectCommand({ Bucket: bucket, Key: k }));
        yield { name: `s3://${bucket}/${k}`, text: await out.Body!.transformToString('utf8') };
      }
    }
  } finally {
    s3?.destroy();
  }
}

export async function redrive(sources: string[], log: (line: string) => void = console.log): Promise<IngestResult[]> {
  const ingest = createIngest({ clickhouse: getClickHouse, dynamo: () => documentClient(), deltasTable: tableName(DELTAS_TABLE) });
  const results: IngestResult[] = [];
  for await (const { name, text } of documents(sources)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new UsageError(`${name}: not JSON`);
    }
    const result = await ingest(payloadOf(doc, name));
    results.push(result);
    log(`${name}: ${result.received} records, ${result.inserted} stored, ${result.rejected} rejected, ${result.skipped} already stored`);
  }
  return results;
}

if (isMain(import.meta.url)) {
  await runCli(async () => {
    const args = parseArgs();
    for (const flag of args.flags.keys()) if (!(FLAGS as readonly string[]).includes(flag)) throw new UsageError(`unknown flag --${flag}`);
    if (args.flags.has('help')) {
      console.log(USAGE);
      return;
    }
    if (args.positionals.length === 0) throw new UsageError('name at least one on-failure file or s3:// URL');
    // Locally the defaults point at the running local cloud; in AWS set CLICKHOUSE_* / DELTAS_TABLE
    // (and AWS credentials for s3:// sources).
    applyEnvDefaults(localFunctionEnv(localPorts(), {}));
    try {
      await redrive(args.positionals);
    } finally {
      await closeClickHouse();
    }
  }, USAGE);
}
