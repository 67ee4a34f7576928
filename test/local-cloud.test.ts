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
import { WsClient, eventually } from '../devkit/ws-harness.js';
import type { DeltasMessage } from '../contracts/ws.js';
import type { OverviewResponse } from '../contracts/api.js';
import { bearerHeaders } from '../contracts/api.js';
import http from 'node:http';
import { MAX_CLICKHOUSE_BODY_BYTES } from '../local/clickhouse/server.js';

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
    const overview = await eventually(
      async () => {
        const res = await fetch(`${cloud.urls.api}/overview?from=${from}&to=${to}`, { headers: bearerHeaders(token.token) });
        const body = (await res.json()) as OverviewResponse;
        return res.status === 200 && body.totals.length > 0 ? body : undefined;
      },
      30_000,
      500,
    );
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
    const { stdout: batch } = await run(
      'npm',
      ['run', 'event', '--', 'msk', '--count', '300', '--invalid', '3', '--seed', '4242', '--start-offset', '900000000'],
      { env },
    );
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

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (Origin included, as a browser would send it). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Declares a body of `declared` bytes, sends only a few, and resolves with the status as soon as
 * the server answers: an over-cap body is refused without being read (let alone buffered).
 */
function declareHugeBody(
  url: string,
  declared: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; ms: number; body: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(declared) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.write('SELECT 1 ');
  });
}

describe('local endpoints answer the local dashboard only', () => {
  const foreign = 'http://evil.example';
  const gatewayUrl = () => cloud.urls.api.replace('/api/analytics', '');

  it('the dev-token route refuses other origins and never answers CORS `*`', async () => {
    const dashboardOrigin = new URL(cloud.urls.dashboard!).origin;
    const refused = await raw(`${gatewayUrl()}/local/dev-token`, { headers: { origin: foreign } });
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/json');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'forbidden' } });
    expect(refused.body).not.toContain('token"');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    const dashboard = await raw(`${gatewayUrl()}/local/dev-token`, { headers: { origin: dashboardOrigin } });
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers['access-control-allow-origin']).toBe(dashboardOrigin);
    expect(JSON.parse(dashboard.body)).toHaveProperty('token');

    // REST answers carry CORS for the dashboard only (the page on another origin cannot read them).
    const token = (JSON.parse(dashboard.body) as { token: string }).token;
    const api = await raw(`${cloud.urls.api}/health`, { headers: { origin: foreign, ...bearerHeaders(token) } });
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await raw(`${cloud.urls.api}/health`, { headers: { origin: dashboardOrigin, ...bearerHeaders(token) } });
    expect(ok.headers['access-control-allow-origin']).toBe(dashboardOrigin);
    const preflight = await raw(`${cloud.urls.api}/overview`, {
      method: 'OPTIONS',
      headers: { origin: foreign, 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(403);
  });

  it('the ClickHouse endpoint refuses a cross-origin "simple" POST and its DDL does not run', async () => {
    const table = `cross_origin_probe_${process.pid}`;
    const refused = await raw(`${cloud.urls.clickhouse}/`, {
      method: 'POST',
      headers: { origin: foreign, 'content-type': 'text/plain' },
      body: `CREATE TABLE ${table} (x UInt8) ENGINE = Memory`,
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const rs = await cloud.clickhouse.query({
      query: 'SELECT toString(count()) AS n FROM system.tables WHERE name = {t:String}',
      query_params: { t: table },
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ n: string }>())[0]!.n).toBe('0');
    // The same statement without an Origin (curl, @clickhouse/client) runs.
    expect(
      (await raw(`${cloud.urls.clickhouse}/`, { method: 'POST', body: `CREATE TABLE ${table} (x UInt8) ENGINE = Memory` })).status,
    ).toBe(200);
    await cloud.clickhouse.command({ query: `DROP TABLE ${table}` });
  });

  it('the DynamoDB endpoint refuses browsers on other origins; the SDK keeps working', async () => {
    const refused = await raw(`${cloud.urls.dynamodb}/`, {
      method: 'POST',
      headers: { origin: foreign, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{}',
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    // The first test's subscribe went through the SDK to the same endpoint; the tables are there.
    const tables = await raw(`${cloud.urls.dynamodb}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20260101T000000Z',
      },
      body: '{}',
    });
    expect(tables.status).toBe(200);
  });

  it('over-cap bodies get 413 at once, before being read', async () => {
    const ch = await declareHugeBody(`${cloud.urls.clickhouse}/`, MAX_CLICKHOUSE_BODY_BYTES + 1);
    expect(ch.status).toBe(413);
    expect(ch.ms).toBeLessThan(10_000);
    const dynamo = await declareHugeBody(`${cloud.urls.dynamodb}/`, 600 * 1024 * 1024, { 'x-amz-target': 'DynamoDB_20120810.ListTables' });
    expect(dynamo.status).toBe(413);
    // The REST API takes no body at all.
    const api = await declareHugeBody(`${cloud.urls.api}/health`, 600 * 1024 * 1024);
    expect(api.status).toBe(413);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    // A chunked upload (no Content-Length) past the cap is cut off too.
    const chunked = await raw(`${cloud.urls.api}/health`, { method: 'GET', headers: { 'transfer-encoding': 'chunked' }, body: 'x' });
    expect(chunked.status).toBe(413);
  });
});
