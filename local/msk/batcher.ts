// The MSK event source's scheduling loop: hands batches from the partition lanes (lanes.ts decides
// what is due) to the invoker while fewer than `concurrency` are in flight; a finished batch frees
// its lanes and wakes the loop for those partitions' next batch. A multi-partition batch the
// invoker hands back ('split') is retried per partition, each part freeing its lane when done.
import { backoffMs } from '../lib/backoff.js';
import { sleep } from '../lib/sleep.js';
import type { Deliver } from './invoker.js';
import type { PartitionLanes } from './lanes.js';
import { type Buffered, laneKey, type RunState } from './run-state.js';

export interface BatcherOptions {
  lanes: PartitionLanes<Buffered>;
  concurrency: number;
  deliver: Deliver;
  state: RunState;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Runs until stopping or halted; resolves once the batches in flight are done. */
export async function runBatcher(o: BatcherOptions): Promise<void> {
  const { lanes, state } = o;

  /** One batch from the lanes, split per partition if it fails; frees each lane as its part is done. */
  async function deliverBatch(keys: readonly string[], items: Buffered[]): Promise<void> {
    if ((await o.deliver(items, { splittable: keys.length > 1 })) === 'done') return;
    await state.stopSignal.wait(backoffMs(1, { baseMs: o.retryBaseMs, maxMs: o.retryMaxMs }));
    if (state.stopping) return;
    await Promise.all(
      keys.map(async (key) => {
        const part = items.filter((i) => laneKey(i.record.topic, i.record.partition) === key);
        try {
          await o.deliver(part, { firstAttempt: 2 });
        } finally {
          lanes.release([key], false);
          state.arrived.notify();
        }
      }),
    );
  }

  const running = new Set<Promise<void>>();
  while (!state.halted && !state.stopping) {
    lanes.dropStale(state.generation);
    let started = false;
    while (lanes.inFlight < o.concurrency) {
      const next = lanes.take(Date.now());
      if (!next) break;
      started = true;
      const job: Promise<void> = deliverBatch(next.keys, next.items)
        .catch(async (err: Error) => {
          // Only the on-failure write can get here (disk full…): the records come back after a restart.
          state.log(`MSK emulation: delivery failed unexpectedly: ${err.message}`);
          await sleep(1000);
        })
        .finally(() => {
          lanes.release(next.keys);
          running.delete(job);
          state.drained.notify();
          state.arrived.notify();
        });
      running.add(job);
    }
    if (started) continue;
    const due = lanes.nextDue();
    await state.arrived.wait(due === undefined ? 1000 : Math.min(1000, due - Date.now()));
  }
  await Promise.all([...running]);
}
