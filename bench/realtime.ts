// npm run bench:realtime — the real-time path on the local cloud, real parts throughout:
//  1. Freshness: an MSK batch handed to the ingest handler (chdb over HTTP, dynalite) until a
//     subscribed client holds its values. Batches arrive one push interval (plus jitter) apart, as
//     a steady event stream does; P50/P95 over BENCH_FRESHNESS_BATCHES batches.
//  2. Batch shape: one BENCH_SHAPE_EVENTS-event batch spread over 30 minutes; a client subscribed to
//     `global` and one zone. Frames that client receives, and deltas items the batch writes.
//  3. Fan-out: BENCH_FANOUT_CONNECTIONS WebSocket connections in one room; one batch written to the
//     deltas table until every client holds it. Connections updated per second, median over
//     BENCH_FANOUT_REPEATS, measured side by side in one run: pushed inline by one invocation
//     (FANOUT_CHUNK_SIZE above the member count) and split across workers (default chunk size).
//  4. Batch to many: one ingest batch's worth of snapshots of one room (BENCH_BATCH_BUCKETS minute
//     buckets, one version) to BENCH_BATCH_CONNECTIONS connections, until every client holds every
//     bucket: connections updated per second when a batch touches several minutes.
// Figures only, no assertions. Connections are opened through the real $connect; for the fan-out
// the memberships are written in bulk (BatchWriteItem), which is set-up, not what is measured.
// The same script runs on the code before coalescing (it reads `delta` and `deltas` frames).
import type { Context, MSKEvent } from 'aws-lambda';
import { quietPowertools, startTestRealtime, WsClient } from '../devkit/ws-harness.js';
import { startTestClickHouse } from '../devkit/engines.js';
import { batchWriteAll } from '../functions/shared/dynamo/batch-write.js';
import { writeSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import { CONNECTION_TTL_SECONDS } from '../functions/shared/dynamo/tables.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import type { AckMessage } from '../contracts/ws.js';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { signDevToken } from '../devkit/dev-keys.js';
import { lambdaContext } from '../local/lambda-context.js';
import { fanoutConcurrency } from '../functions/fanout/config.js';
import { median, percentile, report, type BenchRow } from './lib.js';
import { startClientFleet } from './ws-clients.js';
import { measurePostCost } from './post-cost.js';
import { sandboxCpuMicros } from '../local/lambda-sandbox.js';

quietPowertools();

const CONNECTIONS = Number(process.env.BENCH_FANOUT_CONNECTIONS ?? 5000);
const FANOUT_REPEATS = Number(process.env.BENCH_FANOUT_REPEATS ?? 3);
const BATCHES = Number(process.env.BENCH_FRESHNESS_BATCHES ?? 100);
const BATCH_EVENTS = Number(process.env.BENCH_FRESHNESS_EVENTS ?? 20);
const SHAPE_EVENTS = Number(process.env.BENCH_SHAPE_EVENTS ?? 600);
const INTERVAL_MS = Number(process.env.FANOUT_PUSH_INTERVAL_MS ?? 1000);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 1000);
const BATCH_BUCKETS = Number(process.env.BENCH_BATCH_BUCKETS ?? 10);
const ONLY = process.env.BENCH_REALTIME_PART; // 'fanout' | 'freshness' | 'shape' | 'batch' | 'post'
const POSTS = Number(process.env.BENCH_POSTS ?? 4000);

const stack = await startTestRealtime();
const { rt, db, keys } = stack;
const rows: BenchRow[] = [];

function log(text: string): void {
  console.error(`[realtime] ${text}`);
}

type Frame = { type?: string; version?: number; snapshots?: DeltaSnapshot[]; source_ts?: number };
/** Snapshots a message carries, in either form (`delta` before coalescing, `deltas` after). */
function snapshotsOf(m: unknown): Array<Pick<DeltaSnapshot, 'version' | 'source_ts'>> {
  const f = m as Frame;
  if (f.type === 'delta') return [f as DeltaSnapshot];
  if (f.type === 'deltas' && Array.isArray(f.snapshots)) return f.snapshots;
  return [];
}
const isFrame = (m: unknown) => (m as Frame).type === 'delta' || (m as Frame).type === 'deltas';

