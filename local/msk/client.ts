// The kafkajs client settings shared by the MSK event-source emulation and the produce/replay
// tools: retries long enough to ride out a broker restart, and kafkajs' own log routed to ours.
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

export const DEFAULT_BROKERS = '127.0.0.1:9092';
export const DEFAULT_CONSUMER_GROUP = 'analytics-consumer';

/**
 * kafkajs retries each request with exponential backoff; 30 retries capped at 3 s each cover a
 * broker that is gone for well over a minute (a restart takes a few seconds here).
 */
export const KAFKA_RETRY = { retries: 30, initialRetryTime: 300, maxRetryTime: 3000, factor: 0.2, multiplier: 2 } as const;

const LEVELS: Record<string, logLevel> = {
  NOTHING: logLevel.NOTHING,
  ERROR: logLevel.ERROR,
  WARN: logLevel.WARN,
  INFO: logLevel.INFO,
  DEBUG: logLevel.DEBUG,
};

/** Brokers from a flag or KAFKA_BROKERS, as a list ("h1:9092,h2:9092"). */
export function parseBrokers(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of list) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) throw new Error(`broker address must be host:port, got ${JSON.stringify(b)}`);
  }
  return list;
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Where kafkajs' own log lines go (default: nowhere). */
  log?: (line: string) => void;
  /** kafkajs log level name: NOTHING, ERROR, WARN, INFO, DEBUG (default KAFKAJS_LOG_LEVEL or ERROR). */
  level?: string;
  retry?: KafkaConfig['retry'];
}

export function kafkaClient(opts: KafkaClientOptions): Kafka {
  const level = LEVELS[(opts.level ?? process.env.KAFKAJS_LOG_LEVEL ?? 'ERROR').toUpperCase()] ?? logLevel.ERROR;
  const log = opts.log;
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: opts.retry ?? { ...KAFKA_RETRY },
    logLevel: log ? level : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, error } = entry.log;
      const name = Object.keys(LEVELS).find((k) => LEVELS[k] === entry.level) ?? String(entry.level);
      log(`[kafkajs ${name}] ${entry.namespace}: ${message}${error ? ` (${String(error)})` : ''}`);
    },
  });
}
