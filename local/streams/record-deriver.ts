// DynamoDB Streams records from a write and what the table held before it: pure, no I/O. The
// stream tap (local/streams/write-tap.ts) finds the old image (or whether a key existed) and the
// write's outcome; this decides INSERT / MODIFY / REMOVE and builds the records as DynamoDB Streams
// delivers them (Keys, NewImage under the table's view type, increasing SequenceNumber).
import { randomBytes } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';

export type AttributeMap = Record<string, Record<string, unknown>>;
export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** One item-level change a write made. */
export interface Change {
  eventName: StreamEventName;
  keys: AttributeMap;
  newImage?: AttributeMap;
}

export type WriteRequestItem = { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } };

/** A stable text for a key (attribute order does not matter). */
export function keyString(keys: AttributeMap): string {
  return JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((k) => [k, keys[k]]),
  );
}

/** The named attributes of an item (its key, given the key attribute names). */
export function pick(item: AttributeMap, names: readonly string[]): AttributeMap {
  const out: AttributeMap = {};
  for (const n of names) if (item[n] !== undefined) out[n] = item[n]!;
  return out;
}

/** PutItem: MODIFY when an item was replaced (its old image came back), else INSERT. */
export function putChange(item: AttributeMap, old: AttributeMap | undefined, keyNames: readonly string[]): Change {
  return { eventName: old ? 'MODIFY' : 'INSERT', keys: pick(item, keyNames), newImage: item };
}

/** DeleteItem: REMOVE only when something was deleted. */
export function deleteChange(key: AttributeMap, old: AttributeMap | undefined, keyNames: readonly string[]): Change | undefined {
  return old ? { eventName: 'REMOVE', keys: pick(key, keyNames) } : undefined;
}

/** UpdateItem: the item after the update, MODIFY when it existed before (no record when none is left). */
export function updateChange(key: AttributeMap, before: AttributeMap | undefined, after: AttributeMap | undefined): Change | undefined {
  return after ? { eventName: before ? 'MODIFY' : 'INSERT', keys: key, newImage: after } : undefined;
}

/** The key of one BatchWriteItem request. */
export function requestKey(r: WriteRequestItem, keyNames: readonly string[]): AttributeMap {
  return r.PutRequest ? pick(r.PutRequest.Item, keyNames) : pick(r.DeleteRequest!.Key, keyNames);
}

/**
 * BatchWriteItem on one table: `existed` holds the keyString of every requested key present before
 * the write, `unprocessed` the requests DynamoDB handed back (they changed nothing).
 */
export function batchChanges(
  requests: readonly WriteRequestItem[],
  existed: ReadonlySet<string>,
  unprocessed: readonly WriteRequestItem[],
  keyNames: readonly string[],
): Change[] {
  const skipped = new Set(unprocessed.map((r) => keyString(requestKey(r, keyNames))));
  const changes: Change[] = [];
  for (const r of requests) {
    const keys = requestKey(r, keyNames);
    const k = keyString(keys);
    if (skipped.has(k)) continue;
    if (r.PutRequest) changes.push({ eventName: existed.has(k) ? 'MODIFY' : 'INSERT', keys, newImage: r.PutRequest.Item });
    else if (existed.has(k)) changes.push({ eventName: 'REMOVE', keys });
  }
  return changes;
}

export interface RecordSource {
  /** The table's StreamViewType (default NEW_IMAGE). */
  view?: string;
  region: string;
  /** The stream ARN. */
  arn: string;
}

/** The stream record of a change, with its sequence number; `now` in epoch ms. */
export function streamRecord(change: Change, sequence: bigint, source: RecordSource, now = Date.now()): DynamoDBRecord {
  const view = source.view ?? 'NEW_IMAGE';
  const image = change.eventName !== 'REMOVE' && view !== 'KEYS_ONLY' ? change.newImage : undefined;
  const keys = change.keys;
  const dynamodb = {
    ApproximateCreationDateTime: Math.floor(now / 1000),
    Keys: keys,
    ...(image ? { NewImage: image } : {}),
    SequenceNumber: sequence.toString(),
    SizeBytes: Buffer.byteLength(JSON.stringify({ keys, image })),
    StreamViewType: view,
  };
  return {
    eventID: randomBytes(16).toString('hex'),
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: source.region,
    dynamodb: dynamodb as DynamoDBRecord['dynamodb'],
    eventSourceARN: source.arn,
  };
}
