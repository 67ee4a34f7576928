// The local cloud as a library: `npm start` runs it on the fixed ports, tests and benchmarks run it
// on ephemeral ports with a private directory. It composes the emulators: ClickHouse over chdb,
// dynalite behind the stream proxy + the fan-out + the WebSocket gateway (local/realtime.ts), the
// REST gateway, the dashboard and an event source. Order matters: engines first, then the
// environment the handlers read, then the handlers themselves (imported after it is set).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { createClickHouseClient, clickhouseConfigFromEnv, type ClickHouseClient } from '../functions/shared/clickhouse.js';
import { createDynamoClients } from '../functions/shared/dynamo/client.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { migrate } from '../sql/migrations.js';
import { API_BASE } from '../contracts/api.js';
import type { WebConfig } from '../contracts/web-config.js';
import { type ClickHouseServer, startClickHouseServer } from './clickhouse/server.js';
import { envNumber, LOCAL_HOST, localDir, localFunctionEnv, localPorts, type LocalPorts } from './config.js';
import { serveDashboard } from './dashboard-server.js';
import { devAuthEnv, ensureDevKeys, signDevToken } from '../devkit/dev-keys.js';
import { ensureTables, startDynamo, startTtlSweeper } from './dynamo.js';
import { startEventSource, type EventSourceOptions } from './event-source.js';
import { httpRoutesFromCatalog, startHttpGateway } from './http-gateway.js';
import { lambdaContext } from './lambda-context.js';
import { catalogFunction, importHandler } from './lib/catalog.js';
import { Stack } from './lib/stack.js';
import type { MskEmulation } from './msk-emulation.js';
import { type AllowedOrigins, dashboardOrigins } from './origin-guard.js';
import { startRealtime } from './realtime.js';
import type { WsGateway } from './ws-gateway.js';

