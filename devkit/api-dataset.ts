// A seeded data set of valid payment events for the query API tests, its insertion into
// analytics_events_raw (the rollups fill through the materialized views), and an independent
// reference computation of every API figure over the raw events with bigint decimals.
import type { ClickHouseClient } from '@clickhouse/client';
import { EventGenerator, prng } from './generator.js';
import { validateEvent, type EventType, type PaymentEvent } from '../contracts/event.js';
import { fromUnits, toUnits } from '../contracts/decimal.js';
import { eventInScope, referenceZone } from '../contracts/scope.js';
import { chDateTime64 } from '../functions/shared/time.js';

export interface DatasetOptions {
  seed: number;
  count: number;
  /** Events fall in [end - spanMs, end). */
  end: number;
  spanMs: number;
}

/** Generated events plus a few on exact bucket edges (minute, hour, day; first and last ms). */
export function generateDataset(opts: DatasetOptions): PaymentEvent[] {
  const gen = new EventGenerator({ seed: opts.seed, now: () => opts.end - 1, spreadMs: opts.spanMs });
  const events: PaymentEvent[] = [];
  for (let i = 0; i < opts.count; i++) {
    const { topic, event } = gen.event();
    const v = validateEvent(topic, event, opts.end);
    if (!v.ok) throw new Error(`generator produced an invalid event: ${v.reject.reason}`);
    events.push(v.event);
  }
  const rand = prng(opts.seed ^ 0x5bd1e995);
  const day = 86_400_000;
  const edges: number[] = [];
  for (let d = Math.ceil((opts.end - opts.spanMs) / day) * day; d < opts.end; d += day) {
    edges.push(d, d - 1, d + 3_600_000, d + 3_600_000 - 1, d + 60_000, d + 59_999);
  }
  for (const [i, ms] of edges.entries()) {
    if (ms < opts.end - opts.spanMs || ms >= opts.end) continue;
    const { topic, event } = gen.event();
    const v = validateEvent(
      topic,
      { ...event, event_id: `edge_${opts.seed}_${i}_${Math.floor(rand() * 1e9)}`, occurred_at: new Date(ms).toISOString() },
      opts.end,
    );
    if (v.ok) events.push(v.event);
  }
  return events;
}

export async function insertRawEvents(client: ClickHouseClient, events: PaymentEvent[]): Promise<void> {
  const ingested = chDateTime64(Date.now());
  const rows = events.map((e, i) => ({
    event_id: e.event_id,
    type: e.type,
    occurred_at: chDateTime64(e.occurred_at),
    amount: e.amount,
    fee: e.fee,
    currency: e.currency,
    zone: e.zone,
    country: e.country,
    city: e.city,
    merchant_id: e.merchant_id,
    status: e.status,
    topic: e.type,
    partition: 0,
    offset: i,
    kafka_timestamp: chDateTime64(e.occurred_at),
    ingested_at: ingested,
  }));
  for (let i = 0; i < rows.length; i += 5000) {
    await client.insert({ table: 'analytics_events_raw', values: rows.slice(i, i + 5000), format: 'JSONEachRow' });
  }
}

// ---------------------------------------------------------------------------------------------
// Reference computations: plain loops over the events, exact bigint sums, no shared API code
// except the decimal formatting helpers of the contract.

export interface RefFilters {
  fromMs: number;
  toMs: number;
  zone?: string;
  country?: string;
  city?: string;
  currency?: string;
  type?: EventType;
  scope: string[];
}

export function selectEvents(events: PaymentEvent[], f: RefFilters): PaymentEvent[] {
  return events.filter((e) => {
    const t = Date.parse(e.occurred_at);
    return (
      t >= f.fromMs &&
      t < f.toMs &&
      (f.zone === undefined || referenceZone(e) === f.zone) &&
      (f.country === undefined || e.country === f.country) &&
      (f.city === undefined || e.city === f.city) &&
      (f.currency === undefined || e.currency === f.currency) &&
      (f.type === undefined || e.type === f.type) &&
      eventInScope(f.scope, e)
    );
  });
}

