// npm run bench:api — latency of the query API over BENCH_API_ROWS raw events (default 10 million)
// bulk-generated inside ClickHouse (INSERT … SELECT … FROM numbers(), deterministic pseudo-random
// dimensions and amounts from cityHash64) spread over the last 30 days:
//   * uncached: the handlers invoked directly (what a CloudFront miss costs), BENCH_API_ITER runs;
//   * cached: through the local gateway (a CloudFront hit), BENCH_API_CACHED_ITER runs, beside a
//     bare server sending the same bytes and beside fetch() with its decode (api-cached.ts).
// Prints P50/P95/P99 per scenario; no assertions.
// BENCH_API_SCENARIOS=<name part,…> runs only the scenarios whose names contain one of them.
// BENCH_API_DATA_DIR=<dir> keeps the loaded dataset there and reuses it on the next run (the
// 10 M load takes minutes): the scenarios' ranges are anchored to the load's end, saved beside it.
import os from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { startTestClickHouse, type TestClickHouse } from '../devkit/engines.js';
import { startClickHouseServer } from '../local/clickhouse/server.js';
import { migrate } from '../sql/migrations.js';
import { clickhouseConfigFromEnv, closeClickHouse, createClickHouseClient } from '../functions/shared/clickhouse.js';
import { COUNTRIES } from '../contracts/geography.js';
import { devAuthEnv, ensureDevKeys, signDevToken } from '../devkit/dev-keys.js';
import { buildHttpEvent, httpRoutesFromCatalog, startHttpGateway } from '../local/http-gateway.js';
import { lambdaContext } from '../local/lambda-context.js';
import { machine, percentile, report, type BenchRow } from './lib.js';
import { bearerHeaders } from '../contracts/api.js';
import { measureCached } from './api-cached.js';
import { AB_ITER, MERCHANT_ROLLUP_TABLES, merchantScenarios, merchantsAB, setMerchantRollupStart } from './api-merchants.js';

const ROWS = Number(process.env.BENCH_API_ROWS ?? 10_000_000);
const ITER = Number(process.env.BENCH_API_ITER ?? 50);
const CACHED_ITER = Number(process.env.BENCH_API_CACHED_ITER ?? 500);
// Comma-separated parts of scenario names to run (default all), e.g. "timeseries,overview 30d".
const ONLY = (process.env.BENCH_API_SCENARIOS ?? '').split(',').filter(Boolean);
const CHUNK = 1_000_000;
const MIN = 60_000;
const DAY = 86_400_000;
const SPAN = 30 * DAY;

const KEEP_DIR = process.env.BENCH_API_DATA_DIR;
const META = KEEP_DIR ? path.join(KEEP_DIR, 'bench-api-meta.json') : undefined;

