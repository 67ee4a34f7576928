// Delta fan-out: DynamoDB stream records of the deltas table -> every connection of the room.
// One Query per room per batch; posts run with bounded concurrency; a connection that is gone
// (410) is pruned; throttling is retried with backoff; a record whose pushes still fail is
// reported in batchItemFailures so the event source mapping retries from it (snapshots are
// absolute, so re-pushing to clients that already have one changes nothing).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemToSnapshot } from '../shared/dynamo/deltas-store.js';
import type { DeltaMessage, DeltaSnapshot } from '../shared/contracts/delta.js';
import { MAX_FRAME_BYTES } from '../shared/contracts/ws.js';
import { roomKind } from '../shared/contracts/rooms.js';
import { createLogger, createMetrics } from '../shared/observability.js';
import { METRIC, SERVICE } from '../shared/observability-names.js';
import { byteLength, managementClient, managementEndpoint, postData } from '../shared/ws-management.js';
import { wsStoreFromEnv, type Membership } from '../shared/ws-store.js';
import { runPool } from './pool.js';
import { flushMetrics } from '../shared/ws-metrics.js';

const logger = createLogger(SERVICE.fanout);
const metrics = createMetrics(SERVICE.fanout);

/** Posts in flight at once (FANOUT_CONCURRENCY overrides). */
export function fanoutConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.FANOUT_CONCURRENCY ?? '64');
  return Number.isInteger(n) && n > 0 ? n : 64;
}

interface Pending {
  record: DynamoDBRecord;
  snapshot: DeltaSnapshot;
  data: string;
  failed: boolean;
}

export interface FanoutStats {
  snapshots: number;
  pushes: number;
  gone: number;
  expired: number;
  failedPushes: number;
}

/** The message one snapshot becomes: `{type:'delta', room, bucket, version, values, recorded_at, source_ts}`. */
export function deltaMessage(snapshot: DeltaSnapshot): DeltaMessage {
  return { type: 'delta', ...snapshot };
}

export async function fanout(event: DynamoDBStreamEvent, env: NodeJS.ProcessEnv = process.env): Promise<DynamoDBBatchResponse & { stats: FanoutStats }> {
  const stats: FanoutStats = { snapshots: 0, pushes: 0, gone: 0, expired: 0, failedPushes: 0 };
  const byRoom = new Map<string, Pending[]>();
  for (const record of event.Records ?? []) {
    // NEW_IMAGE stream: REMOVEs (TTL expiry of old snapshots) carry nothing to push.
    if (record.eventName === 'REMOVE' || !record.dynamodb?.NewImage) continue;
    const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
    const snapshot = itemToSnapshot(item);
    const data = JSON.stringify(deltaMessage(snapshot));
    if (byteLength(data) > MAX_FRAME_BYTES) {
      logger.warn('delta larger than one frame', { room: snapshot.room, bytes: byteLength(data) });
    }
    const list = byRoom.get(snapshot.room) ?? [];
    list.push({ record, snapshot, data, failed: false });
    byRoom.set(snapshot.room, list);
    stats.snapshots++;
  }
  if (byRoom.size === 0) return { batchItemFailures: [], stats };

  const store = wsStoreFromEnv(env);
  const client = managementClient(managementEndpoint(undefined, env), env);
  const nowSec = Math.floor(Date.now() / 1000);
  const pruned = new Set<string>();
  const prune = async (m: Membership) => {
    if (pruned.has(m.connectionId)) return;
    pruned.add(m.connectionId);
    await store.removeConnection(m.connectionId, [m.room]);
  };

  // One Query per room, then one task per (room, connection) that posts the room's snapshots in
  // stream order, so a client sees versions ascending.
  const members = await Promise.all(
    [...byRoom.keys()].map(async (room) => {
      try {
        return { room, list: await store.membersOf(room) };
      } catch (err) {
        logger.error('membership query failed', { room, error: err as Error });
        for (const p of byRoom.get(room)!) p.failed = true;
        return { room, list: [] as Membership[] };
      }
    }),
  );
  const tasks: Array<() => Promise<void>> = [];
  const perKind = new Map<string, number>();
  for (const { room, list } of members) {
    const pending = byRoom.get(room)!;
    const kind = roomKind(room) ?? 'unknown';
    for (const m of list) {
      if (m.expiresAt > 0 && m.expiresAt <= nowSec) {
        // Past API Gateway's 2-hour maximum: the socket is closed already, only the rows are left.
        stats.expired++;
        tasks.push(() => prune(m));
        continue;
      }
      tasks.push(async () => {
        for (const p of pending) {
          try {
            const outcome = await postData(client, m.connectionId, p.data);
            if (outcome === 'gone') {
              stats.gone++;
              await prune(m);
              return;
            }
            stats.pushes++;
            perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
          } catch (err) {
            stats.failedPushes++;
            p.failed = true;
            logger.warn('push failed', { room, connectionId: m.connectionId, error: err as Error });
          }
        }
      });
    }
  }
  await runPool(tasks, fanoutConcurrency(env));

  for (const [kind, n] of perKind) {
    metrics.singleMetric().addDimension('room_kind', kind).addMetric(METRIC.wsMessages, MetricUnit.Count, n);
  }
  if (stats.gone + stats.expired > 0) {
    metrics.singleMetric().addDimension('status', 'gone').addMetric(METRIC.wsConnections, MetricUnit.Count, stats.gone + stats.expired);
  }
  const pushedAt = Date.now();
  for (const list of byRoom.values()) {
    for (const p of list) {
      if (p.snapshot.source_ts !== undefined && !p.failed) {
        metrics.addMetric(METRIC.streamingLatency, MetricUnit.Seconds, Math.max(0, pushedAt - p.snapshot.source_ts) / 1000);
      }
    }
  }

  // The event source mapping retries from the lowest reported sequence number onwards.
  const failures = [...byRoom.values()]
    .flat()
    .filter((p) => p.failed)
    .map((p) => p.record.dynamodb?.SequenceNumber ?? p.record.eventID ?? '');
  if (failures.length > 0) logger.warn('records to retry', { count: failures.length });
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })), stats };
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(flushMetrics(metrics))
  .handler(async (event) => {
    const { batchItemFailures, stats } = await fanout(event);
    logger.debug('fan-out done', { ...stats });
    return { batchItemFailures };
  });

