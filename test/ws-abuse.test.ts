// Hostile clients on the local gateway with the real route handlers, dynalite and the fan-out:
// prototype-named actions, a token that expires on an open connection, concurrent subscribes
// against the room limit, a subscribe flood and a resume flood — while a well-behaved client on
// the same gateway keeps receiving its deltas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Socket } from 'node:net';
import { LOCAL_DUMMY_CREDENTIALS } from '../functions/shared/dynamo/client.js';
import { startWsGateway, wsHandlersFromCatalog } from '../local/ws-gateway.js';
import type { WsEvent } from '../functions/shared/ws-management.js';
import type { DynamoClients } from '../functions/shared/dynamo/client.js';
import { writeSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import {
  MAX_ROOMS_PER_MESSAGE,
  MESSAGE_RATE,
  RESUME_LIMITS,
  type AckMessage,
  type DeltasMessage,
  type ErrorMessage,
} from '../contracts/ws.js';
import { MAX_ROOMS_PER_CONNECTION, createWsStore } from '../functions/shared/ws-store.js';
import { signDevToken, type DevKeys } from '../devkit/dev-keys.js';
import type { Realtime } from '../local/realtime.js';
import { WsClient, eventually, quietPowertools, startTestRealtime, type TestRealtime } from '../devkit/ws-harness.js';

quietPowertools();

let t: TestRealtime;
let rt: Realtime;
let keys: DevKeys;
let db: DynamoClients;
const clients: WsClient[] = [];

beforeAll(async () => {
  t = await startTestRealtime({ stream: { windowMs: 5 } });
  ({ rt, keys, db } = t);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.close();
});

async function connect(zones: string[] = ['WAEMU'], ttlSeconds = 600): Promise<WsClient> {
  const c = await WsClient.connect(rt.gateway.url, await signDevToken({ zones, ttlSeconds }, keys));
  clients.push(c);
  return c;
}

async function subscribed(rooms: string[], ttlSeconds = 600): Promise<WsClient> {
  const c = await connect(['WAEMU'], ttlSeconds);
  c.send({ action: 'subscribe', rooms });
  await c.next((m) => (m as AckMessage).type === 'ack');
  return c;
}

const minute = (i: number) => new Date(Date.UTC(2026, 10, 27, 0, 0) + i * 60_000).toISOString();

function snapshot(room: string, version: number, bucket = minute(0)): DeltaSnapshot {
  return {
    room,
    bucket,
    version,
    values: [{ type: 'wallet_txn_created', currency: 'XOF', count: 1, volume: '1000.00', fees: '10.00', merchants: 1, succeeded: 1 }],
    recorded_at: new Date().toISOString(),
    source_ts: Date.now(),
  };
}

const errors = (c: WsClient, code: ErrorMessage['code']) => c.ofType<ErrorMessage>('error').filter((e) => e.code === code);
const holds = (version: number) => (m: unknown) =>
  (m as DeltasMessage).type === 'deltas' && (m as DeltasMessage).snapshots.some((s) => s.version === version);
let nextVersion = 1_000;

/** Writes a delta to `room` and waits until `c` holds it. */
async function deliveredTo(c: WsClient, room: string, timeoutMs = 20_000): Promise<number> {
  const version = nextVersion++;
  await writeSnapshots(db.doc, 'deltas', [snapshot(room, version)]);
  await c.next(holds(version), timeoutMs);
  return version;
}

describe('route lookup', () => {
  it('prototype-named actions get the unknown-action error and the connection keeps working', async () => {
    const c = await connect();
    for (const action of ['__proto__', 'hasOwnProperty', 'constructor', 'toString', 'valueOf', '$connect', '$disconnect']) {
      const from = c.messages.length;
      c.send({ action });
      const e = await c.next<ErrorMessage>((m) => (m as ErrorMessage).type === 'error', 10_000, from);
      expect(e.code, action).toBe('unknown_action');
      expect(e.message, action).toContain(`unknown action "${action}"`);
    }
    // An own `__proto__` key from JSON.parse is not an action either.
    const from = c.messages.length;
    c.send('{"__proto__":{"action":"subscribe"},"rooms":["zone:WAEMU"]}');
    expect((await c.next<ErrorMessage>((m) => (m as ErrorMessage).type === 'error', 10_000, from)).code).toBe('unknown_action');
    await c.roundTrip();
    expect(c.closed).toBeUndefined();
    expect(c.messages.some((m) => 'message' in m && (m as { message: string }).message === 'Internal server error')).toBe(false);
  });
});

describe('token lifetime', () => {
  it('a connection whose token expires stops receiving deltas, is told token_expired and closed; a subscribe past expiry is refused', async () => {
    const room = 'country:SN';
    const watcher = await subscribed([room]);
    const shortLived = await subscribed([room], 3);
    const idle = await connect(['WAEMU'], 3);
    // Before expiry both receive.
    const before = await deliveredTo(shortLived, room);
    await watcher.next(holds(before));
    // Past the token's exp (whole seconds; one more for the clock's rounding).
    await new Promise((r) => setTimeout(r, 4_200));

    const after = await deliveredTo(watcher, room);
    const expired = await shortLived.next<ErrorMessage>((m) => (m as ErrorMessage).type === 'error', 10_000);
    expect(expired.code).toBe('token_expired');
    await shortLived.waitClosed();
    expect(shortLived.messages.some(holds(after))).toBe(false);
    // And its membership is gone: the next fan-out does not consider it.
    await eventually(async () => {
      const members = await db.doc.send(
        new QueryCommand({ TableName: 'memberships', KeyConditionExpression: 'room = :r', ExpressionAttributeValues: { ':r': room } }),
      );
      return (members.Items ?? []).length === 1;
    });

    // The idle connection (no delta came its way) cannot subscribe any more.
    idle.send({ action: 'subscribe', rooms: [room] });
    const refused = await idle.next<ErrorMessage>((m) => (m as ErrorMessage).type === 'error');
    expect(refused.code).toBe('token_expired');
    await idle.waitClosed();
    expect(idle.ofType('ack')).toEqual([]);
  }, 60_000);
});

describe('room limit', () => {
  it('30 concurrent joins of one connection never pass the limit (a conditional write against dynalite)', async () => {
    const c = await connect();
    await c.roundTrip();
    const connectionId = rt.gateway.connectionIds().slice(-1)[0]!;
    const store = createWsStore(db.doc, { connections: 'connections', memberships: 'memberships' });
    const connection = (await store.getConnection(connectionId))!;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.join(
          connection,
          Array.from({ length: 5 }, (_, j) => `city:SN:Town${i}x${j}`),
        ),
      ),
    );
    const joined = results.filter((r) => r?.ok);
    const after = (await store.getConnection(connectionId))!;
    expect(after.rooms.length).toBe(MAX_ROOMS_PER_CONNECTION);
    expect(joined.length * 5).toBe(MAX_ROOMS_PER_CONNECTION);
    for (const r of results) expect(r!.held.length).toBeLessThanOrEqual(MAX_ROOMS_PER_CONNECTION);
  });

  it('30 concurrent subscribe invocations (as on AWS, no gateway queue) never pass 50 rooms; memberships match the rooms held', async () => {
    const c = await connect();
    await c.roundTrip();
    const connectionId = rt.gateway.connectionIds().slice(-1)[0]!;
    const { subscribe } = await wsHandlersFromCatalog();
    // 20 rooms each: three admitted joins would already pass the limit if it were read-then-write.
    const roomsOf = (i: number) => Array.from({ length: MAX_ROOMS_PER_MESSAGE }, (_, j) => `city:CI:Ville${i}x${j}`);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => subscribe(messageEvent(connectionId, { action: 'subscribe', rooms: roomsOf(i) }), {} as never)),
    );
    const store = createWsStore(db.doc, { connections: 'connections', memberships: 'memberships' });
    const held = (await store.getConnection(connectionId))!.rooms;
    expect(held.length).toBeGreaterThanOrEqual(MAX_ROOMS_PER_MESSAGE);
    expect(held.length).toBeLessThanOrEqual(MAX_ROOMS_PER_CONNECTION);
    const members: string[] = [];
    for (let i = 0; i < 30; i++) {
      for (const room of roomsOf(i)) if ((await store.membersOf(room)).some((m) => m.connectionId === connectionId)) members.push(room);
    }
    expect(members.sort()).toEqual(held);
    await c.roundTrip();
    expect(errors(c, 'invalid_message').some((e) => e.message.includes(`${MAX_ROOMS_PER_CONNECTION} rooms`))).toBe(true);
  });

  it('subscribes sent back to back through the gateway end with 50 rooms held and the rest refused with the limit', async () => {
    const c = await connect();
    for (let i = 0; i < 8; i++) c.send({ action: 'subscribe', rooms: Array.from({ length: 10 }, (_, j) => `city:SN:Village${i}x${j}`) });
    await eventually(async () => c.ofType('ack').length + errors(c, 'rate_limited').length >= 8);
    const acks = c.ofType<AckMessage>('ack');
    expect(Math.max(...acks.map((a) => a.rooms.length))).toBe(MAX_ROOMS_PER_CONNECTION);
    expect(errors(c, 'invalid_message').some((e) => e.message.includes(`${MAX_ROOMS_PER_CONNECTION} rooms`))).toBe(true);
  });
});

