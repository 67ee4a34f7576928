// Every figure of /overview, /timeseries and /breakdown equals an independent computation over the
// raw events (bigint decimals), to the last digit, for seeded random filter combinations; and every
// granularity gives the raw totals.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prng } from '../devkit/generator.js';
import { EVENT_TYPES } from '../contracts/event.js';
import { BREAKDOWN_DIMENSIONS, GRANULARITIES, METRICS, expandTimeseries, type Granularity, type Metric } from '../contracts/api.js';
import { addDecimals } from '../contracts/decimal.js';
import { type Case, ceil, floor, iso, queryOf, refFilters } from './support/api-cases.js';
import { call, startApiHarness, type ApiHarness } from './support/api-harness.js';
import { refBreakdown, refTimeseries, refTotals } from '../devkit/api-dataset.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// Data ends at an unaligned instant yesterday and spans 3 days (inside every TTL).
const END = Math.floor(Date.now() / DAY) * DAY - DAY + 7 * HOUR + 17 * MIN + 13_456;
const SPAN = 3 * DAY;
const START = END - SPAN;
const STEP: Record<Granularity, number> = { minute: MIN, hour: HOUR, day: DAY };

let h: ApiHarness;
let allToken: string;
const tokens = new Map<string, string>();

beforeAll(async () => {
  h = await startApiHarness({ seed: 20261127, count: 6000, end: END, spanMs: SPAN });
  allToken = await h.token(['*']);
  for (const scope of [['*'], ['WAEMU'], ['CEMAC', 'WAMZ']]) tokens.set(scope.join(','), await h.token(scope));
});
afterAll(async () => {
  await h?.close();
});

function randomCase(rand: () => number, maxSpanMs: number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const scope = pick([['*'], ['*'], ['WAEMU'], ['CEMAC', 'WAMZ']]);
  const len = Math.max(1000, Math.floor(rand() ** 2 * maxSpanMs));
  const fromMs = START - HOUR + Math.floor(rand() * (SPAN + 2 * HOUR - len));
  const filters: Case['filters'] = {};
  const sample = pick(h.events);
  // Filters from a real event so they match something, sometimes a value with no data.
  if (rand() < 0.3) filters.zone = rand() < 0.9 ? sample.zone : 'NOWHERE';
  if (rand() < 0.25) filters.country = rand() < 0.9 ? sample.country : 'ZZ';
  if (rand() < 0.2) filters.city = sample.city;
  if (rand() < 0.3) filters.currency = sample.currency;
  if (rand() < 0.3) filters.type = pick(EVENT_TYPES);
  // A zone filter outside the scope is a 403 (tested in the auth matrix); keep it in scope here.
  if (filters.zone && !scope.includes('*') && !scope.includes(filters.zone)) filters.zone = scope[0];
  return { scope, fromMs, toMs: fromMs + len, filters };
}

