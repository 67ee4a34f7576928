// The ingest pipeline, free of Lambda plumbing: decode + validate -> store exactly once ->
// read back snapshots -> record them in the deltas table. Each step throws on failure so the
// event source redelivers the whole batch; every step is idempotent, so redelivery is safe.
import type { ClickHouseClient } from '@clickhouse/client';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MSKEvent } from 'aws-lambda';
import { decodeMskRecords } from '../shared/msk.js';
import { writeSnapshots } from '../shared/dynamo/deltas-store.js';
import { METRIC } from '../shared/observability-names.js';
import { sortRecordsYielding } from './records.js';
import { prefetchStoredEvents } from './event-ids.js';
import { hintedEventIds } from './id-hints.js';
import { storeBatch, type StoreOptions, type StoreResult } from './store.js';
import { DUPLICATE_CONFLICT } from '../../contracts/event.js';
import { readSnapshots } from './snapshots.js';

export interface IngestDeps {
  clickhouse: () => Promise<ClickHouseClient>;
  dynamo: () => DynamoDBDocumentClient;
  deltasTable: string;
  now?: () => number;
  logger?: Logger;
  metrics?: Metrics;
  /** Bench only: run without the event_id duplicate check, to measure its cost. Never in production. */
  checkDuplicates?: boolean;
  /** Test seam only (StoreOptions.rawBody): lets a test hand the engine a row it refuses. Never in production. */
  rawBody?: StoreOptions['rawBody'];
}

export interface IngestResult {
  received: number;
  inserted: number;
  rejected: number;
  duplicates: number;
  /** Already stored by an earlier delivery: identical re-sends of stored events and rejects already quarantined. */
  skipped: number;
  /** Versions of an already counted event_id with different content (quarantined, in `rejected`). */
  conflicts: number;
  /** Valid events ClickHouse refused to store (quarantined as engine_refused, in `rejected`). */
  engineRefused: number;
  /** Partitions of the batch whose offsets went back below what was stored. */
  offsetRegressions: number;
  snapshots: number;
  /** Milliseconds per step, for logs and benchmarks. */
  timings: { validate: number; store: number; snapshots: number; deltas: number; duplicateCheck: number };
}

type ErrorKind = 'clickhouse_insert' | 'clickhouse_read' | 'deltas_write';

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

export function createIngest(deps: IngestDeps): (event: MSKEvent) => Promise<IngestResult> {
  const now = deps.now ?? Date.now;
  const { logger, metrics } = deps;

  function count(name: string, dimension: string, values: Map<string, number>): void {
    if (!metrics) return;
    for (const [value, n] of values) {
      const single = metrics.singleMetric();
      single.addDimension(dimension, value);
      single.addMetric(name, MetricUnit.Count, n);
    }
  }

  async function step<T>(kind: ErrorKind, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      count(METRIC.errors, 'kind', new Map([[kind, 1]]));
      logger?.error(`ingest step ${kind} failed; the batch will be redelivered`, err as Error);
      throw err;
    }
  }

  // Nothing is left out silently: every record not counted gets a metric and a log line.
  function reportNotCounted(stored: StoreResult, inBatchDuplicates: number): void {
    for (const r of stored.regressions) {
      count(METRIC.offsetRegressions, 'topic', new Map([[r.topic, 1]]));
      logger?.warn(
        'Kafka offset regression: the batch starts at or below the offset already stored for its partition (redelivery, replay, recreated topic or another cluster); every record is checked by event_id',
        { ...r },
      );
    }
    const duplicates = stored.duplicates.length + inBatchDuplicates;
    if (duplicates > 0) {
      count(
        METRIC.eventsDuplicate,
        'type',
        countBy(stored.duplicates, (v) => v.event.type),
      );
      if (inBatchDuplicates > 0) count(METRIC.eventsDuplicate, 'type', new Map([['in_batch', inBatchDuplicates]]));
      logger?.info('duplicates not counted again (event_id already counted, identical content)', {
        alreadyStored: stored.duplicates.length,
        inBatch: inBatchDuplicates,
      });
    }
    if (stored.refused.length > 0) {
      logger?.warn('events refused by ClickHouse after validation, quarantined as engine_refused; the rest of the batch is stored', {
        count: stored.refused.length,
        eventIds: stored.refused.slice(0, 20).map((r) => r.eventId),
        reason: stored.refused[0]!.reject.reason,
      });
    }
    if (stored.conflicts.length > 0) {
      logger?.warn('conflicting duplicates quarantined as duplicate_conflict (event_id already counted with different content)', {
        count: stored.conflicts.length,
        eventIds: stored.conflicts.slice(0, 20).map((c) => c.eventId),
      });
    }
  }

  return async (event) => {
    const clock = performance.now();
    let mark = clock;
    const lap = () => {
      const t = performance.now() - mark;
      mark = performance.now();
      return Math.round(t * 10) / 10;
    };
    const records = decodeMskRecords(event);
    const started = now();
    const checkDuplicates = deps.checkDuplicates ?? true;
    // The duplicate check's lookup starts first, on the ids the raw records name, so the engine
    // probes while the batch is validated (event-ids.ts, id-hints.ts).
    const client = await deps.clickhouse();
    const prefetched = checkDuplicates ? prefetchStoredEvents(client, hintedEventIds(records)) : undefined;
    const sorted = await sortRecordsYielding(records, started);
    const validateMs = lap();
    count(
      METRIC.kafkaMessagesReceived,
      'topic',
      countBy(records, (r) => r.topic),
    );

    const stored = await step('clickhouse_insert', () =>
      storeBatch(client, { records, ...sorted }, started, { checkDuplicates, prefetched, rawBody: deps.rawBody }),
    );
    const storeMs = lap();
    metrics?.addMetric(METRIC.clickhouseInsertDuration, MetricUnit.Seconds, storeMs / 1000);

    // Snapshots cover every valid record of the batch, also those an earlier delivery stored:
    // that delivery may have failed before its snapshots were recorded.
    const snapshots = await step('clickhouse_read', () => readSnapshots(client, sorted.valid, now));
    const snapshotsMs = lap();
    await step('deltas_write', () => writeSnapshots(deps.dynamo(), deps.deltasTable, snapshots));
    const deltasMs = lap();

    count(
      METRIC.eventsProcessed,
      'type',
      countBy(stored.inserted, (v) => v.event.type),
    );
    count(
      METRIC.eventsRejected,
      'reason',
      countBy(stored.rejectedStored, (r) => r.reject.code),
    );
    reportNotCounted(stored, sorted.duplicates);
    const result: IngestResult = {
      received: records.length,
      inserted: stored.inserted.length,
      rejected: sorted.rejected.length + stored.conflicts.length + stored.refused.length,
      duplicates: sorted.duplicates,
      skipped: stored.duplicates.length + stored.rejectsAlreadyStored,
      conflicts: stored.conflicts.length + sorted.rejected.filter((r) => r.reject.code === DUPLICATE_CONFLICT).length,
      engineRefused: stored.refused.length,
      offsetRegressions: stored.regressions.length,
      snapshots: snapshots.length,
      timings: { validate: validateMs, store: storeMs, snapshots: snapshotsMs, deltas: deltasMs, duplicateCheck: stored.duplicateCheckMs },
    };
    logger?.info('batch ingested', { ...result, durationMs: Math.round(performance.now() - clock) });
    return result;
  };
}
