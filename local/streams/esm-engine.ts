// The event source mapping of a DynamoDB stream, as Lambda runs it: records are filtered on
// `eventName` (FilterCriteria), spread over lanes by partition key (ParallelizationFactor: order per
// key holds), batched (BatchSize, batching window) and handed to the consumer one batch per lane at
// a time; a throw retries the batch with backoff (optionally bisecting it), ReportBatchItemFailures
// retries from the first failed record, and after maxRetries the records are discarded.
// No I/O of its own: the consumer is a function (the fan-out handler).
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { backoffMs } from '../lib/backoff.js';
import { liveView } from '../lib/live-view.js';
import { sleep } from '../lib/sleep.js';
import type { AttributeMap } from './record-deriver.js';

export interface StreamMappingOptions {
  /** The consumer (the fan-out handler). May return batchItemFailures. */
  onBatch: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /** Most records per batch (BatchSize). Default 100. */
  batchSize?: number;
  /** Batching window: how long a partial batch waits for more records. Default 10 ms. */
  windowMs?: number;
  /** Concurrent batches per stream, records spread by partition key (ParallelizationFactor). Default 4. */
  parallelism?: number;
  /** Retries of a failing batch before its records are discarded. Default 10. */
  maxRetries?: number;
  /** First retry delay, doubled per retry, capped at 5 s. Default 50 ms. */
  retryBaseMs?: number;
  /** On a thrown error, split the batch in two and retry each half. Default false. */
  bisectOnError?: boolean;
  /** The filter on `eventName`: records of other kinds never invoke the consumer. Default: every record. */
  eventNames?: readonly string[];
  /** Called with records given up on after maxRetries (default: logged). */
  onDiscard?: (records: DynamoDBRecord[], reason: unknown) => void;
}

export interface StreamMapping {
  /** Queues a stream's new records (in order); `partitionKey` names the key attribute that picks the lane. */
  enqueue(stream: string, partitionKey: string, records: readonly DynamoDBRecord[]): void;
  /** Delivers what is queued now (windows skipped, retries keep their backoff) until `busy()` is empty too. */
  flush(busy?: () => readonly Promise<unknown>[]): Promise<void>;
  readonly pending: number;
  readonly produced: number;
  readonly filtered: number;
  readonly invocations: number;
  /** Stops scheduling; resolves once the batches in delivery are done. */
  close(): Promise<void>;
}

interface Lane {
  queue: DynamoDBRecord[];
  busy: boolean;
  timer?: NodeJS.Timeout;
  /** Oldest queued record's arrival, for the batching window. */
  firstAt: number;
  attempts: number;
  /** After a bisection, the next batch is limited to this size. */
  limit?: number;
}

/** FNV-1a over the partition key value: the same key always lands in the same lane (order per key). */
export function laneOf(keys: AttributeMap, partitionKey: string, lanes: number): number {
  const text = JSON.stringify(keys[partitionKey] ?? '');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

/**
 * Where delivery resumes after the consumer answered: -1 when the batch is done, else the index of
 * the first record to deliver again. A throw retries all; with batchItemFailures, the earliest
 * failed record, and an identifier that is not in the batch fails the whole batch, as in Lambda.
 */
export function retryFrom(batch: readonly DynamoDBRecord[], result: DynamoDBBatchResponse | undefined, thrown: boolean): number {
  if (thrown) return 0;
  const failures = result && Array.isArray(result.batchItemFailures) ? result.batchItemFailures : [];
  if (failures.length === 0) return -1;
  let first = batch.length;
  for (const f of failures) {
    const i = batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier);
    first = Math.min(first, Math.max(i, 0));
  }
  return first;
}

