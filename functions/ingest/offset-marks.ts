// Per-partition offset high-water marks (sql/004), kept by views on raw and rejected. They decide
// nothing any more — event_id does (duplicates.ts) — and only make offset regressions visible:
// a batch that starts at or below what a partition already reached is a redelivery, a replay, a
// recreated topic or another cluster (MSK failover, MSK Replicator, a migration). Each is reported
// with topic, partition and both offsets; every record of the batch is still checked by event_id.
import type { ClickHouseClient } from '@clickhouse/client';
import type { KafkaRecord } from '../shared/msk.js';

/** "<topic>|<partition>" -> highest offset stored (raw or rejected). */
export type HighWaterMarks = Map<string, number>;
const markKey = (topic: string, partition: number) => `${topic}|${partition}`;

export interface OffsetRegression {
  topic: string;
  partition: number;
  /** Highest offset of the partition already stored. */
  storedOffset: number;
  /** Lowest offset of the partition in this batch. */
  batchOffset: number;
}

export async function readHighWaterMarks(client: ClickHouseClient, records: readonly KafkaRecord[]): Promise<HighWaterMarks> {
  const marks: HighWaterMarks = new Map();
  const topics = [...new Set(records.map((r) => r.topic))];
  if (topics.length === 0) return marks;
  const rs = await client.query({
    query: `SELECT topic, partition, toString(max(max_offset)) AS max_offset
            FROM analytics_ingest_offsets
            WHERE topic IN {topics:Array(String)}
            GROUP BY topic, partition`,
    query_params: { topics },
    format: 'JSONEachRow',
  });
  for (const row of await rs.json<{ topic: string; partition: number; max_offset: string }>()) {
    marks.set(markKey(row.topic, Number(row.partition)), Number(row.max_offset));
  }
  return marks;
}

/** Partitions of the batch whose lowest offset is at or below the stored mark. */
export function offsetRegressions(marks: HighWaterMarks, records: readonly KafkaRecord[]): OffsetRegression[] {
  const lowest = new Map<string, KafkaRecord>();
  for (const r of records) {
    const k = markKey(r.topic, r.partition);
    const l = lowest.get(k);
    if (!l || r.offset < l.offset) lowest.set(k, r);
  }
  const out: OffsetRegression[] = [];
  for (const [k, r] of lowest) {
    const mark = marks.get(k);
    if (mark !== undefined && r.offset <= mark)
      out.push({ topic: r.topic, partition: r.partition, storedOffset: mark, batchOffset: r.offset });
  }
  return out;
}
