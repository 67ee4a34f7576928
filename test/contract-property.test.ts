// Property of the event contract against the real engine (chdb behind the ClickHouse HTTP
// protocol, dynalite): for batches of generated records — valid ones mixed with hostile Unicode
// (lone surrogates, zero-width and other invisible characters, separators, escapes), extreme
// timestamps, lengths at and past the limits, wrong types, disagreeing zone/country — the ingest
// handler never fails a batch for its content; every record the contract accepts is stored and
// reads back identical to what the producer sent; every record it refuses is quarantined with the
// contract's reason and the producer's bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestClickHouse, startTestDynamo, type TestClickHouse, type TestDynamo } from '../devkit/engines.js';
import { createIngest } from '../functions/ingest/ingest.js';
import { toMskEvent, type GeneratedRecord } from '../devkit/generator.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { COUNTRIES, ZONES } from '../contracts/geography.js';
import {
  type EVENT_FIELDS,
  EVENT_TIME_END_MS,
  EVENT_TIME_MIN_MS,
  EVENT_TYPES,
  REJECT_CODES,
  validateEvent,
  type EventType,
} from '../contracts/event.js';
import { toUnits } from '../contracts/decimal.js';
import { chDateTime64 } from '../functions/shared/time.js';

// The ingest clock sits at the end of the contract's range, so every in-range time is also within
// the clock-skew rule and the whole range can be accepted.
const NOW = EVENT_TIME_END_MS;
// Few large batches: an ingest has a fixed cost per batch (parts in raw and every view), so
// 20 batches of 200–300 records (~5,000 records) keep the run short.
const RUNS = 20;
let ch: TestClickHouse;
let ddb: TestDynamo;

beforeAll(async () => {
  [ch, ddb] = await Promise.all([startTestClickHouse(), startTestDynamo()]);
  // Events from 2000 on are past raw's 90-day TTL in real time: keep TTL merges from removing
  // them while the property reads them back (retention is not what is tested here).
  for (const t of [
    'analytics_events_raw',
    'analytics_agg_minute',
    'analytics_agg_hour',
    'analytics_event_ids',
    'analytics_events_rejected',
  ]) {
    await ch.client.command({ query: `SYSTEM STOP TTL MERGES ${t}` });
  }
}, 60_000);
afterAll(async () => {
  await Promise.all([ch?.close(), ddb?.close()]);
});

const SPECIALS = [
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  '\ud83d',
  '\ude00',
  '\u200b',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\u0000',
  '\u001f',
  '\u007f',
  '\t',
  '\n',
  '\r',
  '\\',
  '\\N',
  '\\t',
  '"',
  "'",
  '*',
  ':',
  '#',
  ' ',
  '😀',
  'é',
  'e\u0301',
  'Ω',
  '%',
];
const piece = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 6 }),
);
const hostileString = fc.oneof(
  fc.array(piece, { maxLength: 8 }).map((xs) => xs.join('')),
  // Lengths around every limit (code points), in one- and two-unit characters.
  fc.tuple(fc.constantFrom(0, 1, 31, 32, 33, 63, 64, 65, 300), fc.constantFrom('x', 'Z', 'é', '😀')).map(([n, c]) => c.repeat(n)),
);
const isoAt = (ms: number) => new Date(ms).toISOString();
const timeString = fc.oneof(
  fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2299, 11, 31) }).map(isoAt),
  fc.integer({ min: EVENT_TIME_MIN_MS, max: EVENT_TIME_END_MS - 1 }).map((ms) => isoAt(ms).replace(/\.\d+Z$/, 'Z')),
  fc.constantFrom(
    isoAt(EVENT_TIME_MIN_MS),
    isoAt(EVENT_TIME_MIN_MS - 1),
    isoAt(EVENT_TIME_END_MS - 1),
    isoAt(EVENT_TIME_END_MS),
    '1969-12-31T23:59:59Z',
    '1970-01-01T00:00:00Z',
    '2106-02-07T06:28:15Z',
    '2024-02-29T12:00:00.5Z',
    '2026-02-29T00:00:00Z',
  ),
);
const decimalString = fc.oneof(
  fc.bigInt({ min: 0n, max: 999_999_999_999_999_999n }).map((u) => `${u / 10_000n}.${String(u % 10_000n).padStart(4, '0')}`),
  fc.constantFrom('0', '99999999999999.9999', '100000000000000', '0.00001', '1e3', '-1', '007', '.5', ' 5'),
);
const anyValue = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: timeString },
  { weight: 2, arbitrary: decimalString },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...ZONES, ...Object.keys(COUNTRIES), 'FR', 'XOF', 'failed', 'pending') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 42, 1.5, true, [], {}) },
);
const FIELDS = ['event_id', 'occurred_at', 'amount', 'fee', 'currency', 'zone', 'country', 'city', 'merchant_id', 'status'] as const;
const mutation = fc.tuple(fc.constantFrom(...FIELDS), anyValue);
const COUNTRY_CODES = Object.keys(COUNTRIES);