/** A kept dataset: its own server on the kept directory, never removed. */
async function keptClickHouse(dataDir: string): Promise<TestClickHouse> {
  const server = await startClickHouseServer({ port: 0, dataDir });
  const client = createClickHouseClient({ ...clickhouseConfigFromEnv({}), url: server.url, compression: false });
  await migrate(client);
  return {
    server,
    client,
    dataDir,
    newClient: () => client,
    stop: () => server.close(),
    restart: async () => {},
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}
const kept: { rows: number; end: number } | undefined = META
  ? await readFile(META, 'utf8').then(
      (t) => JSON.parse(t) as { rows: number; end: number },
      () => undefined,
    )
  : undefined;
if (kept && kept.rows !== ROWS) throw new Error(`${KEEP_DIR} holds ${kept.rows} rows, not BENCH_API_ROWS=${ROWS}`);

const ch = KEEP_DIR ? await keptClickHouse(KEEP_DIR) : await startTestClickHouse();
const keyDir = `${ch.dataDir}-keys`;
try {
  const keys = await ensureDevKeys(keyDir);
  Object.assign(process.env, devAuthEnv(keys), { CLICKHOUSE_URL: ch.server.url, POWERTOOLS_METRICS_DISABLED: 'true', LOG_LEVEL: 'ERROR' });
  const loader = createClickHouseClient({
    ...clickhouseConfigFromEnv({}),
    url: ch.server.url,
    compression: false,
    requestTimeoutMs: 1_200_000,
  });

  // Geography as parallel arrays (bound parameters), weighted by repeating big countries' cities.
  const zones: string[] = [],
    countries: string[] = [],
    cities: string[] = [],
    currencies: string[] = [];
  for (const [cc, info] of Object.entries(COUNTRIES)) {
    info.cities.forEach((city, i) => {
      const weight = i === 0 ? 4 : 1;
      for (let k = 0; k < weight; k++) {
        zones.push(info.zone);
        countries.push(cc);
        cities.push(city);
        currencies.push(info.currency);
      }
    });
  }
  const end = kept?.end ?? Math.floor(Date.now() / MIN) * MIN;
  const t0 = performance.now();
  for (let start = 0; !kept && start < ROWS; start += CHUNK) {
    const count = Math.min(CHUNK, ROWS - start);
    await loader.command({
      query: `
        INSERT INTO analytics_events_raw
          (event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, topic, partition, offset, kafka_timestamp, ingested_at)
        SELECT
          concat('bench_', toString(number)) AS event_id,
          arrayElement(['wallet_txn_created', 'payout.settled', 'invoice.paid'], multiIf(cityHash64(number, 1) % 100 < 70, 1, cityHash64(number, 1) % 100 < 85, 2, 3)) AS type,
          fromUnixTimestamp64Milli(toInt64({end:UInt64} - cityHash64(number, 2) % {span:UInt64}), 'UTC') AS occurred_at,
          toDecimal64(cityHash64(number, 3) % 2000000 + 100, 4) / 100 AS amount,
          toDecimal64(intDiv(cityHash64(number, 3) % 2000000 + 100, 100), 4) / 100 AS fee,
          arrayElement({currencies:Array(String)}, g) AS currency,
          arrayElement({zones:Array(String)}, g) AS zone,
          arrayElement({countries:Array(String)}, g) AS country,
          arrayElement({cities:Array(String)}, g) AS city,
          concat('m_', lower(country), '_', toString(cityHash64(number, 4) % 2000)) AS merchant_id,
          if(type = 'wallet_txn_created', multiIf(cityHash64(number, 5) % 100 < 3, 'failed', cityHash64(number, 5) % 100 < 4, 'pending', 'succeeded'), 'succeeded') AS status,
          type AS topic, 0 AS partition, number AS offset, occurred_at AS kafka_timestamp, now64(3, 'UTC') AS ingested_at
        FROM (SELECT number, toUInt32(cityHash64(number, 6) % {n:UInt32}) + 1 AS g FROM numbers({start:UInt64}, {count:UInt64}))`,
      query_params: { end, span: SPAN, currencies, zones, countries, cities, n: zones.length, start, count },
    });
    process.stderr.write(`loaded ${start + count} / ${ROWS} rows (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  // Steady state: background merges would get there over time; do it now so runs are comparable.
  if (!kept) {
    for (const t of ['analytics_agg_minute', 'analytics_agg_hour', 'analytics_agg_day', ...MERCHANT_ROLLUP_TABLES])
      await loader.command({ query: `OPTIMIZE TABLE ${t} FINAL` });
    // Every event was loaded after the migrations: the merchant rollups are complete from the start.
    await setMerchantRollupStart(loader, '2000-01-01 00:00:00');
  }
  if (META && !kept) await writeFile(META, JSON.stringify({ rows: ROWS, end }));
  const sizes = await (
    await loader.query({
      query: `SELECT table, sum(rows) AS rows FROM system.parts WHERE active AND database = currentDatabase() AND table LIKE 'analytics_%' GROUP BY table ORDER BY table`,
      format: 'JSONEachRow',
    })
  ).json<{ table: string; rows: string }>();
  console.error(
    `load: ${ROWS} rows in ${loadSeconds.toFixed(1)} s; ${sizes.map((s) => `${s.table} ${Number(s.rows).toLocaleString('en-US')}`).join(', ')}`,
  );

  const routes = new Map((await httpRoutesFromCatalog()).map((r) => [r.path, r.handler]));
  const rows: BenchRow[] = [];
  const table: string[][] = [];
  const token = await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys);
  const scoped = await signDevToken({ zones: ['WAEMU'], ttlSeconds: 3600 }, keys);
  // Anchored to the load's end, so a kept dataset answers the same ranges on every run.
  const now = end;
  const iso = (ms: number) => new Date(ms).toISOString();
  const last24 = { from: iso(now - DAY), to: iso(now) };
  const scenarios: Array<{ name: string; path: string; query: Record<string, string>; token: string }> = [
    { name: 'overview 24h', path: '/api/analytics/overview', query: last24, token },
    { name: 'overview 30d', path: '/api/analytics/overview', query: { from: iso(now - 30 * DAY), to: iso(now) }, token },
    { name: 'overview 24h, WAEMU scope', path: '/api/analytics/overview', query: last24, token: scoped },
    {
      name: 'timeseries minute 24h (volume)',
      path: '/api/analytics/timeseries',
      query: { ...last24, granularity: 'minute', metric: 'volume' },
      token,
    },
    {
      name: 'timeseries minute 24h (volume), compact',
      path: '/api/analytics/timeseries',
      query: { ...last24, granularity: 'minute', metric: 'volume', encoding: 'compact' },
      token,
    },
    {
      name: 'timeseries hour 30d (volume)',
      path: '/api/analytics/timeseries',
      query: { from: iso(now - 30 * DAY), to: iso(now), granularity: 'hour', metric: 'volume' },
      token,
    },
    {
      name: 'timeseries hour 30d (volume), compact',
      path: '/api/analytics/timeseries',
      query: { from: iso(now - 30 * DAY), to: iso(now), granularity: 'hour', metric: 'volume', encoding: 'compact' },
      token,
    },
    { name: 'breakdown city 24h (volume)', path: '/api/analytics/breakdown', query: { ...last24, by: 'city', metric: 'volume' }, token },
    {
      name: 'breakdown country 30d (merchants)',
      path: '/api/analytics/breakdown',
      query: { from: iso(now - 30 * DAY), to: iso(now), by: 'country', metric: 'merchants' },
      token,
    },
    ...merchantScenarios(now, token),
  ];
  if (AB_ITER > 0) table.push(...(await merchantsAB(loader, ch, now, token, rows)));
  await loader.close();

  const gw = await startHttpGateway({ port: 0, routes: [...routes].map(([path, handler]) => ({ path, handler })) });
  try {
    for (const s of scenarios.filter((x) => !ONLY.length || ONLY.some((o) => x.name.includes(o)))) {
      const handler = routes.get(s.path)!;
      const rawQueryString = new URLSearchParams(s.query).toString();
      const invoke = async () => {
        const event = buildHttpEvent({ method: 'GET', path: s.path, rawQueryString, headers: bearerHeaders(s.token) });
        const res = (await handler(event, lambdaContext('bench'))) as APIGatewayProxyStructuredResultV2;
        if (res.statusCode !== 200) throw new Error(`${s.name}: ${res.statusCode} ${res.body}`);
        return res.body!.length;
      };
      let bytes = 0;
      for (let i = 0; i < 3; i++) bytes = await invoke(); // warm-up: connections, JIT
      const uncached: number[] = [];
      // The engine's own time for the same requests (chdb's elapsed, summed by the local server).
      const engine: number[] = [];
      for (let i = 0; i < ITER; i++) {
        const e0 = ch.server.stats.engineMs;
        const t = performance.now();
        await invoke();
        uncached.push(performance.now() - t);
        engine.push(ch.server.stats.engineMs - e0);
      }
      const c = await measureCached(`${gw.url}${s.path}?${rawQueryString}`, bearerHeaders(s.token), CACHED_ITER);
      const p = (xs: number[], q: number) => percentile(xs, q);
      table.push([
        s.name,
        ...[50, 95, 99].map((q) => p(uncached, q).toFixed(1)),
        ...[50, 95].map((q) => p(engine, q).toFixed(1)),
        ...[50, 95, 99].map((q) => p(c.gateway, q).toFixed(2)),
        ...[50, 95].map((q) => p(c.floor, q).toFixed(2)),
        ...[50, 95].map((q) => p(c.fetch, q).toFixed(2)),
        `${(bytes / 1024).toFixed(0)} KiB`,
        `${(c.wireBytes / 1024).toFixed(0)} KiB`,
      ]);
      console.error(
        `${s.name}: uncached ${table.at(-1)!.slice(1, 4).join(' / ')} ms (engine ${table.at(-1)!.slice(4, 6).join(' / ')}), cached ${table.at(-1)!.slice(6, 9).join(' / ')} ms (floor ${table.at(-1)!.slice(9, 11).join(' / ')}, fetch() ${table.at(-1)!.slice(11, 13).join(' / ')}; ${c.gateway.length} hits, ${c.misses} refills)`,
      );
      const uncachedTarget = '< 100';
      for (const q of [50, 95, 99]) {
        rows.push({
          part: 'api',
          metric: `${s.name} uncached P${q}`,
          value: p(uncached, q),
          unit: 'ms',
          ...(q === 95 && uncachedTarget ? { target: uncachedTarget } : {}),
        });
      }
      rows.push({ part: 'api', metric: `${s.name} engine's own time P50`, value: p(engine, 50), unit: 'ms' });
      rows.push({ part: 'api', metric: `${s.name} engine's own time P95`, value: p(engine, 95), unit: 'ms' });
      for (const q of [50, 95, 99])
        rows.push({
          part: 'api',
          metric: `${s.name} cached P${q}`,
          value: p(c.gateway, q),
          unit: 'ms',
          ...(q === 95 ? { target: '< 5' } : {}),
        });
      rows.push({ part: 'api', metric: `${s.name} cached floor (bare server, same bytes) P95`, value: p(c.floor, 95), unit: 'ms' });
      rows.push({ part: 'api', metric: `${s.name} cached through fetch() with its decode P95`, value: p(c.fetch, 95), unit: 'ms' });
    }
  } finally {
    await gw.close();
  }

  const header = [
    'scenario',
    'uncached P50',
    'P95',
    'P99 ms',
    'engine P50',
    'P95 ms',
    'cached P50',
    'P95',
    'P99 ms',
    'floor P50',
    'P95 ms',
    'fetch() P50',
    'P95 ms',
    'body',
    'gzip',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(
    `\nquery API, ${ROWS.toLocaleString('en-US')} raw events over 30 days (loaded in ${loadSeconds.toFixed(0)} s); ${ITER} uncached / ${CACHED_ITER} cached runs per scenario`,
  );
  console.log(
    `machine: ${machine()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB\n`,
  );
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n'));
  console.log('');
  report(rows);
} finally {
  await closeClickHouse();
  await ch.close();
  const { rm } = await import('node:fs/promises');
  await rm(keyDir, { recursive: true, force: true });
}
