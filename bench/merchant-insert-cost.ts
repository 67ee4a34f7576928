// npx tsx bench/merchant-insert-cost.ts — the engine's own time of the work sql/008's view and
// sql/009's projection add to one insert, each beside a reference, on one 10k-row block (10 minutes
// of events): raw's insert without / with the projection (no views attached), and the span view's
// SELECT (read from the view itself) inserted into a copy of its table beside sql/007's merchant-day
// view's. ROUNDS interleaved rounds (default 15), the order rotated per round; medians. Figures only.
import { startTestClickHouse } from '../devkit/engines.js';
const ch = await startTestClickHouse();
const c = ch.client;
const run = (query: string) => c.command({ query });
const asSelect = async (view: string) =>
  (
    await (
      await c.query({
        query: `SELECT as_select FROM system.tables WHERE name = {v:String}`,
        query_params: { v: view },
        format: 'JSONEachRow',
      })
    ).json<{ as_select: string }>()
  )[0]!.as_select;
await run(`CREATE TABLE block AS analytics_events_raw`);
await run(`ALTER TABLE block DROP PROJECTION raw_by_time`);
await run(`INSERT INTO block (event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, topic, partition, offset, kafka_timestamp, ingested_at)
  SELECT concat('b_', toString(number)), arrayElement(['wallet_txn_created', 'payout.settled', 'invoice.paid'], 1 + cityHash64(number, 1) % 3),
    fromUnixTimestamp64Milli(toInt64(toUnixTimestamp64Milli(now64(3)) - cityHash64(number, 2) % 600000), 'UTC') AS occurred_at,
    toDecimal64(cityHash64(number, 3) % 2000000 + 100, 4) / 100, toDecimal64(1, 4), 'XOF', 'WAEMU', arrayElement(['SN', 'CI', 'ML'], 1 + cityHash64(number, 6) % 3) AS country,
    arrayElement(['Dakar', 'Thiès', 'Bamako'], 1 + cityHash64(number, 7) % 3), concat('m_', lower(country), '_', toString(cityHash64(number, 4) % 2000)),
    arrayElement(['succeeded', 'failed', 'pending'], 1 + cityHash64(number, 5) % 3), 'wallet_txn_created', 0, number, occurred_at, now64(3, 'UTC')
  FROM numbers(10000)`);
await run(`CREATE TABLE raw_plain AS block`);
await run(`CREATE TABLE raw_proj AS analytics_events_raw`);
await run(`CREATE TABLE span_copy AS analytics_merchant_span`);
await run(`CREATE TABLE day_copy AS analytics_merchant_day`);
const spanSel = (await asSelect('analytics_mv_merchant_span')).replace(/\banalytics_events_raw\b/, 'block');
const daySel = (await asSelect('analytics_mv_merchant_day')).replace(/\banalytics_events_raw\b/, 'block');
const variants: Record<string, string> = {
  'raw insert, no projection': 'INSERT INTO raw_plain SELECT * FROM block',
  'raw insert, with sql/009 projection': 'INSERT INTO raw_proj SELECT * FROM block',
  "sql/007 merchant day view's work": `INSERT INTO day_copy ${daySel}`,
  "sql/008 span view's work": `INSERT INTO span_copy ${spanSel}`,
};
const names = Object.keys(variants);
const times: Record<string, number[]> = {};
const rounds = Number(process.env.ROUNDS ?? 15);
for (let r = -1; r < rounds; r++) {
  for (let k = 0; k < names.length; k++) {
    const n = names[(k + Math.max(r, 0)) % names.length]!;
    const e0 = ch.server.stats.engineMs;
    await run(variants[n]!);
    if (r >= 0) (times[n] ??= []).push(ch.server.stats.engineMs - e0);
  }
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const n of names)
  console.log(`${n.padEnd(40)} median ${med(times[n]!).toFixed(1)} ms  (${times[n]!.map((x) => x.toFixed(0)).join(' ')})`);
await ch.close();
