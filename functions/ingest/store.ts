// Step 2 of ingest: store the batch in ClickHouse, each event at most once by its event_id.
//  * event_id decides (sql/005, duplicates.ts): ids already stored are looked up in
//    analytics_event_ids; an identical re-send is a duplicate (not stored, counted in metrics), a
//    different version under a stored id is quarantined as `duplicate_conflict`. Offsets, batches,
//    partitions, clusters and sources play no part, so a recreated topic or another cluster's
//    overlapping offsets never drop a new event.
//  * a reject (no trustworthy event_id) is the same record again when its (topic, partition,
//    offset) and its payload bytes both match one already quarantined.
//  * every insert carries an insert_deduplication_token naming exactly its rows (event ids, or
//    reject coordinates + payload), so a retried insert whose first attempt did land is dropped by
//    ClickHouse in raw and every view even before the lookup could see it.
//  * offset marks (offset-marks.ts) only report regressions; they never drop a record.
//  * a raw insert the engine refuses for its data is bisected (isolate.ts): the refused rows are
//    quarantined as `engine_refused`, the others stored.
// Any other failure throws: the event source then redelivers the batch and nothing is half-applied.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { chDateTime64 } from '../shared/time.js';
import type { KafkaRecord } from '../shared/msk.js';
import type { RejectedRecord, ValidRecord } from './records.js';
import { classifyAgainstStored } from './duplicates.js';
import { storedEventsUsing, type StoredPrefetch } from './event-ids.js';
import { offsetRegressions, readHighWaterMarks, type OffsetRegression } from './offset-marks.js';
import { INSERT_FORMAT, RAW_COLUMNS, REJECTED_COLUMNS, bodyValues, rawRowLines, rejectedRowsBody } from './rows.js';
import { insertIsolating, type Refused } from './isolate.js';
import { MAX_ROWS_PER_INSERT, insertChunks as cutInserts } from './insert-chunks.js';
import { ENGINE_REFUSED } from '../../contracts/event.js';

export { RAW_COLUMNS, REJECTED_COLUMNS } from './rows.js';

export { MAX_ROWS_PER_INSERT } from './insert-chunks.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const rejectIdentity = (r: KafkaRecord, payloadHash: string) => `${r.topic}\u0000${r.partition}\u0000${r.offset}\u0000${payloadHash}`;

/** Token of a raw insert: exactly its event ids. */
export function rawToken(items: readonly ValidRecord[]): string {
  return sha256(['raw', ...items.map((v) => v.event.event_id).sort()].join('\n'));
}

/** Token of a rejected insert: coordinates and payload of exactly its records. */
export function rejectedToken(items: readonly RejectedRecord[]): string {
  return sha256(['rejected', ...items.map((r) => rejectIdentity(r.record, sha256(r.record.valueBase64))).sort()].join('\n'));
}

/** Rejects of the batch already quarantined: same coordinates, same payload bytes. */
async function storedRejects(client: ClickHouseClient, rejected: readonly RejectedRecord[]): Promise<Set<string>> {
  if (rejected.length === 0) return new Set();
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  const rs = await client.query({
    query: `SELECT topic, partition, toString(offset) AS offset, lower(hex(SHA256(payload_base64))) AS hash
            FROM analytics_events_rejected
            WHERE topic IN {topics:Array(String)} AND partition IN {partitions:Array(UInt32)} AND offset IN {offsets:Array(UInt64)}`,
    query_params: {
      topics: uniq(rejected.map((r) => r.record.topic)),
      partitions: uniq(rejected.map((r) => r.record.partition)),
      offsets: uniq(rejected.map((r) => r.record.offset)),
    },
    format: 'JSONEachRow',
  });
  const out = new Set<string>();
  for (const row of await rs.json<{ topic: string; partition: number; offset: string; hash: string }>()) {
    out.add(rejectIdentity({ topic: row.topic, partition: Number(row.partition), offset: Number(row.offset) } as KafkaRecord, row.hash));
  }
  return out;
}

