// The one retry delay of the code base: exponential (base · 2^(retry − 1)), capped, with an optional
// jitter. Runtime code (management posts, batch writes, limit contention) and the local cloud's
// emulators (stream and MSK event source mappings, the generator) all take their delays from here.

/**
 * `none`: the delay itself (an emulated AWS retry policy, deterministic). `full`: uniform in
 * [0, delay) (AWS's "full jitter", for contention). `equal`: uniform in [delay/2, delay).
 */
export type Jitter = 'none' | 'full' | 'equal';

export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Longest delay, ms (before jitter). Default: no cap. */
  maxMs?: number;
  jitter?: Jitter;
  /** [0, 1) source (tests inject one). Default Math.random. */
  random?: () => number;
}

/** Delay before retry number `retry` (1 = the first retry), ms. */
export function backoffMs(retry: number, options: BackoffOptions): number {
  const delay = Math.min(options.maxMs ?? Number.POSITIVE_INFINITY, options.baseMs * 2 ** Math.max(0, retry - 1));
  const jitter = options.jitter ?? 'none';
  if (jitter === 'none') return delay;
  const r = (options.random ?? Math.random)();
  return jitter === 'full' ? r * delay : delay * (0.5 + r / 2);
}
