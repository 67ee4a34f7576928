// The pure parts of the event_id rule: content comparison, classification against stored
// versions, conflict details, lookup chunking, offset regressions and the on-failure record reader.
import { describe, expect, it } from 'vitest';
import { canonicalContent, classifyAgainstStored, conflictReject, sameContent, type EventContent } from '../functions/ingest/duplicates.js';
import { offsetRegressions } from '../functions/ingest/offset-marks.js';
import { sortRecords } from '../functions/ingest/records.js';
import { payloadOf } from '../scripts/redrive.js';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { decodeMskRecords, type KafkaRecord } from '../functions/shared/msk.js';
import { REJECT_CODES } from '../contracts/event.js';

const base: EventContent = {
  event_id: 'wal_1',
  type: 'wallet_txn_created',
  occurred_at: '2026-11-27T10:00:00.000Z',
  amount: '1500.0000',
  fee: '15.0000',
  currency: 'XOF',
  zone: 'WAEMU',
  country: 'SN',
  city: 'Dakar',
  merchant_id: 'm_sn_0001',
  status: 'succeeded',
};

describe('duplicate check (pure)', () => {
  it('reads a stored version back into the contract form before comparing', () => {
    const stored = canonicalContent({ ...base, amount: '1500', fee: '15', occurred_at: '2026-11-27T10:00:00Z' });
    expect(sameContent(stored, base)).toBe(true);
    expect(sameContent(stored, { ...base, amount: '1500.0001' })).toBe(false);
    expect(sameContent(stored, { ...base, occurred_at: '2026-11-27T10:00:00.001Z' })).toBe(false);
  });

  it('classifies fresh, identical and conflicting events; the conflict names what differs and the stored key fields', () => {
    const items = [
      { event: base },
      { event: { ...base, event_id: 'wal_2' } },
      { event: { ...base, event_id: 'wal_3', city: 'Thiès', amount: '1.0000' } },
    ];
    const stored = new Map<string, EventContent>([
      ['wal_1', base],
      ['wal_3', { ...base, event_id: 'wal_3' }],
    ]);
    const c = classifyAgainstStored(items, stored);
    expect(c.fresh.map((i) => i.event.event_id)).toEqual(['wal_2']);
    expect(c.duplicates.map((i) => i.event.event_id)).toEqual(['wal_1']);
    expect(c.conflicts).toHaveLength(1);
    const reject = c.conflicts[0]!.reject;
    expect(reject.code).toBe('duplicate_conflict');
    expect(REJECT_CODES).toContain(reject.code);
    expect(reject.reason).toContain('amount, city');
    expect(JSON.parse(reject.reason.slice(reject.reason.indexOf('stored: ') + 8))).toEqual({
      type: base.type,
      occurred_at: base.occurred_at,
      amount: base.amount,
      currency: 'XOF',
      zone: 'WAEMU',
      country: 'SN',
      city: 'Dakar',
    });
    expect(conflictReject(base, { ...base, status: 'failed' }).field).toBe('status');
  });

  it('sorts a repeat inside one batch: identical is a duplicate, different content a conflict', () => {
    const [r] = new EventGenerator({ seed: 3 }).records(1);
    const changed = { ...r!.event!, amount: '1' };
    const records = decodeMskRecords(toMskEvent([r!, r!, { ...r!, value: JSON.stringify(changed), event: changed }]));
    const sorted = sortRecords(records, Date.now());
    expect(sorted.valid).toHaveLength(1);
    expect(sorted.duplicates).toBe(1);
    expect(sorted.rejected.map((x) => x.reject.code)).toEqual(['duplicate_conflict']);
  });

  it('reports a partition whose batch starts at or below its stored mark, with both offsets', () => {
    const rec = (partition: number, offset: number) => ({ topic: 't', partition, offset }) as KafkaRecord;
    const marks = new Map([
      ['t|0', 100],
      ['t|1', 100],
    ]);
    expect(offsetRegressions(marks, [rec(0, 101), rec(0, 102), rec(1, 5), rec(1, 3), rec(2, 0)])).toEqual([
      { topic: 't', partition: 1, storedOffset: 100, batchOffset: 3 },
    ]);
  });
});

describe('on-failure record reader (redrive)', () => {
  const event = toMskEvent(new EventGenerator({ seed: 4 }).records(3));
  it('reads the payload as an object (local file) or as a JSON string (S3 object)', () => {
    expect(payloadOf({ version: '1.0', requestContext: {}, payload: event }, 'f')).toEqual(event);
    expect(payloadOf({ version: '1.0', requestContext: {}, payload: JSON.stringify(event) }, 'f')).toEqual(event);
  });
  it('rejects a record without the payload, saying why', () => {
    expect(() => payloadOf({ requestContext: {}, KafkaBatchInfo: {} }, 'sqs.json')).toThrow(/carries only offsets/);
    expect(() => payloadOf({ payload: '{not json' }, 'x')).toThrow(/not JSON/);
    expect(() => payloadOf({ payload: { eventSource: 'aws:sqs' } }, 'x')).toThrow(/no MSK event/);
  });
});
