// Deltas to browsers on real parts: MSK batch -> the ingest handler (chdb over the ClickHouse HTTP
// protocol) -> deltas table in dynalite, through the stream proxy -> DynamoDBStreamEvent -> the
// fan-out handler -> the local gateway's @connections API -> real WebSocket clients.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, MSKEvent } from 'aws-lambda';
import type { DynamoClients } from '../functions/shared/dynamo/client.js';
import { snapshotsToItems, writeSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import { applySnapshot, bucketKey, type BucketState, type DeltaSnapshot } from '../contracts/delta.js';
import { DEFAULT_PUSH_INTERVAL_MS, DELTAS_MESSAGE_VERSION, MAX_FRAME_BYTES, type AckMessage, type DeltasMessage } from '../contracts/ws.js';
import { fanoutConfig } from '../functions/fanout/config.js';
import { batchWriteAll } from '../functions/shared/dynamo/batch-write.js';
import { toUnits } from '../contracts/decimal.js';
import { EventGenerator, toMskEvent, type GeneratedRecord } from '../devkit/generator.js';
import { signDevToken, type DevKeys } from '../devkit/dev-keys.js';
import { lambdaContext } from '../local/lambda-context.js';
import { sandboxCpuMicros } from '../local/lambda-sandbox.js';
import type { Realtime } from '../local/realtime.js';
import { startTestClickHouse, type TestClickHouse } from '../devkit/engines.js';
import { expectedByRoom, type Expected } from './support/totals.js';
import { WsClient, eventually, quietPowertools, startTestRealtime, type TestRealtime } from '../devkit/ws-harness.js';

quietPowertools();

let t: TestRealtime;
let ch: TestClickHouse;
let rt: Realtime;
let keys: DevKeys;
let db: DynamoClients;
let ingest: (event: MSKEvent, context: Context) => Promise<unknown>;
const clients: WsClient[] = [];

async function join_(zones: string[], rooms: string[]): Promise<WsClient> {
  const c = await WsClient.connect(rt.gateway.url, await signDevToken({ zones, ttlSeconds: 600 }, keys));
  clients.push(c);
  c.send({ action: 'subscribe', rooms });
  await c.next((m) => (m as AckMessage).type === 'ack');
  return c;
}

/** The `deltas` frames a client received (from message index `from`). */
function frames(c: WsClient, from = 0): DeltasMessage[] {
  return c.messages.slice(from).filter((m) => (m as DeltasMessage).type === 'deltas') as DeltasMessage[];
}

/** Every snapshot pushed to a client, in arrival order. */
function deltas(c: WsClient, from = 0): DeltaSnapshot[] {
  return frames(c, from).flatMap((f) => f.snapshots);
}

const holds = (version: number) => (m: unknown) =>
  (m as DeltasMessage).type === 'deltas' && (m as DeltasMessage).snapshots.some((s) => s.version === version);

/** What a dashboard holds: the latest snapshot of every (room, bucket) it received. */
function stateOf(c: WsClient): BucketState {
  const state: BucketState = new Map();
  for (const d of deltas(c)) applySnapshot(state, d);
  return state;
}

function comparable(s: DeltaSnapshot) {
  return Object.fromEntries(
    s.values.map((v) => [
      `${v.type}|${v.currency}`,
      { count: v.count, volume: toUnits(v.volume), fees: toUnits(v.fees), merchants: v.merchants },
    ]),
  );
}

function comparableExpected(m: Map<string, Expected>) {
  return Object.fromEntries([...m].map(([k, v]) => [k, { count: v.count, volume: v.volume, fees: v.fees, merchants: v.merchants.size }]));
}

async function membersOf(room: string): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: 'memberships',
        KeyConditionExpression: 'room = :r',
        ExpressionAttributeValues: { ':r': room },
        ExclusiveStartKey: start,
      }),
    );
    ids.push(...(out.Items ?? []).map((i) => String(i.connectionId)));
    start = out.LastEvaluatedKey;
  } while (start);
  return ids;
}

function snapshot(room: string, version: number, count: number): DeltaSnapshot {
  return {
    room,
    bucket: '2026-11-27T10:15:00.000Z',
    version,
    values: [{ type: 'payout.settled', currency: 'XAF', count, volume: `${count * 250}.0000`, fees: '1.5000', merchants: 1, succeeded: 0 }],
    recorded_at: new Date().toISOString(),
    source_ts: Date.now(),
  };
}

