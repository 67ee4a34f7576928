// bench:api's merchant part: the per-merchant scenarios, and the distinct-merchant figures read
// two ways side by side in one run — from sql/002's uniqExact states (what every route did before
// sql/007) and from the merchant rollups — by moving analytics_merchant_rollup_start, the switch
// the handlers themselves read. Runs alternate the two modes (and their order), so both see the
// same load. BENCH_API_AB_ITER runs per mode (default 15; 0 skips the comparison).
import type { ClickHouseClient } from '@clickhouse/client';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { bearerHeaders } from '../contracts/api.js';
import { buildHttpEvent, httpRoutesFromCatalog } from '../local/http-gateway.js';
import { lambdaContext } from '../local/lambda-context.js';
import type { TestClickHouse } from '../devkit/engines.js';
import { median, type BenchRow } from './lib.js';

export const AB_ITER = Number(process.env.BENCH_API_AB_ITER ?? 15);
export const MERCHANT_ROLLUP_TABLES = [
  'analytics_merchant_hour',
  'analytics_merchant_day',
  'analytics_merchant_month',
  'analytics_merchant_span',
];
const DAY = 86_400_000;

let recorded = Date.now();
/** The row recorded last decides (sql/007); recorded_at strictly increases here. */
export async function setMerchantRollupStart(client: ClickHouseClient, start: string): Promise<void> {
  recorded = Math.max(recorded + 1, Date.now());
  await client.command({
    query: `INSERT INTO analytics_merchant_rollup_start SELECT toDateTime({start:String}, 'UTC'), fromUnixTimestamp64Milli({at:Int64}, 'UTC')`,
    query_params: { start, at: recorded },
  });
}

interface Scenario {
  name: string;
  path: string;
  query: Record<string, string>;
  token: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function merchantScenarios(now: number, token: string): Scenario[] {
  const d30 = { from: iso(now - 30 * DAY), to: iso(now) };
  const d1 = { from: iso(now - DAY), to: iso(now) };
  return [
    { name: 'merchants 24h (count)', path: '/api/analytics/merchants', query: d1, token },
    { name: 'merchants 30d (volume, XOF)', path: '/api/analytics/merchants', query: { ...d30, sort: 'volume', currency: 'XOF' }, token },
    { name: 'failures by merchant 30d', path: '/api/analytics/failures', query: { ...d30, by: 'merchant' }, token },
    { name: 'summary 30d', path: '/api/analytics/summary', query: d30, token },
    {
      name: 'timeseries hour 30d (success_rate), compact',
      path: '/api/analytics/timeseries',
      query: { ...d30, granularity: 'hour', metric: 'success_rate', encoding: 'compact' },
      token,
    },
  ];
}

const MODES = [
  { name: 'states', start: '2106-01-01 00:00:00' },
  { name: 'merchant rollups', start: '2000-01-01 00:00:00' },
] as const;

/** Rows for bench:api's table (uncached columns only) and BenchRows with the ratio per scenario. */
export async function merchantsAB(
  client: ClickHouseClient,
  ch: TestClickHouse,
  now: number,
  token: string,
  rows: BenchRow[],
): Promise<string[][]> {
  const d30 = { from: iso(now - 30 * DAY), to: iso(now) };
  const scenarios: Scenario[] = [
    { name: 'overview 30d', path: '/api/analytics/overview', query: d30, token },
    { name: 'summary 30d', path: '/api/analytics/summary', query: d30, token },
    {
      name: 'breakdown country 30d (merchants)',
      path: '/api/analytics/breakdown',
      query: { ...d30, by: 'country', metric: 'merchants' },
      token,
    },
    { name: 'overview 24h', path: '/api/analytics/overview', query: { from: iso(now - DAY), to: iso(now) }, token },
  ];
  const routes = new Map((await httpRoutesFromCatalog()).map((r) => [r.path, r.handler]));
  const table: string[][] = [];
  try {
    for (const s of scenarios) {
      const handler = routes.get(s.path)!;
      const rawQueryString = new URLSearchParams(s.query).toString();
      const invoke = async (): Promise<string> => {
        const event = buildHttpEvent({ method: 'GET', path: s.path, rawQueryString, headers: bearerHeaders(s.token) });
        const res = (await handler(event, lambdaContext('bench'))) as APIGatewayProxyStructuredResultV2;
        if (res.statusCode !== 200) throw new Error(`${s.name}: ${res.statusCode} ${res.body}`);
        return res.body!;
      };
      const total: Record<string, number[]> = {};
      const engine: Record<string, number[]> = {};
      const bodies: Record<string, string> = {};
      for (let i = 0; i < AB_ITER + 2; i++) {
        for (const mode of i % 2 ? [...MODES].reverse() : MODES) {
          await setMerchantRollupStart(client, mode.start);
          const e0 = ch.server.stats.engineMs;
          const t0 = performance.now();
          bodies[mode.name] = await invoke();
          if (i < 2) continue; // warm-up
          (total[mode.name] ??= []).push(performance.now() - t0);
          (engine[mode.name] ??= []).push(ch.server.stats.engineMs - e0);
        }
      }
      // Both modes must give the same answer, to the last digit.
      if (bodies.states !== bodies['merchant rollups']) throw new Error(`${s.name}: the two modes disagree`);
      for (const mode of MODES) {
        table.push([
          `${s.name} [${mode.name}]`,
          median(total[mode.name]!).toFixed(1),
          '-',
          '-',
          median(engine[mode.name]!).toFixed(1),
          '-',
          '-',
          '-',
          '-',
          `${(bodies[mode.name]!.length / 1024).toFixed(0)} KiB`,
        ]);
        rows.push({
          part: 'api',
          metric: `${s.name} uncached P50, distinct merchants from ${mode.name}`,
          value: median(total[mode.name]!),
          unit: 'ms',
        });
        rows.push({
          part: 'api',
          metric: `${s.name} engine P50, distinct merchants from ${mode.name}`,
          value: median(engine[mode.name]!),
          unit: 'ms',
        });
      }
      const ratio = median(engine.states!) / median(engine['merchant rollups']!);
      rows.push({ part: 'api', metric: `${s.name} engine P50 states / merchant rollups`, value: ratio, unit: '×' });
      console.error(
        `${s.name}: states ${median(total.states!).toFixed(1)} ms (engine ${median(engine.states!).toFixed(1)}), merchant rollups ${median(total['merchant rollups']!).toFixed(1)} ms (engine ${median(engine['merchant rollups']!).toFixed(1)}); engine ratio ${ratio.toFixed(2)}`,
      );
    }
  } finally {
    await setMerchantRollupStart(client, '2000-01-01 00:00:00');
  }
  return table;
}
