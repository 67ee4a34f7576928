// What the pieces of the MSK event-source emulation share while it runs: the buffered record, the
// group generation that voids older records and batches, the stop flags, the wake-up signals and
// the counters.
import type { OutgoingRecord } from '../../devkit/msk-events.js';

/** A wake-up signal: wait(ms) resolves at the next notify() or after ms. */
export class Signal {
  private waiters: Array<() => void> = [];
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((w) => w !== done);
          resolve();
        },
        Math.max(0, ms),
      );
      this.waiters.push(done);
    });
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export interface Buffered {
  record: OutgoingRecord;
  bytes: number;
  arrivedAt: number;
  generation: number;
}

export interface MskEmulationStats {
  /** Handler invocations, failed ones included. */
  invocations: number;
  failedInvocations: number;
  /** Batches the handler accepted, and their records. */
  batches: number;
  records: number;
  /** Batches / records sent to the on-failure destination. */
  onFailureBatches: number;
  onFailureRecords: number;
  /** Successful offset commits. */
  commits: number;
  /** Group (re)joins and consumer restarts seen. */
  joins: number;
  restarts: number;
}

export interface RunState {
  /** Bumped at every group (re)join and consumer restart: older buffered records and batches are void. */
  generation: number;
  /** stop(): no new batches, finish the in-flight ones. */
  stopping: boolean;
  /** Nothing more happens at all. */
  halted: boolean;
  /** Records arrived / a batch finished / stopping. */
  readonly arrived: Signal;
  /** stop() or halt(): cuts retry backoffs short. */
  readonly stopSignal: Signal;
  /** The buffer shrank / halted. */
  readonly drained: Signal;
  readonly stats: MskEmulationStats;
  readonly log: (line: string) => void;
}

export function newRunState(log: (line: string) => void): RunState {
  return {
    generation: 0,
    stopping: false,
    halted: false,
    arrived: new Signal(),
    stopSignal: new Signal(),
    drained: new Signal(),
    stats: {
      invocations: 0,
      failedInvocations: 0,
      batches: 0,
      records: 0,
      onFailureBatches: 0,
      onFailureRecords: 0,
      commits: 0,
      joins: 0,
      restarts: 0,
    },
    log,
  };
}

export const laneKey = (topic: string, partition: number): string => `${topic}|${partition}`;