/** One insert of exactly `slice`, as one block, deduplicated by the slice's token. */
async function insertOnce<T>(
  client: ClickHouseClient,
  table: string,
  columns: readonly string[],
  slice: readonly T[],
  toBody: (slice: readonly T[]) => string,
  token: (slice: readonly T[]) => string,
): Promise<void> {
  await client.insert({
    table,
    values: bodyValues(toBody(slice)),
    columns: columns as [string, ...string[]],
    format: INSERT_FORMAT,
    clickhouse_settings: {
      insert_deduplicate: 1,
      insert_deduplication_token: token(slice),
      deduplicate_blocks_in_dependent_materialized_views: 1,
      // Keep each insert one block, so it is atomic and dedups as a whole.
      max_insert_block_size: String(MAX_ROWS_PER_INSERT),
      min_insert_block_size_rows: String(MAX_ROWS_PER_INSERT),
      min_insert_block_size_bytes: '0',
      async_insert: 0,
    },
  });
}

async function insertChunks<T>(
  client: ClickHouseClient,
  table: string,
  columns: readonly string[],
  items: readonly T[],
  toBody: (slice: readonly T[]) => string,
  token: (slice: readonly T[]) => string,
): Promise<void> {
  for (let i = 0; i < items.length; i += MAX_ROWS_PER_INSERT) {
    await insertOnce(client, table, columns, items.slice(i, i + MAX_ROWS_PER_INSERT), toBody, token);
  }
}

/**
 * The raw inserts (cut by rows and by months, insert-chunks.ts), isolating rows the engine refuses
 * for their data; returns those rows.
 */
async function insertRawIsolating(
  client: ClickHouseClient,
  items: readonly ValidRecord[],
  prepared: PreparedRaw,
): Promise<Refused<ValidRecord>[]> {
  const refused: Refused<ValidRecord>[] = [];
  for (const chunk of cutInserts(items, (v) => v.event.occurred_at.slice(0, 7))) {
    refused.push(
      ...(await insertIsolating(chunk, (slice) =>
        insertOnce(client, 'analytics_events_raw', RAW_COLUMNS, slice, prepared.body, prepared.token),
      )),
    );
  }
  return refused;
}

/** How any subset of the batch's valid records becomes a raw insert: its body and its token. */
interface PreparedRaw {
  body: (slice: readonly ValidRecord[]) => string;
  token: (slice: readonly ValidRecord[]) => string;
}

/**
 * Serialises every valid record once and hashes the whole batch's token, while the duplicate check
 * is still in the engine: the check usually removes nothing, and otherwise the insert takes the
 * subset's lines. Slices are always subsets of `valid` (whose event ids are distinct), so a slice
 * as long as `valid` is all of it.
 */
function prepareRaw(valid: readonly ValidRecord[], stamp: string, custom?: StoreOptions['rawBody']): PreparedRaw {
  const wholeToken = rawToken(valid);
  const token = (slice: readonly ValidRecord[]) => (slice.length === valid.length ? wholeToken : rawToken(slice));
  if (custom) return { body: (slice) => custom(slice, stamp), token };
  const lines = rawRowLines(valid, stamp);
  const lineOf = new Map(valid.map((v, i) => [v, lines[i]!]));
  return { body: (slice) => slice.map((v) => lineOf.get(v)!).join(''), token };
}

export interface StoreResult {
  inserted: ValidRecord[];
  /** Rejects stored by this call (contract rejects and conflicting duplicates). */
  rejectedStored: RejectedRecord[];
  /** Identical re-sends of events already stored: counted as duplicates, not stored. */
  duplicates: ValidRecord[];
  /** Versions of stored event_ids with different content, quarantined as duplicate_conflict. */
  conflicts: Array<RejectedRecord & { eventId: string }>;
  /** Rejects already quarantined by an earlier delivery of the same record. */
  rejectsAlreadyStored: number;
  /** Valid events the engine refused to store (quarantined as engine_refused, in rejectedStored unless already there). */
  refused: Array<RejectedRecord & { eventId: string }>;
  /** Partitions whose offsets went back (empty when checkOffsets is off). */
  regressions: OffsetRegression[];
  /** Milliseconds from the start of the stored-event_id lookup (the duplicate check, maybe started before validation) to its answer, for logs and benchmarks. */
  duplicateCheckMs: number;
}

