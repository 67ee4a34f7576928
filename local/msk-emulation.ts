// Placeholder replaced by the MSK event-source emulation (issue 8).
import type { MSKEvent } from 'aws-lambda';

export interface MskEmulationOptions {
  brokers: string[];
  invoke: (event: MSKEvent) => Promise<unknown>;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  dir: string;
}

export async function startMskEmulation(_options: MskEmulationOptions): Promise<{ stop(): Promise<void> }> {
  throw new Error('KAFKA_BROKERS is set but the MSK event-source emulation is not available yet');
}
