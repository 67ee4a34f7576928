// npm run bench:ingest — events/s through the ingest handler for 1k, 10k and 100k-record MSK
// batches, side by side with the engine's own insert rate for the same number of rows (a plain
// INSERT of prepared rows into the raw table, views included) in the same run. The ratio is the
// figure that matters on a shared, noisy machine. Medians over BENCH_REPEATS runs (default 5).
import { startTestClickHouse, startTestDynamo } from '../test/support/engines.js';
import { createIngest } from '../functions/ingest/ingest.js';
import { sortRecords } from '../functions/ingest/records.js';
import { RAW_COLUMNS } from '../functions/ingest/store.js';
import { EventGenerator, toMskEvent } from '../functions/shared/generator.js';
import { decodeMskRecords } from '../functions/shared/msk.js';
import { chDateTime64 } from '../functions/shared/time.js';
import { DELTAS_TABLE } from '../functions/shared/dynamo/tables.js';
import { median, report, type BenchRow } from './lib.js';

const SIZES = (process.env.BENCH_INGEST_SIZES ?? '1000,10000,100000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

const [ch, ddb] = await Promise.all([startTestClickHouse(), startTestDynamo()]);
try {
  const ingest = createIngest({ clickhouse: async () => ch.client, dynamo: () => ddb.clients.doc, deltasTable: DELTAS_TABLE.id });
  const rows: BenchRow[] = [];
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
      const stamp = chDateTime64(Date.now());
      const values = sortRecords(records, Date.now()).valid.map(({ event: e, record: r }) => [
        e.event_id, e.type, chDateTime64(e.occurred_at), e.amount, e.fee, e.currency, e.zone, e.country, e.city,
        e.merchant_id, e.status, r.topic, r.partition, r.offset, chDateTime64(r.timestamp), stamp,
      ]);
      t = performance.now();
      await ch.client.insert({ table: 'analytics_events_raw', values, columns: [...RAW_COLUMNS], format: 'JSONCompactEachRow' });
      engineRates.push(size / ((performance.now() - t) / 1000));
    }
    const h = median(handlerRates);
    const e = median(engineRates);
    const target = size === 10_000 ? '≥ 50,000' : undefined;
    rows.push({ part: 'ingest', metric: `handler events/s, ${size} batch`, value: h, unit: 'events/s', ...(target ? { target } : {}) });
    rows.push({ part: 'ingest', metric: `engine insert rows/s, ${size} batch`, value: e, unit: 'rows/s' });
    rows.push({ part: 'ingest', metric: `ratio handler/engine, ${size} batch`, value: h / e, unit: '×', ...(size === 10_000 ? { target: '≥ 0.6' } : {}) });
    const stepMedians = Object.keys(steps[0] ?? {}).map((k) => `${k} ${median(steps.map((s) => s[k]!)).toFixed(0)} ms`);
    console.error(`ingest ${size}: handler ${Math.round(h)}/s, engine ${Math.round(e)}/s over ${REPEATS} runs; handler steps (median): ${stepMedians.join(', ')}`);
  }
  report(rows);
} finally {
  await Promise.all([ch.close(), ddb.close()]);
}
