// The MSK event-source emulation's settings: an option wins, else its environment variable, else
// Lambda's default; out-of-range values are refused with the variable's name. Pure.
import { TOPICS } from '../../contracts/event.js';
import { DEFAULT_CONSUMER_GROUP } from './client.js';

export interface SettingsInput {
  groupId?: string;
  topics?: readonly string[];
  batchSize?: number;
  batchingWindowMs?: number;
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  lagIntervalMs?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
}

export interface MskSettings {
  groupId: string;
  topics: readonly string[];
  batchSize: number;
  windowMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  lagIntervalMs: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
}

export function numberSetting(
  value: number | undefined,
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = value ?? (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : fallback);
  if (!Number.isFinite(raw) || raw < min || raw > max)
    throw new Error(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(env[name] ?? value)}`);
  return raw;
}

export function mskSettings(options: SettingsInput, env: NodeJS.ProcessEnv): MskSettings {
  return {
    groupId: options.groupId ?? (env.KAFKA_CONSUMER_GROUP || DEFAULT_CONSUMER_GROUP),
    topics: options.topics ?? TOPICS,
    batchSize: numberSetting(options.batchSize, env, 'MSK_BATCH_SIZE', 100, 1, 10_000),
    windowMs: numberSetting(options.batchingWindowMs, env, 'MSK_BATCHING_WINDOW_MS', 500, 0, 300_000),
    maxRetries: numberSetting(options.maxRetries, env, 'MSK_MAX_RETRIES', 5, 0, 10_000),
    retryBaseMs: numberSetting(options.retryBaseMs, env, 'MSK_RETRY_BASE_MS', 500, 0, 600_000),
    retryMaxMs: numberSetting(options.retryMaxMs, env, 'MSK_RETRY_MAX_MS', 30_000, 0, 3_600_000),
    lagIntervalMs: numberSetting(options.lagIntervalMs, env, 'MSK_LAG_INTERVAL_MS', 15_000, 0, 86_400_000),
    startingPosition: options.startingPosition ?? (env.MSK_STARTING_POSITION === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON'),
  };
}

/** MSK_CONCURRENCY: batches in flight at once, default one per partition (as Lambda's pollers). */
export function concurrencySetting(value: number | undefined, env: NodeJS.ProcessEnv, partitionCount: number): number {
  return numberSetting(value, env, 'MSK_CONCURRENCY', Math.max(1, partitionCount), 1, 10_000);
}
