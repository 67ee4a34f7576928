// npm run bench:ingest — events/s through the ingest handler for 1k, 10k and 100k-record MSK
// batches, side by side with the engine's own insert rate for the same number of rows (a plain
// INSERT of prepared rows into the raw table, views included) in the same run. The ratio is the
// figure that matters on a shared, noisy machine. Medians over BENCH_REPEATS runs (default 5).
import { startTestClickHouse, startTestDynamo } from '../test/support/engines.js';
import { createIngest } from '../functions/ingest/ingest.js';
import { sortRecords } from '../functions/ingest/records.js';
import { INSERT_FORMAT, RAW_COLUMNS, bodyValues, rawRowsBody } from '../functions/ingest/rows.js';
import { EventGenerator, toMskEvent } from '../functions/shared/generator.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { chDateTime64 } from '../functions/shared/time.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { median, report, type BenchRow } from './lib.js';

const SIZES = (process.env.BENCH_INGEST_SIZES ?? '1000,10000,100000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

/**
 * Decode + validate of one 10k batch beside a bare JSON.parse of the same values (the UTF-8 bytes
 * each record carries), interleaved in one loop so load on the shared machine hits both alike.
 */
function validateFigures(): BenchRow[] {
  const n = 10_000;
  const runs = Math.max(REPEATS * 4, 15);
  const base64: number[] = [], validate: number[] = [], parse: number[] = [];
  for (let rep = 0; rep < runs; rep++) {
    const event = toMskEvent(new EventGenerator({ seed: 1000 + rep }).records(n), { startOffset: rep * n });
    let t = performance.now();
    const records = decodeMskRecords(event);
    base64.push(performance.now() - t);
    t = performance.now();
    const parsed = records.map((r) => JSON.parse(r.value.toString('utf8')) as unknown);
    parse.push(performance.now() - t);
    t = performance.now();
    const sorted = sortRecords(records, Date.now());
    validate.push(performance.now() - t);
    if (parsed.length !== sorted.valid.length + sorted.rejected.length + sorted.duplicates) throw new Error('record count mismatch');
  }
  const [b, v, p] = [median(base64), median(validate), median(parse)];
  console.error(`decode+validate 10k (median of ${runs}): base64 decode ${b.toFixed(1)} ms, validate ${v.toFixed(1)} ms, bare JSON.parse ${p.toFixed(1)} ms`);
  return [
    { part: 'ingest', metric: 'base64 decode, 10k records', value: b, unit: 'ms' },
    { part: 'ingest', metric: 'validate (UTF-8 + parse + contract + in-batch dedup), 10k records', value: v, unit: 'ms' },
    { part: 'ingest', metric: 'bare JSON.parse of the same values, 10k records', value: p, unit: 'ms' },
    { part: 'ingest', metric: 'ratio validate / bare parse', value: v / p, unit: '×', target: '≤ 1.5' },
  ];
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
    rows.push({ part: 'ingest', metric: `ratio handler/engine, ${size} batch`, value: h / e, unit: '×', ...(size === 10_000 ? { target: '≥ 0.8' } : {}) });
    const stepMedians = Object.keys(steps[0] ?? {}).map((k) => `${k} ${median(steps.map((s) => s[k]!)).toFixed(0)} ms`);
    console.error(`ingest ${size}: handler ${Math.round(h)}/s, engine ${Math.round(e)}/s over ${REPEATS} runs; handler steps (median): ${stepMedians.join(', ')}`);
  }
  report(rows);
} finally {
  await Promise.all([ch.close(), ddb.close()]);
}
