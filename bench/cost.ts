// npm run bench:cost — every paid operation the design makes, counted on the local cloud and
// priced with bench/prices/us-east-1.json (dated us-east-1 list prices).
// A seeded run: BENCH_COST_DASHBOARDS WebSocket dashboards on a mix of rooms (global, zones,
// countries, cities), BENCH_COST_RATE events/s for BENCH_COST_SECONDS, handed to the ingest handler
// in MSK batches of BENCH_COST_BATCH records (the CDK default batch size) on a fixed schedule.
// Counted for real: Lambda invocations and their duration per function (GB-s with the CDK memory
// sizes), DynamoDB write/read request units per table (on-demand rules, item sizes as DynamoDB
// computes them), stream records, WebSocket messages in 32 KB units (server->client posts and
// client->server route messages), ClickHouse inserts. Modeled (labelled so): connection minutes
// (dashboards × run time) and the dashboards' REST refetches through CloudFront (every
// RECONCILE_AFTER_MS while snapshots arrive; the cache key holds the token, so each is an origin
// call). Figures only, no assertions. Local durations are pessimistic (2 shared cores).
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, DynamoDBStreamEvent, MSKEvent } from 'aws-lambda';
import { FUNCTIONS, type FunctionDef } from '../functions/catalog.js';
import { createDynamoClients, resetDynamoClients } from '../functions/shared/dynamo/client.js';
import { resetManagementClients } from '../functions/shared/ws-management.js';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { COUNTRIES, ZONES } from '../contracts/geography.js';
import type { AckMessage } from '../contracts/ws.js';
import { startDynamo, ensureTables } from '../local/dynamo.js';
import { startStreamProxy, type StartStreamProxyOptions } from '../local/streams.js';
import { startWsGateway, wsHandlersFromCatalog, type WsRouteHandler, type WsRouteKey } from '../local/ws-gateway.js';
import { fanoutFromCatalog } from '../local/realtime.js';
import { lambdaContext } from '../local/lambda-context.js';
import { devAuthEnv, ensureDevKeys, signDevToken } from '../devkit/dev-keys.js';
import { quietPowertools, WsClient } from '../devkit/ws-harness.js';
import { startTestClickHouse } from '../devkit/engines.js';
import { RECONCILE_AFTER_MS } from '../web/src/useDashboard.js';
import { sizing } from '../cdk/lib/catalog-function.js';
import { startDynamoMeter, startManagementMeter, metered, type InvocationCounts } from './cost-meter.js';
import { report, type BenchRow } from './lib.js';

quietPowertools();

const DASHBOARDS = Number(process.env.BENCH_COST_DASHBOARDS ?? 500);
const RATE = Number(process.env.BENCH_COST_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_COST_SECONDS ?? 120);
const BATCH = Number(process.env.BENCH_COST_BATCH ?? 100);
/** Requests one dashboard refetch makes (web/src/data.ts fetchDashboard: summary 3 + details 6). */
const REST_REQUESTS_PER_REFETCH = 9;
/** Assumed duration of one REST handler invocation for GB-s (not measured here; see bench:api). */
const REST_ASSUMED_MS = 100;

const priceFile = new URL('./prices/us-east-1.json', import.meta.url);
const { prices, retrieved, region } = JSON.parse(await readFile(priceFile, 'utf8')) as {
  prices: Record<string, number>;
  retrieved: string;
  region: string;
};

function log(text: string): void {
  console.error(`[cost] ${text}`);
}

function memoryMb(def: FunctionDef): number {
  return sizing(def.trigger.kind).memorySize;
}

