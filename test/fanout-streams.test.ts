// The DynamoDB Streams emulation: real SDK writes through the proxy in front of dynalite become
// DynamoDBStreamEvent batches with the event source mapping's semantics.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createDynamoClients, type DynamoClients } from '../functions/shared/dynamo/client.js';
import { writeSnapshots, itemToSnapshots, snapshotsToItems } from '../functions/shared/dynamo/deltas-store.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import { ensureTables, startDynamo, type LocalDynamo } from '../local/dynamo.js';
import { startStreamProxy, type StreamProxy } from '../local/streams.js';
import { FANOUT_STREAM_EVENTS } from '../functions/catalog.js';

let dynamo: LocalDynamo;
let proxy: StreamProxy;
let db: DynamoClients;
let batches: DynamoDBStreamEvent[] = [];
/** What the consumer answers next (a function of the batch), default success. */
let behaviour: (event: DynamoDBStreamEvent, n: number) => Promise<DynamoDBBatchResponse | void> = async () => undefined;

function snapshot(room: string, version: number, count = 1): DeltaSnapshot {
  return {
    room,
    bucket: '2026-11-27T10:15:00.000Z',
    version,
    values: [{ type: 'invoice.paid', currency: 'GHS', count, volume: `${count}.25`, fees: '0.01', merchants: 1, succeeded: 0 }],
    recorded_at: new Date().toISOString(),
    source_ts: 1_700_000_000_000 + version,
  };
}

const records = (): DynamoDBRecord[] => batches.flatMap((b) => b.Records);
const delivered = (): DynamoDBRecord[] => {
  // Records as finally processed: the last delivery of each sequence number.
  const seen = new Map<string, DynamoDBRecord>();
  for (const r of records()) seen.set(r.dynamodb!.SequenceNumber!, r);
  return [...seen.values()];
};

beforeAll(async () => {
  dynamo = await startDynamo({ port: 0 });
  const direct = createDynamoClients({ endpoint: dynamo.endpoint });
  await ensureTables(direct.client);
  direct.client.destroy();
  let n = 0;
  proxy = await startStreamProxy({
    dynaliteEndpoint: dynamo.endpoint,
    batchSize: 10,
    windowMs: 20,
    retryBaseMs: 5,
    maxRetries: 4,
    onBatch: async (event) => {
      batches.push(structuredClone(event));
      return behaviour(event, n++);
    },
  });
  db = createDynamoClients({ endpoint: proxy.endpoint });
});

afterAll(async () => {
  db?.client.destroy();
  await proxy?.close();
  await dynamo?.close();
});

beforeEach(() => {
  batches = [];
  behaviour = async () => undefined;
});

describe('stream records from real writes', () => {
  it('PutItem, UpdateItem, DeleteItem and BatchWriteItem give INSERT / MODIFY / REMOVE with Keys and NewImage', async () => {
    const s = snapshot('zone:WAEMU', 1);
    await writeSnapshots(db.doc, 'deltas', [s]);
    const key = { room: 'zone:WAEMU', sk: snapshotsToItems([s])[0]!.sk };
    // The caller gets exactly the response it asked for (no Attributes it did not request).
    const put = await db.doc.send(
      new PutCommand({
        TableName: 'deltas',
        Item: { ...key, bucket: s.bucket, version: 1, recordedAt: s.recorded_at, values: s.values, expiresAt: 1 },
      }),
    );
    expect(put.Attributes).toBeUndefined();
    await db.doc.send(
      new UpdateCommand({ TableName: 'deltas', Key: key, UpdateExpression: 'SET expiresAt = :e', ExpressionAttributeValues: { ':e': 2 } }),
    );
    const del = await db.doc.send(new DeleteCommand({ TableName: 'deltas', Key: key }));
    expect(del.Attributes).toBeUndefined();
    await db.doc.send(new DeleteCommand({ TableName: 'deltas', Key: key })); // nothing left: no record
    await db.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          deltas: [
            { PutRequest: { Item: { ...key, bucket: s.bucket, version: 1, values: [], expiresAt: 3 } } },
            { DeleteRequest: { Key: { room: 'zone:X', sk: 'nope' } } },
          ],
        },
      }),
    );
    // Writes to tables without a stream produce nothing.
    await db.doc.send(new PutCommand({ TableName: 'connections', Item: { connectionId: 'abc', expiresAt: 1 } }));
    await proxy.flush();

    const rs = delivered();
    expect(rs.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'REMOVE', 'INSERT']);
    for (const r of rs) {
      expect(r).toMatchObject({ eventSource: 'aws:dynamodb', eventVersion: '1.1', awsRegion: 'us-east-1' });
      expect(r.eventSourceARN).toMatch(/^arn:aws:dynamodb:us-east-1:\d{12}:table\/deltas\/stream\//);
      expect(r.dynamodb?.Keys).toEqual({ room: { S: 'zone:WAEMU' }, sk: { S: key.sk } });
      expect(r.dynamodb?.StreamViewType).toBe('NEW_IMAGE');
      expect(r.dynamodb?.SizeBytes).toBeGreaterThan(0);
      expect(typeof r.dynamodb?.ApproximateCreationDateTime).toBe('number');
    }
    const seqs = rs.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    // NewImage is the stored item, marshalled; the snapshot mapping reads it back exactly.
    expect(itemToSnapshots(unmarshall(rs[0]!.dynamodb!.NewImage as Record<string, AttributeValue>))).toEqual([s]);
    expect(unmarshall(rs[2]!.dynamodb!.NewImage as Record<string, AttributeValue>).expiresAt).toBe(2);
    expect(rs[3]!.dynamodb?.NewImage).toBeUndefined();
    expect(rs.every((r) => r.eventSourceARN === rs[0]!.eventSourceARN)).toBe(true);
  });

  it('batches up to the batch size and keeps the order of each key', async () => {
    const rooms = ['country:SN', 'country:CI', 'country:GH'];
    const all = rooms.flatMap((room) => Array.from({ length: 15 }, (_, i) => snapshot(room, i + 1)));
    await writeSnapshots(db.doc, 'deltas', all);
    await proxy.flush();
    expect(batches.every((b) => b.Records.length <= 10)).toBe(true);
    expect(records()).toHaveLength(45);
    for (const room of rooms) {
      const versions = records()
        .map((r) => unmarshall(r.dynamodb!.NewImage as Record<string, AttributeValue>))
        .filter((i) => i.room === room)
        .map((i) => i.version);
      expect(versions).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
  });
});

