// npx tsx bench/api-engine-split.ts <BENCH_API_DATA_DIR> — the engine's own time of the overview
// and breakdown queries on bench:api's kept dataset, each beside the same query without the exact
// unique-merchants column (uniqExactMerge), medians of RUNS (default 5) interleaved per variant.
// Shows how much of those queries is the merchants measure. Figures only.
import { readFile } from 'node:fs/promises';
import { startClickHouseServer } from '../local/clickhouse/server.js';
import { clickhouseConfigFromEnv, createClickHouseClient } from '../functions/shared/clickhouse.js';
import { currentAndPrevious } from '../functions/api/lib/periods.js';
import { filterWhere, segmentsUnion } from '../functions/api/lib/sql.js';
import { alignRange, decompose, MINUTE_MS } from '../functions/api/lib/time-range.js';

const dir = process.argv[2]!;
const meta = JSON.parse(await readFile(`${dir}/bench-api-meta.json`, 'utf8')) as { end: number };
const server = await startClickHouseServer({ port: 0, dataDir: dir });
const client = createClickHouseClient({ ...clickhouseConfigFromEnv({}), url: server.url, compression: false, requestTimeoutMs: 600000 });
const DAY = 86_400_000;
const end = meta.end;
const runs = Number(process.env.RUNS ?? 5);
async function time(name: string, query: string, params: Record<string, unknown>) {
  const e: number[] = [];
  let out = '';
  for (let i = 0; i < runs; i++) {
    const e0 = server.stats.engineMs;
    const rs = await client.query({ query, query_params: params, format: 'JSONCompactEachRow' });
    out = await rs.text();
    e.push(server.stats.engineMs - e0);
  }
  e.sort((a, b) => a - b);
  console.log(
    `${name}: engine median ${e[Math.floor(e.length / 2)]!.toFixed(1)} ms (min ${e[0]!.toFixed(1)}) rows ${out.split('\n').length - 1}`,
  );
  return out;
}
const variants = (process.env.ONLY ?? '').split(',').filter(Boolean);
const want = (n: string) => variants.length === 0 || variants.some((v) => n.includes(v));
for (const days of [1, 30]) {
  const filters = { range: { fromMs: end - days * DAY, toMs: end } };
  const { union, params } = currentAndPrevious(
    filters,
    ['*'],
    [{ expr: 'type' }, { expr: 'currency' }, { expr: 'status', month: "'' AS status" }],
    ['events', 'volume', 'fees'],
  );
  const full = `SELECT is_current, type, currency, toString(countMerge(events)) AS n, toString(countMergeIf(events, status = 'succeeded')) AS ok,
    toString(sumMerge(volume)) AS vol, toString(sumMerge(fees)) AS fee, toString(uniqExactMerge(merchants)) AS m
    FROM (${union}) GROUP BY is_current, type, currency ORDER BY is_current, type, currency`;
  if (want('ov')) await time(`overview ${days}d full`, full, params);
  const nom = full.replace('toString(uniqExactMerge(merchants)) AS m', "'' AS m");
  if (want('ov')) await time(`overview ${days}d no merchants`, nom, params);
  const range = alignRange(filters.range, MINUTE_MS);
  const where = filterWhere({}, ['*']);
  const bp: Record<string, unknown> = { ...where.params, limit: 100 };
  const bu = segmentsUnion(
    decompose(range),
    `${days === 1 ? 'city' : 'country'} AS key, currency, events, volume, fees, merchants`,
    where,
    bp,
  );
  const bsql = `SELECT key, currency, countMerge(events) AS n_, sumMerge(volume) AS vol_, sumMerge(fees) AS fee_, uniqExactMerge(merchants) AS m_,
    toString(n_) AS n, toString(vol_) AS vol, toString(fee_) AS fee, toString(m_) AS m FROM (${bu}) GROUP BY key, currency ORDER BY ${days === 1 ? 'vol_' : 'm_'} DESC, key ASC, currency ASC LIMIT {limit:UInt32}`;
  if (want('bd')) await time(`breakdown ${days}d full`, bsql, bp);
  if (want('bd')) await time(`breakdown ${days}d no merchants`, bsql.replace('uniqExactMerge(merchants) AS m_', '0 AS m_'), bp);
}
await client.close();
await server.close();