type IngestHandler = (e: MSKEvent, c: Context) => Promise<unknown>;
let ingestHandler: IngestHandler | undefined;
async function ingest(event: MSKEvent): Promise<void> {
  ingestHandler ??= ((await import('../functions/ingest/handler.js')) as unknown as { handler: IngestHandler }).handler;
  await ingestHandler(event, lambdaContext('Ingest'));
}

async function subscribed(rooms: string[]): Promise<WsClient> {
  const client = await WsClient.connect(rt.gateway.url, await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys));
  client.send({ action: 'subscribe', rooms });
  await client.next((m) => (m as AckMessage).type === 'ack');
  return client;
}

async function freshnessPart(): Promise<void> {
  const client = await subscribed(['global']);
  const generator = new EventGenerator({ seed: 2026, lateShare: 0 });
  const samples: number[] = [];
  const ingestOnly: number[] = [];
  // How long the previous invocation's pacing hold still ran when this batch was stored (derived:
  // that invocation started when the previous batch was stored, and holds one interval).
  const held: number[] = [];
  let previousStored: number | undefined;
  let offset = 10_000;
  // A few warm-up batches (first inserts create parts, first connections open).
  for (let i = -5; i < BATCHES; i++) {
    const ts = Date.now();
    const event = toMskEvent(generator.records(BATCH_EVENTS), { startOffset: (offset += 1000), timestamp: ts });
    const from = client.messages.length;
    const start = performance.now();
    await ingest(event);
    const ingested = performance.now();
    await client.next((m) => snapshotsOf(m).some((s) => s.source_ts === ts), 60_000, from);
    const end = performance.now();
    if (i >= 0) {
      samples.push(end - start);
      ingestOnly.push(ingested - start);
      held.push(previousStored === undefined ? 0 : Math.max(0, previousStored + INTERVAL_MS - ingested));
    }
    previousStored = ingested;
    // The next batch one push interval after this one started, plus jitter (a steady stream).
    const wait = start + INTERVAL_MS + Math.random() * 200 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  client.close();
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  log(
    `freshness over ${samples.length} batches of ${BATCH_EVENTS} events: P50 ${p50.toFixed(1)} ms, P95 ${p95.toFixed(1)} ms (ingest handler alone P50 ${percentile(ingestOnly, 50).toFixed(1)} ms)`,
  );
  rows.push({
    part: 'realtime',
    metric: 'freshness P50 (MSK batch -> client holds values)',
    value: p50,
    unit: 'ms',
    note: `${samples.length} batches × ${BATCH_EVENTS} events, ≥ ${INTERVAL_MS} ms apart`,
  });
  rows.push({ part: 'realtime', metric: 'freshness P95 (MSK batch -> client holds values)', value: p95, unit: 'ms', target: '< 1,000' });
  // Where the time goes: the ingest handler (ClickHouse insert, read-back, deltas write), then the
  // stream lane (batching window, the previous invocation's pacing hold) and the fan-out's push.
  const after = samples.map((s, i) => s - ingestOnly[i]!);
  for (const p of [50, 95]) {
    rows.push({ part: 'realtime', metric: `ingest handler alone P${p}`, value: percentile(ingestOnly, p), unit: 'ms' });
    rows.push({ part: 'realtime', metric: `stream + fan-out + push P${p}`, value: percentile(after, p), unit: 'ms' });
    rows.push({ part: 'realtime', metric: `  of which the previous pacing hold P${p} (derived)`, value: percentile(held, p), unit: 'ms' });
  }
}

async function shapePart(): Promise<void> {
  const client = await subscribed(['global', 'zone:WAEMU']);
  const now = Date.now();
  const records = new EventGenerator({ seed: 61, now: () => now, spreadMs: 30 * 60_000, lateShare: 0 }).records(SHAPE_EVENTS);
  await rt.streams.flush();
  await new Promise((r) => setTimeout(r, INTERVAL_MS));
  const items0 = rt.streams.produced;
  const from = client.messages.length;
  await ingest(toMskEvent(records, { startOffset: 900_000 }));
  await rt.streams.flush();
  await client.roundTrip();
  const items = rt.streams.produced - items0;
  const frames = client.messages.slice(from).filter(isFrame);
  const bytes = frames.reduce((n, f) => n + Buffer.byteLength(JSON.stringify(f)), 0);
  const snapshots = frames.flatMap(snapshotsOf).length;
  client.close();
  log(
    `one ${SHAPE_EVENTS}-event batch over 30 min: ${items} deltas items written; a global + zone client got ${frames.length} frames (${snapshots} snapshots, ${bytes} bytes)`,
  );
  rows.push({ part: 'realtime', metric: `deltas items per batch (${SHAPE_EVENTS} events over 30 min)`, value: items, unit: 'items' });
  rows.push({
    part: 'realtime',
    metric: 'frames per connection per batch (global + one zone)',
    value: frames.length,
    unit: 'frames',
    note: `${snapshots} snapshots, ${(bytes / 1024).toFixed(1)} KiB`,
  });
  rows.push({
    part: 'realtime',
    metric: 'WebSocket 32 KB message units per connection per batch',
    value: frames.reduce((n, f) => n + Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(f)) / 32768)), 0),
    unit: 'units',
  });
}