// ---- the stack, with meters in front of every paid interface --------------------------------------
const tmp = await mkdtemp(join(tmpdir(), 'molam-cost-'));
const keys = await ensureDevKeys(join(tmp, 'keys'));
Object.assign(process.env, devAuthEnv(keys));
const ch = await startTestClickHouse();
process.env.CLICKHOUSE_URL = ch.server.url;
const dynalite = await startDynamo({ port: 0 });
{
  const direct = createDynamoClients({ endpoint: dynalite.endpoint });
  await ensureTables(direct.client);
  direct.client.destroy();
}
const invocations: Record<string, InvocationCounts> = {};
const fanoutDef = FUNCTIONS.find((f) => f.trigger.kind === 'dynamodb-stream')!;
const fanout = metered(invocations, fanoutDef.id, await fanoutFromCatalog());
// The stream mapping settings the catalog declares, where this version has them.
const realtime = (await import('../local/realtime.js')) as { fanoutStreamSettings?: () => Partial<StartStreamProxyOptions> };
let streamRecords = 0;
const streams = await startStreamProxy({
  ...(realtime.fanoutStreamSettings?.() ?? {}),
  dynaliteEndpoint: dynalite.endpoint,
  onBatch: async (event: DynamoDBStreamEvent) => {
    streamRecords += event.Records.length;
    return fanout(event);
  },
});
const dynamoMeter = await startDynamoMeter(streams.endpoint);
process.env.DYNAMODB_ENDPOINT = dynamoMeter.endpoint;

// Workers (if this version has any) behind the local Lambda Invoke stand-in.
const invoke = await import('../local/lambda-invoke.js').catch(() => undefined);
let lambda: { close(): Promise<void> } | undefined;
if (invoke) {
  const handlers = await invoke.invokeHandlersFromCatalog();
  const wrapped = Object.fromEntries(Object.entries(handlers).map(([id, h]) => [id, metered(invocations, id, h)]));
  const server = await invoke.startLambdaInvokeServer({ handlers: wrapped });
  Object.assign(process.env, invoke.invokeEnv(server.endpoint));
  lambda = server;
}

const routeIds = new Map(FUNCTIONS.flatMap((f) => (f.trigger.kind === 'websocket' ? [[f.trigger.routeKey, f.id] as const] : [])));
const clientMessages = { count: 0 };
const routes = await wsHandlersFromCatalog();
const handlers = Object.fromEntries(
  Object.entries(routes).map(([key, h]) => {
    const fn = metered(invocations, routeIds.get(key as WsRouteKey)!, h);
    const counted: WsRouteHandler = (event, context) => {
      if (key !== '$connect' && key !== '$disconnect') clientMessages.count++;
      return fn(event, context);
    };
    return [key, counted];
  }),
) as Partial<Record<WsRouteKey, WsRouteHandler>>;
const gateway = await startWsGateway({ port: 0, handlers });
const managementMeter = await startManagementMeter(gateway.managementEndpoint);
process.env.WS_MANAGEMENT_ENDPOINT = managementMeter.endpoint;

const ingestDef = FUNCTIONS.find((f) => f.trigger.kind === 'msk')!;
const ingestHandler = (
  (await import('../functions/ingest/handler.js')) as unknown as { handler: (e: MSKEvent, c: Context) => Promise<unknown> }
).handler;
const ingest = metered(invocations, ingestDef.id, (e: MSKEvent) => ingestHandler(e, lambdaContext(ingestDef.id)));

// ---- dashboards on a mix of rooms ---------------------------------------------------------------
function roomMix(n: number): string[] {
  const zones = ZONES;
  const countries = Object.keys(COUNTRIES);
  const cities = Object.entries(COUNTRIES).flatMap(([cc, info]) => info.cities.map((c) => `city:${cc}:${c}`));
  // 30 % global, 30 % a zone, 25 % a country, 15 % a city: head offices watch wide rooms.
  return Array.from({ length: n }, (_, i) => {
    const r = i % 20;
    if (r < 6) return 'global';
    if (r < 12) return `zone:${zones[i % zones.length]}`;
    if (r < 17) return `country:${countries[i % countries.length]}`;
    return cities[i % cities.length]!;
  });
}
const token = await signDevToken({ zones: ['*'], ttlSeconds: 3600 }, keys);
const dashboards: WsClient[] = [];
const rooms = roomMix(DASHBOARDS);
for (let i = 0; i < rooms.length; i += 100) {
  const batch = await Promise.all(
    rooms.slice(i, i + 100).map(async (room) => {
      const c = await WsClient.connect(gateway.url, token);
      c.send({ action: 'subscribe', rooms: [room] });
      await c.next((m) => (m as AckMessage).type === 'ack', 120_000);
      return c;
    }),
  );
  dashboards.push(...batch);
}
log(`${dashboards.length} dashboards subscribed`);
// Set-up is not part of the run.
const base = {
  dynamo: structuredClone(dynamoMeter.counts),
  inv: structuredClone(invocations),
  mgmt: structuredClone(managementMeter.counts),
  msgs: clientMessages.count,
  records: streamRecords,
};