describe('floods', () => {
  it('1,000 subscribes from one connection: it gets rate_limited errors, a well-behaved client keeps receiving deltas', async () => {
    const room = 'zone:WAEMU';
    const good = await subscribed([room]);
    await deliveredTo(good, room);
    const flood = await connect();
    for (let i = 0; i < 1_000; i++) flood.send({ action: 'subscribe', rooms: [`city:SN:Flood${i % 40}`] });
    // While the flood is being handled, every delta still reaches the good client, each within a
    // bound generous for a loaded 2-core machine (the fan-out paces at 1 s; the unbounded gateway
    // used to hold deltas back for ~25 s under this flood).
    for (let i = 0; i < 5; i++) await deliveredTo(good, room, 10_000);
    await eventually(async () => flood.ofType('ack').length + errors(flood, 'rate_limited').length >= 1_000, 60_000, 100);
    const limited = errors(flood, 'rate_limited').length;
    expect(limited).toBeGreaterThan(500);
    // The gateway's per-connection queue refused them before any handler ran.
    expect(errors(flood, 'rate_limited').some((e) => e.message.includes('queued per connection'))).toBe(true);
    expect(flood.ofType('ack').length).toBeLessThan(1_000 - 500);
    // The good client is still served as usual, and the flood client recovers at the refill rate.
    await deliveredTo(good, room);
    await new Promise((r) => setTimeout(r, 1_000 / MESSAGE_RATE.perSecond + 200));
    await flood.roundTrip();
  }, 120_000);

  it("the handlers' token bucket: messages past the burst get rate_limited and have no effect; the connection recovers", async () => {
    const c = await connect();
    const answered = () => c.ofType('pong').length + c.ofType('ack').length + errors(c, 'rate_limited').length;
    // Batches under the gateway's queue bound, so every message reaches the handler.
    for (let batch = 0; batch < 4; batch++) {
      const before = answered();
      for (let i = 0; i < 10; i++) c.send({ action: 'subscribe', rooms: [`city:SN:Bucket${batch}x${i}`] });
      await eventually(async () => answered() >= before + 10, 20_000);
    }
    const limited = errors(c, 'rate_limited').filter((e) => e.message.includes(`${MESSAGE_RATE.perSecond}/s`));
    expect(limited.length).toBeGreaterThan(0);
    // A refused subscribe joined nothing: the rooms held are exactly the acknowledged ones.
    const acked = c.ofType<AckMessage>('ack');
    expect(acked.at(-1)!.rooms.length).toBe(acked.length);
    expect(acked.length + limited.length).toBe(40);
    await new Promise((r) => setTimeout(r, 1_000 / MESSAGE_RATE.perSecond + 200));
    await c.roundTrip();
  }, 60_000);

  it('50 resumes from one connection: one in flight, capped snapshots; a well-behaved client keeps receiving deltas', async () => {
    const room = 'country:CI';
    const good = await subscribed(['zone:WAEMU']);
    const greedy = await subscribed([room]);
    // 1,200 buckets recorded for the room: more than one resume may send.
    for (let i = 0; i < 4; i++) {
      await writeSnapshots(
        db.doc,
        'deltas',
        Array.from({ length: 300 }, (_, j) => snapshot(room, 10 + i * 300 + j, minute(i * 300 + j))),
      );
    }
    // Let the fan-out push those first, so what follows counts only resume replies.
    await greedy.roundTrip();
    await eventually(async () => greedy.messages.some(holds(10 + 1_199)), 30_000, 100);
    const from = greedy.messages.length;
    for (let i = 0; i < 50; i++) greedy.send({ action: 'resume', versions: { [room]: 0 } });
    for (let i = 0; i < 3; i++) await deliveredTo(good, 'zone:WAEMU', 10_000);
    await eventually(
      async () => {
        const replies = greedy.messages
          .slice(from)
          .filter((m) => (m as DeltasMessage).resume === true || (m as ErrorMessage).type === 'error');
        return replies.length >= 50;
      },
      60_000,
      100,
    ).catch(() => undefined);
    const resumed = greedy.messages.slice(from).filter((m) => (m as DeltasMessage).resume === true) as DeltasMessage[];
    const sent = resumed.reduce((n, f) => n + f.snapshots.length, 0);
    expect(sent).toBeGreaterThan(0);
    // The minute's budget, or two minutes' when the flood straddles a minute boundary.
    expect(sent).toBeLessThanOrEqual(RESUME_LIMITS.perMinute * 2);
    expect(resumed.every((f) => f.snapshots.length <= RESUME_LIMITS.perResume)).toBe(true);
    expect(resumed.some((f) => f.truncated === true)).toBe(true);
    const refused = greedy.messages.slice(from).filter((m) => ['rate_limited', 'resume_busy'].includes((m as ErrorMessage).code));
    expect(refused.length).toBeGreaterThan(0);
    await deliveredTo(good, 'zone:WAEMU');
  }, 120_000);
});

