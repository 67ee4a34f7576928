// The local cloud as a library: `npm start` runs it on the fixed ports, tests and benchmarks run it
// on ephemeral ports with a private directory. Order matters: engines first, then the environment
// the handlers read, then the handlers themselves (imported after their environment is set).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MSKEvent, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { startClickHouseServer, type ClickHouseServer } from './clickhouse/server.js';
import { startDynamo, ensureTables, startTtlSweeper, type LocalDynamo, type TtlSweeper } from './dynamo.js';
import { startStreamProxy, type StreamProxy } from './streams.js';
import { lambdaContext } from './lambda-context.js';
import { startWsGateway, wsHandlersFromCatalog, type WsGateway } from './ws-gateway.js';
import { fanoutFromCatalog, fanoutStreamSettings } from './realtime.js';
import { invokeEnv, invokeHandlersFromCatalog, startLambdaInvokeServer } from './lambda-invoke.js';
import { startHttpGateway, httpRoutesFromCatalog, type HttpGateway } from './http-gateway.js';
import { startDashboardServer, type DashboardServer } from './dashboard-server.js';
import { startGeneratorSource, type GeneratorSource } from './generator-source.js';
import type { MskEmulation, MskEmulationOptions } from './msk-emulation.js';
import { ensureDevKeys, devAuthEnv, signDevToken } from './dev-keys.js';
import { dashboardOrigins } from './origin-guard.js';
import { LOCAL_HOST, localDir, localFunctionEnv, localPorts, type LocalPorts } from './config.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { createDynamoClients } from '../functions/shared/dynamo/client.js';
import { createClickHouseClient, clickhouseConfigFromEnv, type ClickHouseClient } from '../functions/shared/clickhouse.js';
import { migrate } from '../scripts/migrations.js';
import type { WebConfig } from '../functions/shared/contracts/web-config.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export interface LocalCloudOptions {
  env?: NodeJS.ProcessEnv;
  /** Overrides localPorts(env); 0 = ephemeral. */
  ports?: Partial<LocalPorts>;
  /** Data directory (default .local or MOLAM_LOCAL_DIR). */
  dir?: string;
  /** Events/s of the built-in generator; default GENERATOR_RATE or 200. Ignored with Kafka. */
  generatorRate?: number;
  /** Serve the dashboard (builds web/dist first if it is missing). Default true. */
  dashboard?: boolean;
  /** Directory of the built dashboard (default web/dist). */
  dashboardDist?: string;
  /** WebSocket idle timeout and maximum connection age (API Gateway: 10 min and 2 h). */
  wsIdleTimeoutMs?: number;
  wsMaxAgeMs?: number;
  log?: (line: string) => void;
  /** Extra MSK event-source emulation settings (tests, benchmarks); used when KAFKA_BROKERS is set. */
  msk?: Partial<Omit<MskEmulationOptions, 'brokers' | 'invoke'>>;
}

export interface LocalCloud {
  ports: LocalPorts;
  urls: { clickhouse: string; dynamodb: string; api: string; ws: string; dashboard?: string };
  clickhouse: ClickHouseClient;
  /** The local ClickHouse server's live counters (benchmarks: engine busy time). */
  clickhouseStats: ClickHouseServer['stats'];
  /** The ingest handler as the event source calls it. */
  ingest: (event: MSKEvent) => Promise<unknown>;
  /** A token signed with the dev key. */
  devToken(zones?: string[], ttlSeconds?: number): Promise<string>;
  /** The MSK event-source emulation, when KAFKA_BROKERS is set. */
  msk?: MskEmulation;
  /** Delivers pending stream records to the fan-out now (tests). */
  flushStreams(): Promise<void>;
  /** The WebSocket gateway (tests stop and restart it). */
  ws: WsGateway;
  stopWebSocket(): Promise<void>;
  startWebSocket(): Promise<void>;
  stop(): Promise<void>;
}

function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return env[name] !== undefined && env[name] !== '' && Number.isFinite(n) ? n : fallback;
}

