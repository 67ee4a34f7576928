// /merchants, the timeseries metrics failed and success_rate, and the distinct-merchant figures
// served from the merchant rollups (sql/007), each against an independent computation over the raw
// events (bigint decimals), to the last digit; the scope rule; the 400s of the new parameters.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prng } from '../devkit/generator.js';
import { EVENT_TYPES, type EventType } from '../contracts/event.js';
import { GRANULARITIES, MERCHANT_SORTS, expandTimeseries } from '../contracts/api.js';
import { countryInScope } from '../contracts/scope.js';
import { HOUR_MS, MINUTE_MS } from '../functions/api/lib/time-range.js';
import { RAW_EDGE_HORIZON_MS, merchantRangeUnit } from '../functions/api/lib/merchant-sql.js';
import { type Case, ceil, floor, iso, queryOf, refFilters } from './support/api-cases.js';
import { call, startApiHarness, type ApiHarness, type Lambda } from './support/api-harness.js';
import { byteCompare, refBreakdown, refTotals, selectEvents } from '../devkit/api-dataset.js';
import { refMerchants } from './support/merchant-oracle.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// Data ends at an unaligned instant yesterday and spans 3 days (inside every TTL).
const END = Math.floor(Date.now() / DAY) * DAY - DAY + 5 * HOUR + 41 * MIN + 7_321;
const SPAN = 3 * DAY;
const START = END - SPAN;
const STEP = { minute: MIN, hour: HOUR, day: DAY } as const;

let h: ApiHarness;
let merchants: Lambda;
let summary: Lambda;
let failures: Lambda;
const tokens = new Map<string, string>();

/** Moves the instant the handlers trust the merchant rollups from (sql/007: the row recorded last). */
let recorded = Date.now();
async function setRollupStart(ms: number): Promise<void> {
  recorded = Math.max(recorded + 1, Date.now());
  await h.ch.client.command({
    query: `INSERT INTO analytics_merchant_rollup_start SELECT fromUnixTimestamp64Milli({start:Int64}, 'UTC'), fromUnixTimestamp64Milli({at:Int64}, 'UTC')`,
    query_params: { start: ms, at: recorded },
  });
}

beforeAll(async () => {
  h = await startApiHarness({ seed: 20261202, count: 6000, end: END, spanMs: SPAN });
  // Every event was inserted after the migration: the merchant rollups are complete from the start.
  await setRollupStart(Date.UTC(2000, 0, 1));
  merchants = (await import('../functions/api/merchants.js')).handler as Lambda;
  summary = (await import('../functions/api/summary.js')).handler as Lambda;
  failures = (await import('../functions/api/failures.js')).handler as Lambda;
  for (const scope of [['*'], ['WAEMU'], ['CEMAC', 'WAMZ']]) tokens.set(scope.join(','), await h.token(scope));
}, 120_000);
afterAll(async () => {
  await h?.close();
});

function randomCase(rand: () => number, maxSpanMs: number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const scope = pick([['*'], ['*'], ['WAEMU'], ['CEMAC', 'WAMZ']]);
  const len = Math.max(1000, Math.floor(rand() ** 1.5 * maxSpanMs));
  const fromMs = START - HOUR + Math.floor(rand() * (SPAN + 2 * HOUR - len));
  const filters: Case['filters'] = {};
  const sample = pick(h.events);
  if (rand() < 0.25) filters.zone = sample.zone;
  if (rand() < 0.2) filters.country = sample.country;
  if (rand() < 0.15) filters.city = sample.city;
  if (rand() < 0.3) filters.currency = sample.currency;
  if (rand() < 0.25) filters.type = pick(EVENT_TYPES);
  if (filters.zone && !scope.includes('*') && !scope.includes(filters.zone)) filters.zone = scope[0];
  return { scope, fromMs, toMs: fromMs + len, filters };
}