describe('figures equal an independent computation over the raw events', () => {
  test('the data set covers every type, several currencies and zones', () => {
    expect(new Set(h.events.map((e) => e.type)).size).toBe(3);
    expect(new Set(h.events.map((e) => e.currency)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(h.events.map((e) => e.zone))).toEqual(new Set(['WAEMU', 'CEMAC', 'WAMZ']));
  });

  test('overview, current and previous period, 40 seeded filter combinations', async () => {
    const rand = prng(1);
    let nonEmpty = 0;
    for (let i = 0; i < 40; i++) {
      const c = randomCase(rand, 2 * DAY);
      const res = await call(h.handlers.overview, '/api/analytics/overview', queryOf(c), tokens.get(c.scope.join(',')));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs, MIN);
      const to = ceil(c.toMs, MIN);
      expect(res.body.from).toBe(iso(from));
      expect(res.body.to).toBe(iso(to));
      expect(res.body.totals).toEqual(refTotals(h.events, refFilters(c, from, to)));
      expect(res.body.previous).toEqual({
        from: iso(2 * from - to),
        to: iso(from),
        totals: refTotals(h.events, refFilters(c, 2 * from - to, from)),
      });
      if (res.body.totals.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(20);
  });

  test('timeseries, every point, 40 seeded combinations of filters, granularity and metric', async () => {
    const rand = prng(2);
    let points = 0;
    for (let i = 0; i < 40; i++) {
      const granularity = GRANULARITIES[i % 3]!;
      const metric = METRICS[Math.floor(rand() * METRICS.length)]!;
      const c = randomCase(rand, granularity === 'minute' ? 20 * HOUR : 2.5 * DAY);
      const res = await call(
        h.handlers.timeseries,
        '/api/analytics/timeseries',
        queryOf(c, { granularity, metric }),
        tokens.get(c.scope.join(',')),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs, STEP[granularity]);
      const to = ceil(c.toMs, STEP[granularity]);
      expect(res.body).toEqual({
        from: iso(from),
        to: iso(to),
        granularity,
        metric,
        series: refTimeseries(h.events, refFilters(c, from, to), STEP[granularity], metric),
      });
      for (const s of res.body.series) {
        expect(s.points.length).toBe((to - from) / STEP[granularity]);
        points += s.points.length;
      }
      // The compact encoding describes the same points: start + i × step_ms and values[i].
      const compact = await call(
        h.handlers.timeseries,
        '/api/analytics/timeseries',
        queryOf(c, { granularity, metric, encoding: 'compact' }),
        tokens.get(c.scope.join(',')),
      );
      expect(compact.status).toBe(200);
      expect(compact.body.series).toEqual(
        res.body.series.map((s: { type: string; currency: string; points: Array<{ t: string; value: string | number }> }) => ({
          type: s.type,
          currency: s.currency,
          start: iso(from),
          step_ms: STEP[granularity],
          values: s.points.map((p) => p.value),
        })),
      );
      expect(expandTimeseries(compact.body)).toEqual(res.body);
    }
    expect(points).toBeGreaterThan(1000);
  });

  test('breakdown, every row and its order, 40 seeded combinations of filters, dimension, metric and limit', async () => {
    const rand = prng(3);
    for (let i = 0; i < 40; i++) {
      const by = BREAKDOWN_DIMENSIONS[i % BREAKDOWN_DIMENSIONS.length]!;
      const metric = METRICS[Math.floor(rand() * METRICS.length)]! as Metric;
      const limit = rand() < 0.3 ? undefined : 1 + Math.floor(rand() * 12);
      const c = randomCase(rand, 2 * DAY);
      const extra: Record<string, string> = { by, metric, ...(limit ? { limit: String(limit) } : {}) };
      const res = await call(h.handlers.breakdown, '/api/analytics/breakdown', queryOf(c, extra), tokens.get(c.scope.join(',')));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs, MIN);
      const to = ceil(c.toMs, MIN);
      expect(res.body).toEqual({
        from: iso(from),
        to: iso(to),
        by,
        metric,
        rows: refBreakdown(h.events, refFilters(c, from, to), by, metric, limit ?? 10),
      });
    }
  });

  test('every granularity gives the raw totals over the same aligned range, and overview agrees', async () => {
    // One whole UTC day inside the data (1440 minutes fits under the point cap), and the full
    // data span at hour and day granularity.
    const day = floor(START, DAY) + DAY;
    const ranges: Array<[number, number, Granularity[]]> = [
      [day, day + DAY, ['minute', 'hour', 'day']],
      [floor(START, DAY), ceil(END, DAY), ['hour', 'day']],
    ];
    for (const [from, to, granularities] of ranges) {
      const raw = refTotals(h.events, { fromMs: from, toMs: to, scope: ['*'] });
      expect(raw.length).toBeGreaterThan(5);
      const overview = await call(h.handlers.overview, '/api/analytics/overview', { from: iso(from), to: iso(to) }, allToken);
      expect(overview.body.totals).toEqual(raw);
      for (const granularity of granularities) {
        for (const metric of ['count', 'volume', 'fees'] as const) {
          const res = await call(
            h.handlers.timeseries,
            '/api/analytics/timeseries',
            { from: iso(from), to: iso(to), granularity, metric },
            allToken,
          );
          expect(res.status).toBe(200);
          const summed = res.body.series.map((s: { type: string; currency: string; points: Array<{ value: string | number }> }) => ({
            type: s.type,
            currency: s.currency,
            [metric]: s.points.reduce<string | number>(
              (sum, p) => (typeof p.value === 'number' ? (sum as number) + p.value : addDecimals(sum as string, p.value)),
              metric === 'count' ? 0 : '0',
            ),
          }));
          expect(summed, `${granularity} ${metric}`).toEqual(raw.map((r) => ({ type: r.type, currency: r.currency, [metric]: r[metric] })));
        }
      }
    }
  });

  test('events on exact bucket edges land in the right bucket', async () => {
    const edgeEvents = h.events.filter((e) => e.event_id.startsWith('edge_'));
    expect(edgeEvents.length).toBeGreaterThan(5);
    const e = edgeEvents.find((x) => Date.parse(x.occurred_at) % DAY === 0)!;
    const t = Date.parse(e.occurred_at);
    // [t, t + 1 min) holds the event at t; [t - 1 min, t) holds the one at t - 1 ms, not this one.
    const at = await call(h.handlers.overview, '/api/analytics/overview', { from: iso(t), to: iso(t + MIN) }, allToken);
    expect(at.body.totals).toEqual(refTotals(h.events, { fromMs: t, toMs: t + MIN, scope: ['*'] }));
    expect(at.body.totals.some((r: { type: string }) => r.type === e.type)).toBe(true);
    expect(at.body.previous.totals).toEqual(refTotals(h.events, { fromMs: t - MIN, toMs: t, scope: ['*'] }));
  });
});