async function importHandler<T>(entry: string): Promise<T> {
  const mod = (await import(pathToFileURL(path.join(ROOT, entry)).href)) as { handler: T };
  return mod.handler;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dir = options.dir ?? localDir(env);
  const ports: LocalPorts = { ...localPorts(env), ...options.ports };
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log(`stop failed: ${(err as Error).message}`));
    stops.length = 0;
  };

  // The one browser origin the local endpoints answer: the dashboard's, known once it listens
  // (none when the dashboard is off). Every server reads it per request.
  let allowed: string[] = [];
  const allowedOrigins = () => allowed;

  try {
    await mkdir(dir, { recursive: true });
    const keys = await ensureDevKeys(path.join(dir, 'keys'));

    // ClickHouse over chdb, migrated.
    const ch: ClickHouseServer = await startClickHouseServer({
      host: LOCAL_HOST,
      port: ports.clickhouse,
      dataDir: path.join(dir, 'clickhouse'),
      allowedOrigins,
    });
    stops.push(() => ch.close());
    ports.clickhouse = ch.port;
    const clickhouse = createClickHouseClient({ ...clickhouseConfigFromEnv({}), url: ch.url, compression: false });
    stops.push(() => clickhouse.close());
    const migrated = await migrate(clickhouse);
    log(`ClickHouse migrations: ${migrated.applied.length} applied, ${migrated.skipped.length} in place`);

    // dynalite behind the stream tap: every client talks to the tap, which forwards to dynalite and
    // turns writes on stream-enabled tables into DynamoDB stream records for the fan-out.
    const dynalite: LocalDynamo = await startDynamo({ host: LOCAL_HOST, port: 0, dataDir: path.join(dir, 'dynamo'), allowedOrigins });
    stops.push(() => dynalite.close());
    let fanout: ((event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>) | undefined;
    const streams: StreamProxy = await startStreamProxy({
      dynaliteEndpoint: dynalite.endpoint,
      host: LOCAL_HOST,
      port: ports.dynamodb,
      tables: TABLES,
      allowedOrigins,
      ...fanoutStreamSettings(),
      onBatch: async (event) => (fanout ? fanout(event) : undefined),
    });
    stops.push(() => streams.close());
    ports.dynamodb = streams.port;
    const dynamo = createDynamoClients({ endpoint: streams.endpoint });
    stops.push(async () => dynamo.client.destroy());
    await ensureTables(dynamo.client);
    // dynalite has no TTL: sweep expired connections, memberships and deltas like DynamoDB would.
    const sweeper: TtlSweeper = startTtlSweeper(dynamo.doc, TABLES, 60_000);
    stops.push(() => sweeper.stop());

    // The handlers' environment. WebSocket management goes to the gateway started below.
    const wsPort = ports.wsGateway;
    Object.assign(env, localFunctionEnv({ ...ports, wsGateway: wsPort }, devAuthEnv(keys)), {
      CLICKHOUSE_URL: ch.url,
      DYNAMODB_ENDPOINT: streams.endpoint,
    });

    const wsHandlers = await wsHandlersFromCatalog(ROOT);
    const startWs = async (port: number) =>
      startWsGateway({
        host: LOCAL_HOST,
        port,
        handlers: wsHandlers,
        idleTimeoutMs: options.wsIdleTimeoutMs ?? envNumber(env, 'WS_IDLE_TIMEOUT_MS', 10 * 60_000),
        maxAgeMs: options.wsMaxAgeMs ?? envNumber(env, 'WS_MAX_AGE_MS', 2 * 60 * 60_000),
      });
    let ws = await startWs(wsPort);
    ports.wsGateway = ws.port;
    env.WS_MANAGEMENT_ENDPOINT = ws.managementEndpoint;
    let wsRunning = true;
    stops.push(async () => {
      if (wsRunning) await ws.close();
    });

    // The fan-out's workers behind a local Lambda Invoke API (the real Lambda client calls it).
    const lambda = await startLambdaInvokeServer({ host: LOCAL_HOST, handlers: await invokeHandlersFromCatalog(ROOT) });
    stops.push(() => lambda.close());
    Object.assign(env, invokeEnv(lambda.endpoint));
    fanout = await fanoutFromCatalog(ROOT);
    const ingestHandler = await importHandler<(e: MSKEvent, c: unknown) => Promise<unknown>>('functions/ingest/handler.ts');
    const ingest = (event: MSKEvent) => ingestHandler(event, lambdaContext('Ingest'));

    const devToken = (zones: string[] = ['*'], ttlSeconds = 8 * 3600) => signDevToken({ zones, ttlSeconds }, keys);
    const api: HttpGateway = await startHttpGateway({
      host: LOCAL_HOST,
      port: ports.httpGateway,
      routes: await httpRoutesFromCatalog(),
      allowedOrigins,
      extraRoutes: {
        // Local stand-in for Molam ID: the dashboard fetches a dev token (all zones, 8 h). The
        // gateway refuses other browser origins (403) and sends CORS for the dashboard's only.
        '/local/dev-token': async (_req, res, cors) => {
          res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors });
          res.end(JSON.stringify({ token: await devToken() }));
        },
      },
    });
    stops.push(() => api.close());
    ports.httpGateway = api.port;

    let dashboard: DashboardServer | undefined;
    if (options.dashboard !== false) {
      const dist = options.dashboardDist ?? path.join(ROOT, 'web/dist');
      if (!existsSync(path.join(dist, 'index.html'))) {
        log('building the dashboard (web/dist is missing)…');
        const { build } = await import('vite');
        await build({ configFile: path.join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
      }
      const config: WebConfig = {
        apiBaseUrl: `${api.url}/api/analytics`,
        wsUrl: ws.url,
        devTokenUrl: `${api.url}/local/dev-token`,
      };
      dashboard = await startDashboardServer({ host: LOCAL_HOST, port: ports.dashboard, distDir: dist, config });
      stops.push(() => dashboard!.close());
      ports.dashboard = dashboard.port;
      allowed = dashboardOrigins(dashboard.url);
      // What the functions answer in CORS (the gateway replaces it per request anyway).
      env.CORS_ALLOW_ORIGIN = allowed[0]!;
    }

    // Event source: Kafka when configured, else the generator.
    let source: GeneratorSource | { stop(): Promise<void> } | undefined;
    let msk: MskEmulation | undefined;
    const brokers = env.KAFKA_BROKERS?.trim();
    if (brokers) {
      const { startMskEmulation } = await import('./msk-emulation.js');
      source = msk = await startMskEmulation({ brokers: brokers.split(','), invoke: ingest, env, log, dir, ...options.msk });
      log(`event source: Kafka ${brokers} (MSK event-source emulation)`);
    } else {
      const rate = options.generatorRate ?? envNumber(env, 'GENERATOR_RATE', 200);
      if (rate > 0) {
        source = await startGeneratorSource({
          rate,
          clickhouse,
          invoke: ingest,
          onError: (err) => log(`generator batch failed, retrying: ${(err as Error).message}`),
        });
        log(`event source: built-in generator, ${rate} events/s (GENERATOR_RATE)`);
      } else log('event source: none (GENERATOR_RATE=0)');
    }
    if (source) stops.push(() => source!.stop());

    const urls = {
      clickhouse: ch.url,
      dynamodb: streams.endpoint,
      api: `${api.url}/api/analytics`,
      ws: ws.url,
      ...(dashboard ? { dashboard: dashboard.url } : {}),
    };
    log(
      [
        '',
        'Molam Analytics — local cloud is up',
        `  dashboard   ${urls.dashboard ?? '(off)'}`,
        `  REST API    ${urls.api}   (openapi: ${urls.api}/openapi.json, health: ${urls.api}/health)`,
        `  WebSocket   ${urls.ws}?token=…   (management API ${ws.managementEndpoint}/@connections)`,
        `  ClickHouse  ${urls.clickhouse}`,
        `  DynamoDB    ${urls.dynamodb}`,
        `  data        ${dir}   (npm run local:reset wipes it)`,
        '  token       npm run token -- --zones WAEMU --ttl 1h',
        'Ctrl-C stops everything.',
      ].join('\n'),
    );

    return {
      ports,
      urls,
      clickhouse,
      clickhouseStats: ch.stats,
      ingest,
      msk,
      devToken,
      flushStreams: () => streams.flush(),
      get ws() {
        return ws;
      },
      async stopWebSocket() {
        if (wsRunning) await ws.close();
        wsRunning = false;
      },
      async startWebSocket() {
        if (wsRunning) return;
        ws = await startWs(ports.wsGateway);
        wsRunning = true;
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
