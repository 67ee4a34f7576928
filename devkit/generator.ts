// Realistic, seeded payment events: the one generator behind `npm run event`, the local cloud's
// live feed, the Kafka producer tool, the tests and the benchmarks.
import { COUNTRIES, type CountryInfo } from '../contracts/geography.js';
import { EVENT_TYPES, type EventType, type PaymentEventInput } from '../contracts/event.js';
import { fromUnits } from '../contracts/decimal.js';
import { buildMskEvent, type OutgoingRecord } from './msk-events.js';
import type { MSKEvent } from 'aws-lambda';

/** mulberry32: small, fast, good enough for synthetic data, and reproducible from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Relative traffic per country (Senegal and Côte d'Ivoire dominate, as on the platform).
const COUNTRY_WEIGHTS: Record<string, number> = {
  SN: 24,
  CI: 20,
  ML: 7,
  BF: 6,
  BJ: 5,
  TG: 3,
  NE: 2,
  CM: 10,
  GA: 3,
  CG: 3,
  TD: 1,
  GH: 8,
  NG: 7,
  GN: 1,
};
// Typical ticket (median, in currency units) and whether the currency has minor units.
const TICKETS: Record<string, { median: number; minor: boolean }> = {
  XOF: { median: 7_500, minor: false },
  XAF: { median: 8_000, minor: false },
  GNF: { median: 90_000, minor: false },
  GHS: { median: 120, minor: true },
  NGN: { median: 9_000, minor: true },
  USD: { median: 45, minor: true },
};
// Basis points of fee per type.
const FEE_BPS: Record<EventType, number> = { wallet_txn_created: 100, 'payout.settled': 50, 'invoice.paid': 200 };
const TYPE_WEIGHTS: Record<EventType, number> = { wallet_txn_created: 70, 'payout.settled': 15, 'invoice.paid': 15 };
const MERCHANTS_PER_COUNTRY = 250;

export interface GeneratedRecord {
  topic: EventType;
  key: string;
  /** The JSON value as produced (may be deliberately invalid). */
  value: string;
  /** The event when valid. */
  event?: PaymentEventInput;
  /** Why the record is invalid, when it is. */
  invalid?: string;
}

export interface GeneratorOptions {
  seed?: number;
  /** Clock for occurred_at (default Date.now). */
  now?: () => number;
  /** Share of events dated up to an hour back (late arrivals). */
  lateShare?: number;
  /** Spread occurred_at uniformly over this many ms before now (bulk/historical data). */
  spreadMs?: number;
}

