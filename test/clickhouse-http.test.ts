// The real @clickhouse/client (and plain HTTP, as curl would) against the local chdb-backed
// ClickHouse endpoint, plus the client factory's environment / Secrets Manager handling.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ClickHouseError, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { startClickHouseServer, zlibLevel, type ClickHouseServer } from '../local/clickhouse/server.js';
import {
  clickhouseConfigFromEnv,
  closeClickHouse,
  createClickHouseClient,
  DEFAULT_CLICKHOUSE_SETTINGS,
  getClickHouse,
  parseClickHouseSecret,
  resetClickHouseCaches,
  resolveClickHouseConfig,
} from '../functions/shared/clickhouse.js';

let server: ClickHouseServer;
let dataDir: string;
let ch: ClickHouseClient; // factory client: gzip both ways
let plain: ClickHouseClient; // no compression at all

const TRICKY = [
  `it's a "quote"`,
  'tab\there',
  'line1\nline2\r\nline3',
  'back\\slash \\n not-a-newline \\\\ double',
  `mixed '\t\\\n"`,
  'unicode é ü 中文 🚀',
  '{curly} [square] (paren) ; -- comment',
  '',
];

async function rows<T>(
  client: ClickHouseClient,
  query: string,
  query_params?: Record<string, unknown>,
  clickhouse_settings?: ClickHouseSettings,
): Promise<T[]> {
  const rs = await client.query({ query, query_params, clickhouse_settings, format: 'JSONEachRow' });
  return rs.json<T>();
}

async function expectClickHouseError(p: Promise<unknown>, code: string, type: string): Promise<ClickHouseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClickHouseError);
  const ce = err as ClickHouseError;
  expect({ code: ce.code, type: ce.type }).toEqual({ code, type });
  return ce;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ch-http-test-'));
  server = await startClickHouseServer({ port: 0, dataDir, database: 'analytics' });
  ch = createClickHouseClient({ ...clickhouseConfigFromEnv({ CLICKHOUSE_URL: server.url, CLICKHOUSE_DATABASE: 'analytics' }) });
  plain = createClient({ url: server.url, database: 'analytics', compression: { request: false, response: false } });
});

