// /summary and /failures equal an independent computation over the raw events for seeded filter
// combinations and scopes; the all-currency figures are not the sum of per-currency merchants.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { prng } from '../devkit/generator.js';
import { EVENT_TYPES, type EventType, type PaymentEvent } from '../contracts/event.js';
import { FAILURE_DIMENSIONS } from '../contracts/api-summary.js';
import { call, startApiHarness, type ApiHarness, type Lambda } from './support/api-harness.js';
import { selectEvents, type RefFilters } from '../devkit/api-dataset.js';
import { refFailures } from './support/merchant-oracle.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const END = Math.floor(Date.now() / DAY) * DAY - DAY + 5 * HOUR + 31 * MIN + 7_123;
const SPAN = 3 * DAY;
const START = END - SPAN;

let h: ApiHarness;
let summary: Lambda;
let failures: Lambda;
const tokens = new Map<string, string>();

beforeAll(async () => {
  h = await startApiHarness({ seed: 20261201, count: 5000, end: END, spanMs: SPAN });
  summary = (await import('../functions/api/summary.js')).handler as Lambda;
  failures = (await import('../functions/api/failures.js')).handler as Lambda;
  for (const scope of [['*'], ['WAEMU'], ['CEMAC', 'WAMZ']]) tokens.set(scope.join(','), await h.token(scope));
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const floor = (ms: number) => Math.floor(ms / MIN) * MIN;
const ceil = (ms: number) => Math.ceil(ms / MIN) * MIN;

function refSummary(events: PaymentEvent[]) {
  const wallet = events.filter((e) => e.type === 'wallet_txn_created');
  const walletOk = wallet.filter((e) => e.status === 'succeeded').length;
  return {
    count: events.length,
    succeeded: events.filter((e) => e.status === 'succeeded').length,
    failed: events.filter((e) => e.status === 'failed').length,
    pending: events.filter((e) => e.status === 'pending').length,
    merchants: new Set(events.map((e) => e.merchant_id)).size,
    wallet_count: wallet.length,
    success_rate: wallet.length ? walletOk / wallet.length : null,
  };
}

interface Case {
  scope: string[];
  fromMs: number;
  toMs: number;
  filters: Partial<Record<'zone' | 'country' | 'currency' | 'type', string>>;
}

function randomCase(rand: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const scope = pick([['*'], ['*'], ['WAEMU'], ['CEMAC', 'WAMZ']]);
  const len = Math.max(1000, Math.floor(rand() ** 2 * 2 * DAY));
  const fromMs = START - HOUR + Math.floor(rand() * (SPAN + 2 * HOUR - len));
  const sample = pick(h.events);
  const filters: Case['filters'] = {};
  if (rand() < 0.3) filters.zone = sample.zone;
  if (rand() < 0.2) filters.country = sample.country;
  if (rand() < 0.2) filters.currency = sample.currency;
  if (rand() < 0.2) filters.type = pick(EVENT_TYPES);
  if (filters.zone && !scope.includes('*') && !scope.includes(filters.zone)) filters.zone = scope[0];
  return { scope, fromMs, toMs: fromMs + len, filters };
}

const refOf = (c: Case, fromMs: number, toMs: number): RefFilters => ({
  ...c.filters,
  type: c.filters.type as EventType | undefined,
  fromMs,
  toMs,
  scope: c.scope,
});
const queryOf = (c: Case, extra: Record<string, string> = {}) =>
  ({ from: iso(c.fromMs), to: iso(c.toMs), ...c.filters, ...extra }) as Record<string, string>;

describe('/summary', () => {
  test('current and previous period equal the raw events, 30 seeded combinations', async () => {
    const rand = prng(7);
    let withFailures = 0;
    for (let i = 0; i < 30; i++) {
      const c = randomCase(rand);
      const res = await call(summary, '/api/analytics/summary', queryOf(c), tokens.get(c.scope.join(',')));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs);
      const to = ceil(c.toMs);
      expect(res.body).toEqual({
        from: iso(from),
        to: iso(to),
        current: refSummary(selectEvents(h.events, refOf(c, from, to))),
        previous: { from: iso(2 * from - to), to: iso(from), ...refSummary(selectEvents(h.events, refOf(c, 2 * from - to, from))) },
      });
      if (res.body.current.failed > 0) withFailures++;
    }
    expect(withFailures).toBeGreaterThan(5);
  });

  test('merchants over all currencies are distinct merchants, and an empty range is all zeros', async () => {
    const token = tokens.get('*');
    const all = await call(summary, '/api/analytics/summary', { from: iso(START), to: iso(END) }, token);
    const ref = refSummary(selectEvents(h.events, { fromMs: floor(START), toMs: ceil(END), scope: ['*'] }));
    expect(all.body.current).toEqual(ref);
    const empty = await call(summary, '/api/analytics/summary', { from: iso(END + 10 * DAY), to: iso(END + 11 * DAY) }, token);
    expect(empty.body.current).toEqual({
      count: 0,
      succeeded: 0,
      failed: 0,
      pending: 0,
      merchants: 0,
      wallet_count: 0,
      success_rate: null,
    });
  });

  test('a zone outside the scope is a 403', async () => {
    const res = await call(summary, '/api/analytics/summary', { from: iso(START), to: iso(END), zone: 'CEMAC' }, tokens.get('WAEMU'));
    expect(res.status).toBe(403);
  });
});

describe('/failures', () => {
  test('rows equal the raw events for every dimension, 25 seeded combinations', async () => {
    const rand = prng(8);
    let rows = 0;
    for (let i = 0; i < 25; i++) {
      const c = randomCase(rand);
      const by = FAILURE_DIMENSIONS[i % FAILURE_DIMENSIONS.length]!;
      const limit = 1 + Math.floor(rand() * 12);
      const res = await call(failures, '/api/analytics/failures', queryOf(c, { by, limit: String(limit) }), tokens.get(c.scope.join(',')));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const from = floor(c.fromMs);
      const to = ceil(c.toMs);
      expect(res.body).toEqual({
        from: iso(from),
        to: iso(to),
        by,
        rows: refFailures(selectEvents(h.events, refOf(c, from, to)), by, limit),
      });
      rows += res.body.rows.length;
    }
    expect(rows).toBeGreaterThan(30);
  });

  test('by is required and must be a failure dimension', async () => {
    const token = tokens.get('*');
    expect((await call(failures, '/api/analytics/failures', { from: iso(START), to: iso(END) }, token)).status).toBe(400);
    const bad = await call(failures, '/api/analytics/failures', { from: iso(START), to: iso(END), by: 'status' }, token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.parameter).toBe('by');
  });
});
