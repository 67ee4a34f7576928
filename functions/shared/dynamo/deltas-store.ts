// The deltas table as storage for snapshots: the one mapping between a DeltaSnapshot and its item,
// used by the ingest function (write), the fan-out function (stream NewImage) and `resume` (query).
import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeltaSnapshot, DeltaValue } from '../contracts/delta.js';
import { DELTA_TTL_SECONDS, deltaSortKey } from './tables.js';

export interface DeltaItem {
  room: string;
  sk: string;
  bucket: string;
  version: number;
  recordedAt: string;
  sourceTs?: number;
  values: DeltaValue[];
  expiresAt: number;
}

export function snapshotToItem(snapshot: DeltaSnapshot): DeltaItem {
  return {
    room: snapshot.room,
    sk: deltaSortKey(snapshot.version, snapshot.bucket),
    bucket: snapshot.bucket,
    version: snapshot.version,
    recordedAt: snapshot.recorded_at,
    ...(snapshot.source_ts !== undefined ? { sourceTs: snapshot.source_ts } : {}),
    values: snapshot.values,
    expiresAt: Math.floor(Date.parse(snapshot.recorded_at) / 1000) + DELTA_TTL_SECONDS,
  };
}

export function itemToSnapshot(item: Record<string, unknown>): DeltaSnapshot {
  const i = item as unknown as DeltaItem;
  return {
    room: i.room,
    bucket: i.bucket,
    version: Number(i.version),
    values: (i.values ?? []).map((v) => ({ ...v, count: Number(v.count), merchants: Number(v.merchants), succeeded: Number(v.succeeded) })),
    recorded_at: i.recordedAt,
    ...(i.sourceTs !== undefined ? { source_ts: Number(i.sourceTs) } : {}),
  };
}

const BATCH_WRITE_MAX = 25;

/**
 * Writes snapshots with BatchWriteItem, retrying unprocessed items with exponential backoff.
 * Throws if items remain unprocessed after `maxAttempts`, so the caller's batch is retried.
 */
export async function writeSnapshots(
  doc: DynamoDBDocumentClient,
  table: string,
  snapshots: DeltaSnapshot[],
  opts: { maxAttempts?: number; baseDelayMs?: number; concurrency?: number } = {},
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? 8;
  const baseDelay = opts.baseDelayMs ?? 25;
  const requests = snapshots.map((s) => ({ PutRequest: { Item: snapshotToItem(s) } }));
  const chunks: Array<typeof requests> = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX) chunks.push(requests.slice(i, i + BATCH_WRITE_MAX));

  const writeChunk = async (chunk: typeof requests) => {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
      if (pending.length === 0) break;
      if (attempt >= maxAttempts) throw new Error(`deltas: ${pending.length} snapshot writes still unprocessed after ${attempt} attempts`);
      await new Promise((r) => setTimeout(r, baseDelay * 2 ** (attempt - 1) * (0.5 + Math.random() / 2)));
    }
  };
  // A batch with late events touches many (room, minute) buckets: write chunks in parallel, bounded.
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) await writeChunk(chunks[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, chunks.length) }, worker));
}

/** Snapshots of a room recorded after `sinceVersion`, oldest first (for `resume`). */
export async function snapshotsSince(
  doc: DynamoDBDocumentClient,
  table: string,
  room: string,
  sinceVersion: number,
  limit = 500,
): Promise<DeltaSnapshot[]> {
  const out: DeltaSnapshot[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#room = :room AND #sk > :after',
        ExpressionAttributeNames: { '#room': 'room', '#sk': 'sk' },
        // Versions are zero-padded in the sort key; '~' sorts after '#', so this excludes sinceVersion itself.
        ExpressionAttributeValues: { ':room': room, ':after': `${String(sinceVersion).padStart(16, '0')}~` },
        ExclusiveStartKey: startKey,
        Limit: limit - out.length,
      }),
    );
    for (const item of page.Items ?? []) out.push(itemToSnapshot(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey && out.length < limit);
  return out;
}
