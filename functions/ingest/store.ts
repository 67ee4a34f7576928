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

export const RAW_COLUMNS = [
  'event_id', 'type', 'occurred_at', 'amount', 'fee', 'currency', 'zone', 'country', 'city',
  'merchant_id', 'status', 'topic', 'partition', 'offset', 'kafka_timestamp', 'ingested_at',
] as const;
export const REJECTED_COLUMNS = [
  'rejected_at', 'topic', 'partition', 'offset', 'kafka_timestamp', 'reason', 'detail', 'key', 'payload', 'payload_base64',
] as const;

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

// Records of one batch mostly share a few Kafka timestamps: format each once.
function timestampFormatter(): (ms: number) => string {
  const cache = new Map<number, string>();
  return (ms) => {
    let text = cache.get(ms);
    if (text === undefined) cache.set(ms, (text = chDateTime64(Number.isFinite(ms) ? ms : 0)));
    return text;
  };
}

function rawRow(v: ValidRecord, ingestedAt: string, ts: (ms: number) => string): unknown[] {
  const e = v.event;
  return [
    e.event_id, e.type, chDateTime64(e.occurred_at), e.amount, e.fee, e.currency, e.zone, e.country, e.city,
    e.merchant_id, e.status, v.record.topic, v.record.partition, v.record.offset, ts(v.record.timestamp), ingestedAt,
  ];
}

function rejectedRow(r: RejectedRecord, rejectedAt: string, ts: (ms: number) => string): unknown[] {
  const rec = r.record;
  return [
    rejectedAt, rec.topic, rec.partition, rec.offset, ts(rec.timestamp),
    r.reject.code, r.reject.reason, rec.key, rec.value.toString('utf8'), rec.valueBase64,
  ];
}

const byOffset = (a: { record: KafkaRecord }, b: { record: KafkaRecord }) => a.record.offset - b.record.offset;

async function insertChunks(
  client: ClickHouseClient,
  table: string,
  columns: readonly string[],
  items: ReadonlyArray<{ record: KafkaRecord }>,
  toRow: (item: never) => unknown[],
  fixedToken: string | undefined,
): Promise<void> {
  for (let i = 0, chunk = 0; i < items.length; i += MAX_ROWS_PER_INSERT, chunk++) {
    const slice = items.slice(i, i + MAX_ROWS_PER_INSERT);
    // The token names exactly the records of this insert, so a retry that inserts the same records
    // is dropped, and a retry with a different remainder (after a partial failure) is not.
    const token = fixedToken ? `${fixedToken}:${chunk}` : deduplicationToken(slice.map((s) => s.record));
    await client.insert({
      table,
      values: slice.map((item) => toRow(item as never)),
      columns: columns as [string, ...string[]],
      format: 'JSONCompactEachRow',
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
  const ts = timestampFormatter();
  await insertChunks(client, 'analytics_events_raw', RAW_COLUMNS, valid, (v: ValidRecord) => rawRow(v, stamp, ts), opts.token);
  await insertChunks(client, 'analytics_events_rejected', REJECTED_COLUMNS, rejected, (r: RejectedRecord) => rejectedRow(r, stamp, ts), opts.token && `${opts.token}:rejected`);
  return {
    inserted: valid,
    rejectedStored: rejected.length,
    skipped: batch.valid.length - valid.length + (batch.rejected.length - rejected.length),
  };
}
