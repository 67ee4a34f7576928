// npm run bench:ingest — events/s through the ingest handler for 1k, 10k and 100k-record MSK
// batches, side by side with the engine's own insert rate for the same number of rows (a plain
// INSERT of prepared rows into the raw table, views included) in the same run. The ratio is the
// figure that matters on a shared, noisy machine. Medians over BENCH_REPEATS runs (default 5).
// Then the event_id duplicate check's cost: with BENCH_DEDUP_ROWS events (default 10 M) already in
// raw, handler events/s at BENCH_DEDUP_BATCH-record batches (default 10k) with the check and, side
// by side in the same run, without it (a bench-only switch), in BENCH_DEDUP_RUNS runs (default 3)
// after one pre-fill; the share reported is the median of the runs' shares (each run's share from
// its two medians, and from its back-to-back pairs of one batch with and one without, which see the
// same load on a shared machine). Raw is pre-filled inside the engine
// (INSERT … SELECT FROM numbers(), views included, so the id table holds every id), and batch ids
// are random like UUIDs — the worst case for the lookup: they fall all over the id table.
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startTestClickHouse, startTestDynamo } from '../devkit/engines.js';
import { createIngest } from '../functions/ingest/ingest.js';
import { sortRecords } from '../functions/ingest/records.js';
import { INSERT_FORMAT, RAW_COLUMNS, bodyValues, rawRowsBody } from '../functions/ingest/rows.js';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { chDateTime64 } from '../functions/shared/time.js';
import { clickhouseConfigFromEnv, createClickHouseClient } from '../functions/shared/clickhouse.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { median, report, type BenchRow } from './lib.js';
import { sleep } from '../local/lib/sleep.js';

const SIZES = (process.env.BENCH_INGEST_SIZES ?? '1000,10000,100000').split(',').filter(Boolean).map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const DEDUP_ROWS = Number(process.env.BENCH_DEDUP_ROWS ?? 10_000_000);
const DEDUP_BATCH = Number(process.env.BENCH_DEDUP_BATCH ?? 10_000);
/** Measurement runs after one pre-fill (each BENCH_REPEATS batches each way); the share is their median. */
const DEDUP_RUNS = Number(process.env.BENCH_DEDUP_RUNS ?? 3);

const randomId = () => `evt_${randomBytes(8).toString('hex')}`;

/** Fills raw with `rows` events in the engine, 1M per insert (views, id table included). */
async function prefill(client: ClickHouseClient, rows: number): Promise<void> {
  for (let from = 0; from < rows; from += 1_000_000) {
    await client.command({
      query: `INSERT INTO analytics_events_raw (event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, topic, partition, offset, kafka_timestamp, ingested_at)
              SELECT concat('evt_', lower(hex(sipHash64(number)))), 'wallet_txn_created', now64(3) - toIntervalSecond(number % 2592000), toDecimal64(number % 100000, 4), 0,
                     'XOF', 'WAEMU', 'SN', 'Dakar', concat('m_', toString(number % 5000)), 'succeeded', 'wallet_txn_created', number % 3, number, now64(3), now64(3)
              FROM numbers({from:UInt64}, {n:UInt64})`,
      query_params: { from, n: Math.min(1_000_000, rows - from) },
      clickhouse_settings: { max_insert_block_size: '1000000' },
    });
  }
}