describe('the eventName filter of the event source mapping', () => {
  it('drops what the filter excludes (TTL removals) before batching: they never invoke the consumer', async () => {
    const seen: DynamoDBStreamEvent[] = [];
    const filtered = await startStreamProxy({
      dynaliteEndpoint: dynamo.endpoint,
      windowMs: 5,
      eventNames: FANOUT_STREAM_EVENTS,
      onBatch: async (event) => {
        seen.push(structuredClone(event));
      },
    });
    const c = createDynamoClients({ endpoint: filtered.endpoint });
    try {
      const s = snapshot('country:TG', 77);
      await writeSnapshots(c.doc, 'deltas', [s]);
      const key = { room: s.room, sk: snapshotsToItems([s])[0]!.sk };
      await c.doc.send(new DeleteCommand({ TableName: 'deltas', Key: key })); // what the TTL sweep does
      await filtered.flush();
      const names = seen.flatMap((b) => b.Records.map((r) => r.eventName));
      expect(names).toEqual(['INSERT']);
      expect(filtered.filtered).toBe(1);
      expect(filtered.invocations).toBe(1);
      // Rewrites (MODIFY) pass the filter.
      await writeSnapshots(c.doc, 'deltas', [s]);
      await writeSnapshots(c.doc, 'deltas', [s]);
      await filtered.flush();
      expect(seen.flatMap((b) => b.Records.map((r) => r.eventName))).toEqual(['INSERT', 'INSERT', 'MODIFY']);
    } finally {
      c.client.destroy();
      await filtered.close();
    }
  });
});

describe('delivery semantics of the event source mapping', () => {
  it('retries a batch whose handler throws, with the same records', async () => {
    behaviour = async (_e, n) => {
      if (batches.length <= 2) throw new Error(`boom ${n}`);
    };
    await writeSnapshots(db.doc, 'deltas', [snapshot('city:SN:Dakar', 1), snapshot('city:SN:Dakar', 2)]);
    await proxy.flush();
    expect(batches).toHaveLength(3);
    const ids = batches.map((b) => b.Records.map((r) => r.eventID).join(','));
    expect(new Set(ids).size).toBe(1);
  });

  it('honours batchItemFailures: redelivers from the first failed record only', async () => {
    let first = true;
    behaviour = async (event) => {
      if (!first) return { batchItemFailures: [] };
      first = false;
      return {
        batchItemFailures: [
          { itemIdentifier: event.Records[3]!.dynamodb!.SequenceNumber! },
          { itemIdentifier: event.Records[5]!.dynamodb!.SequenceNumber! },
        ],
      };
    };
    await writeSnapshots(
      db.doc,
      'deltas',
      Array.from({ length: 8 }, (_, i) => snapshot('city:GH:Accra', i + 1)),
    );
    await proxy.flush();
    const [b1, b2] = batches;
    expect(b1!.Records).toHaveLength(8);
    expect(b2!.Records.map((r) => r.eventID)).toEqual(b1!.Records.slice(3).map((r) => r.eventID));
    expect(batches).toHaveLength(2);
  });

  it('gives up on a poison batch after maxRetries and moves on', async () => {
    behaviour = async (event) => {
      const rooms = event.Records.map((r) => unmarshall(r.dynamodb!.NewImage as Record<string, AttributeValue>).room);
      if (rooms.includes('city:NG:Lagos')) throw new Error('poison');
    };
    await writeSnapshots(db.doc, 'deltas', [snapshot('city:NG:Lagos', 1)]);
    await proxy.flush();
    await writeSnapshots(db.doc, 'deltas', [snapshot('city:NG:Abuja', 1)]);
    await proxy.flush();
    expect(batches.filter((b) => b.Records.length === 1 && JSON.stringify(b).includes('Lagos'))).toHaveLength(5);
    expect(JSON.stringify(batches.at(-1))).toContain('Abuja');
    expect(proxy.pending).toBe(0);
  });

  it('writes that fail (conditional check) produce no record', async () => {
    const item = { room: 'zone:CEMAC', sk: 'x', values: [], expiresAt: 1 };
    await db.doc.send(new PutCommand({ TableName: 'deltas', Item: item }));
    await expect(
      db.doc.send(new PutCommand({ TableName: 'deltas', Item: item, ConditionExpression: 'attribute_not_exists(room)' })),
    ).rejects.toThrow();
    await proxy.flush();
    expect(records().map((r) => r.eventName)).toEqual(['INSERT']);
    expect((await db.doc.send(new GetCommand({ TableName: 'deltas', Key: { room: 'zone:CEMAC', sk: 'x' } }))).Item).toBeDefined();
  });
});
