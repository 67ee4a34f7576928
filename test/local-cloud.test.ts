// `npm start`'s local cloud as a whole, on ephemeral ports: the generator feeds the real ingest
// handler, snapshots reach a subscribed WebSocket client through the stream emulation and the
// fan-out, the REST gateway answers with a dev token, the dashboard and its runtime config are
// served; `npm run event` + `npm run invoke` work against it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import { WsClient, eventually } from './ws-harness.js';
import type { DeltasMessage } from '../functions/shared/contracts/ws.js';
import type { OverviewResponse } from '../functions/shared/contracts/api.js';
import { bearerHeaders } from '../functions/shared/contracts/api.js';

const run = promisify(execFile);
let dir: string;
let cloud: LocalCloud;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'molam-local-'));
  await mkdir(path.join(dir, 'web-dist'));
  await writeFile(path.join(dir, 'web-dist', 'index.html'), '<!doctype html><title>dashboard</title>');
  cloud = await startLocalCloud({
    dir,
    ports: { clickhouse: 0, dynamodb: 0, httpGateway: 0, wsGateway: 0, dashboard: 0 },
    generatorRate: 400,
    dashboardDist: path.join(dir, 'web-dist'),
  });
}, 180_000);
afterAll(async () => {
  await cloud?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('local cloud', () => {
  it('feeds generated events through the ingest handler and pushes snapshots to subscribers', async () => {
    const client = await WsClient.connect(cloud.urls.ws, await cloud.devToken(['*']));
    try {
      client.send({ action: 'subscribe', rooms: ['global'] });
      await client.next((m) => (m as { type?: string }).type === 'ack');
      const frame = await client.next<DeltasMessage>((m) => (m as { type?: string }).type === 'deltas', 30_000);
      expect(frame.snapshots.length).toBeGreaterThan(0);
      expect(frame.snapshots.every((s) => s.room === 'global')).toBe(true);
      expect(frame.snapshots.flatMap((s) => s.values).reduce((n, v) => n + v.count, 0)).toBeGreaterThan(0);
    } finally {
      client.close();
    }
    const rs = await cloud.clickhouse.query({ query: 'SELECT toString(count()) AS n FROM analytics_events_raw', format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBeGreaterThan(0);
  });

  it('answers REST queries with a dev token and serves the dashboard with its runtime config', async () => {
    const token = (await (await fetch(`${cloud.urls.api.replace('/api/analytics', '')}/local/dev-token`)).json()) as { token: string };
    const to = new Date(Date.now() + 60_000).toISOString();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const overview = await eventually(async () => {
      const res = await fetch(`${cloud.urls.api}/overview?from=${from}&to=${to}`, { headers: bearerHeaders(token.token) });
      const body = (await res.json()) as OverviewResponse;
      return res.status === 200 && body.totals.length > 0 ? body : undefined;
    }, 30_000, 500);
    expect(overview.totals[0]).toHaveProperty('volume');
    expect((await fetch(`${cloud.urls.api}/overview?from=${from}&to=${to}`)).status).toBe(401);

    const config = (await (await fetch(`${cloud.urls.dashboard}/config.json`)).json()) as Record<string, string>;
    expect(config).toEqual({ apiBaseUrl: cloud.urls.api, wsUrl: cloud.urls.ws, devTokenUrl: expect.stringContaining('/local/dev-token') });
    expect(await (await fetch(`${cloud.urls.dashboard}/some/client/route`)).text()).toContain('<title>dashboard</title>');
  });

  it('runs `npm run event` and `npm run invoke -- ingest` against it', async () => {
    const file = path.join(dir, 'batch.json');
    const env = {
      ...process.env,
      MOLAM_LOCAL_DIR: dir,
      CLICKHOUSE_PORT: String(cloud.ports.clickhouse),
      DYNAMODB_PORT: String(cloud.ports.dynamodb),
      WS_GATEWAY_PORT: String(cloud.ports.wsGateway),
    };
    // Through npm, redirected like the README shows (the banner lands in the file; invoke skips it).
    const { stdout: batch } = await run('npm', ['run', 'event', '--', 'msk', '--count', '300', '--invalid', '3', '--seed', '4242', '--start-offset', '900000000'], { env });
    await writeFile(file, batch);
    const { stdout } = await run('npm', ['run', '-s', 'invoke', '--', 'ingest', file], { env, maxBuffer: 10 * 1024 * 1024 });
    const out = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { result: { received: number; inserted: number; rejected: number } };
    expect(out.result).toMatchObject({ received: 300, inserted: 297, rejected: 3 });
    const rs = await cloud.clickhouse.query({
      query: `SELECT toString(count()) AS n FROM analytics_events_rejected WHERE offset >= 900000000`,
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ n: string }>())[0]!.n).toBe('3');
  });
});
