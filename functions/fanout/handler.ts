// Delta fan-out: DynamoDB stream records of the deltas table -> one `deltas` frame (or the fewest
// the frame limit allows) per connection per invocation, holding the newest snapshot of every
// bucket of all its rooms. One Query per room; rooms with more members than one chunk are pushed
// by parallel worker invocations (workers.ts). After pushing, the invocation holds until the push
// interval has passed since it started: the event source mapping delivers a lane's next batch only
// then, so records arriving meanwhile are coalesced into the next frame (the newest values win,
// nothing is dropped) and a connection gets at most one frame per interval per lane.
// Failed pushes report the records of the affected rooms in batchItemFailures.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemToSnapshots } from '../shared/dynamo/deltas-store.js';
import type { DeltaSnapshot } from '../../contracts/delta.js';
import { FANOUT_STREAM_EVENTS } from '../catalog.js';
import { createLogger, createMetrics } from '../shared/observability.js';
import { METRIC, SERVICE } from '../shared/observability-names.js';
import { closeConnection, managementClient, managementEndpoint } from '../shared/ws-management.js';
import { tokenExpiredMessage } from '../../contracts/ws.js';
import { wsStoreFromEnv, type Membership } from '../shared/ws-store.js';
import { flushMetrics } from '../shared/ws-metrics.js';
import { fanoutConfig } from './config.js';
import { deliverChunk, emptyOutcome, mergeOutcomes, type DeliveryOutcome } from './deliver.js';
import { planDelivery } from './plan.js';
import { invokeWorker } from './workers.js';

export { fanoutConcurrency } from './config.js';

const logger = createLogger(SERVICE.fanout);
const metrics = createMetrics(SERVICE.fanout);

