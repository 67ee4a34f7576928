// The deltas table as storage for snapshots: the one mapping between a DeltaSnapshot and its item,
// used by the ingest function (write), the fan-out function (stream NewImage) and `resume` (query).
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, type BatchWriteOptions } from './batch-write.js';
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

/**
 * Writes snapshots with BatchWriteItem, retrying unprocessed items with exponential backoff.
 * Throws if items remain unprocessed, so the caller's batch is retried.
 */
export async function writeSnapshots(
  doc: DynamoDBDocumentClient,
  table: string,
  snapshots: DeltaSnapshot[],
  opts: BatchWriteOptions = {},
): Promise<void> {
  // A batch with late events touches many (room, minute) buckets: chunks go out in parallel.
  await batchWriteAll(doc, table, snapshots.map((s) => ({ PutRequest: { Item: { ...snapshotToItem(s) } } })), opts);
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