describe('/merchants equals an independent computation over the raw events', () => {
  test('every row, its order and the totals, 30 seeded combinations of scope, filters, sort and limit', async () => {
    const rand = prng(19);
    let rows = 0;
    for (let i = 0; i < 30; i++) {
      const sort = MERCHANT_SORTS[i % MERCHANT_SORTS.length]!;
      const limit = rand() < 0.3 ? undefined : 1 + Math.floor(rand() * 40);
      const c = randomCase(rand, 2.5 * DAY);
      const res = await call(
        merchants,
        '/api/analytics/merchants',
        queryOf(c, { ...(i % 4 === 0 ? {} : { sort }), ...(limit ? { limit: String(limit) } : {}) }),
        tokens.get(c.scope.join(',')),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs, MIN);
      const to = ceil(c.toMs, MIN);
      const effectiveSort = i % 4 === 0 ? 'count' : sort;
      expect(res.body).toEqual({
        from: iso(from),
        to: iso(to),
        sort: effectiveSort,
        ...refMerchants(h.events, c, from, to, effectiveSort, limit ?? 10),
      });
      rows += res.body.rows.length;
    }
    expect(rows).toBeGreaterThan(150);
  });

  test('over the whole data set every event is counted once and the shares of all rows add up to 1', async () => {
    const c: Case = { scope: ['*'], fromMs: START, toMs: END, filters: {} };
    const res = await call(merchants, '/api/analytics/merchants', queryOf(c, { limit: '100' }), tokens.get('*'));
    expect(res.status).toBe(200);
    const all = refMerchants(h.events, c, floor(START, MIN), ceil(END, MIN), 'count', 1e9);
    expect(all.total_count).toBe(h.events.length);
    expect(all.rows.reduce((s, r) => s + r.share, 0)).toBeCloseTo(1, 9);
    expect(res.body.rows).toEqual(all.rows.slice(0, 100));
  });

  test('a scoped token sees only merchants of its zones; a zone filter outside it is a 403', async () => {
    const res = await call(merchants, '/api/analytics/merchants', { from: iso(START), to: iso(END), limit: '100' }, tokens.get('WAEMU'));
    expect(res.status).toBe(200);
    const inScope = new Set(h.events.filter((e) => countryInScope(['WAEMU'], e.country)).map((e) => `${e.merchant_id}|${e.currency}`));
    expect(res.body.rows.length).toBeGreaterThan(10);
    for (const r of res.body.rows) expect(inScope.has(`${r.merchant_id}|${r.currency}`)).toBe(true);
    expect(res.body.total_count).toBe(h.events.filter((e) => countryInScope(['WAEMU'], e.country)).length);
    const denied = await call(
      merchants,
      '/api/analytics/merchants',
      { from: iso(START), to: iso(END), zone: 'CEMAC' },
      tokens.get('WAEMU'),
    );
    expect(denied.status).toBe(403);
    expect(denied.body.error.parameter).toBe('zone');
  });

  test('bad limit and sort are 400 JSON errors naming the parameter', async () => {
    const base = { from: iso(START), to: iso(END) };
    for (const [q, parameter] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ limit: '1.5' }, 'limit'],
      [{ limit: '' }, 'limit'],
      [{ sort: 'fees' }, 'sort'],
      [{ sort: 'COUNT' }, 'sort'],
      [{ by: 'merchant' }, 'by'],
    ] as const) {
      const res = await call(merchants, '/api/analytics/merchants', { ...base, ...q }, tokens.get('*'));
      expect(res.status, JSON.stringify(q)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error).toMatchObject({ code: 'bad_request', parameter });
    }
    const twice = await call(merchants, '/api/analytics/merchants', 'sort=count&sort=volume', tokens.get('*'));
    expect(twice.status).toBe(400);
    expect(twice.body.error.parameter).toBe('sort');
  });

  test('a range starting past raw retention is answered for whole hours (raw no longer holds its edge minutes)', async () => {
    // Derived from the request time, like the handler: no assumption about the time of day.
    const now = Date.now();
    expect(merchantRangeUnit({ fromMs: now - DAY, toMs: now }, now)).toBe(MINUTE_MS);
    expect(merchantRangeUnit({ fromMs: now - RAW_EDGE_HORIZON_MS - 1, toMs: now }, now)).toBe(HOUR_MS);
    const from = now - RAW_EDGE_HORIZON_MS - 3 * DAY - 7 * MIN;
    const to = from + DAY + 13 * MIN;
    for (const [fn, path, extra] of [
      [merchants, '/api/analytics/merchants', {}],
      [failures, '/api/analytics/failures', { by: 'merchant' }],
    ] as const) {
      const res = await call(fn, path, { from: iso(from), to: iso(to), ...extra }, tokens.get('*'));
      expect(res.status).toBe(200);
      expect(res.body.from).toBe(iso(floor(from, HOUR)));
      expect(res.body.to).toBe(iso(ceil(to, HOUR)));
    }
  });
});

