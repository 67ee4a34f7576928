// API Gateway's connection limits on the local gateway, with short values: a connection without
// client messages for the idle timeout is closed (1001), `ping` keeps it alive, and every
// connection is closed at the maximum age whatever its activity; each close runs $disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoClients } from '../functions/shared/dynamo/client.js';
import type { Realtime } from '../local/realtime.js';
import { WsClient, eventually, quietPowertools, startTestRealtime, type TestRealtime } from '../devkit/ws-harness.js';

quietPowertools();

const IDLE_MS = 1_500;
const MAX_AGE_MS = 5_000;

let t: TestRealtime;
let rt: Realtime;
let db: DynamoClients;

beforeAll(async () => {
  t = await startTestRealtime({ idleTimeoutMs: IDLE_MS, maxAgeMs: MAX_AGE_MS });
  ({ rt, db } = t);
});

afterAll(async () => {
  await t?.close();
});

async function open(): Promise<{ c: WsClient; id: string }> {
  const c = await WsClient.connect(rt.gateway.url, await t.token(['WAEMU']));
  await c.roundTrip();
  return { c, id: rt.gateway.connectionIds().slice(-1)[0]! };
}

describe('connection limits', () => {
  it('closes an idle connection with 1001 and runs $disconnect; a pinging one outlives the idle timeout, then reaches the maximum age', async () => {
    const idle = await open();
    const busy = await open();
    const opened = Date.now();
    let pings = 0;
    const timer = setInterval(() => {
      if (!busy.c.closed) {
        busy.c.send({ action: 'ping' });
        pings++;
      }
    }, IDLE_MS / 3);
    try {
      const closed = await idle.c.waitClosed(IDLE_MS * 10);
      expect(closed.code).toBe(1001);
      expect(busy.c.closed).toBeUndefined();
      await eventually(
        async () => (await db.doc.send(new GetCommand({ TableName: 'connections', Key: { connectionId: idle.id } }))).Item === undefined,
      );

      // Kept alive by pings well past several idle periods, until the maximum age ends it.
      const ended = await busy.c.waitClosed(MAX_AGE_MS * 4);
      expect(ended.code).toBe(1001);
      expect(Date.now() - opened).toBeGreaterThanOrEqual(MAX_AGE_MS - 100);
      expect(pings).toBeGreaterThan(6);
      expect(busy.c.ofType('pong').length).toBeGreaterThan(3);
      await eventually(
        async () => (await db.doc.send(new GetCommand({ TableName: 'connections', Key: { connectionId: busy.id } }))).Item === undefined,
      );
    } finally {
      clearInterval(timer);
    }
  }, 60_000);
});
