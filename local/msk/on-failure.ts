// The local on-failure destination of the MSK event-source emulation: one JSON file per batch that
// exhausted its retries, under <dir>/msk-on-failure/. The document has the shape of the record
// Lambda writes to an MSK event source mapping's S3 on-failure destination — version, timestamp,
// requestContext, responseContext, KafkaBatchInfo with per topic-partition offset ranges, and
// `payload`, the MSK event itself — so one reader (scripts/redrive.ts) re-drives both. Two local
// extras help debugging and are not needed by the reader: the handler's last `error`, and the
// consumer group and record count per partition in KafkaBatchInfo.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MSKEvent } from 'aws-lambda';

export const ON_FAILURE_DIR = 'msk-on-failure';

export interface OnFailureRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  /** Local extra: the last error the handler threw (Lambda's record has only responseContext). */
  error: { name: string; message: string; stack?: string };
  KafkaBatchInfo: {
    batchSize: number;
    eventSourceArn: string;
    bootstrapServers: string;
    consumerGroup: string;
    payloadSize: number;
    recordsInfo: Record<
      string,
      { firstRecordOffset: string; lastRecordOffset: string; firstRecordTimestamp: string; lastRecordTimestamp: string; count: number }
    >;
  };
  /** The MSK event exactly as the handler received it. */
  payload: MSKEvent;
}

export function onFailureRecord(
  event: MSKEvent,
  info: { error: unknown; attempts: number; consumerGroup: string; requestId: string; functionArn?: string; now?: number },
): OnFailureRecord {
  const recordsInfo: OnFailureRecord['KafkaBatchInfo']['recordsInfo'] = {};
  let batchSize = 0;
  for (const [tp, records] of Object.entries(event.records)) {
    if (records.length === 0) continue;
    const first = records[0]!;
    const last = records[records.length - 1]!;
    batchSize += records.length;
    recordsInfo[tp] = {
      firstRecordOffset: String(first.offset),
      lastRecordOffset: String(last.offset),
      firstRecordTimestamp: new Date(first.timestamp).toISOString(),
      lastRecordTimestamp: new Date(last.timestamp).toISOString(),
      count: records.length,
    };
  }
  const err = info.error instanceof Error ? info.error : new Error(String(info.error));
  return {
    version: '1.0',
    timestamp: new Date(info.now ?? Date.now()).toISOString(),
    requestContext: {
      requestId: info.requestId,
      functionArn: info.functionArn ?? 'arn:aws:lambda:eu-west-1:000000000000:function:molam-analytics-local-Ingest',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: info.attempts,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    error: { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) },
    KafkaBatchInfo: {
      batchSize,
      eventSourceArn: event.eventSourceArn,
      bootstrapServers: event.bootstrapServers,
      consumerGroup: info.consumerGroup,
      payloadSize: Buffer.byteLength(JSON.stringify(event)),
      recordsInfo,
    },
    payload: event,
  };
}

/** Writes the record as `<dir>/msk-on-failure/<time>-<requestId>.json`; returns the path. */
export async function writeOnFailure(dir: string, record: OnFailureRecord): Promise<string> {
  const target = path.join(dir, ON_FAILURE_DIR);
  await mkdir(target, { recursive: true });
  const file = path.join(target, `${record.timestamp.replace(/[:.]/g, '-')}-${record.requestContext.requestId}.json`);
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** Every on-failure record under `<dir>/msk-on-failure/`, oldest first. */
export async function readOnFailure(dir: string): Promise<Array<{ file: string; record: OnFailureRecord }>> {
  const target = path.join(dir, ON_FAILURE_DIR);
  let names: string[];
  try {
    names = (await readdir(target)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return Promise.all(
    names.map(async (n) => ({
      file: path.join(target, n),
      record: JSON.parse(await readFile(path.join(target, n), 'utf8')) as OnFailureRecord,
    })),
  );
}
