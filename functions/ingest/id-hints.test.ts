import { describe, expect, it } from 'vitest';
import { hintedEventId, hintedEventIds } from './id-hints.js';
import type { KafkaRecord } from '../shared/msk.js';

const hint = (json: string) => hintedEventId(Buffer.from(json, 'utf8'));

describe('event_id hints read from raw record bytes', () => {
  it('reads a plainly written id, with or without spaces, in any position, non-ASCII included', () => {
    expect(hint('{"event_id":"wal_1","amount":"1"}')).toBe('wal_1');
    expect(hint('{ "amount": "1",\n  "event_id" :\t "évènement-Thiès-😀" }')).toBe('évènement-Thiès-😀');
  });

  it('gives no hint where the scan could misread: escapes, non-string ids, no key, broken JSON', () => {
    expect(hint('{"event_id":"a\\"b"}')).toBeUndefined();
    expect(hint('{"event_id":"\\u0041"}')).toBeUndefined();
    expect(hint('{"event_id":42}')).toBeUndefined();
    expect(hint('{"event_id":""}')).toBeUndefined();
    expect(hint('{"id":"x"}')).toBeUndefined();
    expect(hint('{"event_id":"unterminated')).toBeUndefined();
    expect(hint('not json at all')).toBeUndefined();
  });

  it('cannot be fooled by the key written inside another string value', () => {
    // Inside a JSON string the key's quotes are escaped, so the bytes never read `"event_id"`.
    expect(hint('{"city":"\\"event_id\\":\\"forged\\"","event_id":"real"}')).toBe('real');
  });

  it('lists each hinted id once, in first-seen order, skipping records without one', () => {
    const rec = (v: string) => ({ value: Buffer.from(v) }) as KafkaRecord;
    expect(hintedEventIds([rec('{"event_id":"b"}'), rec('{}'), rec('{"event_id":"a"}'), rec('{"event_id":"b"}')])).toEqual(['b', 'a']);
  });
});
