// GET /api/analytics/health (no auth): 200 when ClickHouse answers SELECT 1, else 503. Never cached
// at the edge (no-store), but cheap: a healthy verdict is reused per container for
// HEALTH_CACHE_MS (10 s) and concurrent calls share one probe, so a flood of health checks costs
// ClickHouse at most one query per container per 10 s (reserved concurrency bounds the containers).
import type { HealthResponse } from '../../contracts/api.js';
import { getClickHouse } from '../shared/clickhouse.js';
import { apiHandler } from './lib/handler.js';
import { createHealthCache } from './lib/health-cache.js';
import { apiLogger } from './lib/middleware.js';
import { NO_STORE } from './lib/responses.js';
import { iso } from './lib/time-range.js';

/** A health check must answer quickly even when ClickHouse hangs. */
const HEALTH_TIMEOUT_MS = Number(process.env.HEALTH_CLICKHOUSE_TIMEOUT_MS ?? 3000);

async function clickhouseReachable(): Promise<boolean> {
  try {
    const client = await getClickHouse();
    const rs = await client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow', abort_signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    const rows = await rs.json<{ ok: number }>();
    return Number(rows[0]?.ok) === 1;
  } catch (err) {
    apiLogger.warn('health: ClickHouse unreachable', { error: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

const healthCacheMs = () => Number(process.env.HEALTH_CACHE_MS ?? 10_000);
const verdicts = createHealthCache(clickhouseReachable, healthCacheMs);

export const handler = apiHandler({
  route: 'health',
  run: async ({ now }) => {
    // The container's clock, not the event's: the cache ages in real time.
    const { ok } = await verdicts.check(Date.now());
    const body: HealthResponse = { status: ok ? 'ok' : 'degraded', clickhouse: ok ? 'ok' : 'unreachable', time: iso(now) };
    return { status: ok ? 200 : 503, body, cacheControl: NO_STORE };
  },
});