// ---- the run: RATE events/s for SECONDS, in MSK batches on a fixed schedule ---------------------
const generator = new EventGenerator({ seed: 2027, lateShare: 0.02 });
const batches = Math.round((RATE * SECONDS) / BATCH);
const every = (BATCH / RATE) * 1000;
const started = performance.now();
let events = 0;
let lagMs = 0;
for (let i = 0; i < batches; i++) {
  const due = started + i * every;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  else lagMs = Math.max(lagMs, -wait);
  await ingest(toMskEvent(generator.records(BATCH), { startOffset: 1_000_000 + i * BATCH, timestamp: Date.now() }));
  events += BATCH;
}
// Every record delivered and pushed (the counters are read now, before any other client traffic).
await streams.flush();
const wallS = (performance.now() - started) / 1000;
log(
  `${events} events in ${batches} batches over ${wallS.toFixed(1)} s (scheduled ${SECONDS} s; largest lag ${(lagMs / 1000).toFixed(1)} s)`,
);

// ---- count, price, report -------------------------------------------------------------------------
const diff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));
const wru = diff(dynamoMeter.counts.writeUnits, base.dynamo.writeUnits);
const witems = diff(dynamoMeter.counts.writeItems, base.dynamo.writeItems);
const rru = diff(dynamoMeter.counts.readUnits, base.dynamo.readUnits);
const posts = managementMeter.counts.posts - base.mgmt.posts;
const units = managementMeter.counts.messageUnits - base.mgmt.messageUnits;
const inbound = clientMessages.count - base.msgs;
const records = streamRecords - base.records;
// Dashboards stay connected for the run's wall time (longer than scheduled when ingest lags).
const connectionMinutes = DASHBOARDS * (wallS / 60);
const refetches = DASHBOARDS * (1 + Math.floor((wallS * 1000) / RECONCILE_AFTER_MS));
const restRequests = refetches * REST_REQUESTS_PER_REFETCH;
const restMb = sizing('http').memorySize;

interface Line {
  item: string;
  quantity: number;
  unit: string;
  cost: number;
  realtime: boolean;
}
const lines: Line[] = [];
let lambdaReq = 0;
for (const def of FUNCTIONS) {
  const c = invocations[def.id];
  if (!c) continue;
  const b = base.inv[def.id] ?? { invocations: 0, ms: 0 };
  const n = c.invocations - b.invocations;
  const gbs = ((c.ms - b.ms) / 1000) * (memoryMb(def) / 1024);
  if (n === 0) continue;
  lambdaReq += n;
  const rt = def.trigger.kind !== 'msk';
  lines.push({
    item: `Lambda ${def.id} invocations`,
    quantity: n,
    unit: 'requests',
    cost: (n / 1e6) * prices.lambdaRequestsPerMillion!,
    realtime: rt,
  });
  lines.push({
    item: `Lambda ${def.id} duration (${memoryMb(def)} MB)`,
    quantity: gbs,
    unit: 'GB-s',
    cost: gbs * prices.lambdaGbSecondArm!,
    realtime: rt,
  });
}
for (const [table, n] of Object.entries(wru)) {
  if (n <= 0) continue;
  lines.push({
    item: `DynamoDB ${table} writes (${witems[table] ?? 0} items)`,
    quantity: n,
    unit: 'WRU',
    cost: (n / 1e6) * prices.dynamodbWriteRequestUnitsPerMillion!,
    realtime: true,
  });
}
for (const [table, n] of Object.entries(rru)) {
  if (n <= 0) continue;
  lines.push({
    item: `DynamoDB ${table} reads`,
    quantity: n,
    unit: 'RRU',
    cost: (n / 1e6) * prices.dynamodbReadRequestUnitsPerMillion!,
    realtime: true,
  });
}
lines.push({
  item: 'DynamoDB stream records to the fan-out (Lambda trigger reads are free)',
  quantity: records,
  unit: 'records',
  cost: 0,
  realtime: true,
});
lines.push({
  item: `WebSocket server->client messages (${posts} posts)`,
  quantity: units,
  unit: '32 KB msgs',
  cost: (units / 1e6) * prices.apiGatewayWebSocketMessagesPerMillion!,
  realtime: true,
});
lines.push({
  item: 'WebSocket client->server messages',
  quantity: inbound,
  unit: 'msgs',
  cost: (inbound / 1e6) * prices.apiGatewayWebSocketMessagesPerMillion!,
  realtime: true,
});
lines.push({
  item: 'WebSocket connection minutes (modeled)',
  quantity: connectionMinutes,
  unit: 'minutes',
  cost: (connectionMinutes / 1e6) * prices.apiGatewayWebSocketConnectionMinutesPerMillion!,
  realtime: true,
});
lines.push({
  item: 'CloudFront HTTPS requests (modeled refetches)',
  quantity: restRequests,
  unit: 'requests',
  cost: (restRequests / 1e4) * prices.cloudFrontHttpsRequestsPer10k!,
  realtime: false,
});
lines.push({
  item: 'Lambda REST invocations (modeled, cache misses)',
  quantity: restRequests,
  unit: 'requests',
  cost: (restRequests / 1e6) * prices.lambdaRequestsPerMillion!,
  realtime: false,
});
const restGbs = restRequests * (REST_ASSUMED_MS / 1000) * (restMb / 1024);
lines.push({
  item: `Lambda REST duration (modeled, ${REST_ASSUMED_MS} ms at ${restMb} MB)`,
  quantity: restGbs,
  unit: 'GB-s',
  cost: restGbs * prices.lambdaGbSecondArm!,
  realtime: false,
});
lines.push({ item: 'ClickHouse inserts (compute billed by time)', quantity: batches, unit: 'inserts', cost: 0, realtime: false });