async function dedupCost(client: ClickHouseClient, url: string, dynamo: () => DynamoDBDocumentClient): Promise<BenchRow[]> {
  const t0 = performance.now();
  // A 1M-row insert through five views can outlast the default request timeout on a loaded machine.
  const bulk = createClickHouseClient({ ...clickhouseConfigFromEnv({}), url, compression: false, requestTimeoutMs: 900_000 });
  try {
    await prefill(bulk, DEDUP_ROWS);
  } finally {
    await bulk.close();
  }
  // Let the background merges the pre-fill started settle: they share the engine's cores with the runs.
  for (let waited = 0; waited < 600; waited += 5) {
    const m =
      (
        await (
          await client.query({ query: 'SELECT toString(count()) AS m FROM system.merges', format: 'JSONEachRow' })
        ).json<{ m: string }>()
      )[0]?.m ?? '0';
    if (m === '0') break;
    await sleep(5000);
  }
  const n =
    (
      await (
        await client.query({ query: 'SELECT toString(count()) AS n FROM analytics_event_ids', format: 'JSONEachRow' })
      ).json<{ n: string }>()
    )[0]?.n ?? '0';
  console.error(`dedup: ${n} ids in analytics_event_ids after pre-filling raw in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const withCheck = createIngest({ clickhouse: async () => client, dynamo, deltasTable: DELTAS_TABLE.id });
  const without = createIngest({ clickhouse: async () => client, dynamo, deltasTable: DELTAS_TABLE.id, checkDuplicates: false });
  let seed = 9000;
  let offset = 50_000_000;
  const runs: Array<{ w: number; wo: number; cost: number; paired: number; check: number }> = [];
  for (let run = 0; run < DEDUP_RUNS; run++) {
    const rates = { with: [] as number[], without: [] as number[] };
    const checkMs: number[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      // Alternate which goes first, so neither always runs on a warmer engine.
      const order = rep % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const);
      for (const which of order) {
        const records = new EventGenerator({ seed: seed++ }).records(DEDUP_BATCH).map((r) => {
          const event = { ...r.event!, event_id: randomId() };
          return { ...r, event, value: JSON.stringify(event) };
        });
        const event = toMskEvent(records, { startOffset: offset });
        offset += DEDUP_BATCH;
        const t = performance.now();
        const result = await (which === 'with' ? withCheck : without)(event);
        rates[which].push(DEDUP_BATCH / ((performance.now() - t) / 1000));
        if (which === 'with') checkMs.push(result.timings.duplicateCheck);
        if (result.inserted !== DEDUP_BATCH) throw new Error(`expected ${DEDUP_BATCH} new events stored, got ${result.inserted}`);
      }
    }
    const w = median(rates.with);
    const wo = median(rates.without);
    // Share of the handler's time the check takes: (t_with - t_without) / t_with = 1 - rate_with / rate_without.
    // Also per pair of neighbouring batches (one with, one without, run back to back): load on a
    // shared machine drifts over a run, and a pair sees the same load.
    const paired = median(rates.with.map((x, i) => 1 - x / rates.without[i]!));
    runs.push({ w, wo, cost: 1 - w / wo, paired, check: median(checkMs) });
    console.error(
      `dedup run ${run + 1}/${DEDUP_RUNS}: handler ${Math.round(w)}/s with the check, ${Math.round(wo)}/s without (medians of ${REPEATS} batches each); the check takes ${((1 - w / wo) * 100).toFixed(1)} % of the handler's time (median of the ${REPEATS} pairs: ${(paired * 100).toFixed(1)} %); the lookup itself ${median(checkMs).toFixed(0)} ms from its start (median; batches: ${checkMs.map((x) => x.toFixed(0)).join(' ')})`,
    );
  }
  const mid = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
  const w = mid((r) => r.w);
  const wo = mid((r) => r.wo);
  const cost = mid((r) => r.cost);
  const label = `${DEDUP_BATCH} batch, ${Number(n).toLocaleString('en-US')} events stored`;
  const paired = mid((r) => r.paired);
  console.error(
    `dedup: median of ${DEDUP_RUNS} runs: the check takes ${(cost * 100).toFixed(1)} % (runs: ${runs.map((r) => (r.cost * 100).toFixed(1)).join(' / ')}; by pairs ${(paired * 100).toFixed(1)} %: ${runs.map((r) => (r.paired * 100).toFixed(1)).join(' / ')}); handler ${Math.round(w)}/s with, ${Math.round(wo)}/s without; lookup ${mid((r) => r.check).toFixed(0)} ms`,
  );
  return [
    { part: 'ingest', metric: `handler events/s with duplicate check, ${label}`, value: w, unit: 'events/s' },
    { part: 'ingest', metric: `handler events/s without duplicate check, ${label}`, value: wo, unit: 'events/s' },
    { part: 'ingest', metric: `duplicate check share of handler time, ${label}`, value: cost * 100, unit: '%', target: '≤ 20' },
    {
      part: 'ingest',
      metric: `duplicate check share, median of back-to-back pairs, ${label}`,
      value: paired * 100,
      unit: '%',
      target: '≤ 20',
    },
    { part: 'ingest', metric: `event_id lookup per batch, from its start (median), ${label}`, value: mid((r) => r.check), unit: 'ms' },
  ];
}

/**
 * Decode + validate of one 10k batch beside a bare JSON.parse of the same values (the UTF-8 bytes
 * each record carries), interleaved in one loop so load on the shared machine hits both alike.
 * Which of the two runs first alternates, and each one's output is dropped before the other runs,
 * so neither pays for the garbage collector copying the other's results (before, validate always
 * ran second with the 10k parsed objects still alive).
 */
