// Step 2 of ingest: store the batch in ClickHouse exactly once.
//  * insert_deduplication_token derived from the batch's (topic, partition, offset) set: an
//    identical redelivered batch is dropped by ClickHouse in raw and in every rollup view.
//  * per-partition offset high-water marks (sql/004): records already stored by an earlier,
//    differently-bounded batch are filtered out before the insert.
// Any failure throws: the event source then redelivers the batch and nothing is half-applied.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { chDateTime64 } from '../shared/time.js';
import type { KafkaRecord } from '../shared/msk.js';
import type { RejectedRecord, ValidRecord } from './records.js';
import { INSERT_FORMAT, RAW_COLUMNS, REJECTED_COLUMNS, bodyValues, rawRowsBody, rejectedRowsBody } from './rows.js';

export { RAW_COLUMNS, REJECTED_COLUMNS } from './rows.js';

/** ClickHouse handles one insert of this many rows comfortably; bigger batches are split. */
export const MAX_ROWS_PER_INSERT = 100_000;

export function deduplicationToken(records: readonly KafkaRecord[]): string {
  const ids = records.map((r) => `${r.topic}\u0000${r.partition}\u0000${r.offset}`).sort();
  return createHash('sha256').update(ids.join('\n')).digest('hex');
}

type Source = 'raw' | 'rejected';
export type HighWaterMarks = Map<string, number>;
const markKey = (source: Source, topic: string, partition: number) => `${source}|${topic}|${partition}`;

export async function readHighWaterMarks(client: ClickHouseClient, records: readonly KafkaRecord[]): Promise<HighWaterMarks> {
  const marks: HighWaterMarks = new Map();
  const topics = [...new Set(records.map((r) => r.topic))];
  if (topics.length === 0) return marks;
  const rs = await client.query({
    query: `SELECT source, topic, partition, toString(max(max_offset)) AS max_offset
            FROM analytics_ingest_offsets
            WHERE topic IN {topics:Array(String)}
            GROUP BY source, topic, partition`,
    query_params: { topics },
    format: 'JSONEachRow',
  });
  for (const row of await rs.json<{ source: Source; topic: string; partition: number; max_offset: string }>()) {
    marks.set(markKey(row.source, row.topic, Number(row.partition)), Number(row.max_offset));
  }
  return marks;
}

export function alreadyStored(marks: HighWaterMarks, source: Source, r: KafkaRecord): boolean {
  const mark = marks.get(markKey(source, r.topic, r.partition));
  return mark !== undefined && r.offset <= mark;
}

const byOffset = (a: { record: KafkaRecord }, b: { record: KafkaRecord }) => a.record.offset - b.record.offset;

async function insertChunks<T extends { record: KafkaRecord }>(
  client: ClickHouseClient,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  toBody: (slice: readonly T[]) => string,
  fixedToken: string | undefined,
): Promise<void> {
  for (let i = 0, chunk = 0; i < items.length; i += MAX_ROWS_PER_INSERT, chunk++) {
    const slice = items.slice(i, i + MAX_ROWS_PER_INSERT);
    // The token names exactly the records of this insert, so a retry that inserts the same records
    // is dropped, and a retry with a different remainder (after a partial failure) is not.
    const token = fixedToken ? `${fixedToken}:${chunk}` : deduplicationToken(slice.map((s) => s.record));
    await client.insert({
      table,
      values: bodyValues(toBody(slice)),
      columns: columns as [string, ...string[]],
      format: INSERT_FORMAT,
      clickhouse_settings: {
        insert_deduplicate: 1,
        insert_deduplication_token: token,
        deduplicate_blocks_in_dependent_materialized_views: 1,
        // Keep each insert one block, so it is atomic and dedups as a whole.
        max_insert_block_size: String(MAX_ROWS_PER_INSERT),
        min_insert_block_size_rows: String(MAX_ROWS_PER_INSERT),
        min_insert_block_size_bytes: '0',
        async_insert: 0,
      },
    });
  }
}

export interface StoreResult {
  inserted: ValidRecord[];
  rejectedStored: number;
  /** Records skipped because an earlier delivery already stored them. */
  skipped: number;
}

export async function storeBatch(
  client: ClickHouseClient,
  batch: { records: readonly KafkaRecord[]; valid: ValidRecord[]; rejected: RejectedRecord[] },
  now: number,
  /** token: a caller-chosen deduplication token (backfill chunks); default derived from the records. */
  opts: { useHighWaterMarks?: boolean; token?: string } = {},
): Promise<StoreResult> {
  const marks = opts.useHighWaterMarks === false ? new Map() : await readHighWaterMarks(client, batch.records);
  // Offset order within each partition keeps the high-water mark meaningful when a batch is split.
  const valid = batch.valid.filter((v) => !alreadyStored(marks, 'raw', v.record)).sort(byOffset);
  const rejected = batch.rejected.filter((r) => !alreadyStored(marks, 'rejected', r.record)).sort(byOffset);
  const stamp = chDateTime64(now);
  await insertChunks(client, 'analytics_events_raw', RAW_COLUMNS, valid, (slice) => rawRowsBody(slice, stamp), opts.token);
  await insertChunks(client, 'analytics_events_rejected', REJECTED_COLUMNS, rejected, (slice) => rejectedRowsBody(slice, stamp), opts.token && `${opts.token}:rejected`);
  return {
    inserted: valid,
    rejectedStored: rejected.length,
    skipped: batch.valid.length - valid.length + (batch.rejected.length - rejected.length),
  };
}
