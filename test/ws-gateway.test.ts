// The WebSocket API end to end on the local gateway: real `ws` clients, the real route handlers,
// dynalite behind the stream proxy, and the real @aws-sdk/client-apigatewaymanagementapi against
// the gateway's @connections API.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoClients } from '../functions/shared/dynamo/client.js';
import { writeSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import type { AckMessage, DeltasMessage, ErrorMessage } from '../contracts/ws.js';
import { DELTAS_MESSAGE_VERSION, MAX_FRAME_BYTES } from '../contracts/ws.js';
import { ensureDevKeys, signDevToken, type DevKeys } from '../devkit/dev-keys.js';
import type { Realtime } from '../local/realtime.js';
import { UpgradeRefused, WsClient, eventually, quietPowertools, startTestRealtime, type TestRealtime } from '../devkit/ws-harness.js';

quietPowertools();

let t: TestRealtime;
let tmp: string;
let rt: Realtime;
let keys: DevKeys;
let db: DynamoClients;
const clients: WsClient[] = [];

async function token(zones: string[], ttlSeconds = 600, sub = 'analyst-1'): Promise<string> {
  return signDevToken({ zones, ttlSeconds, sub }, keys);
}

async function connect(zones: string[] = ['WAEMU']): Promise<WsClient> {
  const c = await WsClient.connect(rt.gateway.url, await token(zones));
  clients.push(c);
  return c;
}

async function refusal(t: string | undefined): Promise<UpgradeRefused> {
  try {
    const c = await WsClient.connect(rt.gateway.url, t);
    c.close();
  } catch (err) {
    if (err instanceof UpgradeRefused) return err;
    throw err;
  }
  throw new Error('upgrade was accepted');
}

function snapshot(room: string, version: number, count: number, bucket = '2026-11-27T10:15:00.000Z'): DeltaSnapshot {
  return {
    room,
    bucket,
    version,
    values: [
      {
        type: 'wallet_txn_created',
        currency: 'XOF',
        count,
        volume: `${count * 1000}.00`,
        fees: `${count * 10}.00`,
        merchants: 1,
        succeeded: count,
      },
    ],
    recorded_at: new Date().toISOString(),
    source_ts: Date.now() - 50,
  };
}

beforeAll(async () => {
  t = await startTestRealtime();
  ({ rt, db, keys, tmp } = t);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.close();
});

describe('$connect', () => {
  it('refuses the upgrade with 401 without a token, with a bad token and with an expired token', async () => {
    const before = rt.gateway.connections;
    expect((await refusal(undefined)).status).toBe(401);
    expect((await refusal('not-a-jwt')).status).toBe(401);
    const other = await ensureDevKeys(join(tmp, 'other-keys'));
    expect((await refusal(await signDevToken({ zones: ['*'], ttlSeconds: 600 }, other))).status).toBe(401);
    const expired = await refusal(await token(['*'], -60));
    expect(expired.status).toBe(401);
    expect(expired.body).toMatch(/expired/);
    expect(rt.gateway.connections).toBe(before);
  });

  it('stores an accepted connection with subject, zones and a 2-hour expiry', async () => {
    const c = await connect(['WAEMU', 'CEMAC']);
    await c.roundTrip();
    const [id] = rt.gateway.connectionIds().slice(-1);
    const { Item } = await db.doc.send(new GetCommand({ TableName: 'connections', Key: { connectionId: id } }));
    expect(Item).toMatchObject({ connectionId: id, sub: 'analyst-1', zones: ['WAEMU', 'CEMAC'] });
    expect(Item!.expiresAt - Math.floor(Item!.connectedAt / 1000)).toBe(2 * 60 * 60);
    expect(Math.abs(Item!.connectedAt - Date.now())).toBeLessThan(60_000);
  });
});

describe('subscribe / unsubscribe', () => {
  it('refuses rooms outside the scope, acknowledges the allowed ones and lists every room held', async () => {
    const c = await connect(['WAEMU']);
    c.send({ action: 'subscribe', rooms: ['zone:WAEMU', 'country:SN', 'zone:CEMAC', 'global', 'city:CM:Douala', 'nonsense'] });
    const ack = await c.next<AckMessage>((m) => (m as AckMessage).type === 'ack');
    expect(ack).toEqual({ type: 'ack', action: 'subscribe', rooms: ['country:SN', 'zone:WAEMU'] });
    const errors = c.ofType<ErrorMessage>('error');
    const forbidden = errors.find((e) => e.code === 'forbidden_room');
    expect(forbidden?.rooms?.sort()).toEqual(['city:CM:Douala', 'global', 'zone:CEMAC']);
    expect(forbidden?.message).toContain('zone:CEMAC');
    expect(errors.find((e) => e.code === 'invalid_room')?.rooms).toEqual(['nonsense']);

    c.send({ action: 'subscribe', rooms: ['city:SN:Dakar'] });
    const second = await c.next<AckMessage>((m) => (m as AckMessage).type === 'ack' && (m as AckMessage).rooms.length === 3);
    expect(second.rooms).toEqual(['city:SN:Dakar', 'country:SN', 'zone:WAEMU']);

    const id = rt.gateway.connectionIds().slice(-1)[0]!;
    const members = await db.doc.send(
      new QueryCommand({
        TableName: 'memberships',
        KeyConditionExpression: 'room = :r',
        ExpressionAttributeValues: { ':r': 'country:SN' },
      }),
    );
    expect(members.Items?.map((i) => i.connectionId)).toContain(id);
    const forbiddenRows = await db.doc.send(
      new QueryCommand({
        TableName: 'memberships',
        KeyConditionExpression: 'room = :r',
        ExpressionAttributeValues: { ':r': 'zone:CEMAC' },
      }),
    );
    expect(forbiddenRows.Items?.map((i) => i.connectionId) ?? []).not.toContain(id);

    const from = c.messages.length;
    c.send({ action: 'unsubscribe', rooms: ['country:SN', 'zone:CEMAC'] });
    const left = await c.next<AckMessage>(
      (m) => (m as AckMessage).type === 'ack' && (m as AckMessage).action === 'unsubscribe',
      10_000,
      from,
    );
    expect(left.rooms).toEqual(['city:SN:Dakar', 'zone:WAEMU']);
    const after = await db.doc.send(
      new QueryCommand({
        TableName: 'memberships',
        KeyConditionExpression: 'room = :r',
        ExpressionAttributeValues: { ':r': 'country:SN' },
      }),
    );
    expect(after.Items?.map((i) => i.connectionId) ?? []).not.toContain(id);
  });

  it('a holder of every zone may join global', async () => {
    const c = await connect(['*']);
    c.send({ action: 'subscribe', rooms: ['global', 'zone:CEMAC'] });
    const ack = await c.next<AckMessage>((m) => (m as AckMessage).type === 'ack');
    expect(ack.rooms).toEqual(['global', 'zone:CEMAC']);
    expect(c.ofType('error')).toEqual([]);
  });

  it('rejects malformed subscribe messages', async () => {
    const c = await connect(['WAEMU']);
    c.send({ action: 'subscribe', rooms: 'zone:WAEMU' });
    const err = await c.next<ErrorMessage>((m) => (m as ErrorMessage).type === 'error');
    expect(err.code).toBe('invalid_message');
    c.send({ action: 'subscribe', rooms: Array.from({ length: 21 }, (_, i) => `city:SN:C${i}`) });
    await c.next<ErrorMessage>((m) => (m as ErrorMessage).code === 'invalid_message' && /at most/.test((m as ErrorMessage).message));
  });
});

describe('other routes', () => {
  it('$default names the valid actions, for unknown actions and for non-JSON', async () => {
    const c = await connect();
    c.send({ action: 'dance' });
    const err = await c.next<ErrorMessage>((m) => (m as ErrorMessage).type === 'error');
    expect(err.code).toBe('unknown_action');
    for (const action of ['subscribe', 'unsubscribe', 'ping', 'resume']) expect(err.message).toContain(action);
    expect(err.message).toContain('dance');
    c.send('this is not json');
    await c.next<ErrorMessage>((m) => (m as ErrorMessage).code === 'unknown_action' && /not a JSON/.test((m as ErrorMessage).message));
    c.send({ action: '$connect' });
    await c.next<ErrorMessage>((m) => (m as ErrorMessage).code === 'unknown_action' && /\$connect/.test((m as ErrorMessage).message));
  });

  it('ping answers pong', async () => {
    const c = await connect();
    c.send({ action: 'ping' });
    const pong = await c.next((m) => (m as { type?: string }).type === 'pong');
    expect(Date.parse((pong as { at: string }).at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('$disconnect removes the connection and its memberships', async () => {
    const c = await connect(['WAEMU']);
    c.send({ action: 'subscribe', rooms: ['zone:WAEMU', 'city:SN:Thiès'] });
    await c.next((m) => (m as AckMessage).type === 'ack');
    const id = rt.gateway.connectionIds().slice(-1)[0]!;
    c.close();
    await eventually(async () => {
      const conn = await db.doc.send(new GetCommand({ TableName: 'connections', Key: { connectionId: id } }));
      const rows = await db.doc.send(
        new QueryCommand({
          TableName: 'memberships',
          KeyConditionExpression: 'room = :r',
          ExpressionAttributeValues: { ':r': 'city:SN:Thiès' },
        }),
      );
      return conn.Item === undefined && (rows.Items ?? []).length === 0;
    });
  });
});

describe('management API with the real SDK client', () => {
  it('GET, POST and DELETE /@connections/{id}, 410 for unknown ids, with or without a stage in the endpoint', async () => {
    const c = await connect();
    await c.roundTrip();
    const id = rt.gateway.connectionIds().slice(-1)[0]!;
    expect(id).toMatch(/^[A-Za-z0-9]{15}=$/);
    for (const endpoint of [rt.gateway.managementEndpoint, `${rt.gateway.managementEndpoint}/local`]) {
      const api = new ApiGatewayManagementApiClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      const info = await api.send(new GetConnectionCommand({ ConnectionId: id }));
      expect(info.ConnectedAt).toBeInstanceOf(Date);
      expect(Math.abs(info.ConnectedAt!.getTime() - Date.now())).toBeLessThan(60_000);
      expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt!.getTime());
      expect(info.Identity?.SourceIp).toBe('127.0.0.1');
      const from = c.messages.length;
      await api.send(new PostToConnectionCommand({ ConnectionId: id, Data: JSON.stringify({ type: 'pong', at: endpoint }) }));
      await c.next((m) => (m as { at?: string }).at === endpoint, 10_000, from);
      await expect(api.send(new PostToConnectionCommand({ ConnectionId: 'Nope0123456789A=', Data: '{}' }))).rejects.toBeInstanceOf(
        GoneException,
      );
      await expect(api.send(new GetConnectionCommand({ ConnectionId: 'Nope0123456789A=' }))).rejects.toBeInstanceOf(GoneException);
      api.destroy();
    }
    const api = new ApiGatewayManagementApiClient({
      endpoint: rt.gateway.managementEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    await api.send(new DeleteConnectionCommand({ ConnectionId: id }));
    await c.waitClosed();
    await expect(api.send(new PostToConnectionCommand({ ConnectionId: id, Data: '{}' }))).rejects.toBeInstanceOf(GoneException);
    api.destroy();
  });
});

describe('resume', () => {
  const minute = (i: number) => new Date(Date.UTC(2026, 10, 27, 10, i)).toISOString();
  const isResume = (m: unknown) => (m as DeltasMessage).type === 'deltas' && (m as DeltasMessage).resume === true;
  const rows = (m: DeltasMessage) => m.snapshots.map((s) => [s.room, s.bucket, s.version, s.values[0]!.count]);

  it('returns every bucket recorded since the versions given, once, newest version, for held rooms only', async () => {
    const room = 'city:CI:Bouaké';
    const c = await connect(['WAEMU']);
    c.send({ action: 'subscribe', rooms: [room] });
    await c.next((m) => (m as AckMessage).type === 'ack');
    await writeSnapshots(
      db.doc,
      'deltas',
      [1, 2, 3, 4, 5].map((v) => snapshot(room, v, v * 10, minute(v))),
    );
    // A later batch rewrote minute 3: the client must get that bucket once, with the newest values.
    await writeSnapshots(db.doc, 'deltas', [snapshot(room, 6, 99, minute(3))]);
    await writeSnapshots(db.doc, 'deltas', [snapshot('city:CI:Abidjan', 9, 1)]);

    const from = c.messages.length;
    c.send({ action: 'resume', versions: { [room]: 2, 'city:CI:Abidjan': 0 } });
    const resumed = await c.next<DeltasMessage>(isResume, 10_000, from);
    expect(resumed.v).toBe(DELTAS_MESSAGE_VERSION);
    expect(rows(resumed)).toEqual([
      [room, minute(4), 4, 40],
      [room, minute(5), 5, 50],
      [room, minute(3), 6, 99],
    ]);
    const notHeld = c.messages.slice(from).find((m) => (m as ErrorMessage).type === 'error') as ErrorMessage;
    expect(notHeld).toMatchObject({ code: 'invalid_room', rooms: ['city:CI:Abidjan'] });

    // ping with resume: pong, then what was recorded since v5.
    const from2 = c.messages.length;
    c.send({ action: 'ping', resume: { [room]: 5 } });
    const again = await c.next<DeltasMessage>(isResume, 10_000, from2);
    expect(rows(again)).toEqual([[room, minute(3), 6, 99]]);
    expect(c.messages.slice(from2).some((m) => (m as { type?: string }).type === 'pong')).toBe(true);

    // Nothing missed: one empty resume frame, so the client knows it is complete.
    const from3 = c.messages.length;
    c.send({ action: 'resume', versions: { [room]: 6 } });
    expect((await c.next<DeltasMessage>(isResume, 10_000, from3)).snapshots).toEqual([]);
  });

  it('splits a large resume into frames under 32 KB without losing or repeating a snapshot', async () => {
    const room = 'country:BJ';
    const c = await connect(['WAEMU']);
    c.send({ action: 'subscribe', rooms: [room] });
    await c.next((m) => (m as AckMessage).type === 'ack');
    const wide = (v: number): DeltaSnapshot => ({
      ...snapshot(room, v, v, minute(v - 1)),
      values: Array.from({ length: 12 }, (_, i) => ({
        type: 'invoice.paid' as const,
        currency: `C${String(i).padStart(2, '0')}`,
        count: v,
        volume: `${v}.5000`,
        fees: '0.0100',
        merchants: i,
        succeeded: 0,
      })),
    });
    await writeSnapshots(
      db.doc,
      'deltas',
      Array.from({ length: 60 }, (_, i) => wide(i + 1)),
    );
    const from = c.messages.length;
    const rawSizes: number[] = [];
    c.ws.on('message', (data) => rawSizes.push((data as Buffer).length));
    c.send({ action: 'resume', versions: { [room]: 0 } });
    const versions = new Set<number>();
    await eventually(async () => {
      for (const m of c.messages.slice(from)) if (isResume(m)) for (const s of (m as DeltasMessage).snapshots) versions.add(s.version);
      return versions.size === 60;
    });
    const frames = c.messages.slice(from).filter(isResume) as DeltasMessage[];
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.flatMap((f) => f.snapshots.map((s) => s.version)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    const resumeSizes = rawSizes.filter((n) => n > 1000);
    expect(resumeSizes.every((n) => n <= MAX_FRAME_BYTES)).toBe(true);
  });
});