export interface StoreOptions {
  /**
   * Report offset regressions against the stored marks (default true). Off for backfill, whose
   * "offsets" are source row ids on a partition no topic has.
   */
  checkOffsets?: boolean;
  /** The duplicate check (default true). Off only in bench:ingest, to measure what it costs. */
  checkDuplicates?: boolean;
  /** The duplicate check's lookup, started before validation (event-ids.ts prefetchStoredEvents). */
  prefetched?: StoredPrefetch;
  /**
   * Test seam only: builds the raw insert body instead of rows.ts, so a test can hand the engine a
   * row it refuses although validation passed it (poison isolation). Never set in production.
   */
  rawBody?: (items: readonly ValidRecord[], ingestedAt: string) => string;
}

export async function storeBatch(
  client: ClickHouseClient,
  batch: { records: readonly KafkaRecord[]; valid: ValidRecord[]; rejected: RejectedRecord[] },
  now: number,
  opts: StoreOptions = {},
): Promise<StoreResult> {
  // The offset-mark read and the id lookup depend on nothing of each other: run them together
  // (nothing is inserted before both have answered).
  const checkStarted = opts.prefetched?.startedAt ?? performance.now();
  let duplicateCheckMs = 0;
  const lookups = Promise.all([
    opts.checkOffsets === false ? undefined : readHighWaterMarks(client, batch.records),
    opts.checkDuplicates === false
      ? new Map()
      : storedEventsUsing(
          client,
          batch.valid.map((v) => v.event.event_id),
          opts.prefetched,
        ).finally(() => {
          duplicateCheckMs = Math.round((performance.now() - checkStarted) * 10) / 10;
        }),
  ]);
  lookups.catch(() => undefined);
  const stamp = chDateTime64(now);
  const prepared = prepareRaw(batch.valid, stamp, opts.rawBody);
  const [marks, stored] = await lookups;
  const regressions = marks === undefined ? [] : offsetRegressions(marks, batch.records);
  const { fresh, duplicates, conflicts } = classifyAgainstStored(batch.valid, stored);
  const conflictRejects = conflicts.map((c) => ({ record: c.item.record, reject: c.reject, eventId: c.item.event.event_id }));

  const refusedRows = await insertRawIsolating(client, fresh, prepared);
  const refused = refusedRows.map(({ item, message }) => ({
    record: item.record,
    reject: { code: ENGINE_REFUSED, reason: `ClickHouse refused the row: ${message}` },
    eventId: item.event.event_id,
  }));
  const refusedIds = new Set(refused.map((r) => r.eventId));
  const inserted = refused.length === 0 ? fresh : fresh.filter((v) => !refusedIds.has(v.event.event_id));

  // Rejects are looked up after the raw insert, so the engine's refusals join them (a redelivered
  // batch refuses the same record again and finds it already quarantined).
  const candidates = [...batch.rejected, ...conflictRejects, ...refused];
  const known = await storedRejects(client, candidates);
  const rejected = candidates.filter((r) => !known.has(rejectIdentity(r.record, sha256(r.record.valueBase64))));
  await insertChunks(
    client,
    'analytics_events_rejected',
    REJECTED_COLUMNS,
    rejected,
    (slice) => rejectedRowsBody(slice, stamp),
    rejectedToken,
  );
  return {
    inserted,
    rejectedStored: rejected,
    duplicates,
    conflicts: conflictRejects,
    rejectsAlreadyStored: candidates.length - rejected.length,
    refused,
    regressions,
    duplicateCheckMs,
  };
}