const recordArb = fc.record({
  type: fc.constantFrom<EventType>(...EVENT_TYPES),
  country: fc.constantFrom(...COUNTRY_CODES),
  city: fc.nat(),
  // Base times within one month (as live traffic is); the extreme ones come from the mutations.
  // (Times spread over the whole range would make every row its own monthly partition.)
  occurred: fc.integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2026, 10, 30) }),
  amount: decimalString,
  // Half the records stay valid; the others get one to three hostile fields.
  mutations: fc.oneof(fc.constant([] as Array<[string, unknown]>), fc.array(mutation, { minLength: 1, maxLength: 3 })),
});
const batchArb = fc.array(recordArb, { minLength: 200, maxLength: 300 });

/** A raw row read back as text: every event field. */
type StoredRow = Record<(typeof EVENT_FIELDS)[number], string>;

describe('event contract against the real engine (fast-check)', () => {
  it('every accepted record reads back identically, every refused one is quarantined with its reason, no batch fails', async () => {
    const ingest = createIngest({
      clickhouse: async () => ch.client,
      dynamo: () => ddb.clients.doc,
      deltasTable: DELTAS_TABLE.id,
      now: () => NOW,
    });
    const seenIds = new Set<string>();
    let run = 0;
    let total = 0;
    let accepted = 0;
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(batchArb, async (specs) => {
        run++;
        const startOffset = run * 1_000;
        const records: GeneratedRecord[] = [];
        const inputs: Array<Record<string, unknown>> = [];
        specs.forEach((s, i) => {
          const info = COUNTRIES[s.country]!;
          const input: Record<string, unknown> = {
            event_id: `p${run}_${i}`,
            occurred_at: isoAt(s.occurred),
            amount: s.amount,
            currency: info.currency,
            zone: info.zone,
            country: s.country,
            city: info.cities[s.city % info.cities.length]!,
            merchant_id: `m_${i}`,
          };
          for (const [field, value] of s.mutations) input[field] = value;
          const value = JSON.stringify(input);
          inputs.push(JSON.parse(value) as Record<string, unknown>);
          records.push({ topic: s.type, key: `k${i}`, value });
        });
        // One partition: offsets count per topic from startOffset (as toMskEvent lays them out).
        const perTopic = new Map<string, number>();
        const coordinate = records.map((r) => {
          const offset = perTopic.get(r.topic) ?? startOffset;
          perTopic.set(r.topic, offset + 1);
          return `${r.topic}#${offset}`;
        });
        const verdicts = records.map((r, i) => validateEvent(r.topic, inputs[i], NOW));
        // Accepted records by event_id not stored before. Ingest keeps one record per id (the first
        // in its own processing order, which groups by topic), so any candidate may be the one.
        const fresh = new Map<string, number[]>();
        verdicts.forEach((v, i) => {
          if (v.ok && !seenIds.has(v.event.event_id)) fresh.set(v.event.event_id, [...(fresh.get(v.event.event_id) ?? []), i]);
        });
        for (const id of fresh.keys()) seenIds.add(id);
        const result = await ingest(toMskEvent(records, { partitions: 1, startOffset, timestamp: NOW }));
        total += records.length;
        expect(result.received).toBe(records.length);
        expect(result.engineRefused).toBe(0);
        const stored = await (
          await ch.client.query({
            query: `SELECT event_id, type, toString(occurred_at) AS occurred_at, toString(amount) AS amount, toString(fee) AS fee,
                         currency, zone, country, city, merchant_id, status
                  FROM analytics_events_raw WHERE event_id IN {ids:Array(String)}`,
            query_params: { ids: [...fresh.keys()] },
            format: 'JSONEachRow',
          })
        ).json<StoredRow>();
        expect(stored.length).toBe(fresh.size);
        // What the producer sent, as the stored row must read (decimals compared as exact units).
        const expectedRow = (i: number, row: StoredRow) => {
          const input = inputs[i]!;
          return {
            event_id: input.event_id,
            type: records[i]!.topic,
            occurred_at: chDateTime64(Date.parse(input.occurred_at as string)),
            amount: toUnits(input.amount as string),
            fee: toUnits((input.fee as string | undefined) ?? '0'),
            currency: input.currency,
            zone: input.zone,
            country: input.country,
            city: input.city,
            merchant_id: input.merchant_id,
            status: (input.status as string | undefined) ?? 'succeeded',
            _row: row,
          };
        };
        const storedIndex = new Map<string, number>();
        for (const row of stored) {
          const readBack = { ...row, amount: toUnits(row.amount), fee: toUnits(row.fee), _row: row };
          const candidates = fresh.get(row.event_id)!;
          const match = candidates.find(
            (i) =>
              JSON.stringify(expectedRow(i, row), (_, x) => (typeof x === 'bigint' ? String(x) : x)) ===
              JSON.stringify(readBack, (_, x) => (typeof x === 'bigint' ? String(x) : x)),
          );
          // Reported against the first candidate when none matches.
          if (match === undefined) expect(readBack).toEqual(expectedRow(candidates[0]!, row));
          storedIndex.set(row.event_id, match!);
        }
        const quarantined = await (
          await ch.client.query({
            query: `SELECT topic, toString(offset) AS off, reason, payload FROM analytics_events_rejected
                  WHERE offset >= {start:UInt64} AND offset < {end:UInt64}`,
            query_params: { start: startOffset, end: startOffset + 1_000 },
            format: 'JSONEachRow',
          })
        ).json<{ topic: string; off: string; reason: string; payload: string }>();
        const byCoordinate = new Map(quarantined.map((q) => [`${q.topic}#${q.off}`, q]));
        expect(byCoordinate.size).toBe(quarantined.length);
        verdicts.forEach((v, i) => {
          const q = byCoordinate.get(coordinate[i]!);
          if (!v.ok) {
            expect(q?.reason, records[i]!.value).toBe(v.reject.code);
            expect(q!.payload).toBe(records[i]!.value);
            reasons.add(v.reject.code);
          } else if (storedIndex.get(v.event.event_id) === i) {
            expect(q, records[i]!.value).toBeUndefined();
            accepted++;
          } else {
            // A repeat of an event_id: an identical re-send is not stored again, a different one is quarantined.
            if (q) expect(q.reason).toBe('duplicate_conflict');
          }
        });
        for (const q of quarantined) expect(REJECT_CODES).toContain(q.reason);
      }),
      // No shrinking: runs share the engine's state (ids stored by earlier runs), so a shrunk replay
      // would not be the same experiment; the first failure is reported as it happened.
      { numRuns: RUNS, endOnFailure: true },
    );
    // The generators reached both sides and the new rules.
    expect(total).toBeGreaterThanOrEqual(RUNS * 200);
    expect(accepted).toBeGreaterThan(total / 4);
    for (const code of ['invalid_unicode', 'invalid_zone', 'timestamp_out_of_range', 'invalid_length', 'zone_country_mismatch'])
      expect(reasons).toContain(code);
  }, 120_000);
});
