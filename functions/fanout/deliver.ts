// Posts one delivery chunk: every target's frames in order, with bounded concurrency over one
// reused management client. A connection that is gone (410) is pruned; throttling is retried
// with backoff (postData); a post that still fails marks the target's rooms as failed so the
// caller reports their stream records for redelivery (snapshots are absolute: re-pushing is safe).
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { postData, type RetryOptions } from '../shared/ws-management.js';
import type { WsStore } from '../shared/ws-store.js';
import type { DeliveryChunk } from './plan.js';
import { runPool } from '../shared/pool.js';

export interface DeliveryOutcome {
  /** Frames posted. */
  frames: number;
  /** Connections that received all their frames. */
  connections: number;
  gone: number;
  failedPushes: number;
  /** Rooms of connections whose push failed (their records must be redelivered). */
  failedRooms: string[];
}

export interface DeliverDeps {
  client: ApiGatewayManagementApiClient;
  store: Pick<WsStore, 'removeConnection'>;
  concurrency: number;
  retry?: RetryOptions;
  onError?: (connectionId: string, err: unknown) => void;
}

export function emptyOutcome(): DeliveryOutcome {
  return { frames: 0, connections: 0, gone: 0, failedPushes: 0, failedRooms: [] };
}

export function mergeOutcomes(outcomes: readonly DeliveryOutcome[]): DeliveryOutcome {
  const out = emptyOutcome();
  const rooms = new Set<string>();
  for (const o of outcomes) {
    out.frames += o.frames;
    out.connections += o.connections;
    out.gone += o.gone;
    out.failedPushes += o.failedPushes;
    for (const r of o.failedRooms) rooms.add(r);
  }
  out.failedRooms = [...rooms].sort();
  return out;
}

export async function deliverChunk(chunk: DeliveryChunk, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const out = emptyOutcome();
  const failed = new Set<string>();
  const tasks = chunk.targets.map((t) => async () => {
    for (const data of chunk.frames[t.group] ?? []) {
      try {
        if ((await postData(deps.client, t.connectionId, data, deps.retry)) === 'gone') {
          out.gone++;
          await deps.store.removeConnection(t.connectionId, t.rooms).catch((err: unknown) => deps.onError?.(t.connectionId, err));
          return;
        }
        out.frames++;
      } catch (err) {
        out.failedPushes++;
        for (const r of t.rooms) failed.add(r);
        deps.onError?.(t.connectionId, err);
        return;
      }
    }
    out.connections++;
  });
  await runPool(tasks, deps.concurrency);
  out.failedRooms = [...failed].sort();
  return out;
}
