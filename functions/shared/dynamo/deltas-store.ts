// The deltas table as storage for snapshots: the one mapping between DeltaSnapshots and items,
// used by the ingest function (write), the fan-out function (stream NewImage) and `resume` (query).
//
// One item per room per snapshot version (one ingest batch) holds every minute bucket the batch
// touched in that room, so write units follow the data size, not the number of (room, minute)
// pairs. An item that would pass DELTA_ITEM_MAX_BYTES is split into parts (`<version>#<part>`);
// the sort key still starts with the zero-padded version, so "everything since version v" stays
// one Query.
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, type BatchWriteOptions } from './batch-write.js';
import type { DeltaSnapshot, DeltaValue } from '../../../contracts/delta.js';
import { utf8Bytes } from '../../../contracts/ws.js';
import { DELTA_TTL_SECONDS, deltaSortKey } from './tables.js';

/** DynamoDB's item size limit (names + values). */
export const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;
/** What one deltas item may hold of bucket data: the limit less room for keys, names and type overhead. */
export const DELTA_ITEM_MAX_BYTES = DYNAMODB_ITEM_MAX_BYTES - 40 * 1024;

export interface DeltaItemBucket {
  bucket: string;
  values: DeltaValue[];
  sourceTs?: number;
}

export interface DeltaItem {
  room: string;
  sk: string;
  version: number;
  recordedAt: string;
  buckets: DeltaItemBucket[];
  expiresAt: number;
}

function partKey(part: number): string {
  return `p${String(part).padStart(3, '0')}`;
}

/** Snapshots grouped into items: one per (room, version), split by bytes. Pure. */
export function snapshotsToItems(snapshots: readonly DeltaSnapshot[], maxBytes = DELTA_ITEM_MAX_BYTES): DeltaItem[] {
  const groups = new Map<string, DeltaSnapshot[]>();
  for (const s of snapshots) {
    const key = `${s.room}\u0000${s.version}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const items: DeltaItem[] = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const sorted = [...list].sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
    // The newest recorded_at of the group decides the TTL (all share one in practice).
    // biome-ignore lint/complexity/useMathMinMax: ISO strings, compared as text (Math.max would make them NaN).
    const recordedAt = sorted.reduce((m, s) => (s.recorded_at > m ? s.recorded_at : m), first.recorded_at);
    const newItem = (part: number): DeltaItem => ({
      room: first.room,
      sk: deltaSortKey(first.version, partKey(part)),
      version: first.version,
      recordedAt,
      buckets: [],
      expiresAt: Math.floor(Date.parse(recordedAt) / 1000) + DELTA_TTL_SECONDS,
    });
    let part = 0;
    let item = newItem(part);
    let size = 0;
    for (const s of sorted) {
      const entry: DeltaItemBucket = {
        bucket: s.bucket,
        values: s.values,
        ...(s.source_ts !== undefined ? { sourceTs: s.source_ts } : {}),
      };
      const bytes = utf8Bytes(JSON.stringify(entry));
      if (item.buckets.length > 0 && size + bytes > maxBytes) {
        items.push(item);
        item = newItem(++part);
        size = 0;
      }
      item.buckets.push(entry);
      size += bytes;
    }
    items.push(item);
  }
  return items;
}

function toValues(values: unknown): DeltaValue[] {
  return ((values ?? []) as DeltaValue[]).map((v) => ({
    ...v,
    count: Number(v.count),
    merchants: Number(v.merchants),
    succeeded: Number(v.succeeded),
  }));
}

/**
 * The snapshots of one item (a stream NewImage or a Query row). Items of the earlier
 * one-bucket-per-item shape (`bucket` + `values`) still read, so a deploy can run over old items.
 */
export function itemToSnapshots(item: Record<string, unknown>): DeltaSnapshot[] {
  const room = String(item.room);
  const version = Number(item.version);
  const recorded_at = String(item.recordedAt);
  if (!Array.isArray(item.buckets)) {
    const sourceTs = item.sourceTs;
    return [
      {
        room,
        bucket: String(item.bucket),
        version,
        values: toValues(item.values),
        recorded_at,
        ...(sourceTs !== undefined ? { source_ts: Number(sourceTs) } : {}),
      },
    ];
  }
  return (item.buckets as DeltaItemBucket[]).map((b) => ({
    room,
    bucket: b.bucket,
    version,
    values: toValues(b.values),
    recorded_at,
    ...(b.sourceTs !== undefined ? { source_ts: Number(b.sourceTs) } : {}),
  }));
}

/**
 * Writes snapshots with BatchWriteItem (one item per room and version), retrying unprocessed
 * items with exponential backoff. Throws if items remain unprocessed, so the caller's batch is
 * retried. Resolves to the number of items written.
 */
export async function writeSnapshots(
  doc: DynamoDBDocumentClient,
  table: string,
  snapshots: DeltaSnapshot[],
  opts: BatchWriteOptions = {},
): Promise<number> {
  const items = snapshotsToItems(snapshots);
  await batchWriteAll(
    doc,
    table,
    items.map((item) => ({ PutRequest: { Item: { ...item } } })),
    opts,
  );
  return items.length;
}

/**
 * Snapshots of a room recorded after `sinceVersion` (for `resume`), newest version per bucket:
 * a client that missed several versions of a bucket gets it once. At most `limit` items are read.
 */
export async function snapshotsSince(
  doc: DynamoDBDocumentClient,
  table: string,
  room: string,
  sinceVersion: number,
  limit = 500,
): Promise<DeltaSnapshot[]> {
  const out: DeltaSnapshot[] = [];
  let read = 0;
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
        Limit: limit - read,
      }),
    );
    for (const item of page.Items ?? []) out.push(...itemToSnapshots(item));
    read += page.Items?.length ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey && read < limit);
  const newest = new Map<string, DeltaSnapshot>();
  for (const s of out) {
    const held = newest.get(s.bucket);
    if (!held || held.version < s.version) newest.set(s.bucket, s);
  }
  return [...newest.values()].sort((a, b) => a.version - b.version || (a.bucket < b.bucket ? -1 : 1));
}
