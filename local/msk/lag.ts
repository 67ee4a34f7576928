// Consumer lag per partition (committed offset vs high watermark), the figure the predecessor
// exported as the Prometheus metric kafka_consumergroup_lag. Exposed as a log line and as CloudWatch
// EMF documents (one per partition, dimensions consumergroup/topic/partition).
import type { Admin } from 'kafkajs';
import { METRIC, METRICS_NAMESPACE } from '../../functions/shared/observability-names.js';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Committed offset of the group (the next record it will read); -1 when it has none yet. */
  committed: number;
  /** Log start and end (high watermark) offsets. */
  low: number;
  high: number;
  /** Records not yet committed: high - committed (high - low when nothing is committed). */
  lag: number;
}

export async function fetchLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const committed = new Map<string, number>();
  for (const t of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
    for (const p of t.partitions) committed.set(`${t.topic}|${p.partition}`, Number(p.offset));
  }
  const out: PartitionLag[] = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const c = committed.get(`${topic}|${p.partition}`) ?? -1;
      const low = Number(p.low);
      const high = Number(p.high);
      out.push({ topic, partition: p.partition, committed: c, low, high, lag: Math.max(0, high - (c >= 0 ? c : low)) });
    }
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** `kafka_consumergroup_lag consumergroup=… total=N topic/partition=lag …` */
export function lagLogLine(groupId: string, lags: readonly PartitionLag[]): string {
  const total = lags.reduce((s, l) => s + l.lag, 0);
  return `${METRIC.consumerLag} consumergroup=${groupId} total=${total} ${lags.map((l) => `${l.topic}/${l.partition}=${l.lag}`).join(' ')}`;
}

/** One CloudWatch embedded-metric-format document per partition. */
export function lagEmf(groupId: string, lags: readonly PartitionLag[], now = Date.now()): string[] {
  return lags.map((l) =>
    JSON.stringify({
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [['consumergroup', 'topic', 'partition']],
            Metrics: [{ Name: METRIC.consumerLag, Unit: 'Count' }],
          },
        ],
      },
      consumergroup: groupId,
      topic: l.topic,
      partition: String(l.partition),
      [METRIC.consumerLag]: l.lag,
    }),
  );
}
