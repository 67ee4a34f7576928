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

/** Sorts records one at a time; the in-batch repeat rule spans every record added. */
function createSorter(now: number, expected: number): { add(record: KafkaRecord): void; result(): SortedBatch } {
  const valid: ValidRecord[] = [];
  const rejected: RejectedRecord[] = [];
  const seen = idIndex<PaymentEvent>(expected);
  let duplicates = 0;
  return {
    add(record) {
      const checked = decodeAndCheck(record.topic, record.value, now);
      if (isReject(checked)) {
        rejected.push({ record, reject: checked });
        return;
      }
      const first = seen.firstOrAdd(checked.event_id, checked);
      if (first) {
        if (sameContent(first, checked)) duplicates++;
        else rejected.push({ record, reject: conflictReject(first, checked) });
        return;
      }
      valid.push({ record, event: checked });
    },
    result: () => ({ valid, rejected, duplicates }),
  };
}

export function sortRecords(records: readonly KafkaRecord[], now: number): SortedBatch {
  const sorter = createSorter(now, records.length);
  for (const record of records) sorter.add(record);
  return sorter.result();
}

/** Records per turn of the event loop in sortRecordsYielding. */
const SLICE = 1000;

/**
 * sortRecords, handing the event loop back every SLICE records, so I/O already started (the
 * duplicate check's early lookup) keeps moving while a large batch is validated. Same outcome.
 */
export async function sortRecordsYielding(records: readonly KafkaRecord[], now: number): Promise<SortedBatch> {
  const sorter = createSorter(now, records.length);
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    sorter.add(records[i]!);
  }
  return sorter.result();
}
