// The MSK event source's invocation of the function: one batch as an MSK event, retried with
// backoff on a throw; after maxRetries retries (1 + maxRetries invocations, Lambda's
// MaximumRetryAttempts) it goes to the on-failure destination and is committed past. A batch of
// several partitions that fails its first attempt can be handed back ('split') so each partition
// is retried on its own and one failing partition holds back only itself.
import { randomUUID } from 'node:crypto';
import type { MSKEvent } from 'aws-lambda';
import { buildMskEvent, type OutgoingRecord } from '../../devkit/msk-events.js';
import { backoffMs } from '../lib/backoff.js';
import { onFailureRecord, writeOnFailure } from './on-failure.js';
import type { Buffered, RunState } from './run-state.js';

export interface InvokerOptions {
  /** The function (the ingest handler). Throwing = a failed invocation. */
  invoke: (event: MSKEvent) => Promise<unknown>;
  bootstrapServers: string;
  groupId: string;
  /** The on-failure destination lives under `<dir>/msk-on-failure/`. */
  dir: string;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Test hook run after a successful invocation, before the commit; a throw halts the emulation. */
  afterInvoke?: (event: MSKEvent) => void | Promise<void>;
  state: RunState;
  onFailureFiles: string[];
  commit: (records: readonly OutgoingRecord[], gen: number) => Promise<void>;
  halt: () => Promise<void>;
}

export type Deliver = (items: Buffered[], opts?: { firstAttempt?: number; splittable?: boolean }) => Promise<'done' | 'split'>;

export function createInvoker(o: InvokerOptions): Deliver {
  const { state, maxRetries } = o;
  const { stats, log } = state;
  const retryDelay = (attempt: number) => backoffMs(attempt, { baseMs: o.retryBaseMs, maxMs: o.retryMaxMs });

  async function sendToOnFailure(
    event: MSKEvent,
    records: OutgoingRecord[],
    err: unknown,
    attempt: number,
    requestId: string,
    gen: number,
  ) {
    const file = await writeOnFailure(
      o.dir,
      onFailureRecord(event, { error: err, attempts: attempt, consumerGroup: o.groupId, requestId }),
    );
    o.onFailureFiles.push(file);
    stats.onFailureBatches++;
    stats.onFailureRecords += records.length;
    log(
      `MSK emulation: batch of ${records.length} records failed ${attempt} times (${(err as Error).message}); sent to ${file} and skipped`,
    );
    await o.commit(records, gen);
  }

  /**
   * Invokes with retries; resolves once the batch is committed, sent to on-failure, or abandoned,
   * or with 'split' when a batch of several partitions failed its first attempt and `splittable`.
   */
  return async function deliver(items, opts = {}) {
    const gen = items[0]!.generation;
    const records = items.map((i) => i.record);
    const event = buildMskEvent(records, { bootstrapServers: o.bootstrapServers });
    const requestId = randomUUID();
    const firstAttempt = opts.firstAttempt ?? 1;
    for (let attempt = firstAttempt; ; attempt++) {
      if (state.halted || gen !== state.generation) return 'done';
      stats.invocations++;
      try {
        await o.invoke(event);
      } catch (err) {
        stats.failedInvocations++;
        const partitions = Object.keys(event.records).length;
        if (opts.splittable && attempt === firstAttempt && attempt <= maxRetries && partitions > 1) {
          log(
            `MSK emulation: invocation of ${partitions} partitions failed (${(err as Error).message}); retrying each partition on its own`,
          );
          return 'split';
        }
        if (attempt > maxRetries) {
          await sendToOnFailure(event, records, err, attempt, requestId, gen);
          return 'done';
        }
        const delay = retryDelay(attempt);
        log(
          `MSK emulation: invocation failed (attempt ${attempt} of ${maxRetries + 1}): ${(err as Error).message}; retrying in ${delay} ms`,
        );
        // A stop during the backoff abandons the batch uncommitted.
        await state.stopSignal.wait(delay);
        if (state.stopping) return 'done';
        continue;
      }
      if (o.afterInvoke) {
        try {
          await o.afterInvoke(event);
        } catch (err) {
          log(`MSK emulation: killed after the invocation, before the commit (${(err as Error).message})`);
          void o.halt();
          return 'done';
        }
      }
      stats.batches++;
      stats.records += records.length;
      await o.commit(records, gen);
      return 'done';
    }
  };
}