beforeAll(async () => {
  [t, ch] = await Promise.all([startTestRealtime({ stream: { windowMs: 5 } }), startTestClickHouse()]);
  ({ rt, db, keys } = t);
  process.env.CLICKHOUSE_URL = ch.server.url;
  const mod = (await import('../functions/ingest/handler.js')) as { handler: (e: MSKEvent, c: Context) => Promise<unknown> };
  ingest = mod.handler;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([t?.close(), ch?.close()]);
});

describe('MSK batch -> ingest -> stream -> fan-out -> clients', () => {
  let waemu: WsClient, senegal: WsClient, cityClient: WsClient, world: WsClient, cemac: WsClient;
  let records: GeneratedRecord[];
  let city: string;

  it('every client of an affected room holds the snapshot with the right values; other rooms get nothing', async () => {
    const all = new EventGenerator({ seed: 7, lateShare: 0 }).records(400);
    records = all.filter((r) => r.event?.zone === 'WAEMU');
    expect(records.length).toBeGreaterThan(100);
    const sn = records.find((r) => r.event!.country === 'SN')!.event!;
    city = `city:SN:${sn.city}`;

    waemu = await join_(['WAEMU'], ['zone:WAEMU']);
    senegal = await join_(['WAEMU'], ['country:SN']);
    cityClient = await join_(['WAEMU'], [city]);
    world = await join_(['*'], ['global']);
    cemac = await join_(['CEMAC'], ['zone:CEMAC', 'country:CM']);

    await ingest(toMskEvent(records), lambdaContext('Ingest'));
    await rt.streams.flush();
    for (const c of [waemu, senegal, cityClient, world, cemac]) await c.roundTrip();

    const expected = expectedByRoom(records);
    for (const [c, room] of [
      [waemu, 'zone:WAEMU'],
      [senegal, 'country:SN'],
      [cityClient, city],
      [world, 'global'],
    ] as const) {
      const state = stateOf(c);
      const keysOfRoom = [...expected.keys()].filter((k) => k.startsWith(`${room}|`)).sort();
      expect(keysOfRoom.length, room).toBeGreaterThan(0);
      expect([...state.keys()].sort(), room).toEqual(keysOfRoom);
      for (const key of keysOfRoom) {
        const s = state.get(key)!;
        expect(comparable(s), key).toEqual(comparableExpected(expected.get(key)!));
        expect(s.source_ts, key).toBeGreaterThan(0);
        expect(Date.parse(s.recorded_at)).toBeGreaterThan(0);
        expect(s.version).toBeGreaterThan(0);
      }
      // Only snapshots of the subscribed room reach a client.
      expect(deltas(c).every((d) => d.room === room)).toBe(true);
    }
    expect(deltas(cemac)).toEqual([]);
  });

  it('a batch over many rooms and minutes reaches each client in one frame (or the fewest 32 KB allows), with exactly its rooms', async () => {
    const now = Date.now();
    const all = new EventGenerator({ seed: 11, now: () => now, spreadMs: 30 * 60_000, lateShare: 0 }).records(600);
    const batch = all.filter((r) => r.event?.zone === 'WAEMU');
    const ci = batch.find((r) => r.event!.country === 'CI')!.event!;
    const both = await join_(['WAEMU'], ['zone:WAEMU', 'country:CI']);
    const one = await join_(['WAEMU'], [`city:CI:${ci.city}`]);
    const everything = await join_(['*'], ['global']);
    const marks = new Map([both, one, everything].map((c) => [c, c.messages.length]));
    await ingest(toMskEvent(batch, { startOffset: 50_000 }), lambdaContext('Ingest'));
    await rt.streams.flush();
    // Snapshots are absolute: the minutes also hold the first test's events.
    const expected = expectedByRoom([...(records ?? []), ...batch]);
    for (const [c, rooms] of [
      [both, ['zone:WAEMU', 'country:CI']],
      [one, [`city:CI:${ci.city}`]],
      [everything, ['global']],
    ] as const) {
      await c.roundTrip();
      const got = frames(c, marks.get(c));
      const snaps = got.flatMap((f) => f.snapshots);
      const touched = expectedByRoom(batch);
      const wanted = [...touched.keys()].filter((k) => rooms.some((r) => k.startsWith(`${r}|`))).sort();
      expect(wanted.length, rooms.join()).toBeGreaterThan(rooms.length * 3);
      // Every bucket of exactly its rooms, once, with the right absolute values.
      expect(snaps.map((x) => bucketKey(x.room, x.bucket)).sort(), rooms.join()).toEqual(wanted);
      for (const x of snaps)
        expect(comparable(x), bucketKey(x.room, x.bucket)).toEqual(comparableExpected(expected.get(bucketKey(x.room, x.bucket))!));
      // The fewest frames: greedy packing wastes less than one snapshot per frame.
      const sizes = got.map((f) => Buffer.byteLength(JSON.stringify(f)));
      const largest = Math.max(...snaps.map((x) => Buffer.byteLength(JSON.stringify(x))));
      const total = sizes.reduce((a, b) => a + b, 0);
      for (const n of sizes) expect(n).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      if (total <= MAX_FRAME_BYTES) expect(got.length, rooms.join()).toBe(1);
      expect(got.length).toBeLessThanOrEqual(Math.ceil(total / (MAX_FRAME_BYTES - largest)));
      expect(got.every((f) => f.v === DELTAS_MESSAGE_VERSION && f.resume === undefined)).toBe(true);
    }
    // The multi-room client got both rooms together: one frame when they fit.
    expect(frames(both, marks.get(both)).length).toBe(1);
  });

  it("ten batches inside one push interval: at most the interval's frames, the last holding the newest values", async () => {
    const room = 'country:TG';
    const c = await join_(['WAEMU'], [room]);
    const interval = fanoutConfig().pushIntervalMs;
    expect(interval).toBe(DEFAULT_PUSH_INTERVAL_MS);
    // Start on an idle lane (an earlier invocation's hold has passed).
    await rt.streams.flush();
    await new Promise((r) => setTimeout(r, interval));
    const from = c.messages.length;
    const base = Date.now() * 1000;
    const started = performance.now();
    for (let i = 1; i <= 10; i++) await writeSnapshots(db.doc, 'deltas', [snapshot(room, base + i, i)]);
    const elapsed = performance.now() - started;
    await rt.streams.flush();
    await c.roundTrip();
    const got = frames(c, from);
    // Leading edge + one frame per interval after it; slow writes (a loaded machine) may span more intervals.
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got.length).toBeLessThanOrEqual(1 + Math.ceil(elapsed / interval));
    if (elapsed < interval) expect(got.length).toBeLessThanOrEqual(2);
    const last = got.at(-1)!.snapshots.find((x) => x.room === room)!;
    expect([last.version, last.values[0]!.count]).toEqual([base + 10, 10]);
    // Versions only ever go up on the client.
    const versions = got.flatMap((f) => f.snapshots.map((x) => x.version));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('a replayed snapshot or a retried batch does not change what a client holds', async () => {
    const before = stateOf(waemu);
    const pushedBefore = deltas(waemu).length;
    // The same snapshot item written again: a MODIFY on the stream, pushed again.
    const held = [...before.values()][0]!;
    await db.doc.send(new PutCommand({ TableName: 'deltas', Item: snapshotsToItems([held])[0]! }));
    // The same MSK batch delivered again (event source retry).
    await ingest(toMskEvent(records), lambdaContext('Ingest'));
    await rt.streams.flush();
    await waemu.roundTrip();
    expect(deltas(waemu).length).toBeGreaterThan(pushedBefore);
    const replayed = deltas(waemu).slice(pushedBefore);
    expect(replayed.some((d) => d.version === held.version && d.bucket === held.bucket)).toBe(true);
    const after = stateOf(waemu);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [k, s] of after) expect(comparable(s), k).toEqual(comparable(before.get(k)!));
  });

  it('a connection that vanished (410) is pruned from DynamoDB on the next fan-out; aged-out ones are skipped', async () => {
    const room = 'zone:WAEMU';
    const ghost = 'Gh0stConnXyz12=';
    const old = 'Old0ConnXyz123=';
    const future = Math.floor(Date.now() / 1000) + 3600;
    await db.doc.send(
      new PutCommand({
        TableName: 'connections',
        Item: {
          connectionId: ghost,
          sub: 'x',
          zones: ['WAEMU'],
          connectedAt: Date.now(),
          expiresAt: future,
          rooms: new Set([room, 'country:CI']),
        },
      }),
    );
    await db.doc.send(new PutCommand({ TableName: 'memberships', Item: { room, connectionId: ghost, expiresAt: future } }));
    await db.doc.send(new PutCommand({ TableName: 'memberships', Item: { room: 'country:CI', connectionId: ghost, expiresAt: future } }));
    await db.doc.send(
      new PutCommand({ TableName: 'memberships', Item: { room, connectionId: old, expiresAt: Math.floor(Date.now() / 1000) - 5 } }),
    );
    expect(await membersOf(room)).toEqual(expect.arrayContaining([ghost, old]));

    const from = waemu.messages.length;
    await writeSnapshots(db.doc, 'deltas', [snapshot(room, Date.now() * 1000, 3)]);
    await rt.streams.flush();
    await eventually(async () => {
      const members = await membersOf(room);
      return !members.includes(ghost) && !members.includes(old);
    });
    expect(await membersOf('country:CI')).not.toContain(ghost);
    expect((await db.doc.send(new GetCommand({ TableName: 'connections', Key: { connectionId: ghost } }))).Item).toBeUndefined();
    // The live subscriber still got it.
    await waemu.roundTrip();
    expect(deltas(waemu, from).map((d) => d.values[0]!.count)).toEqual([3]);
  });
});