interface Acc {
  count: number;
  succeeded: number;
  volume: bigint;
  fees: bigint;
  merchants: Set<string>;
}
const acc = (): Acc => ({ count: 0, succeeded: 0, volume: 0n, fees: 0n, merchants: new Set() });
function add(a: Acc, e: PaymentEvent): void {
  a.count++;
  if (e.status === 'succeeded') a.succeeded++;
  a.volume += toUnits(e.amount);
  a.fees += toUnits(e.fee);
  a.merchants.add(e.merchant_id);
}

/** Byte-wise (UTF-8) string order, as ClickHouse sorts. */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Exact half-up average written independently of divideDecimal. */
function average(volume: bigint, count: number): string {
  if (count === 0) return fromUnits(0n);
  const n = BigInt(count);
  return fromUnits((volume * 2n + n) / (2n * n));
}

export function refTotals(events: PaymentEvent[], f: RefFilters) {
  const groups = new Map<string, { type: EventType; currency: string; a: Acc }>();
  for (const e of selectEvents(events, f)) {
    const k = `${e.type}\u0000${e.currency}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { type: e.type, currency: e.currency, a: acc() }));
    add(g.a, e);
  }
  return [...groups.values()]
    .sort((x, y) => byteCompare(x.type, y.type) || byteCompare(x.currency, y.currency))
    .map(({ type, currency, a }) => ({
      type,
      currency,
      count: a.count,
      volume: fromUnits(a.volume),
      fees: fromUnits(a.fees),
      avg_ticket: average(a.volume, a.count),
      merchants: a.merchants.size,
      success_rate: type === 'wallet_txn_created' ? a.succeeded / a.count : null,
    }));
}

export type RefMetric = 'count' | 'volume' | 'fees' | 'merchants';

function metricValue(a: Acc, metric: RefMetric): string | number {
  switch (metric) {
    case 'count':
      return a.count;
    case 'volume':
      return fromUnits(a.volume);
    case 'fees':
      return fromUnits(a.fees);
    case 'merchants':
      return a.merchants.size;
  }
}

export function refTimeseries(events: PaymentEvent[], f: RefFilters, stepMs: number, metric: RefMetric) {
  const groups = new Map<string, { type: EventType; currency: string; buckets: Map<number, Acc> }>();
  for (const e of selectEvents(events, f)) {
    const k = `${e.type}\u0000${e.currency}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { type: e.type, currency: e.currency, buckets: new Map() }));
    const b = Math.floor(Date.parse(e.occurred_at) / stepMs) * stepMs;
    let a = g.buckets.get(b);
    if (!a) g.buckets.set(b, (a = acc()));
    add(a, e);
  }
  const zero = metric === 'volume' || metric === 'fees' ? fromUnits(0n) : 0;
  return [...groups.values()]
    .sort((x, y) => byteCompare(x.type, y.type) || byteCompare(x.currency, y.currency))
    .map((g) => {
      const points: Array<{ t: string; value: string | number }> = [];
      for (let t = f.fromMs; t < f.toMs; t += stepMs) {
        const a = g.buckets.get(t);
        points.push({ t: new Date(t).toISOString(), value: a ? metricValue(a, metric) : zero });
      }
      return { type: g.type, currency: g.currency, points };
    });
}

export function refBreakdown(
  events: PaymentEvent[],
  f: RefFilters,
  by: 'zone' | 'country' | 'city' | 'type' | 'currency',
  metric: RefMetric,
  limit: number,
) {
  const groups = new Map<string, { key: string; currency: string; a: Acc }>();
  for (const e of selectEvents(events, f)) {
    const key = e[by];
    const k = `${key}\u0000${e.currency}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, currency: e.currency, a: acc() }));
    add(g.a, e);
  }
  const sortValue = (a: Acc): bigint =>
    metric === 'count' ? BigInt(a.count) : metric === 'volume' ? a.volume : metric === 'fees' ? a.fees : BigInt(a.merchants.size);
  return [...groups.values()]
    .sort((x, y) => {
      const d = sortValue(y.a) - sortValue(x.a);
      return d > 0n ? 1 : d < 0n ? -1 : byteCompare(x.key, y.key) || byteCompare(x.currency, y.currency);
    })
    .slice(0, limit)
    .map(({ key, currency, a }) => ({
      key,
      currency,
      count: a.count,
      volume: fromUnits(a.volume),
      fees: fromUnits(a.fees),
      merchants: a.merchants.size,
    }));
}
