// Step 1 of ingest: decode and validate every record of the batch with the contract.
// Outcome per record: a valid event (row for the raw table), a reject (row for the quarantine) or
// a repeat of an event_id already seen in this batch (counted once).
import { decodeAndCheck, isReject, type PaymentEvent, type Reject } from '../shared/contracts/event.js';
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
  /** Records whose event_id already appeared earlier in the batch. */
  duplicates: number;
}

export function sortRecords(records: KafkaRecord[], now: number): SortedBatch {
  const valid: ValidRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const record of records) {
    const checked = decodeAndCheck(record.topic, record.value, now);
    if (isReject(checked)) {
      rejected.push({ record, reject: checked });
      continue;
    }
    const size = seen.size;
    seen.add(checked.event_id);
    if (seen.size === size) {
      duplicates++;
      continue;
    }
    valid.push({ record, event: checked });
  }
  return { valid, rejected, duplicates };
}
