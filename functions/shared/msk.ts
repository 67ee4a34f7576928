// The MSK event as Lambda's Kafka event source delivers it, and the one decoder of its records.
// The local event-source emulation and the event generator build events with buildMskEvent, so
// the handler sees the same shape everywhere.
import type { MSKEvent, MSKRecord } from 'aws-lambda';

export type { MSKEvent, MSKRecord };

/** A Kafka record with its value decoded from base64, still unvalidated. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka record timestamp (epoch ms). */
  timestamp: number;
  key: string;
  value: Buffer;
  /** The value exactly as delivered (base64), kept for quarantine. */
  valueBase64: string;
}

export function decodeMskRecords(event: MSKEvent): KafkaRecord[] {
  const out: KafkaRecord[] = [];
  for (const records of Object.values(event.records ?? {})) {
    for (const r of records) {
      const valueBase64 = r.value ?? '';
      out.push({
        topic: r.topic,
        partition: Number(r.partition),
        offset: Number(r.offset),
        timestamp: Number(r.timestamp),
        key: r.key ? Buffer.from(r.key, 'base64').toString('utf8') : '',
        value: Buffer.from(valueBase64, 'base64'),
        valueBase64,
      });
    }
  }
  return out;
}

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
