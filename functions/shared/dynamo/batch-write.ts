// BatchWriteItem for any number of requests: chunks of 25, bounded parallelism, and unprocessed
// items retried with jittered exponential backoff. Throws when items stay unprocessed, so the
// caller's work is retried as a whole rather than half-applied.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { backoffMs } from '../backoff.js';
import { runPool } from '../pool.js';

export type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Record<string, unknown> } };

export const BATCH_WRITE_MAX = 25;

export interface BatchWriteOptions {
  /** Chunks written at the same time (default 8). */
  concurrency?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
}

export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  opts: BatchWriteOptions = {},
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? 8;
  const baseDelay = opts.baseDelayMs ?? 25;
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) chunks.push(requests.slice(i, i + BATCH_WRITE_MAX));

  const writeChunk = async (chunk: WriteRequest[]) => {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      if (pending.length === 0) break;
      if (attempt >= maxAttempts) throw new Error(`${table}: ${pending.length} writes still unprocessed after ${attempt} attempts`);
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: baseDelay, jitter: 'equal' })));
    }
  };
  await runPool(
    chunks.map((chunk) => () => writeChunk(chunk)),
    opts.concurrency ?? 8,
  );
}
