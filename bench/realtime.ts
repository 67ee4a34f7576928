// npm run bench:realtime — the real-time path on the local cloud, real parts throughout:
//  1. Fan-out (run second): 5,000 WebSocket connections in one room; one snapshot written to the deltas table
//     (through the stream proxy, as the ingest handler writes) until every client holds it.
//     Pushes/s = connections / that time. Median over BENCH_FANOUT_REPEATS deltas.
//  2. Freshness (run first): an MSK batch handed to the ingest handler (chdb over HTTP, dynalite) until a
//     subscribed client holds the resulting delta. P50/P95 over BENCH_FRESHNESS_BATCHES batches.
// Figures only, no assertions. Connections are opened through the real $connect; for the 5,000
// the memberships are written in bulk (BatchWriteItem), which is set-up, not what is measured.
import type { Context, MSKEvent } from 'aws-lambda';
import { quietPowertools, startTestRealtime, WsClient } from '../test/ws-harness.js';
import { startTestClickHouse } from '../test/support/engines.js';
import { batchWriteAll } from '../functions/shared/dynamo/batch-write.js';
import { writeSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import { CONNECTION_TTL_SECONDS } from '../functions/shared/dynamo/tables.js';
import type { DeltaMessage, DeltaSnapshot } from '../functions/shared/contracts/delta.js';
import type { AckMessage } from '../functions/shared/contracts/ws.js';
import { EventGenerator, toMskEvent } from '../functions/shared/generator.js';
import { signDevToken } from '../local/dev-keys.js';
import { lambdaContext } from '../local/lambda-context.js';
import { median, percentile, report, type BenchRow } from './lib.js';

quietPowertools();

const CONNECTIONS = Number(process.env.BENCH_FANOUT_CONNECTIONS ?? 5000);
const FANOUT_REPEATS = Number(process.env.BENCH_FANOUT_REPEATS ?? 3);
const BATCHES = Number(process.env.BENCH_FRESHNESS_BATCHES ?? 200);
const BATCH_EVENTS = Number(process.env.BENCH_FRESHNESS_EVENTS ?? 20);
const ONLY = process.env.BENCH_REALTIME_PART; // 'fanout' | 'freshness'

const stack = await startTestRealtime();
const { rt, db, keys } = stack;
const rows: BenchRow[] = [];

function log(text: string): void {
  console.error(`[realtime] ${text}`);
}

async function fanoutPart(): Promise<void> {
  const room = 'country:SN';
  const token = await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys);
  const clients: WsClient[] = [];
  const t0 = performance.now();
  for (let i = 0; i < CONNECTIONS; i += 250) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(250, CONNECTIONS - i) }, () => WsClient.connect(rt.gateway.url, token)))));
  }
  log(`${clients.length} connections opened in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const expiresAt = Math.floor(Date.now() / 1000) + CONNECTION_TTL_SECONDS;
  const ids = rt.gateway.connectionIds();
  await batchWriteAll(db.doc, 'memberships', ids.map((connectionId) => ({ PutRequest: { Item: { room, connectionId, expiresAt } } })));
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let rep = 0; rep < FANOUT_REPEATS; rep++) {
    const version = Date.now() * 1000 + rep;
    const snapshot: DeltaSnapshot = {
      room,
      bucket: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
      version,
      values: [{ type: 'wallet_txn_created', currency: 'XOF', count: 120 + rep, volume: '901500.00', fees: '9015.00', merchants: 37, succeeded: 117 }],
      recorded_at: new Date().toISOString(),
      source_ts: Date.now(),
    };
    const got = (c: WsClient) => c.messages.some((m) => (m as DeltaMessage).type === 'delta' && (m as DeltaMessage).version === version);
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    await writeSnapshots(db.doc, 'deltas', [snapshot]);
    await Promise.all(clients.map((c) => c.next((m) => (m as DeltaMessage).type === 'delta' && (m as DeltaMessage).version === version, 600_000)));
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    times.push(ms);
    cpuTimes.push(cpuMs);
    log(
      `delta ${rep + 1}: ${clients.filter(got).length}/${clients.length} clients in ${ms.toFixed(0)} ms (${Math.round(clients.length / (ms / 1000))} pushes/s); ` +
        `CPU ${cpuMs.toFixed(0)} ms for gateway + fan-out + clients together (${Math.round(clients.length / (cpuMs / 1000))} pushes per CPU-second)`,
    );
  }
  const ms = median(times);
  rows.push({ part: 'realtime', metric: `fan-out of one delta to ${clients.length} connections`, value: ms, unit: 'ms', note: `median of ${times.length}` });
  rows.push({ part: 'realtime', metric: 'fan-out pushes/s', value: clients.length / (ms / 1000), unit: 'pushes/s', target: '≥ 5,000' });
  // Wall time depends on what else the shared machine runs; CPU per push does not.
  rows.push({ part: 'realtime', metric: 'fan-out pushes per CPU-second (one process: gateway, fan-out, clients)', value: clients.length / (median(cpuTimes) / 1000), unit: 'pushes/s' });
  for (const c of clients) c.close();
  // Let the disconnects drain before the next part (they queue on the one local dynalite).
  const drain = performance.now();
  while (rt.gateway.connections > 0 && performance.now() - drain < 60_000) await new Promise((r) => setTimeout(r, 100));
}

async function freshnessPart(): Promise<void> {
  const ch = await startTestClickHouse();
  try {
    process.env.CLICKHOUSE_URL = ch.server.url;
    const { handler } = (await import('../functions/ingest/handler.js')) as { handler: (e: MSKEvent, c: Context) => Promise<unknown> };
    const client = await WsClient.connect(rt.gateway.url, await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys));
    client.send({ action: 'subscribe', rooms: ['global'] });
    await client.next((m) => (m as AckMessage).type === 'ack');
    const generator = new EventGenerator({ seed: 2026, lateShare: 0 });
    const samples: number[] = [];
    const ingestOnly: number[] = [];
    // A few warm-up batches (first inserts create parts, first connections open).
    for (let i = -5; i < BATCHES; i++) {
      const ts = Date.now();
      const event = toMskEvent(generator.records(BATCH_EVENTS), { startOffset: (i + 10) * 1000, timestamp: ts });
      const from = client.messages.length;
      const start = performance.now();
      await handler(event, lambdaContext('Ingest'));
      const ingested = performance.now();
      await client.next((m) => (m as DeltaMessage).type === 'delta' && (m as DeltaMessage).source_ts === ts, 60_000, from);
      const end = performance.now();
      if (i >= 0) {
        samples.push(end - start);
        ingestOnly.push(ingested - start);
      }
    }
    client.close();
    const p50 = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    log(`freshness over ${samples.length} batches of ${BATCH_EVENTS} events: P50 ${p50.toFixed(1)} ms, P95 ${p95.toFixed(1)} ms (ingest handler alone P50 ${percentile(ingestOnly, 50).toFixed(1)} ms)`);
    rows.push({ part: 'realtime', metric: 'freshness P50 (MSK batch -> client holds delta)', value: p50, unit: 'ms', note: `${samples.length} batches × ${BATCH_EVENTS} events` });
    rows.push({ part: 'realtime', metric: 'freshness P95 (MSK batch -> client holds delta)', value: p95, unit: 'ms', target: '< 250' });
    rows.push({ part: 'realtime', metric: 'ingest handler alone P50', value: percentile(ingestOnly, 50), unit: 'ms' });
    rows.push({ part: 'realtime', metric: 'stream + fan-out + push P50', value: percentile(samples.map((s, i) => s - ingestOnly[i]!), 50), unit: 'ms' });
  } finally {
    await ch.close();
  }
}

try {
  // Freshness first: the 5,000 disconnects of the fan-out part would otherwise queue in front of it.
  if (ONLY !== 'fanout') await freshnessPart();
  if (ONLY !== 'freshness') await fanoutPart();
  report(rows);
} finally {
  await stack.close();
}
process.exit(0);
