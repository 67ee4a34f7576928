import { describe, expect, test } from 'vitest';
import { batchChanges, deleteChange, keyString, putChange, streamRecord, updateChange, type AttributeMap } from './record-deriver.js';

const KEYS = ['room', 'bucket'];
const item = (room: string, bucket: number, extra: AttributeMap = {}): AttributeMap => ({
  room: { S: room },
  bucket: { N: String(bucket) },
  ...extra,
});
const key = (room: string, bucket: number) => item(room, bucket);

describe('single-item writes', () => {
  test('a put is an INSERT on a new key and a MODIFY when it replaced an item; the image is the item put', () => {
    const put = item('global', 1, { v: { N: '2' } });
    expect(putChange(put, undefined, KEYS)).toEqual({ eventName: 'INSERT', keys: key('global', 1), newImage: put });
    expect(putChange(put, item('global', 1, { v: { N: '1' } }), KEYS)).toEqual({
      eventName: 'MODIFY',
      keys: key('global', 1),
      newImage: put,
    });
  });
  test('a delete is a REMOVE only when it removed something', () => {
    expect(deleteChange(key('z', 3), item('z', 3), KEYS)).toEqual({ eventName: 'REMOVE', keys: key('z', 3) });
    expect(deleteChange(key('z', 3), undefined, KEYS)).toBeUndefined();
  });
  test('an update carries the item after it: INSERT when it created the item, MODIFY otherwise, nothing when none is left', () => {
    const after = item('a', 1, { n: { N: '5' } });
    expect(updateChange(key('a', 1), undefined, after)).toEqual({ eventName: 'INSERT', keys: key('a', 1), newImage: after });
    expect(updateChange(key('a', 1), item('a', 1), after)).toEqual({ eventName: 'MODIFY', keys: key('a', 1), newImage: after });
    expect(updateChange(key('a', 1), item('a', 1), undefined)).toBeUndefined();
  });
  test('keys keep only the key attributes, whatever else the item holds', () => {
    expect(putChange(item('r', 9, { payload: { S: 'x' } }), undefined, KEYS).keys).toEqual(key('r', 9));
  });
});

describe('BatchWriteItem', () => {
  test('each processed request gives its change; unprocessed ones give none; deletes of absent keys give none', () => {
    const requests = [
      { PutRequest: { Item: item('new', 1) } },
      { PutRequest: { Item: item('old', 1) } },
      { DeleteRequest: { Key: key('old', 2) } },
      { DeleteRequest: { Key: key('absent', 1) } },
      { PutRequest: { Item: item('throttled', 1) } },
    ];
    const existed = new Set([keyString(key('old', 1)), keyString(key('old', 2))]);
    const changes = batchChanges(requests, existed, [{ PutRequest: { Item: item('throttled', 1) } }], KEYS);
    expect(changes).toEqual([
      { eventName: 'INSERT', keys: key('new', 1), newImage: item('new', 1) },
      { eventName: 'MODIFY', keys: key('old', 1), newImage: item('old', 1) },
      { eventName: 'REMOVE', keys: key('old', 2) },
    ]);
  });
  test('key identity ignores attribute order', () => {
    expect(keyString({ a: { S: '1' }, b: { N: '2' } })).toBe(keyString({ b: { N: '2' }, a: { S: '1' } }));
  });
});

describe('stream records', () => {
  const source = { region: 'eu-west-1', arn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/deltas/stream/x' };
  const change = { eventName: 'MODIFY' as const, keys: key('g', 1), newImage: item('g', 1, { v: { N: '1' } }) };
  test('a NEW_IMAGE record has Keys, NewImage, the sequence number and the creation time in seconds', () => {
    const r = streamRecord(change, 123n, source, 1_700_000_000_999);
    expect(r).toMatchObject({ eventName: 'MODIFY', eventSource: 'aws:dynamodb', awsRegion: 'eu-west-1', eventSourceARN: source.arn });
    expect(r.dynamodb).toMatchObject({
      Keys: change.keys,
      NewImage: change.newImage,
      SequenceNumber: '123',
      ApproximateCreationDateTime: 1_700_000_000,
      StreamViewType: 'NEW_IMAGE',
    });
    expect(r.eventID).toMatch(/^[0-9a-f]{32}$/);
  });
  test('KEYS_ONLY and REMOVE records carry no image', () => {
    expect(streamRecord(change, 1n, { ...source, view: 'KEYS_ONLY' }).dynamodb).not.toHaveProperty('NewImage');
    expect(streamRecord({ eventName: 'REMOVE', keys: key('g', 1) }, 2n, source).dynamodb).not.toHaveProperty('NewImage');
  });
});