export function startStreamMapping(options: StreamMappingOptions): StreamMapping {
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const windowMs = Math.max(0, options.windowMs ?? 10);
  const parallelism = Math.max(1, options.parallelism ?? 4);
  const maxRetries = options.maxRetries ?? 10;
  const retryBase = options.retryBaseMs ?? 50;
  const bisect = options.bisectOnError ?? false;
  const onDiscard =
    options.onDiscard ??
    ((records, reason) => console.error(`stream: discarded ${records.length} record(s) after ${maxRetries} retries:`, reason));
  const eventNames = options.eventNames ? new Set(options.eventNames) : undefined;
  const streams = new Map<string, Lane[]>();
  const counts = { produced: 0, filtered: 0, invocations: 0, pending: 0 };
  let flushing = 0;
  let closed = false;
  // Consumer invocations in flight: close() lets them finish (the fan-out writes through the proxy).
  const deliveriesInFlight = new Set<Promise<void>>();

  const lanesOf = (stream: string): Lane[] => {
    let lanes = streams.get(stream);
    if (!lanes)
      streams.set(stream, (lanes = Array.from({ length: parallelism }, () => ({ queue: [], busy: false, firstAt: 0, attempts: 0 }))));
    return lanes;
  };

  function schedule(lane: Lane, delayMs?: number): void {
    if (lane.busy || lane.timer || lane.queue.length === 0 || closed) return;
    const wait = delayMs ?? (lane.queue.length >= batchSize || flushing > 0 ? 0 : Math.max(0, lane.firstAt + windowMs - Date.now()));
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      const p = deliver(lane);
      deliveriesInFlight.add(p);
      void p.finally(() => deliveriesInFlight.delete(p));
    }, wait);
  }

  async function deliver(lane: Lane): Promise<void> {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    const batch = lane.queue.splice(0, Math.min(batchSize, lane.limit ?? batchSize));
    let result: DynamoDBBatchResponse | undefined;
    let reason: unknown = 'batchItemFailures';
    let thrown = false;
    try {
      counts.invocations++;
      result = (await options.onBatch({ Records: batch })) as DynamoDBBatchResponse | undefined;
    } catch (err) {
      thrown = true;
      reason = err;
    }
    const from = retryFrom(batch, result, thrown);
    let delay: number | undefined;
    if (from < 0) {
      counts.pending -= batch.length;
      lane.attempts = 0;
      lane.limit = undefined;
    } else {
      const again = batch.slice(from);
      counts.pending -= from;
      lane.attempts = from > 0 ? 1 : lane.attempts + 1;
      if (lane.attempts > maxRetries) {
        counts.pending -= again.length;
        lane.attempts = 0;
        lane.limit = undefined;
        try {
          onDiscard(again, reason);
        } catch {
          /* a reporting hook must not stop the stream */
        }
      } else {
        lane.queue.unshift(...again);
        lane.firstAt = Date.now();
        if (thrown && bisect && again.length > 1) lane.limit = Math.ceil(again.length / 2);
        delay = backoffMs(lane.attempts, { baseMs: retryBase, maxMs: 5_000 });
      }
    }
    lane.busy = false;
    schedule(lane, delay);
  }

  return Object.assign(liveView(counts, ['pending', 'produced', 'filtered', 'invocations']), {
    enqueue(stream: string, partitionKey: string, records: readonly DynamoDBRecord[]) {
      const lanes = lanesOf(stream);
      for (const r of records) {
        counts.produced++;
        if (eventNames && !eventNames.has(r.eventName ?? '')) {
          counts.filtered++;
          continue;
        }
        const lane = lanes[laneOf(r.dynamodb!.Keys as AttributeMap, partitionKey, lanes.length)]!;
        if (lane.queue.length === 0) lane.firstAt = Date.now();
        lane.queue.push(r);
        counts.pending++;
        schedule(lane);
      }
    },
    async flush(busy: () => readonly Promise<unknown>[] = () => []) {
      flushing++;
      try {
        // Windows are skipped while flushing; retries keep their backoff.
        for (const lanes of streams.values()) {
          for (const lane of lanes) {
            if (lane.timer && lane.attempts === 0) {
              clearTimeout(lane.timer);
              lane.timer = undefined;
              schedule(lane, 0);
            }
          }
        }
        while (!closed && (counts.pending > 0 || busy().length > 0)) {
          await Promise.allSettled(busy());
          await sleep(2);
        }
      } finally {
        flushing--;
      }
    },
    async close() {
      closed = true;
      for (const lanes of streams.values()) for (const lane of lanes) clearTimeout(lane.timer);
      await Promise.allSettled([...deliveriesInFlight]);
    },
  });
}
