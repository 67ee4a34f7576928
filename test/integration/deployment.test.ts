// The integration suite: REST, WebSocket and DynamoDB through their public endpoints only, against
// whichever deployment targets.ts resolves (local cloud by default, LocalStack when configured).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { integrationTargets, type Targets } from './targets.js';
import { TABLES, tableName } from '../../functions/shared/dynamo/tables.js';
import { WsClient, UpgradeRefused } from '../../devkit/ws-harness.js';
import { bearerHeaders } from '../../contracts/api.js';

let t: Targets;
beforeAll(async () => {
  t = await integrationTargets();
}, 180_000);
afterAll(async () => t?.close());

const range = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() });

describe(`deployment (${process.env.ANALYTICS_TARGET ?? 'local'})`, () => {
  it('serves health without auth and the OpenAPI document', async () => {
    const health = await fetch(`${t.apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const doc = (await (await fetch(`${t.apiUrl}/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toMatch(/^3\.1/);
  });

  it('refuses REST without a token and answers with one, scoped by zone', async () => {
    const q = new URLSearchParams(range()).toString();
    const anonymous = await fetch(`${t.apiUrl}/overview?${q}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const token = await t.token(['WAEMU']);
    const ok = await fetch(`${t.apiUrl}/overview?${q}`, { headers: bearerHeaders(token) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toMatch(/s-maxage=10/);
    const other = await fetch(`${t.apiUrl}/overview?${q}&zone=CEMAC`, { headers: bearerHeaders(token) });
    expect(other.status).toBe(403);
  });

  it('refuses a WebSocket without a valid token and scopes subscriptions', async () => {
    await expect(WsClient.connect(t.wsUrl)).rejects.toBeInstanceOf(UpgradeRefused);
    const client = await WsClient.connect(t.wsUrl, await t.token(['CEMAC']));
    try {
      client.send({ action: 'subscribe', rooms: ['zone:CEMAC', 'zone:WAEMU'] });
      const error = await client.next((m) => (m as { type?: string }).type === 'error');
      expect(error).toMatchObject({ code: 'forbidden_room', rooms: ['zone:WAEMU'] });
      const ack = await client.next((m) => (m as { type?: string }).type === 'ack');
      expect(ack).toMatchObject({ rooms: ['zone:CEMAC'] });
    } finally {
      client.close();
    }
  });

  it('has the DynamoDB tables with the keys of the shared definitions', async () => {
    for (const def of TABLES) {
      const out = await t.dynamo.send(new DescribeTableCommand({ TableName: tableName(def) }));
      const keys = Object.fromEntries((out.Table?.KeySchema ?? []).map((k) => [k.KeyType, k.AttributeName]));
      expect(keys, def.id).toEqual({ HASH: def.partitionKey.name, ...(def.sortKey ? { RANGE: def.sortKey.name } : {}) });
    }
  });
});