function pickWeighted<T extends string>(rand: () => number, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as Array<[T, number]>;
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [k, w] of entries) {
    r -= w;
    if (r < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

const INVALID_KINDS = [
  'invalid_json',
  'empty_value',
  'missing_field',
  'float_amount',
  'exponent_amount',
  'too_many_decimals',
  'negative_amount',
  'bad_currency',
  'bad_country',
  'future_timestamp',
  'oversized_string',
  'wrong_type',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

export class EventGenerator {
  private readonly rand: () => number;
  private readonly now: () => number;
  private readonly seed: number;
  private counter = 0;

  constructor(private readonly options: GeneratorOptions = {}) {
    this.seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.rand = prng(this.seed);
    this.now = options.now ?? Date.now;
  }

  /** A valid event of a random (or given) type. */
  event(type?: EventType): { topic: EventType; event: PaymentEventInput } {
    const rand = this.rand;
    const topic = type ?? pickWeighted(rand, TYPE_WEIGHTS);
    const country = pickWeighted(rand, COUNTRY_WEIGHTS);
    const info = COUNTRIES[country] as CountryInfo;
    // First city of a country carries most traffic.
    const city = info.cities[Math.min(info.cities.length - 1, Math.floor(rand() ** 2 * info.cities.length))]!;
    const currency = topic === 'payout.settled' && rand() < 0.03 ? 'USD' : info.currency;
    // Merchants are skewed: a few large ones, a long tail.
    const merchant = Math.floor(rand() ** 3 * MERCHANTS_PER_COUNTRY);
    const ticket = TICKETS[currency] ?? { median: 100, minor: true };
    // Log-normal-ish ticket: median * e^(N(0,1)) via Box-Muller, clamped.
    const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const major = Math.max(1, Math.min(ticket.median * 400, ticket.median * Math.exp(normal)));
    const units = ticket.minor ? BigInt(Math.round(major * 100)) * 100n : BigInt(Math.round(major)) * 10_000n;
    const feeUnits = (units * BigInt(FEE_BPS[topic])) / 10_000n;
    const feeRounded = ticket.minor ? (feeUnits / 100n) * 100n : (feeUnits / 10_000n) * 10_000n;
    let occurred = this.now();
    if (this.options.spreadMs) occurred -= Math.floor(rand() * this.options.spreadMs);
    // Late arrivals (offline terminals, retries): mostly a minute or two late, a tail up to an hour.
    else if (rand() < (this.options.lateShare ?? 0.02)) occurred -= Math.floor(Math.min(3_600_000, -120_000 * Math.log(1 - rand())));
    const n = this.counter++;
    const event: PaymentEventInput = {
      event_id: `${topic.slice(0, 3)}_${this.seed.toString(36)}_${n.toString(36)}_${Math.floor(rand() * 2 ** 31).toString(36)}`,
      occurred_at: new Date(occurred).toISOString(),
      amount: fromUnits(units, ticket.minor ? 2 : 0),
      fee: fromUnits(feeRounded, ticket.minor ? 2 : 0),
      currency,
      zone: info.zone,
      country,
      city,
      merchant_id: `m_${country.toLowerCase()}_${String(merchant).padStart(4, '0')}`,
    };
    if (topic === 'wallet_txn_created') {
      const r = rand();
      event.status = r < 0.03 ? 'failed' : r < 0.04 ? 'pending' : 'succeeded';
    }
    return { topic, event };
  }

  /** One record: valid, or (with probability invalidRatio) one of the poison kinds. */
  record(invalidRatio = 0): GeneratedRecord {
    const { topic, event } = this.event();
    if (invalidRatio > 0 && this.rand() < invalidRatio) {
      const kind = INVALID_KINDS[Math.floor(this.rand() * INVALID_KINDS.length)]!;
      return { topic, key: event.merchant_id, value: poison(kind, event, this.now()), invalid: kind };
    }
    return { topic, key: event.merchant_id, value: JSON.stringify(event), event };
  }

  records(count: number, invalidCount = 0): GeneratedRecord[] {
    const out: GeneratedRecord[] = [];
    for (let i = 0; i < count; i++) out.push(this.record());
    // Replace evenly spaced records with poison ones so the count stays exact.
    for (let i = 0; i < invalidCount && count > 0; i++) {
      const at = Math.floor(((i + 0.5) * count) / invalidCount);
      const base = out[at]!;
      const kind = INVALID_KINDS[i % INVALID_KINDS.length]!;
      out[at] = { topic: base.topic, key: base.key, value: poison(kind, base.event!, this.now()), invalid: kind };
    }
    return out;
  }
}

/** A deliberately broken value of the given kind, derived from a valid event. */
export function poison(kind: InvalidKind, event: PaymentEventInput, now: number): string {
  const copy: Record<string, unknown> = { ...event };
  switch (kind) {
    case 'invalid_json':
      return `{"event_id": "${event.event_id}", "amount": `;
    case 'empty_value':
      return '';
    case 'missing_field':
      delete copy.merchant_id;
      break;
    case 'float_amount':
      copy.amount = '0.1+0.2';
      break;
    case 'exponent_amount':
      copy.amount = '1e3';
      break;
    case 'too_many_decimals':
      copy.amount = '10.12345';
      break;
    case 'negative_amount':
      copy.amount = '-5.00';
      break;
    case 'bad_currency':
      copy.currency = 'xof';
      break;
    case 'bad_country':
      copy.country = 'SEN';
      break;
    case 'future_timestamp':
      copy.occurred_at = new Date(now + 60 * 60 * 1000).toISOString();
      break;
    case 'oversized_string':
      copy.city = 'X'.repeat(65);
      break;
    case 'wrong_type':
      copy.amount = 1500;
      break;
  }
  return JSON.stringify(copy);
}

/** Stable partition for a key (like a keyed producer), over `partitions` partitions. */
export function partitionFor(key: string, partitions: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) % partitions;
}

/**
 * Lays generated records out as an MSK event: keyed partitions, consecutive offsets per
 * (topic, partition) starting at `startOffset`, record timestamps = now.
 */
export function toMskEvent(
  records: GeneratedRecord[],
  opts: { partitions?: number; startOffset?: number; timestamp?: number } = {},
): MSKEvent {
  const partitions = opts.partitions ?? 3;
  const next = new Map<string, number>();
  const ts = opts.timestamp ?? Date.now();
  const out: OutgoingRecord[] = records.map((r) => {
    const partition = partitionFor(r.key, partitions);
    const k = `${r.topic}-${partition}`;
    const offset = next.get(k) ?? opts.startOffset ?? 0;
    next.set(k, offset + 1);
    return { topic: r.topic, partition, offset, timestamp: ts, key: r.key, value: r.value };
  });
  return buildMskEvent(out);
}

export { EVENT_TYPES };
