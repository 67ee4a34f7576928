// /merchants and /failures?by=merchant over ranges of weeks, whose whole days come from the span rows
// of sql/008 (spans up to 16 days, month boundaries crossed), and with a city filter (sql/007's day
// rows), each against an independent computation over the raw events, to the last digit.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prng } from '../devkit/generator.js';
import { EVENT_TYPES } from '../contracts/event.js';
import { MERCHANT_SORTS } from '../contracts/api.js';
import { spanBlocks } from '../functions/api/lib/merchant-spans.js';
import { type Case, ceil, floor, iso, queryOf, refFilters } from './support/api-cases.js';
import { call, startApiHarness, type ApiHarness, type Lambda } from './support/api-harness.js';
import { selectEvents } from '../devkit/api-dataset.js';
import { refFailures, refMerchants } from './support/merchant-oracle.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// Data ends at an unaligned instant yesterday and spans 70 days: at least two month boundaries,
// inside raw's 90 days (so edge minutes still come from raw).
const END = Math.floor(Date.now() / DAY) * DAY - DAY + 7 * HOUR + 13 * MIN + 4_211;
const SPAN = 70 * DAY;
const START = END - SPAN;

let h: ApiHarness;
let merchants: Lambda;
let failures: Lambda;
const tokens = new Map<string, string>();

beforeAll(async () => {
  h = await startApiHarness({ seed: 20261203, count: 6000, end: END, spanMs: SPAN });
  // Every event was inserted after the migrations: the merchant rollups are complete from the start.
  await h.ch.client.command({
    query: `INSERT INTO analytics_merchant_rollup_start SELECT toDateTime('2000-01-01 00:00:00', 'UTC'), now64(3, 'UTC')`,
  });
  merchants = (await import('../functions/api/merchants.js')).handler as Lambda;
  failures = (await import('../functions/api/failures.js')).handler as Lambda;
  for (const scope of [['*'], ['WAEMU']]) tokens.set(scope.join(','), await h.token(scope));
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** 10 to 34 days (or `len`) inside the data, unaligned, with seeded filters. */
function longCase(rand: () => number, fixedLen?: number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const scope = pick([['*'], ['*'], ['WAEMU']]);
  const len = fixedLen ?? Math.floor((10 + rand() * 24) * DAY + rand() * DAY);
  const fromMs = START + Math.floor(rand() * (SPAN - len));
  const filters: Case['filters'] = {};
  const sample = pick(h.events);
  if (rand() < 0.2) filters.country = sample.country;
  if (rand() < 0.2) filters.city = sample.city;
  if (rand() < 0.3) filters.currency = sample.currency;
  if (rand() < 0.25) filters.type = pick(EVENT_TYPES);
  return { scope, fromMs, toMs: fromMs + len, filters };
}

describe('per-merchant answers over weeks equal an independent computation over the raw events', () => {
  test('/merchants and /failures?by=merchant, 16 seeded ranges of 10–40 days', async () => {
    const rand = prng(803);
    let rows = 0;
    let withPrevious = 0;
    const spans = new Set<number>();
    for (let i = 0; i < 16; i++) {
      // The first is 40 days: any 32 whole days hold a whole half-month, a 16-day span.
      const c = longCase(rand, i === 0 ? 40 * DAY + 5 * HOUR + 7 * MIN : undefined);
      const sort = MERCHANT_SORTS[i % MERCHANT_SORTS.length]!;
      const token = tokens.get(c.scope.join(','));
      const from = floor(c.fromMs, MIN);
      const to = ceil(c.toMs, MIN);
      const res = await call(merchants, '/api/analytics/merchants', queryOf(c, { sort, limit: '25' }), token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ from: iso(from), to: iso(to), sort, ...refMerchants(h.events, c, from, to, sort, 25) });
      const fail = await call(failures, '/api/analytics/failures', queryOf(c, { by: 'merchant', limit: '25' }), token);
      expect(fail.status, JSON.stringify(fail.body)).toBe(200);
      const selected = selectEvents(h.events, refFilters(c, from, to));
      expect(fail.body).toEqual({ from: iso(from), to: iso(to), by: 'merchant', rows: refFailures(selected, 'merchant', 25) });
      rows += res.body.rows.length + fail.body.rows.length;
      withPrevious += res.body.rows.filter((r: { previous_count: number }) => r.previous_count > 0).length;
      for (const b of spanBlocks(Math.ceil(from / DAY) * DAY, Math.floor(to / DAY) * DAY)) spans.add(b.span);
    }
    expect(rows).toBeGreaterThan(300);
    // The previous period (read for the ranked merchants only) is not vacuous either.
    expect(withPrevious).toBeGreaterThan(50);
    // The cases reach the longest span, not only single days.
    expect(Math.max(...spans)).toBe(16);
  }, 120_000);
});