const total = lines.reduce((a, l) => a + l.cost, 0);
const rtTotal = lines.filter((l) => l.realtime).reduce((a, l) => a + l.cost, 0);
const dashboardHours = DASHBOARDS * (wallS / 3600);
console.log(
  `Prices: ${region}, retrieved ${retrieved} (bench/prices/us-east-1.json). Run: ${DASHBOARDS} dashboards, ${RATE} events/s for ${SECONDS} s (took ${wallS.toFixed(1)} s), MSK batches of ${BATCH}.`,
);
const width = Math.max(...lines.map((l) => l.item.length));
for (const l of lines)
  console.log(
    `${l.item.padEnd(width)}  ${l.quantity.toFixed(l.quantity < 100 ? 2 : 0).padStart(12)} ${l.unit.padEnd(10)}  $${l.cost.toFixed(6)}`,
  );
const rows: BenchRow[] = [
  {
    part: 'cost',
    metric: 'total per million events',
    value: (total / events) * 1e6,
    unit: 'USD',
    note: `${DASHBOARDS} dashboards, ${RATE} ev/s, ${SECONDS} s scheduled, ${wallS.toFixed(0)} s run`,
  },
  { part: 'cost', metric: 'total per dashboard-hour', value: total / dashboardHours, unit: 'USD' },
  { part: 'cost', metric: 'real-time path (fan-out, ws, DynamoDB) per million events', value: (rtTotal / events) * 1e6, unit: 'USD' },
  { part: 'cost', metric: 'real-time path per dashboard-hour', value: rtTotal / dashboardHours, unit: 'USD' },
  { part: 'cost', metric: 'WebSocket 32 KB messages per dashboard-minute', value: units / (DASHBOARDS * (wallS / 60)), unit: 'msgs' },
  { part: 'cost', metric: 'deltas write units per 1,000 events', value: ((wru.deltas ?? 0) / events) * 1000, unit: 'WRU' },
  {
    part: 'cost',
    metric: 'fan-out invocations (incl. workers) per minute',
    value:
      (Object.entries(invocations)
        .filter(([id]) => id.startsWith('Fanout'))
        .reduce((a, [id, c]) => a + c.invocations - (base.inv[id]?.invocations ?? 0), 0) /
        wallS) *
      60,
    unit: 'inv/min',
  },
  { part: 'cost', metric: 'Lambda requests counted', value: lambdaReq, unit: 'requests' },
];
report(rows);

for (const c of dashboards) c.close();
await gateway.close();
await streams.flush().catch(() => undefined);
await Promise.all([managementMeter.close(), dynamoMeter.close(), streams.close(), lambda?.close()]);
resetManagementClients();
resetDynamoClients();
await dynalite.close();
await ch.close();
await rm(tmp, { recursive: true, force: true });
process.exit(0);