/** A route event as API Gateway delivers it, for calling a handler directly. */
function messageEvent(connectionId: string, body: { action: string; [k: string]: unknown }): WsEvent {
  return {
    requestContext: {
      routeKey: body.action,
      eventType: 'MESSAGE',
      connectionId,
      domainName: new URL(rt.gateway.url).host,
      stage: 'local',
      requestId: 'r',
      connectedAt: Date.now(),
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as unknown as WsEvent;
}

describe("resume on AWS, where one connection's messages run concurrently", () => {
  it('two resumes at once: one is answered, the other gets resume_busy (the lease on the connection item)', async () => {
    const room = 'city:SN:Thiès';
    const c = await subscribed([room]);
    await writeSnapshots(
      db.doc,
      'deltas',
      Array.from({ length: 600 }, (_, j) => snapshot(room, 5_000 + j, minute(j))),
    );
    await eventually(async () => c.messages.some(holds(5_599)), 30_000, 100);
    const connectionId = rt.gateway.connectionIds().slice(-1)[0]!;
    const { resume } = await wsHandlersFromCatalog();
    const event = () => messageEvent(connectionId, { action: 'resume', versions: { [room]: 0 } });
    const from = c.messages.length;
    // Straight to the handlers, as API Gateway would invoke them: not through the gateway's queue.
    await Promise.all([resume(event(), {} as never), resume(event(), {} as never)]);
    await c.roundTrip();
    const replies = c.messages.slice(from);
    expect(replies.filter((m) => (m as ErrorMessage).code === 'resume_busy')).toHaveLength(1);
    const frames = replies.filter((m) => (m as DeltasMessage).resume === true) as DeltasMessage[];
    expect(frames.reduce((n, f) => n + f.snapshots.length, 0)).toBe(RESUME_LIMITS.perResume);
    expect(frames.every((f) => f.truncated === true)).toBe(true);
    // The lease is released: the next resume is answered.
    const next = c.messages.length;
    c.send({ action: 'resume', versions: { [room]: 5_590 } });
    const again = await c.next<DeltasMessage>((m) => (m as DeltasMessage).resume === true, 10_000, next);
    expect(again.snapshots.map((s) => s.version)).toEqual(Array.from({ length: 9 }, (_, i) => 5_591 + i));
  }, 60_000);
});

describe('a client that stops reading', () => {
  it('is cut (410 to @connections) once too much waits for it; another client on the gateway is still served', async () => {
    const gw = await startWsGateway({ handlers: { $connect: async () => ({ statusCode: 200 }) }, maxBufferedBytes: 256 * 1024 });
    const mgmt = new ApiGatewayManagementApiClient({
      endpoint: gw.managementEndpoint,
      region: 'us-east-1',
      credentials: LOCAL_DUMMY_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const slow = await WsClient.connect(gw.url);
      const fine = await WsClient.connect(gw.url);
      const [slowId, fineId] = gw.connectionIds();
      // Stop reading: the kernel buffers fill, then the server's send buffer grows.
      (slow.ws as unknown as { _socket: Socket })._socket.pause();
      const frame = JSON.stringify({ type: 'deltas', v: 1, snapshots: [], pad: 'x'.repeat(30_000) });
      let status = 200;
      let posts = 0;
      while (status === 200 && posts < 4_000) {
        posts++;
        status = await mgmt.send(new PostToConnectionCommand({ ConnectionId: slowId, Data: frame })).then(
          () => 200,
          (err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode ?? 0,
        );
      }
      expect(status).toBe(410);
      expect(gw.connectionIds()).toEqual([fineId]);
      await mgmt.send(new PostToConnectionCommand({ ConnectionId: fineId, Data: JSON.stringify({ type: 'pong', at: 'now' }) }));
      await fine.next((m) => (m as { type?: string }).type === 'pong');
      fine.close();
    } finally {
      mgmt.destroy();
      await gw.close();
    }
  }, 60_000);
});