export interface FanoutStats {
  records: number;
  snapshots: number;
  connections: number;
  /** Frames posted (what API Gateway meters). */
  pushes: number;
  workers: number;
  gone: number;
  expired: number;
  /** Connections closed because their token expired. */
  tokenExpired: number;
  failedPushes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The records worth pushing: INSERT/MODIFY with a new image (TTL removals carry nothing). */
function pushable(record: DynamoDBRecord): boolean {
  return (FANOUT_STREAM_EVENTS as readonly string[]).includes(record.eventName ?? '') && record.dynamodb?.NewImage !== undefined;
}

export async function fanout(
  event: DynamoDBStreamEvent,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DynamoDBBatchResponse & { stats: FanoutStats }> {
  const started = Date.now();
  const config = fanoutConfig(env);
  const stats: FanoutStats = {
    records: 0,
    snapshots: 0,
    connections: 0,
    pushes: 0,
    workers: 0,
    gone: 0,
    expired: 0,
    tokenExpired: 0,
    failedPushes: 0,
  };
  const byRoom = new Map<string, DeltaSnapshot[]>();
  const recordsOfRoom = new Map<string, DynamoDBRecord[]>();
  for (const record of event.Records ?? []) {
    if (!pushable(record)) continue;
    stats.records++;
    for (const s of itemToSnapshots(unmarshall(record.dynamodb!.NewImage as Record<string, AttributeValue>))) {
      (byRoom.get(s.room) ?? byRoom.set(s.room, []).get(s.room)!).push(s);
      stats.snapshots++;
    }
    const room = String(unmarshall(record.dynamodb!.Keys as Record<string, AttributeValue>).room);
    (recordsOfRoom.get(room) ?? recordsOfRoom.set(room, []).get(room)!).push(record);
  }
  if (byRoom.size === 0) return { batchItemFailures: [], stats };

  const store = wsStoreFromEnv(env);
  const failedRooms = new Set<string>();
  const membersByRoom = new Map<string, Membership[]>();
  await Promise.all(
    [...byRoom.keys()].map(async (room) => {
      try {
        membersByRoom.set(room, await store.membersOf(room));
      } catch (err) {
        logger.error('membership query failed', { room, error: err as Error });
        failedRooms.add(room);
      }
    }),
  );
  // Without a worker everything is one chunk (one pool of FANOUT_CONCURRENCY posts).
  const chunkSize = config.workerFunction ? config.chunkSize : Number.MAX_SAFE_INTEGER;
  const plan = planDelivery(byRoom, membersByRoom, { nowSec: Math.floor(started / 1000), chunkSize });
  stats.connections = plan.connections;
  stats.expired = plan.expired.length;

  const client = managementClient(managementEndpoint(undefined, env), env);
  const onError = (connectionId: string, error: unknown) => logger.warn('push failed', { connectionId, error: error as Error });
  const local = (i: number) => deliverChunk(plan.chunks[i]!, { client, store, concurrency: config.concurrency, onError });
  // One chunk is pushed here. More go to workers, every one of them in parallel: a worker has twice
  // the fan-out's memory (CPU), so a chunk kept here would be the slowest (inline without a worker).
  const outcomes: DeliveryOutcome[] = await Promise.all(
    plan.chunks.map(async (chunk, i) => {
      if (plan.chunks.length === 1 || !config.workerFunction) return local(i);
      stats.workers++;
      try {
        return await invokeWorker(config.workerFunction, chunk, env);
      } catch (err) {
        logger.error('worker invocation failed', { connections: chunk.targets.length, error: err as Error });
        return { ...emptyOutcome(), failedPushes: chunk.targets.length, failedRooms: [...new Set(chunk.targets.flatMap((t) => t.rooms))] };
      }
    }),
  );
  await Promise.all(plan.expired.map((m) => store.removeConnection(m.connectionId, [m.room]).catch(() => undefined)));
  // A connection must not outlive its token: tell it why (the dashboard reconnects with a fresh
  // token), close it through @connections DELETE and forget it. Best effort, like pruning.
  stats.tokenExpired = plan.tokenExpired.length;
  await Promise.all(
    plan.tokenExpired.map(async (t) => {
      try {
        await closeConnection(client, t.connectionId, tokenExpiredMessage());
        logger.info('token expired: connection closed', { connectionId: t.connectionId });
      } catch (err) {
        logger.warn('closing a token-expired connection failed', { connectionId: t.connectionId, error: err as Error });
      }
      await store.removeConnection(t.connectionId, t.rooms).catch(() => undefined);
    }),
  );
  const outcome = mergeOutcomes(outcomes);
  stats.pushes = outcome.frames;
  stats.gone = outcome.gone;
  stats.failedPushes = outcome.failedPushes;
  for (const r of outcome.failedRooms) failedRooms.add(r);

  if (outcome.frames > 0) metrics.addMetric(METRIC.wsMessages, MetricUnit.Count, outcome.frames);
  if (stats.gone + stats.expired > 0) {
    metrics
      .singleMetric()
      .addDimension('status', 'gone')
      .addMetric(METRIC.wsConnections, MetricUnit.Count, stats.gone + stats.expired);
  }
  if (stats.tokenExpired > 0) {
    metrics.singleMetric().addDimension('status', 'token_expired').addMetric(METRIC.wsConnections, MetricUnit.Count, stats.tokenExpired);
  }
  const pushedAt = Date.now();
  for (const [room, list] of byRoom) {
    if (failedRooms.has(room)) continue;
    const newest = Math.max(...list.map((s) => s.source_ts ?? 0));
    if (newest > 0) metrics.addMetric(METRIC.streamingLatency, MetricUnit.Seconds, Math.max(0, pushedAt - newest) / 1000);
  }

  // The event source mapping retries from the lowest reported sequence number onwards.
  const failures = [...failedRooms].flatMap((room) =>
    (recordsOfRoom.get(room) ?? []).map((r) => r.dynamodb?.SequenceNumber ?? r.eventID ?? ''),
  );
  if (failures.length > 0) logger.warn('records to retry', { count: failures.length, rooms: [...failedRooms] });
  // Pace the lane (see the header); not when records must be retried anyway.
  const hold = started + config.pushIntervalMs - Date.now();
  if (failures.length === 0 && stats.pushes > 0 && hold > 0) await sleep(hold);
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