describe('timeseries failed and success_rate equal the raw events', () => {
  function refSeries(c: Case, from: number, to: number, step: number, metric: 'failed' | 'success_rate') {
    const f = refFilters(c, from, to);
    const selected = selectEvents(h.events, f).filter((e) => metric === 'failed' || e.type === 'wallet_txn_created');
    const groups = new Map<
      string,
      { type: EventType; currency: string; buckets: Map<number, { n: number; ok: number; failed: number }> }
    >();
    for (const e of selected) {
      const k = `${e.type}\u0000${e.currency}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { type: e.type, currency: e.currency, buckets: new Map() }));
      const b = floor(Date.parse(e.occurred_at), step);
      let a = g.buckets.get(b);
      if (!a) g.buckets.set(b, (a = { n: 0, ok: 0, failed: 0 }));
      a.n++;
      if (e.status === 'succeeded') a.ok++;
      if (e.status === 'failed') a.failed++;
    }
    return [...groups.values()]
      .sort((x, y) => byteCompare(x.type, y.type) || byteCompare(x.currency, y.currency))
      .map((g) => {
        const points: Array<{ t: string; value: number | null }> = [];
        for (let t = from; t < to; t += step) {
          const a = g.buckets.get(t);
          points.push({ t: iso(t), value: metric === 'failed' ? (a?.failed ?? 0) : a ? a.ok / a.n : null });
        }
        return { type: g.type, currency: g.currency, points };
      });
  }

  test('every point, both encodings, 24 seeded combinations of filters and granularity', async () => {
    const rand = prng(20);
    let failedPoints = 0;
    let nulls = 0;
    for (let i = 0; i < 24; i++) {
      const granularity = GRANULARITIES[i % 3]!;
      const metric = i % 2 ? 'failed' : 'success_rate';
      const c = randomCase(rand, granularity === 'minute' ? 20 * HOUR : 2.5 * DAY);
      const token = tokens.get(c.scope.join(','));
      const res = await call(h.handlers.timeseries, '/api/analytics/timeseries', queryOf(c, { granularity, metric }), token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs, STEP[granularity]);
      const to = ceil(c.toMs, STEP[granularity]);
      const series = refSeries(c, from, to, STEP[granularity], metric);
      expect(res.body).toEqual({ from: iso(from), to: iso(to), granularity, metric, series });
      for (const s of series)
        for (const p of s.points) {
          if (metric === 'failed' && (p.value as number) > 0) failedPoints++;
          if (p.value === null) nulls++;
        }
      const compact = await call(
        h.handlers.timeseries,
        '/api/analytics/timeseries',
        queryOf(c, { granularity, metric, encoding: 'compact' }),
        token,
      );
      expect(compact.status).toBe(200);
      expect(expandTimeseries(compact.body)).toEqual(res.body);
    }
    expect(failedPoints).toBeGreaterThan(20);
    expect(nulls).toBeGreaterThan(20);
  });
});

describe('distinct merchants from the merchant rollups', () => {
  const whole: Case = { scope: ['*'], fromMs: START - 17 * MIN, toMs: END + 3 * MIN, filters: {} };

  async function figures(c: Case) {
    const token = tokens.get(c.scope.join(','));
    const [overview, sum, breakdown] = await Promise.all([
      call(h.handlers.overview, '/api/analytics/overview', queryOf(c), token),
      call(summary, '/api/analytics/summary', queryOf(c), token),
      call(h.handlers.breakdown, '/api/analytics/breakdown', queryOf(c, { by: 'country', metric: 'merchants', limit: '100' }), token),
    ]);
    return { overview: overview.body, summary: sum.body, breakdown: breakdown.body };
  }

  function expectExact(c: Case, got: Awaited<ReturnType<typeof figures>>): void {
    const from = floor(c.fromMs, MIN);
    const to = ceil(c.toMs, MIN);
    expect(got.overview.totals).toEqual(refTotals(h.events, refFilters(c, from, to)));
    expect(got.overview.previous.totals).toEqual(refTotals(h.events, refFilters(c, 2 * from - to, from)));
    expect(got.summary.current.merchants).toBe(new Set(selectEvents(h.events, refFilters(c, from, to)).map((e) => e.merchant_id)).size);
    expect(got.breakdown.rows).toEqual(refBreakdown(h.events, refFilters(c, from, to), 'country', 'merchants', 100));
  }

  test('the same exact figures whether the rollup start is before the data, inside it, or after it', async () => {
    const cases = [whole, ...Array.from({ length: 4 }, (_, i) => randomCase(prng(30 + i), 2.5 * DAY))];
    try {
      // Inside: the day boundary after the data's first whole day, so days, hours and minutes on
      // both sides of it mix states and merchant rows.
      for (const start of [Date.UTC(2000, 0, 1), floor(START, DAY) + 2 * DAY, Date.UTC(2106, 0, 1)]) {
        await setRollupStart(start);
        for (const c of cases) expectExact(c, await figures(c));
      }
    } finally {
      await setRollupStart(Date.UTC(2000, 0, 1));
    }
    // The data set makes the point: distinct merchants over the range are fewer than the sum over days.
    const all = selectEvents(h.events, refFilters(whole, floor(whole.fromMs, MIN), ceil(whole.toMs, MIN)));
    const perDay = new Map<number, Set<string>>();
    for (const e of all) {
      const d = floor(Date.parse(e.occurred_at), DAY);
      perDay.set(d, (perDay.get(d) ?? new Set()).add(e.merchant_id));
    }
    const summed = [...perDay.values()].reduce((s, x) => s + x.size, 0);
    expect(new Set(all.map((e) => e.merchant_id)).size).toBeLessThan(summed);
  }, 300_000);
});