afterAll(async () => {
  await ch?.close();
  await plain?.close();
  await closeClickHouse();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('plain HTTP (curl-style)', () => {
  it('answers /ping and GET / with Ok.', async () => {
    for (const p of ['/ping', '/']) {
      const res = await fetch(server.url + p);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Ok.\n');
    }
  });

  it('runs GET /?query=SELECT+1 with ClickHouse headers', async () => {
    const res = await fetch(`${server.url}/?query=SELECT+1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1\n');
    expect(res.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(res.headers.get('x-clickhouse-query-id')).toMatch(/^[0-9a-f-]{36}$/);
    const summary = JSON.parse(res.headers.get('x-clickhouse-summary') ?? 'null');
    expect(summary).toMatchObject({ read_rows: '1', written_rows: '0' });
  });

  it('honours query_id, default_format and database parameters, and ignores basic auth', async () => {
    const res = await fetch(
      `${server.url}/?query=SELECT+currentDatabase()+AS+db&default_format=JSONEachRow&query_id=my-id&database=system`,
      {
        headers: { Authorization: `Basic ${Buffer.from('default:whatever').toString('base64')}`, 'X-ClickHouse-User': 'someone' },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clickhouse-query-id')).toBe('my-id');
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(await res.text()).toBe('{"db":"system"}\n');
    // Without `database`, requests use the server's default database (created at start).
    const res2 = await fetch(`${server.url}/?query=SELECT+currentDatabase()`);
    expect(await res2.text()).toBe('analytics\n');
  });

  it('returns errors as ClickHouse does: status, X-ClickHouse-Exception-Code, Code: N body', async () => {
    const res = await fetch(`${server.url}/?query=SELECT+*+FROM+no_such_table`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await res.text()).toMatch(/^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\) \(version [^)]+\)\n$/s);
    const syntax = await fetch(`${server.url}/?query=SELEC+1`);
    expect(syntax.status).toBe(400);
    expect(syntax.headers.get('x-clickhouse-exception-code')).toBe('62');
    const empty = await fetch(`${server.url}/`, { method: 'POST', body: '' });
    expect(empty.status).toBe(400);
    expect(empty.headers.get('x-clickhouse-exception-code')).toBe('62');
  });

  it('accepts a gzip request body and gzips the response only when asked', async () => {
    const body = gzipSync(Buffer.from("SELECT 'zipped' AS v, number FROM system.numbers LIMIT 200 FORMAT JSONEachRow"));
    const res = await fetch(`${server.url}/?enable_http_compression=1`, {
      method: 'POST',
      body,
      headers: { 'Content-Encoding': 'gzip', 'Accept-Encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    // fetch decodes transparently; the header proves the wire was gzip.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(200);
    // No factory settings on this raw request: the engine's default (unquoted 64-bit integers).
    expect(JSON.parse(lines[199]!)).toEqual({ v: 'zipped', number: 199 });

    const noFlag = await fetch(`${server.url}/?query=SELECT+1`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(noFlag.headers.get('content-encoding')).toBeNull();
    const bad = await fetch(`${server.url}/`, { method: 'POST', body: 'not gzip at all', headers: { 'Content-Encoding': 'gzip' } });
    expect(bad.status).toBe(500);
    expect(bad.headers.get('x-clickhouse-exception-code')).toBe('354');
  });

  it('returns raw gzip bytes a non-decoding client can gunzip', async () => {
    const http = await import('node:http');
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const req = http.request(
        `${server.url}/?query=SELECT+42&enable_http_compression=1`,
        { headers: { 'Accept-Encoding': 'gzip' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe('42\n');
  });

  it("gzips at ClickHouse's http_zlib_compression_level: 3 by default, else as asked", async () => {
    const http = await import('node:http');
    const getRaw = (query: string) =>
      new Promise<Buffer>((resolve, reject) => {
        const req = http.request(`${server.url}/?${query}`, { headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        });
        req.on('error', reject);
        req.end();
      });
    const sql = encodeURIComponent('SELECT number, toString(number * 7919 % 1000) FROM system.numbers LIMIT 20000');
    const plain = await getRaw(`query=${sql}`);
    const byDefault = await getRaw(`query=${sql}&enable_http_compression=1`);
    const best = await getRaw(`query=${sql}&enable_http_compression=1&http_zlib_compression_level=9`);
    expect(gunzipSync(byDefault).equals(plain)).toBe(true);
    expect(gunzipSync(best).equals(plain)).toBe(true);
    expect(byDefault.equals(gzipSync(plain, { level: 3 }))).toBe(true);
    expect(best.equals(gzipSync(plain, { level: 9 }))).toBe(true);
    expect(zlibLevel(undefined)).toBe(3);
    expect(zlibLevel('1')).toBe(1);
    expect(zlibLevel('0')).toBe(3);
    expect(zlibLevel('x')).toBe(3);
  });
});

describe('@clickhouse/client against the local endpoint', () => {
  it('pings', async () => {
    expect((await ch.ping()).success).toBe(true);
  });

  it('runs DDL through command()', async () => {
    await ch.command({
      query: `CREATE TABLE IF NOT EXISTS payments (
        id UInt32, merchant String, tags Array(String), amount Decimal(18, 4), at DateTime64(3, 'UTC')
      ) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`,
    });
    const t = await rows<{ name: string; engine: string }>(
      ch,
      'SELECT name, engine FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      { db: 'analytics', t: 'payments' },
    );
    expect(t).toEqual([{ name: 'payments', engine: 'MergeTree' }]);
  });

  it('inserts 10,000 JSONEachRow rows with gzip, and 10,000 more without', async () => {
    const make = (offset: number) =>
      Array.from({ length: 10_000 }, (_, i) => ({
        id: offset + i,
        merchant: `m-${(offset + i) % 97}`,
        tags: [`t${i % 3}`, TRICKY[i % TRICKY.length]!],
        amount: `${i}.${String(i % 10_000).padStart(4, '0')}`,
        at: new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + i * 1000).toISOString(),
      }));
    const first = await ch.insert({ table: 'payments', values: make(0), format: 'JSONEachRow' });
    expect(first.executed).toBe(true);
    expect(first.summary?.written_rows).toBe('10000');
    await plain.insert({ table: 'payments', values: make(10_000), format: 'JSONEachRow' });

    const [agg] = await rows<{ c: string; s: string; mx: string; tricky: string }>(
      ch,
      `SELECT count() AS c, toString(sum(amount)) AS s, toString(max(at)) AS mx,
              countIf(has(tags, {tricky:String})) AS tricky FROM payments`,
      { tricky: TRICKY[2] },
    );
    // sum of i + (i mod 10000)/10000 for i < 10000, twice
    const expected = 2 * (49_995_000 + 4_999.5);
    expect(agg).toEqual({ c: '20000', s: String(expected), mx: '2026-11-27 12:46:39.000', tricky: String(2 * 1250) });
  });

  it('binds string parameters unchanged: quotes, tabs, newlines, backslashes, unicode', async () => {
    for (const s of TRICKY) {
      for (const client of [ch, plain]) {
        const [r] = await rows<{ v: string; n: string }>(client, 'SELECT {s:String} AS v, lengthUTF8({s:String}) AS n', { s });
        expect({ v: r?.v, n: Number(r?.n) }).toEqual({ v: s, n: [...s].length });
      }
    }
    // Stored through a parameter and read back byte for byte.
    await ch.command({ query: 'CREATE TABLE IF NOT EXISTS notes (k UInt32, v String) ENGINE = MergeTree ORDER BY k' });
    for (const [k, s] of TRICKY.entries()) {
      await ch.command({ query: 'INSERT INTO notes SELECT {k:UInt32}, {v:String}', query_params: { k, v: s } });
    }
    const back = await rows<{ v: string }>(ch, 'SELECT v FROM notes ORDER BY k');
    expect(back.map((r) => r.v)).toEqual(TRICKY);
  });

  it('binds Array(String), Array(UInt32), Nullable and Map parameters', async () => {
    const [r] = await rows<{ a: string[]; n: number[]; s: string; z: string | null; m: Record<string, number> }>(
      ch,
      'SELECT {a:Array(String)} AS a, {n:Array(UInt32)} AS n, toString(arraySum({n:Array(UInt32)})) AS s, {z:Nullable(String)} AS z, {m:Map(String, UInt8)} AS m',
      { a: TRICKY, n: [1, 2, 4294967295], z: null, m: { "k'1": 1, 'k\t2': 2 } },
    );
    expect(r).toEqual({ a: TRICKY, n: [1, 2, 4294967295], s: '4294967298', z: null, m: { "k'1": 1, 'k\t2': 2 } });
    const inList = await rows<{ id: number }>(ch, 'SELECT id FROM payments WHERE id IN {ids:Array(UInt32)} ORDER BY id', {
      ids: [3, 1, 19_999],
    });
    expect(inList.map((x) => x.id)).toEqual([1, 3, 19_999]);
  });

  it('handles DateTime64(3) parameters and values (ISO-8601 out through the factory settings)', async () => {
    const at = new Date('2026-11-27T10:15:30.123Z');
    const [r] = await rows<{ d: string; t: string; ms: string; s: string }>(
      ch,
      "SELECT {d:DateTime64(3, 'UTC')} AS d, toTypeName(d) AS t, toString(toUnixTimestamp64Milli(d)) AS ms, {s:DateTime64(3, 'UTC')} AS s",
      { d: at, s: '2026-11-27 10:15:30.456' },
    );
    expect(r).toEqual({
      d: '2026-11-27T10:15:30.123Z',
      t: "DateTime64(3, 'UTC')",
      ms: String(at.getTime()),
      s: '2026-11-27T10:15:30.456Z',
    });
    // The plain client has no factory settings: the server default output format.
    const [p] = await rows<{ d: string }>(plain, "SELECT {d:DateTime64(3, 'UTC')} AS d", { d: at });
    expect(p).toEqual({ d: '2026-11-27 10:15:30.123' });
    // Range filter with millisecond bounds over stored values.
    const [c] = await rows<{ c: string }>(
      ch,
      "SELECT count() AS c FROM payments WHERE at >= {from:DateTime64(3, 'UTC')} AND at < {to:DateTime64(3, 'UTC')}",
      { from: new Date('2026-11-27T10:00:00.000Z'), to: new Date('2026-11-27T10:00:09.999Z') },
    );
    expect(c).toEqual({ c: String(2 * 10) });
  });

  it('answers in JSON, JSONCompactEachRow, TabSeparated and CSV', async () => {
    const q = "SELECT number AS n, concat('x\t', toString(number)) AS s FROM system.numbers LIMIT 2";
    const json = await (await ch.query({ query: q, format: 'JSON' })).json<{ n: string; s: string }>();
    expect(json.data).toEqual([
      { n: '0', s: 'x\t0' },
      { n: '1', s: 'x\t1' },
    ]);
    expect(json.meta?.map((m) => m.type)).toEqual(['UInt64', 'String']);
    expect(await (await ch.query({ query: q, format: 'JSONCompactEachRow' })).json()).toEqual([
      ['0', 'x\t0'],
      ['1', 'x\t1'],
    ]);
    expect(await (await plain.query({ query: q, format: 'JSONCompactEachRow' })).json()).toEqual([
      [0, 'x\t0'],
      [1, 'x\t1'],
    ]);
    expect(await (await ch.query({ query: q, format: 'TabSeparated' })).text()).toBe('0\tx\\t0\n1\tx\\t1\n');
    expect(await (await ch.query({ query: q, format: 'CSV' })).text()).toBe('0,"x\t0"\n1,"x\t1"\n');
  });

  it('streams a JSONEachRow result through the client', async () => {
    const rs = await ch.query({ query: 'SELECT number FROM system.numbers LIMIT 5000', format: 'JSONEachRow' });
    let n = 0;
    for await (const batch of rs.stream<{ number: string }>()) for (const row of batch) n += Number(row.json().number) >= 0 ? 1 : 0;
    expect(n).toBe(5000);
  });

  it('sends long parameters as multipart when asked and still binds them unchanged', async () => {
    const client = createClient({ url: server.url, database: 'analytics', use_multipart_params: true });
    try {
      const big = TRICKY.join('|').repeat(500);
      const [r] = await rows<{ n: string; ok: number }>(client, 'SELECT length({s:String}) AS n, {s:String} = {t:String} AS ok', {
        s: big,
        t: big,
      });
      expect({ n: Number(r?.n), ok: r?.ok }).toEqual({ n: Buffer.byteLength(big), ok: 1 });
    } finally {
      await client.close();
    }
  });

  it('surfaces engine errors as ClickHouseError with the ClickHouse code and type', async () => {
    await expectClickHouseError(ch.query({ query: 'SELEC 1', format: 'JSON' }), '62', 'SYNTAX_ERROR');
    await expectClickHouseError(plain.query({ query: 'SELECT * FROM nowhere', format: 'JSON' }), '60', 'UNKNOWN_TABLE');
    await expectClickHouseError(ch.command({ query: 'SELECT no_such_function(1)' }), '46', 'UNKNOWN_FUNCTION');
    await expectClickHouseError(
      ch.query({ query: 'SELECT {x:UInt8} AS x', query_params: { x: 'not-a-number' }, format: 'JSON' }),
      '457',
      'BAD_QUERY_PARAMETER',
    );
    await expectClickHouseError(ch.insert({ table: 'nowhere', values: [{ a: 1 }], format: 'JSONEachRow' }), '60', 'UNKNOWN_TABLE');
    const bad = await ch
      .insert({ table: 'payments', values: [{ id: 'abc', merchant: 1 }], format: 'JSONEachRow' })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ClickHouseError);
    expect(Number((bad as ClickHouseError).code)).toBeGreaterThan(0);
    await expectClickHouseError(
      ch.query({ query: 'SELECT 1', clickhouse_settings: { no_such_setting_x: 1 } as never, format: 'JSON' }),
      '115',
      'UNKNOWN_SETTING',
    );
    // The engine keeps serving after errors.
    expect(await rows(ch, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('applies per-request settings to that request only', async () => {
    const setting = async (client: ClickHouseClient, name: string, settings?: ClickHouseSettings) =>
      (await rows<{ v: string }>(client, 'SELECT toString(getSetting({name:String})) AS v', { name }, settings))[0]!.v;
    const baseline = await setting(plain, 'max_threads');
    const pinned = baseline === '1' ? 2 : 1;
    expect(await setting(plain, 'max_threads', { max_threads: pinned })).toBe(String(pinned));
    expect(await setting(plain, 'max_threads')).toBe(baseline);

    expect(await setting(plain, 'insert_deduplication_token', { insert_deduplication_token: 'tok-1' })).toBe('tok-1');
    expect(await setting(plain, 'insert_deduplication_token')).toBe('');
    const [changed] = await rows<{ c: string }>(
      plain,
      "SELECT count() AS c FROM system.settings WHERE name IN ('max_threads', 'insert_deduplication_token', 'max_execution_time') AND changed",
    );
    expect(Number(changed?.c)).toBe(0);

    // A failed request must not leave its settings behind either.
    await plain
      .query({ query: 'SELECT * FROM nowhere', clickhouse_settings: { max_execution_time: 77 }, format: 'JSON' })
      .catch(() => undefined);
    expect(await setting(plain, 'max_execution_time')).not.toBe('77');
    // One valid and one unknown setting: the valid one is still reset.
    await plain
      .query({ query: 'SELECT 1', clickhouse_settings: { max_execution_time: 78, bogus_setting_y: 1 } as never, format: 'JSON' })
      .catch(() => undefined);
    expect(await setting(plain, 'max_execution_time')).not.toBe('78');

    // HTTP-only settings the client sends are dropped instead of failing the query.
    const [r] = await rows<{ one: number }>(plain, 'SELECT 1 AS one', undefined, {
      wait_end_of_query: 1,
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: '100',
      enable_http_compression: 0,
    });
    expect(r).toEqual({ one: 1 });
  });

  it('never mixes the settings and parameters of concurrent requests', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        rows<{ s: string; t: string }>(
          i % 2 ? ch : plain,
          "SELECT {s:String} AS s, toString(getSetting('max_threads')) AS t",
          { s: `req-${i}\t'${i}'` },
          { max_threads: (i % 4) + 1 },
        ),
      ),
    );
    for (const [i, r] of results.entries()) expect(r).toEqual([{ s: `req-${i}\t'${i}'`, t: String((i % 4) + 1) }]);
  });

  it('drops a retried insert with the same insert_deduplication_token, and keeps the token local', async () => {
    await ch.command({
      query: 'CREATE TABLE dedup (k UInt32, v String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100',
    });
    const batch = Array.from({ length: 500 }, (_, k) => ({ k, v: `v${k}` }));
    const token = { insert_deduplication_token: 'batch-0001' };
    await ch.insert({ table: 'dedup', values: batch, format: 'JSONEachRow', clickhouse_settings: token });
    await plain.insert({ table: 'dedup', values: batch, format: 'JSONEachRow', clickhouse_settings: token }); // retry: dropped
    expect(await rows(ch, 'SELECT count() AS c FROM dedup')).toEqual([{ c: '500' }]);
    // Same data, new token: a new batch.
    await ch.insert({
      table: 'dedup',
      values: batch,
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'batch-0002' },
    });
    expect(await rows(ch, 'SELECT count() AS c FROM dedup')).toEqual([{ c: '1000' }]);
    // A token-less insert of different data right after is not deduplicated against the token.
    await ch.insert({ table: 'dedup', values: [{ k: 9999, v: 'other' }], format: 'JSONEachRow' });
    expect(await rows(ch, 'SELECT count() AS c FROM dedup')).toEqual([{ c: '1001' }]);
  });

  it('parses ISO-8601 timestamps on insert through the factory settings', async () => {
    await ch.command({ query: "CREATE TABLE ts (at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY at" });
    await ch.insert({ table: 'ts', values: [{ at: '2026-11-27T10:15:30.123Z' }, { at: '2026-11-27T10:15:31Z' }], format: 'JSONEachRow' });
    expect(await rows(ch, 'SELECT at FROM ts ORDER BY at')).toEqual([
      { at: '2026-11-27T10:15:30.123Z' },
      { at: '2026-11-27T10:15:31.000Z' },
    ]);
  });

  it('uses the database the client names', async () => {
    await ch.command({ query: 'CREATE DATABASE IF NOT EXISTS other_db' });
    const other = createClient({ url: server.url, database: 'other_db' });
    try {
      await other.command({ query: 'CREATE TABLE only_here (x UInt8) ENGINE = Memory' });
      expect(await rows(other, 'SELECT currentDatabase() AS d')).toEqual([{ d: 'other_db' }]);
      expect(await rows(other, 'SELECT count() AS c FROM only_here')).toEqual([{ c: 0 }]);
      await expectClickHouseError(ch.query({ query: 'SELECT * FROM only_here', format: 'JSON' }), '60', 'UNKNOWN_TABLE');
    } finally {
      await other.close();
    }
  });

  it('counts engine queries in stats (ping does not reach the engine)', async () => {
    const before = server.stats.queries;
    await ch.ping();
    expect(server.stats.queries).toBe(before);
    await ch.query({ query: 'SELECT 1', format: 'JSON' }).then((r) => r.json());
    await ch.insert({ table: 'notes', values: [{ k: 100, v: 'x' }], format: 'JSONEachRow' });
    await ch.command({ query: 'SELECT 1' });
    expect(server.stats.queries).toBe(before + 3);
  });
});

describe('client factory', () => {
  it('reads the environment with local defaults', () => {
    const d = clickhouseConfigFromEnv({});
    expect(d).toMatchObject({ url: 'http://127.0.0.1:8123', username: 'default', password: '', database: 'default', compression: true });
    const c = clickhouseConfigFromEnv({
      CLICKHOUSE_URL: 'https://abc.eu-west-1.aws.clickhouse.cloud:8443',
      CLICKHOUSE_USER: 'ingest',
      CLICKHOUSE_PASSWORD: 'p@ss',
      CLICKHOUSE_DATABASE: 'analytics',
      CLICKHOUSE_REQUEST_TIMEOUT_MS: '5000',
    });
    expect(c).toMatchObject({
      url: 'https://abc.eu-west-1.aws.clickhouse.cloud:8443',
      username: 'ingest',
      password: 'p@ss',
      database: 'analytics',
      requestTimeoutMs: 5000,
    });
    expect(DEFAULT_CLICKHOUSE_SETTINGS).toMatchObject({ session_timezone: 'UTC' });
  });

  it('getClickHouse() builds one cached client from process.env that reaches the server', async () => {
    const saved = { ...process.env };
    try {
      resetClickHouseCaches();
      delete process.env.CLICKHOUSE_SECRET_ARN;
      process.env.CLICKHOUSE_URL = server.url;
      process.env.CLICKHOUSE_DATABASE = 'analytics';
      const a = await getClickHouse();
      const b = await getClickHouse();
      expect(a).toBe(b);
      expect(await rows(a, 'SELECT currentDatabase() AS d, timezone() AS tz')).toEqual([{ d: 'analytics', tz: 'UTC' }]);
    } finally {
      await closeClickHouse();
      process.env = saved;
    }
  });

  it('takes url and credentials from the Secrets Manager secret, read once per container', async () => {
    resetClickHouseCaches();
    const calls: string[] = [];
    const secretsManager = {
      send: async (cmd: GetSecretValueCommand) => {
        calls.push(String(cmd.input.SecretId));
        return { SecretString: JSON.stringify({ url: server.url, username: 'svc', password: 's3cret', database: 'analytics' }) };
      },
    } as never;
    const env = {
      CLICKHOUSE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ch-abc',
      CLICKHOUSE_URL: 'http://ignored:1',
    };
    const [c1, c2] = await Promise.all([
      resolveClickHouseConfig(env, { secretsManager }),
      resolveClickHouseConfig(env, { secretsManager }),
    ]);
    const c3 = await resolveClickHouseConfig(env, { secretsManager });
    expect(calls).toEqual([env.CLICKHOUSE_SECRET_ARN]);
    for (const c of [c1, c2, c3]) expect(c).toMatchObject({ url: server.url, username: 'svc', password: 's3cret', database: 'analytics' });
    // The resolved config drives a working client (the local endpoint ignores credentials).
    const client = createClickHouseClient(c1);
    try {
      expect(await rows(client, 'SELECT 2 AS two')).toEqual([{ two: 2 }]);
    } finally {
      await client.close();
    }
  });

  it('retries a failed secret read and validates the secret shape', async () => {
    resetClickHouseCaches();
    let n = 0;
    const secretsManager = {
      send: async () => {
        n++;
        if (n === 1) throw new Error('throttled');
        return { SecretString: '{"user":"legacy","password":"pw"}' };
      },
    } as never;
    const env = { CLICKHOUSE_SECRET_ARN: 'arn:x', CLICKHOUSE_URL: 'https://h:8443' };
    await expect(resolveClickHouseConfig(env, { secretsManager })).rejects.toThrow('throttled');
    await expect(resolveClickHouseConfig(env, { secretsManager })).resolves.toMatchObject({
      url: 'https://h:8443',
      username: 'legacy',
      password: 'pw',
    });
    expect(n).toBe(2);
    expect(() => parseClickHouseSecret('nope')).toThrow(/not JSON/);
    expect(() => parseClickHouseSecret('[1]')).toThrow(/object/);
    expect(() => parseClickHouseSecret('{"password":5}')).toThrow(/password/);
    resetClickHouseCaches();
  });
});
