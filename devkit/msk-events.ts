// Builds MSK events as Lambda's Kafka event source delivers them (functions/shared/msk.ts holds
// the shape and the one decoder). The local event-source emulation, the event generator, scripts
// and tests all build with this, so the ingest handler sees the same shape everywhere.
import type { MSKEvent, MSKRecord } from '../functions/shared/msk.js';

export interface OutgoingRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer | undefined>;
}

export const LOCAL_CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:000000000000:cluster/molam-local/00000000-0000-0000-0000-000000000000-1';

function b64(data: string | Buffer | null | undefined): string {
  if (data === null || data === undefined) return '';
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
}

/** Builds an MSK event grouped by "<topic>-<partition>" as Lambda does, records in offset order. */
export function buildMskEvent(records: OutgoingRecord[], opts: { clusterArn?: string; bootstrapServers?: string } = {}): MSKEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const r of records) {
    const key = `${r.topic}-${r.partition}`;
    (grouped[key] ??= []).push({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: 'CREATE_TIME',
      key: b64(r.key ?? null),
      value: b64(r.value),
      headers: Object.entries(r.headers ?? {}).map(([k, v]) => ({
        [k]: [...(typeof v === 'string' ? Buffer.from(v) : (v ?? Buffer.alloc(0)))],
      })),
    } as MSKRecord);
  }
  for (const list of Object.values(grouped)) list.sort((a, b) => a.offset - b.offset);
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: opts.clusterArn ?? LOCAL_CLUSTER_ARN,
    bootstrapServers: opts.bootstrapServers ?? '127.0.0.1:9092',
    records: grouped,
  };
}
