// The MSK event as Lambda's Kafka event source delivers it, and the one decoder of its records.
// Building such events is development's business (devkit/msk-events.ts), not the runtime's.
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