async function fanoutPart(): Promise<void> {
  const room = 'country:SN';
  const token = await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys);
  const t0 = performance.now();
  // The clients in their own process: their CPU is the dashboards', not the system's.
  const fleet = await startClientFleet(rt.gateway.url, token, CONNECTIONS);
  log(`${fleet.count} connections opened in ${((performance.now() - t0) / 1000).toFixed(1)} s (client process)`);
  const expiresAt = Math.floor(Date.now() / 1000) + CONNECTION_TTL_SECONDS;
  const ids = rt.gateway.connectionIds();
  await batchWriteAll(
    db.doc,
    'memberships',
    ids.map((connectionId) => ({ PutRequest: { Item: { room, connectionId, expiresAt } } })),
  );
  // Side by side in one run: pushed by one invocation, and split across workers for each chunk
  // size of BENCH_FANOUT_CHUNKS (default FANOUT_CHUNK_SIZE, else 1,000).
  const chunks = (process.env.BENCH_FANOUT_CHUNKS ?? process.env.FANOUT_CHUNK_SIZE ?? '1000').split(',').map((c) => c.trim());
  const variants: Array<{ name: string; chunk?: string }> = [
    { name: 'one invocation', chunk: String(CONNECTIONS * 10) },
    ...chunks.map((chunk) => ({ name: `workers (chunks of ${chunk})`, chunk })),
  ];
  let rep = 0;
  let lastClientCpu = 0;
  // Warm-up (untimed): the first push opens the sockets and starts the worker sandboxes.
  for (const variant of variants) {
    const saved = process.env.FANOUT_CHUNK_SIZE;
    if (variant.chunk === undefined) delete process.env.FANOUT_CHUNK_SIZE;
    else process.env.FANOUT_CHUNK_SIZE = variant.chunk;
    const times: number[] = [];
    const cpu = { main: [] as number[], sandboxes: [] as number[], clients: [] as number[] };
    for (let r = -1; r < FANOUT_REPEATS; r++) {
      await rt.streams.flush();
      await new Promise((res) => setTimeout(res, INTERVAL_MS));
      const version = Date.now() * 1000 + rep++;
      const snapshot: DeltaSnapshot = {
        room,
        bucket: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
        version,
        values: [
          {
            type: 'wallet_txn_created',
            currency: 'XOF',
            count: 120 + rep,
            volume: '901500.00',
            fees: '9015.00',
            merchants: 37,
            succeeded: 117,
          },
        ],
        recorded_at: new Date().toISOString(),
        source_ts: Date.now(),
      };
      const startEpoch = performance.timeOrigin + performance.now();
      const main0 = process.cpuUsage();
      const box0 = sandboxCpuMicros();
      await writeSnapshots(db.doc, 'deltas', [snapshot]);
      const done = await fleet.holding(version);
      const ms = done.at - startEpoch;
      const m = process.cpuUsage(main0);
      // The sandboxes report their CPU with each reply; the invocation has replied by now.
      await rt.streams.flush();
      const mainMs = (m.user + m.system) / 1000;
      const boxMs = (sandboxCpuMicros() - box0) / 1000;
      const clientMs = (done.cpuMicros - lastClientCpu) / 1000;
      lastClientCpu = done.cpuMicros;
      log(
        `${variant.name} ${r < 0 ? 'warm-up' : r + 1}: ${fleet.count} clients in ${ms.toFixed(0)} ms (${Math.round(fleet.count / (ms / 1000))}/s); CPU ms: local cloud ${mainMs.toFixed(0)} (gateway, stream, dynalite, fan-out), worker sandboxes ${boxMs.toFixed(0)}, clients ${clientMs.toFixed(0)}`,
      );
      if (r < 0) continue;
      times.push(ms);
      cpu.main.push(mainMs);
      cpu.sandboxes.push(boxMs);
      cpu.clients.push(clientMs);
    }
    if (saved === undefined) delete process.env.FANOUT_CHUNK_SIZE;
    else process.env.FANOUT_CHUNK_SIZE = saved;
    const ms = median(times);
    const n = fleet.count;
    rows.push({
      part: 'realtime',
      metric: `fan-out, ${variant.name}: one batch to ${n} connections`,
      value: ms,
      unit: 'ms',
      note: `median of ${times.length}`,
    });
    rows.push({
      part: 'realtime',
      metric: `fan-out, ${variant.name}: connections updated per second`,
      value: n / (ms / 1000),
      unit: 'conn/s',
      target: '≥ 5,000',
    });
    // Wall time depends on what else the shared machine runs; CPU per connection does not.
    const perConn = (list: number[]) => (median(list) * 1000) / n;
    rows.push({
      part: 'realtime',
      metric: `fan-out, ${variant.name}: CPU per connection, local cloud process (gateway, stream, dynalite, fan-out)`,
      value: perConn(cpu.main),
      unit: 'µs',
    });
    rows.push({
      part: 'realtime',
      metric: `fan-out, ${variant.name}: CPU per connection, worker sandboxes`,
      value: perConn(cpu.sandboxes),
      unit: 'µs',
    });
    rows.push({
      part: 'realtime',
      metric: `fan-out, ${variant.name}: CPU per connection, WebSocket clients (own process)`,
      value: perConn(cpu.clients),
      unit: 'µs',
    });
    rows.push({
      part: 'realtime',
      metric: `fan-out, ${variant.name}: CPU per connection, all processes`,
      value: perConn(cpu.main.map((x, i) => x + cpu.sandboxes[i]! + cpu.clients[i]!)),
      unit: 'µs',
    });
  }
  await fleet.close();
  // Let the disconnects drain (they queue on the one local dynalite).
  const drain = performance.now();
  while (rt.gateway.connections > 0 && performance.now() - drain < 60_000) await new Promise((r) => setTimeout(r, 100));
}

