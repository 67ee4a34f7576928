import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, test } from 'vitest';
import { laneOf, retryFrom, startStreamMapping } from './esm-engine.js';

let seq = 0;
const record = (room: string, eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT'): DynamoDBRecord => ({
  eventName,
  dynamodb: { Keys: { room: { S: room } }, SequenceNumber: String(++seq) },
});

describe('rules', () => {
  test('the lane follows the partition key only, and stays in range', () => {
    expect(laneOf({ room: { S: 'WAEMU' }, bucket: { N: '1' } }, 'room', 4)).toBe(
      laneOf({ room: { S: 'WAEMU' }, bucket: { N: '9' } }, 'room', 4),
    );
    for (const r of ['a', 'b', 'c', 'global', 'CEMAC']) expect(laneOf({ room: { S: r } }, 'room', 3)).toBeLessThan(3);
    expect(laneOf({ room: { S: 'x' } }, 'room', 1)).toBe(0);
  });
  test('where delivery resumes: done, all again on a throw, from the earliest reported failure', () => {
    const batch = [record('a'), record('a'), record('a')];
    expect(retryFrom(batch, undefined, false)).toBe(-1);
    expect(retryFrom(batch, { batchItemFailures: [] }, false)).toBe(-1);
    expect(retryFrom(batch, undefined, true)).toBe(0);
    const ids = batch.map((r) => r.dynamodb!.SequenceNumber!);
    expect(retryFrom(batch, { batchItemFailures: [{ itemIdentifier: ids[2]! }, { itemIdentifier: ids[1]! }] }, false)).toBe(1);
    // An identifier not in the batch fails all of it, as in Lambda.
    expect(retryFrom(batch, { batchItemFailures: [{ itemIdentifier: 'nope' }] }, false)).toBe(0);
  });
});

describe('delivery', () => {
  test('batches of at most batchSize, per-key order kept, filtered kinds never delivered', async () => {
    const seen: DynamoDBStreamEvent[] = [];
    const m = startStreamMapping({
      onBatch: async (e) => void seen.push(e),
      batchSize: 2,
      windowMs: 1,
      parallelism: 2,
      eventNames: ['INSERT'],
    });
    const records = [record('a'), record('a', 'REMOVE'), record('a'), record('a'), record('a')];
    m.enqueue('t', 'room', records);
    await m.flush();
    expect(seen.every((e) => e.Records.length <= 2)).toBe(true);
    expect(seen.flatMap((e) => e.Records)).toEqual(records.filter((r) => r.eventName === 'INSERT'));
    expect({ produced: m.produced, filtered: m.filtered, pending: m.pending }).toEqual({ produced: 5, filtered: 1, pending: 0 });
    await m.close();
  });
  test('batchItemFailures: the records from the first failure come again, the ones before it do not', async () => {
    const deliveries: string[][] = [];
    let failOnce = true;
    const m = startStreamMapping({
      windowMs: 0,
      retryBaseMs: 1,
      parallelism: 1,
      onBatch: async (e) => {
        deliveries.push(e.Records.map((r) => r.dynamodb!.SequenceNumber!));
        if (!failOnce) return;
        failOnce = false;
        return { batchItemFailures: [{ itemIdentifier: e.Records[1]!.dynamodb!.SequenceNumber! }] };
      },
    });
    const records = [record('k'), record('k'), record('k')];
    const ids = records.map((r) => r.dynamodb!.SequenceNumber!);
    m.enqueue('t', 'room', records);
    await m.flush();
    expect(deliveries).toEqual([ids, ids.slice(1)]);
    expect(m.invocations).toBe(2);
    await m.close();
  });
  test('a batch that keeps throwing is retried maxRetries times, then discarded with the reason', async () => {
    const discarded: Array<{ n: number; reason: unknown }> = [];
    const m = startStreamMapping({
      windowMs: 0,
      retryBaseMs: 1,
      maxRetries: 3,
      onBatch: async () => {
        throw new Error('down');
      },
      onDiscard: (records, reason) => discarded.push({ n: records.length, reason }),
    });
    m.enqueue('t', 'room', [record('x'), record('x')]);
    await m.flush();
    expect(m.invocations).toBe(4);
    expect(discarded).toHaveLength(1);
    expect(discarded[0]!.n).toBe(2);
    expect((discarded[0]!.reason as Error).message).toBe('down');
    await m.close();
  });
  test('bisectOnError halves the batch after a throw', async () => {
    const sizes: number[] = [];
    let calls = 0;
    const m = startStreamMapping({
      windowMs: 0,
      retryBaseMs: 1,
      parallelism: 1,
      bisectOnError: true,
      onBatch: async (e) => {
        sizes.push(e.Records.length);
        if (calls++ === 0) throw new Error('poison');
      },
    });
    m.enqueue('t', 'room', [record('y'), record('y'), record('y'), record('y')]);
    await m.flush();
    expect(sizes).toEqual([4, 2, 2]);
    await m.close();
  });
});