export interface LocalCloudOptions extends Pick<EventSourceOptions, 'generatorRate' | 'msk'> {
  env?: NodeJS.ProcessEnv;
  /** Overrides localPorts(env); 0 = ephemeral. */
  ports?: Partial<LocalPorts>;
  /** Data directory (default .local or MOLAM_LOCAL_DIR). */
  dir?: string;
  /** Serve the dashboard (builds web/dist first if it is missing). Default true. */
  dashboard?: boolean;
  /** Directory of the built dashboard (default web/dist). */
  dashboardDist?: string;
  /** WebSocket idle timeout and maximum connection age (API Gateway: 10 min and 2 h). */
  wsIdleTimeoutMs?: number;
  wsMaxAgeMs?: number;
  log?: (line: string) => void;
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
  readonly ws: WsGateway;
  stopWebSocket(): Promise<void>;
  startWebSocket(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dir = options.dir ?? localDir(env);
  const ports: LocalPorts = { ...localPorts(env), ...options.ports };
  const stack = new Stack(log);
  // The one browser origin the local endpoints answer: the dashboard's, known once it listens
  // (none when the dashboard is off). Every server reads it per request.
  let allowed: string[] = [];
  const allowedOrigins = () => allowed;
  const host = LOCAL_HOST;
  return stack.build(async () => {
    await mkdir(dir, { recursive: true });
    const keys = await ensureDevKeys(path.join(dir, 'keys'));
    const ch = stack.push(
      await startClickHouseServer({ host, port: ports.clickhouse, dataDir: path.join(dir, 'clickhouse'), allowedOrigins }),
    );
    const clickhouse = stack.push(createClickHouseClient({ ...clickhouseConfigFromEnv({}), url: ch.url, compression: false }));
    const migrated = await migrate(clickhouse);
    log(`ClickHouse migrations: ${migrated.applied.length} applied, ${migrated.skipped.length} in place`);
    // The handlers' environment (what CDK sets in AWS); startRealtime adds the endpoints it starts.
    Object.assign(env, localFunctionEnv({ ...ports, clickhouse: ch.port }, devAuthEnv(keys)), { CLICKHOUSE_URL: ch.url });
    const dynalite = stack.push(await startDynamo({ host, port: 0, dataDir: path.join(dir, 'dynamo'), allowedOrigins }));
    const rt = stack.push(
      await startRealtime({
        dynaliteEndpoint: dynalite.endpoint,
        host,
        wsPort: ports.wsGateway,
        dynamoProxyPort: ports.dynamodb,
        idleTimeoutMs: options.wsIdleTimeoutMs ?? envNumber(env, 'WS_IDLE_TIMEOUT_MS', 10 * 60_000),
        maxAgeMs: options.wsMaxAgeMs ?? envNumber(env, 'WS_MAX_AGE_MS', 2 * 60 * 60_000),
        stream: { tables: TABLES, allowedOrigins },
        env,
      }),
    );
    const dynamo = createDynamoClients({ endpoint: rt.dynamoEndpoint });
    stack.defer(async () => dynamo.client.destroy());
    await ensureTables(dynamo.client);
    // dynalite has no TTL: sweep expired connections, memberships and deltas like DynamoDB would.
    stack.defer(startTtlSweeper(dynamo.doc, TABLES, 60_000).stop);
    const ingestHandler = await importHandler<(e: MSKEvent, c: unknown) => Promise<unknown>>(catalogFunction('msk').entry);
    const ingest = (event: MSKEvent) => ingestHandler(event, lambdaContext('Ingest'));
    const devToken = (zones: string[] = ['*'], ttlSeconds = 8 * 3600) => signDevToken({ zones, ttlSeconds }, keys);
    const api = stack.push(await startRestGateway(host, ports.httpGateway, allowedOrigins, devToken));
    const config: WebConfig = { apiBaseUrl: `${api.url}${API_BASE}`, wsUrl: rt.gateway.url, devTokenUrl: `${api.url}/local/dev-token` };
    const dashboard =
      options.dashboard === false
        ? undefined
        : stack.push(await serveDashboard({ host, port: ports.dashboard, distDir: options.dashboardDist, config, log }));
    if (dashboard) {
      allowed = dashboardOrigins(dashboard.url);
      // What the functions answer in CORS (the gateway replaces it per request anyway).
      env.CORS_ALLOW_ORIGIN = allowed[0]!;
    }
    const source = await startEventSource({ env, ingest, clickhouse, dir, log, generatorRate: options.generatorRate, msk: options.msk });
    if (source) stack.push(source);
    Object.assign(ports, { clickhouse: ch.port, dynamodb: rt.streams.port, httpGateway: api.port, wsGateway: rt.gateway.port });
    if (dashboard) ports.dashboard = dashboard.port;
    const urls = {
      clickhouse: ch.url,
      dynamodb: rt.dynamoEndpoint,
      api: config.apiBaseUrl,
      ws: rt.gateway.url,
      ...(dashboard ? { dashboard: dashboard.url } : {}),
    };
    log(banner(urls, rt.gateway.managementEndpoint, dir));
    return {
      ports,
      urls,
      clickhouse,
      clickhouseStats: ch.stats,
      ingest,
      msk: source?.msk,
      devToken,
      flushStreams: () => rt.streams.flush(),
      get ws() {
        return rt.gateway;
      },
      stopWebSocket: () => rt.stopGateway(),
      startWebSocket: () => rt.startGateway(),
      stop: () => stack.stop(),
    };
  });
}

/** The REST functions behind the CloudFront stand-in, and the local stand-in for Molam ID. */
async function startRestGateway(host: string, port: number, allowedOrigins: AllowedOrigins, devToken: () => Promise<string>) {
  return startHttpGateway({
    host,
    port,
    routes: await httpRoutesFromCatalog(),
    allowedOrigins,
    extraRoutes: {
      // The dashboard fetches a dev token (all zones, 8 h). The gateway refuses other browser
      // origins (403) and sends CORS for the dashboard's only.
      '/local/dev-token': async (_req, res, cors) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors });
        res.end(JSON.stringify({ token: await devToken() }));
      },
    },
  });
}

function banner(urls: LocalCloud['urls'], managementEndpoint: string, dir: string): string {
  return [
    '',
    'Molam Analytics — local cloud is up',
    `  dashboard   ${urls.dashboard ?? '(off)'}`,
    `  REST API    ${urls.api}   (openapi: ${urls.api}/openapi.json, health: ${urls.api}/health)`,
    `  WebSocket   ${urls.ws}?token=…   (management API ${managementEndpoint}/@connections)`,
    `  ClickHouse  ${urls.clickhouse}`,
    `  DynamoDB    ${urls.dynamodb}`,
    `  data        ${dir}   (npm run local:reset wipes it)`,
    '  token       npm run token -- --zones WAEMU --ttl 1h',
    'Ctrl-C stops everything.',
  ].join('\n');
}
