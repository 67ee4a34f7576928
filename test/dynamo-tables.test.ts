// Local DynamoDB through the real AWS SDK: dynalite on an ephemeral port, the tables from the one
// definition, a membership round trip, on-disk persistence, TTL emulation; and the dev token CLI
// producing tokens the verifier accepts.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoClients, dynamoClients, resetDynamoClients, type DynamoClients } from '../functions/shared/dynamo/client.js';
import { CONNECTIONS_TABLE, DELTAS_TABLE, MEMBERSHIPS_TABLE, TABLES, deltaSortKey } from '../functions/shared/dynamo/tables.js';
import { ensureTables, startDynamo, startTtlSweeper, type LocalDynamo } from '../local/dynamo.js';
import { DEV_AUDIENCE, DEV_ISSUER, PRIVATE_KEY_FILE, devAuthEnv, ensureDevKeys, signDevToken } from '../devkit/dev-keys.js';
import { createVerifier, verifierFromEnv } from '../functions/shared/auth.js';

const run = promisify(execFile);
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');

let tmp: string;
let dynamo: LocalDynamo;
let clients: DynamoClients;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dynamo-tables-'));
  dynamo = await startDynamo({ port: 0 });
  clients = createDynamoClients({ endpoint: dynamo.endpoint });
});

