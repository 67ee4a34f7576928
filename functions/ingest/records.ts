// Step 1 of ingest: decode and validate every record of the batch with the contract.
// Outcome per record: a valid event (row for the raw table), a reject (row for the quarantine) or
// a repeat of an event_id already seen in this batch: identical, it is a duplicate (counted once);
// with different content, the later one is a `duplicate_conflict` reject (the first stays).
import { decodeAndCheck, isReject, type PaymentEvent, type Reject } from '../../contracts/event.js';
import { conflictReject, sameContent } from './duplicates.js';
import { idIndex } from './id-index.js';
import type { KafkaRecord } from '../shared/msk.js';

export interface ValidRecord {
  record: KafkaRecord;
  event: PaymentEvent;
}

export interface RejectedRecord {
  record: KafkaRecord;
  reject: Reject;
}

export interface SortedBatch {
  valid: ValidRecord[];
  rejected: RejectedRecord[];
  /** Records identical to an event earlier in the batch (same event_id, same content). */
  duplicates: number;
}

export function sortRecords(records: KafkaRecord[], now: number): SortedBatch {
  const valid: ValidRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const seen = idIndex<PaymentEvent>(records.length);
  let duplicates = 0;
  for (const record of records) {
    const checked = decodeAndCheck(record.topic, record.value, now);
    if (isReject(checked)) {
      rejected.push({ record, reject: checked });
      continue;
    }
    const first = seen.firstOrAdd(checked.event_id, checked);
    if (first) {
      if (sameContent(first, checked)) duplicates++;
      else rejected.push({ record, reject: conflictReject(first, checked) });
      continue;
    }
    valid.push({ record, event: checked });
  }
  return { valid, rejected, duplicates };
}