async function batchPart(): Promise<void> {
  const room = 'country:CI';
  const token = await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys);
  const clients: WsClient[] = [];
  for (let i = 0; i < BATCH_CONNECTIONS; i += 250) {
    clients.push(
      ...(await Promise.all(Array.from({ length: Math.min(250, BATCH_CONNECTIONS - i) }, () => WsClient.connect(rt.gateway.url, token)))),
    );
  }
  const ids = new Set(rt.gateway.connectionIds());
  const expiresAt = Math.floor(Date.now() / 1000) + CONNECTION_TTL_SECONDS;
  await batchWriteAll(
    db.doc,
    'memberships',
    [...ids].map((connectionId) => ({ PutRequest: { Item: { room, connectionId, expiresAt } } })),
  );
  const times: number[] = [];
  const posts: number[] = [];
  for (let r = 0; r < FANOUT_REPEATS; r++) {
    await rt.streams.flush();
    await new Promise((res) => setTimeout(res, INTERVAL_MS));
    const version = Date.now() * 1000 + 500 + r;
    const minute0 = Math.floor(Date.now() / 60_000) * 60_000;
    const snapshots: DeltaSnapshot[] = Array.from({ length: BATCH_BUCKETS }, (_, b) => ({
      room,
      bucket: new Date(minute0 - b * 60_000).toISOString(),
      version,
      values: [
        { type: 'wallet_txn_created', currency: 'XOF', count: 10 + b, volume: '91500.00', fees: '915.00', merchants: 7, succeeded: 9 },
      ],
      recorded_at: new Date().toISOString(),
      source_ts: Date.now(),
    }));
    const from = clients.map((c) => c.messages.length);
    const complete = (c: WsClient, i: number) =>
      c.messages
        .slice(from[i])
        .flatMap(snapshotsOf)
        .filter((s) => s.version === version).length >= BATCH_BUCKETS;
    const start = performance.now();
    await writeSnapshots(db.doc, 'deltas', snapshots);
    await Promise.all(clients.map((c, i) => c.next(() => complete(c, i), 600_000, c.messages.length)));
    const ms = performance.now() - start;
    times.push(ms);
    posts.push(clients.reduce((n, c, i) => n + c.messages.slice(from[i]).filter(isFrame).length, 0) / clients.length);
    log(
      `batch of ${BATCH_BUCKETS} buckets ${r + 1}: ${clients.length} clients complete in ${ms.toFixed(0)} ms (${Math.round(clients.length / (ms / 1000))}/s), ${posts.at(-1)!.toFixed(1)} frames each`,
    );
  }
  const ms = median(times);
  rows.push({
    part: 'realtime',
    metric: `one ${BATCH_BUCKETS}-minute batch to ${clients.length} connections: connections updated per second`,
    value: clients.length / (ms / 1000),
    unit: 'conn/s',
    target: '≥ 5,000',
    note: `median of ${times.length}`,
  });
  rows.push({ part: 'realtime', metric: `one ${BATCH_BUCKETS}-minute batch: frames per connection`, value: median(posts), unit: 'frames' });
  for (const c of clients) c.close();
  const drain = performance.now();
  while (rt.gateway.connections > 0 && performance.now() - drain < 60_000) await new Promise((r) => setTimeout(r, 100));
}