function validateFigures(): BenchRow[] {
  const n = 10_000;
  const runs = Math.max(REPEATS * 4, 15);
  const base64: number[] = [],
    validate: number[] = [],
    parse: number[] = [];
  for (let rep = 0; rep < runs; rep++) {
    const event = toMskEvent(new EventGenerator({ seed: 1000 + rep }).records(n), { startOffset: rep * n });
    const t = performance.now();
    const records = decodeMskRecords(event);
    base64.push(performance.now() - t);
    let parsed = 0;
    let sorted = 0;
    const bare = () => {
      const t = performance.now();
      const values = records.map((r) => JSON.parse(r.value.toString('utf8')) as unknown);
      parse.push(performance.now() - t);
      parsed = values.length;
    };
    const check = () => {
      const t = performance.now();
      const out = sortRecords(records, Date.now());
      validate.push(performance.now() - t);
      sorted = out.valid.length + out.rejected.length + out.duplicates;
    };
    if (rep % 2 === 0) {
      bare();
      check();
    } else {
      check();
      bare();
    }
    if (parsed !== sorted) throw new Error('record count mismatch');
  }
  const [b, v, p] = [median(base64), median(validate), median(parse)];
  console.error(
    `decode+validate 10k (median of ${runs}): base64 decode ${b.toFixed(1)} ms, validate ${v.toFixed(1)} ms, bare JSON.parse ${p.toFixed(1)} ms`,
  );
  return [
    { part: 'ingest', metric: 'base64 decode, 10k records', value: b, unit: 'ms' },
    { part: 'ingest', metric: 'validate (UTF-8 + parse + contract + in-batch dedup), 10k records', value: v, unit: 'ms' },
    { part: 'ingest', metric: 'bare JSON.parse of the same values, 10k records', value: p, unit: 'ms' },
    { part: 'ingest', metric: 'ratio validate / bare parse', value: v / p, unit: '×', target: '≤ 1.5' },
  ];
}

// BENCH_INGEST_SIZES= and BENCH_DEDUP_ROWS=0 leave only the validation figures: no engine is started.
if (SIZES.length === 0 && DEDUP_ROWS <= 0) {
  report(validateFigures());
  process.exit(0);
}

const [ch, ddb] = await Promise.all([startTestClickHouse(), startTestDynamo()]);
try {
  const ingest = createIngest({ clickhouse: async () => ch.client, dynamo: () => ddb.clients.doc, deltasTable: DELTAS_TABLE.id });
  const rows: BenchRow[] = validateFigures();
  let seed = 1;
  let offsetBase = 0;
  for (const size of SIZES) {
    const handlerRates: number[] = [];
    const engineRates: number[] = [];
    const steps: Array<Record<string, number>> = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      // Handler: a fresh batch (new offsets, new events), everything included: decode, validate,
      // offset marks, insert, snapshot read-back, deltas write.
      const event = toMskEvent(new EventGenerator({ seed: seed++ }).records(size), { startOffset: offsetBase });
      offsetBase += size;
      let t = performance.now();
      steps.push((await ingest(event)).timings);
      handlerRates.push(size / ((performance.now() - t) / 1000));

      // Engine: the same number of prepared rows, inserted directly.
      const records = decodeMskRecords(toMskEvent(new EventGenerator({ seed: seed++ }).records(size), { startOffset: offsetBase }));
      offsetBase += size;
      const body = rawRowsBody(sortRecords(records, Date.now()).valid, chDateTime64(Date.now()));
      t = performance.now();
      await ch.client.insert({ table: 'analytics_events_raw', values: bodyValues(body), columns: [...RAW_COLUMNS], format: INSERT_FORMAT });
      engineRates.push(size / ((performance.now() - t) / 1000));
    }
    const h = median(handlerRates);
    const e = median(engineRates);
    const target = size === 10_000 ? '≥ 40,000' : undefined;
    rows.push({ part: 'ingest', metric: `handler events/s, ${size} batch`, value: h, unit: 'events/s', ...(target ? { target } : {}) });
    rows.push({ part: 'ingest', metric: `engine insert rows/s, ${size} batch`, value: e, unit: 'rows/s' });
    rows.push({
      part: 'ingest',
      metric: `ratio handler/engine, ${size} batch`,
      value: h / e,
      unit: '×',
      ...(size === 10_000 ? { target: '≥ 0.8' } : {}),
    });
    const stepMedians = Object.keys(steps[0] ?? {}).map((k) => `${k} ${median(steps.map((s) => s[k]!)).toFixed(0)} ms`);
    console.error(
      `ingest ${size}: handler ${Math.round(h)}/s, engine ${Math.round(e)}/s over ${REPEATS} runs; handler steps (median): ${stepMedians.join(', ')}`,
    );
  }
  if (DEDUP_ROWS > 0) rows.push(...(await dedupCost(ch.client, ch.server.url, () => ddb.clients.doc)));
  report(rows);
} finally {
  await Promise.all([ch.close(), ddb.close()]);
}
