// Where the local cloud's events come from: Kafka when KAFKA_BROKERS is set (the MSK event-source
// emulation), else the built-in generator at GENERATOR_RATE events/s (0: none).
import type { ClickHouseClient } from '@clickhouse/client';
import type { MSKEvent } from 'aws-lambda';
import { envNumber } from './config.js';
import { startGeneratorSource } from './generator-source.js';
import type { MskEmulation, MskEmulationOptions } from './msk-emulation.js';

export interface EventSourceOptions {
  env: NodeJS.ProcessEnv;
  /** The ingest handler as the event source calls it. */
  ingest: (event: MSKEvent) => Promise<unknown>;
  clickhouse: ClickHouseClient;
  /** Data directory (the MSK on-failure destination lives under it). */
  dir: string;
  log: (line: string) => void;
  /** Events/s of the generator; default GENERATOR_RATE or 200. Ignored with Kafka. */
  generatorRate?: number;
  msk?: Partial<Omit<MskEmulationOptions, 'brokers' | 'invoke'>>;
}

export interface EventSource {
  msk?: MskEmulation;
  stop(): Promise<void>;
}

export async function startEventSource(o: EventSourceOptions): Promise<EventSource | undefined> {
  const brokers = o.env.KAFKA_BROKERS?.trim();
  if (brokers) {
    const { startMskEmulation } = await import('./msk-emulation.js');
    const msk = await startMskEmulation({ brokers: brokers.split(','), invoke: o.ingest, env: o.env, log: o.log, dir: o.dir, ...o.msk });
    o.log(`event source: Kafka ${brokers} (MSK event-source emulation)`);
    return { msk, stop: () => msk.stop() };
  }
  const rate = o.generatorRate ?? envNumber(o.env, 'GENERATOR_RATE', 200);
  if (rate <= 0) {
    o.log('event source: none (GENERATOR_RATE=0)');
    return undefined;
  }
  const generator = await startGeneratorSource({
    rate,
    clickhouse: o.clickhouse,
    invoke: o.ingest,
    onError: (err) => o.log(`generator batch failed, retrying: ${(err as Error).message}`),
  });
  o.log(`event source: built-in generator, ${rate} events/s (GENERATOR_RATE)`);
  return generator;
}