async function postPart(): Promise<void> {
  // The frame of the fan-out part (one snapshot), as the fan-out serializes it.
  const frame = JSON.stringify({
    type: 'deltas',
    v: 1,
    snapshots: [
      {
        room: 'country:SN',
        bucket: new Date().toISOString(),
        version: 1,
        values: [
          { type: 'wallet_txn_created', currency: 'XOF', count: 120, volume: '901500.00', fees: '9015.00', merchants: 37, succeeded: 117 },
        ],
      },
    ],
  });
  const costs = await measurePostCost({ posts: POSTS, concurrency: fanoutConcurrency(), rounds: 3, frame });
  for (const c of costs) {
    log(
      `${c.variant}: ${c.clientMicros.toFixed(0)} µs client CPU per post, sink ${c.sinkMicros.toFixed(0)} µs, ${c.postsPerSecond.toFixed(0)} posts/s`,
    );
    rows.push({
      part: 'realtime',
      metric: `post CPU per connection: ${c.variant}`,
      value: c.clientMicros,
      unit: 'µs',
      note: `median of 3 × ${POSTS}; sink ${c.sinkMicros.toFixed(0)} µs`,
    });
  }
}

const ch = ONLY === 'fanout' || ONLY === 'batch' || ONLY === 'post' ? undefined : await startTestClickHouse();
try {
  if (ch) process.env.CLICKHOUSE_URL = ch.server.url;
  // Freshness first: the thousands of disconnects of the fan-out part would otherwise queue in front of it.
  if (!ONLY || ONLY === 'freshness') await freshnessPart();
  if (!ONLY || ONLY === 'shape') await shapePart();
  if (!ONLY || ONLY === 'batch') await batchPart();
  if (!ONLY || ONLY === 'post') await postPart();
  if (!ONLY || ONLY === 'fanout') await fanoutPart();
  report(rows);
} finally {
  await ch?.close();
  await stack.close();
}
process.exit(0);