describe('fan-out under faults of the management API', () => {
  let faults: Server;
  let seen: Map<string, number[]>;

  afterAll(async () => {
    process.env.WS_MANAGEMENT_ENDPOINT = rt.gateway.managementEndpoint;
    await new Promise<void>((r) => faults?.close(() => r()));
  });

  it('retries throttled pushes, and reports failed records so the stream redelivers them', async () => {
    const room = 'city:SN:Dakar';
    const a = await join_(['WAEMU'], [room]);
    const b = await join_(['WAEMU'], [room]);
    const [idA, idB] = rt.gateway.connectionIds().slice(-2) as [string, string];
    seen = new Map();
    // In front of the gateway: A is throttled twice (429), B fails once (500), then all pass.
    const target = new URL(rt.gateway.managementEndpoint);
    faults = createServer((req, res) => {
      const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = (seen.get(id) ?? []).length + 1;
        const fail = req.method === 'POST' && ((id === idA && n <= 2 && 429) || (id === idB && n === 1 && 500));
        seen.set(id, [...(seen.get(id) ?? []), fail || 200]);
        if (fail) {
          const type = fail === 429 ? 'LimitExceededException' : 'InternalServerErrorException';
          res.writeHead(fail, { 'content-type': 'application/json', 'x-amzn-errortype': type });
          res.end(JSON.stringify({ message: type }));
          return;
        }
        const up = httpRequest(
          { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (r) => {
            res.writeHead(r.statusCode ?? 500, r.headers);
            r.pipe(res);
          },
        );
        up.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => faults.listen(0, '127.0.0.1', () => r()));
    process.env.WS_MANAGEMENT_ENDPOINT = `http://127.0.0.1:${(faults.address() as AddressInfo).port}`;

    const version = Date.now() * 1000 + 1;
    await writeSnapshots(db.doc, 'deltas', [snapshot(room, version, 11)]);
    await rt.streams.flush();
    process.env.WS_MANAGEMENT_ENDPOINT = rt.gateway.managementEndpoint;
    for (const c of [a, b]) await c.roundTrip();

    expect(seen.get(idA)?.slice(0, 3)).toEqual([429, 429, 200]);
    // B failed once, the record was reported in batchItemFailures and delivered again.
    expect(seen.get(idB)?.slice(0, 2)).toEqual([500, 200]);
    for (const c of [a, b]) expect(deltas(c).filter((d) => d.version === version).length).toBeGreaterThanOrEqual(1);
    // Both still registered: neither throttling nor a 500 prunes a connection.
    expect((await membersOf(room)).sort()).toEqual(expect.arrayContaining([idA, idB]));
  });
});

describe('scale', () => {
  it('a 20,000-member room is split across parallel workers: each member gets the frame once, gone ones are pruned, throttled posts retried', async () => {
    const room = 'country:GA';
    const real = await Promise.all(Array.from({ length: 20 }, () => join_(['CEMAC'], [room])));
    const realIds = new Set(rt.gateway.connectionIds().slice(-20));
    const synthetic = Array.from({ length: 20_000 - real.length }, (_, i) => `Syn${String(i).padStart(7, '0')}xyz=`);
    const gone = new Set(synthetic.filter((_, i) => i % 1000 === 7));
    const throttled = new Set(synthetic.filter((_, i) => i % 1000 === 500));
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await batchWriteAll(
      db.doc,
      'memberships',
      synthetic.map((connectionId) => ({ PutRequest: { Item: { room, connectionId, expiresAt } } })),
    );
    expect((await membersOf(room)).length).toBe(20_000);

    // The management API as the workers see it: real connections go on to the gateway; synthetic
    // ones answer 200, 410 (gone) or 429 once (throttled).
    const posts = new Map<string, number[]>();
    const target = new URL(rt.gateway.managementEndpoint);
    const api = createServer((req, res) => {
      const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = posts.get(id) ?? [];
        const status = realIds.has(id) ? 200 : gone.has(id) ? 410 : throttled.has(id) && seen.length === 0 ? 429 : 200;
        posts.set(id, [...seen, status]);
        if (status !== 200) {
          const type = status === 410 ? 'GoneException' : 'LimitExceededException';
          res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
          res.end(JSON.stringify({ message: type }));
        } else if (realIds.has(id)) {
          const up = httpRequest(
            { hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
            (r) => {
              res.writeHead(r.statusCode ?? 500, r.headers);
              r.pipe(res);
            },
          );
          up.end(Buffer.concat(chunks));
        } else {
          res.writeHead(200, { 'content-length': 0 });
          res.end();
        }
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
    const saved = { endpoint: process.env.WS_MANAGEMENT_ENDPOINT, chunk: process.env.FANOUT_CHUNK_SIZE };
    process.env.WS_MANAGEMENT_ENDPOINT = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    process.env.FANOUT_CHUNK_SIZE = '2000';
    const workersBefore = rt.lambda.invocations.FanoutWorker ?? 0;
    const sandboxCpuBefore = sandboxCpuMicros();
    try {
      const version = Date.now() * 1000 + 20;
      await writeSnapshots(db.doc, 'deltas', [snapshot(room, version, 20)]);
      await rt.streams.flush();
      // 10 chunks of 2,000: ten workers, one per chunk (the fan-out keeps none for itself).
      expect((rt.lambda.invocations.FanoutWorker ?? 0) - workersBefore).toBe(10);
      // The workers ran in their own sandbox processes (as separate Lambda environments), not here.
      expect(sandboxCpuMicros()).toBeGreaterThan(sandboxCpuBefore);
      const posted = [...posts.entries()];
      expect(posted.length).toBe(20_000);
      for (const [id, statuses] of posted) {
        const ok = statuses.filter((x) => x === 200).length;
        if (gone.has(id)) expect(statuses, id).toEqual([410]);
        else if (throttled.has(id)) expect(statuses, id).toEqual([429, 200]);
        else expect(statuses, id).toEqual([200]);
        expect(ok).toBe(gone.has(id) ? 0 : 1);
      }
      for (const c of real) {
        await c.roundTrip();
        expect(frames(c).filter(holds(version)).length).toBe(1);
      }
      const left = new Set(await membersOf(room));
      expect(left.size).toBe(20_000 - gone.size);
      for (const id of gone) expect(left.has(id)).toBe(false);
    } finally {
      process.env.WS_MANAGEMENT_ENDPOINT = saved.endpoint;
      if (saved.chunk === undefined) delete process.env.FANOUT_CHUNK_SIZE;
      else process.env.FANOUT_CHUNK_SIZE = saved.chunk;
      await new Promise<void>((r) => api.close(() => r()));
      for (const c of real) c.close();
      await batchWriteAll(
        db.doc,
        'memberships',
        synthetic.filter((id) => !gone.has(id)).map((connectionId) => ({ DeleteRequest: { Key: { room, connectionId } } })),
      );
    }
  }, 600_000);

  it('1,000 concurrent clients in one room all receive the delta', async () => {
    const room = 'country:GH';
    const token = await signDevToken({ zones: ['*'], ttlSeconds: 600 }, keys);
    const many: WsClient[] = [];
    for (let i = 0; i < 1000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => WsClient.connect(rt.gateway.url, token)));
      await Promise.all(
        batch.map(async (c) => {
          c.send({ action: 'subscribe', rooms: [room] });
          // Generous: other suites share this 2-core machine and dynalite serializes writes.
          await c.next((m) => (m as AckMessage).type === 'ack', 120_000);
        }),
      );
      many.push(...batch);
    }
    clients.push(...many);
    expect((await membersOf(room)).length).toBe(1000);
    const version = Date.now() * 1000 + 7;
    await writeSnapshots(db.doc, 'deltas', [snapshot(room, version, 42)]);
    await rt.streams.flush();
    await Promise.all(many.map((c) => c.next(holds(version), 120_000)));
    expect(many.every((c) => deltas(c).some((d) => d.room === room && d.values[0]!.count === 42))).toBe(true);
    for (const c of many) c.close();
    await eventually(async () => (await membersOf(room)).length === 0, 180_000, 500);
  }, 600_000);
});