afterAll(async () => {
  clients?.client.destroy();
  resetDynamoClients();
  await dynamo?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('local DynamoDB tables', () => {
  it('creates every table once; a second ensureTables is a no-op', async () => {
    const first = await ensureTables(clients.client);
    expect(first.map((t) => [t.id, t.created])).toEqual([
      ['connections', true],
      ['memberships', true],
      ['deltas', true],
    ]);
    const second = await ensureTables(clients.client);
    expect(second.every((t) => !t.created)).toBe(true);
    const listed = await clients.client.send(new ListTablesCommand({}));
    expect(listed.TableNames?.sort()).toEqual(['connections', 'deltas', 'memberships']);
  });

  it.each(TABLES.map((def) => [def.id, def] as const))('%s has the key schema of tables.ts', async (_id, def) => {
    const { Table } = await clients.client.send(new DescribeTableCommand({ TableName: def.id }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const expectedKeys = [{ AttributeName: def.partitionKey.name, KeyType: 'HASH' }];
    if (def.sortKey) expectedKeys.push({ AttributeName: def.sortKey.name, KeyType: 'RANGE' });
    expect(Table?.KeySchema).toEqual(expectedKeys);
    const types = Object.fromEntries((Table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    expect(types).toEqual({
      [def.partitionKey.name]: def.partitionKey.type,
      ...(def.sortKey ? { [def.sortKey.name]: def.sortKey.type } : {}),
    });
  });

  it('refuses an existing table whose key schema differs from tables.ts', async () => {
    await ensureTables(clients.client, [CONNECTIONS_TABLE], { connections: 'drifted' });
    await expect(ensureTables(clients.client, [MEMBERSHIPS_TABLE], { memberships: 'drifted' })).rejects.toThrow(/different key schema/);
  });

  it('pins the concrete keys the handlers rely on', () => {
    expect([CONNECTIONS_TABLE.partitionKey.name, CONNECTIONS_TABLE.sortKey]).toEqual(['connectionId', undefined]);
    expect([MEMBERSHIPS_TABLE.partitionKey.name, MEMBERSHIPS_TABLE.sortKey?.name]).toEqual(['room', 'connectionId']);
    expect([DELTAS_TABLE.partitionKey.name, DELTAS_TABLE.sortKey?.name, DELTAS_TABLE.stream]).toEqual(['room', 'sk', 'NEW_IMAGE']);
  });

  it('finds the connections of one room with one Query on memberships', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    for (const [room, connectionId] of [
      ['zone:WAEMU', 'c1'],
      ['zone:WAEMU', 'c2'],
      ['zone:CEMAC', 'c3'],
      ['zone:WAEMU', 'c4'],
    ] as const) {
      await clients.doc.send(new PutCommand({ TableName: 'memberships', Item: { room, connectionId, expiresAt, note: undefined } }));
    }
    const out = await clients.doc.send(
      new QueryCommand({
        TableName: 'memberships',
        KeyConditionExpression: 'room = :r',
        ExpressionAttributeValues: { ':r': 'zone:WAEMU' },
      }),
    );
    expect(out.Items?.map((i) => i.connectionId)).toEqual(['c1', 'c2', 'c4']);
    expect(out.Items?.[0]).toEqual({ room: 'zone:WAEMU', connectionId: 'c1', expiresAt });
  });

  it('orders deltas by version with one Query (resume)', async () => {
    for (const v of [9, 10, 11]) {
      await clients.doc.send(
        new PutCommand({ TableName: 'deltas', Item: { room: 'global', sk: deltaSortKey(v, '2026-11-27T10:15:00Z'), v } }),
      );
    }
    const out = await clients.doc.send(
      new QueryCommand({
        TableName: 'deltas',
        KeyConditionExpression: 'room = :r AND sk > :since',
        ExpressionAttributeValues: { ':r': 'global', ':since': deltaSortKey(9, '\uffff') },
      }),
    );
    expect(out.Items?.map((i) => i.v)).toEqual([10, 11]);
  });

  it('the cached factory honours DYNAMODB_ENDPOINT', async () => {
    const env = { DYNAMODB_ENDPOINT: dynamo.endpoint };
    const a = dynamoClients(env);
    expect(dynamoClients({ ...env })).toBe(a);
    const got = await a.doc.send(new GetCommand({ TableName: 'memberships', Key: { room: 'zone:CEMAC', connectionId: 'c3' } }));
    expect(got.Item?.connectionId).toBe('c3');
  });

  it('emulates TTL expiry with the sweeper', async () => {
    const now = Math.floor(Date.now() / 1000);
    await clients.doc.send(new PutCommand({ TableName: 'connections', Item: { connectionId: 'old', expiresAt: now - 10 } }));
    await clients.doc.send(new PutCommand({ TableName: 'connections', Item: { connectionId: 'fresh', expiresAt: now + 3600 } }));
    await clients.doc.send(new PutCommand({ TableName: 'connections', Item: { connectionId: 'no-ttl' } }));
    const sweeper = startTtlSweeper(clients.doc, [CONNECTIONS_TABLE], 60_000);
    try {
      expect(await sweeper.sweep()).toBe(1);
    } finally {
      await sweeper.stop();
    }
    const get = (id: string) => clients.doc.send(new GetCommand({ TableName: 'connections', Key: { connectionId: id } }));
    expect((await get('old')).Item).toBeUndefined();
    expect((await get('fresh')).Item?.connectionId).toBe('fresh');
    expect((await get('no-ttl')).Item?.connectionId).toBe('no-ttl');
  });

  it('keeps tables and items on disk across restarts with a data directory', async () => {
    const dataDir = join(tmp, 'dynamo');
    const first = await startDynamo({ dataDir });
    const c1 = createDynamoClients({ endpoint: first.endpoint });
    await ensureTables(c1.client, [MEMBERSHIPS_TABLE]);
    await c1.doc.send(new PutCommand({ TableName: 'memberships', Item: { room: 'global', connectionId: 'persisted' } }));
    c1.client.destroy();
    await first.close();

    const second = await startDynamo({ dataDir });
    const c2 = createDynamoClients({ endpoint: second.endpoint });
    try {
      const [t] = await ensureTables(c2.client, [MEMBERSHIPS_TABLE]);
      expect(t?.created).toBe(false);
      const got = await c2.doc.send(new GetCommand({ TableName: 'memberships', Key: { room: 'global', connectionId: 'persisted' } }));
      expect(got.Item?.connectionId).toBe('persisted');
    } finally {
      c2.client.destroy();
      await second.close();
    }
  });
});

describe('dev keys and the token CLI', () => {
  it('prints a token the verifier accepts with the requested zones', async () => {
    const keysDir = join(tmp, 'keys');
    const { stdout } = await run(TSX, ['scripts/token.ts', '--zones', 'WAEMU,CEMAC', '--ttl', '15m', '--keys-dir', keysDir]);
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await stat(join(keysDir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);

    const keys = await ensureDevKeys(keysDir); // reads the pair the CLI generated
    const verify = verifierFromEnv(devAuthEnv(keys));
    const result = await verify(token);
    expect(result).toMatchObject({ ok: true, principal: { sub: 'dev-user', zones: ['WAEMU', 'CEMAC'] } });
    if (result.ok) {
      const ttl = result.principal.exp - Math.floor(Date.now() / 1000);
      expect(ttl).toBeGreaterThan(10 * 60);
      expect(ttl).toBeLessThanOrEqual(15 * 60);
    }
  });

  it("uses MOLAM_LOCAL_DIR, grants '*' and honours --sub", async () => {
    const localDir = join(tmp, 'local');
    const { stdout } = await run(TSX, ['scripts/token.ts', '--zones', '*', '--ttl', '2d', '--sub', 'ops@molam'], {
      env: { ...process.env, MOLAM_LOCAL_DIR: localDir },
    });
    const keys = await ensureDevKeys(join(localDir, 'keys'));
    const verify = createVerifier({ publicKeyPem: keys.publicKeyPem, audience: DEV_AUDIENCE, issuer: DEV_ISSUER });
    expect(await verify(stdout.trim())).toMatchObject({ ok: true, principal: { sub: 'ops@molam', zones: ['*'] } });
  });

  it('fails with a usage message on bad arguments', async () => {
    const failures = await Promise.all(
      [[], ['--zones', 'WAEMU', '--ttl', '3y'], ['--zones', 'WAEMU', '--bogus']].map((args) =>
        run(TSX, ['scripts/token.ts', ...args, '--keys-dir', join(tmp, 'keys')]).then(
          () => undefined,
          (e: { code?: number; stderr?: string }) => e,
        ),
      ),
    );
    for (const err of failures) {
      expect(err?.code).toBe(2);
      expect(err?.stderr).toMatch(/usage: npm run token/);
    }
  });

  it('concurrent first starts agree on one key pair', async () => {
    const dir = join(tmp, 'race-keys');
    const pairs = await Promise.all([1, 2, 3, 4].map(() => ensureDevKeys(dir)));
    expect(new Set(pairs.map((k) => k.privateKeyPem)).size).toBe(1);
    expect(new Set(pairs.map((k) => k.publicKeyPem)).size).toBe(1);
    expect(pairs[0]?.alg).toBe('ES256');
  });

  it('signs expired and not-yet-valid dev tokens the verifier refuses', async () => {
    const keys = await ensureDevKeys(join(tmp, 'keys'));
    const verify = verifierFromEnv(devAuthEnv(keys));
    expect(await verify(await signDevToken({ zones: ['WAEMU'], ttlSeconds: -1 }, keys))).toMatchObject({ ok: false, reason: 'expired' });
    expect(await verify(await signDevToken({ zones: ['WAEMU'], ttlSeconds: 600, notBeforeSeconds: 300 }, keys))).toMatchObject({
      ok: false,
      reason: 'not_yet_valid',
    });
    expect(await verify(await signDevToken({ zones: ['WAEMU'], ttlSeconds: 600, audience: 'x' }, keys))).toMatchObject({
      ok: false,
      reason: 'wrong_audience',
    });
  });
});
