// Fan-out settings, read from the environment once per invocation (CDK sets them; tests override).
import { DEFAULT_PUSH_INTERVAL_MS } from '../../contracts/ws.js';

export interface FanoutConfig {
  /** Posts in flight at once per invocation (FANOUT_CONCURRENCY, default 64). */
  concurrency: number;
  /** Connections one invocation pushes itself; more go to workers (FANOUT_CHUNK_SIZE, default 1,000). */
  chunkSize: number;
  /** Worker function name or ARN (FANOUT_WORKER_FUNCTION); unset: everything inline. */
  workerFunction?: string;
  /** Minimum time between two pushes of one stream lane (FANOUT_PUSH_INTERVAL_MS, default 1 s, 0 = off). */
  pushIntervalMs: number;
}

function positiveInt(raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= min ? n : fallback;
}

export function fanoutConfig(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  const worker = env.FANOUT_WORKER_FUNCTION?.trim();
  return {
    concurrency: positiveInt(env.FANOUT_CONCURRENCY, 64),
    chunkSize: positiveInt(env.FANOUT_CHUNK_SIZE, 1_000),
    ...(worker ? { workerFunction: worker } : {}),
    pushIntervalMs: positiveInt(env.FANOUT_PUSH_INTERVAL_MS, DEFAULT_PUSH_INTERVAL_MS, 0),
  };
}

/** Posts in flight at once (FANOUT_CONCURRENCY overrides). */
export function fanoutConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  return fanoutConfig(env).concurrency;
}
