// The real-time half of the local cloud in one call: the stream proxy in front of dynalite (so
// writes to the deltas table become DynamoDBStreamEvents for the fan-out handler) and the
// WebSocket gateway with the catalog's route handlers. The handlers read their configuration from
// process.env, as in Lambda: this sets DYNAMODB_ENDPOINT (the proxy) and WS_MANAGEMENT_ENDPOINT.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { FUNCTIONS } from '../functions/catalog.js';
import { lambdaContext } from './lambda-context.js';
import { startWsGateway, wsHandlersFromCatalog, type StartWsGatewayOptions, type WsGateway } from './ws-gateway.js';
import { startStreamProxy, type StartStreamProxyOptions, type StreamProxy } from './streams.js';

export interface StartRealtimeOptions {
  /** dynalite's own endpoint (startDynamo().endpoint). */
  dynaliteEndpoint: string;
  host?: string;
  /** Gateway port (local cloud: 3003; tests: 0). */
  wsPort?: number;
  /** Proxy port (default 0; it is what DYNAMODB_ENDPOINT points at). */
  dynamoProxyPort?: number;
  idleTimeoutMs?: number;
  maxAgeMs?: number;
  stage?: string;
  /** Stream delivery tuning (batch size, window, retries…). */
  stream?: Partial<Omit<StartStreamProxyOptions, 'dynaliteEndpoint' | 'onBatch' | 'host' | 'port'>>;
  /** Repository root for the catalog's entry files (default cwd). */
  root?: string;
  /** Set DYNAMODB_ENDPOINT / WS_MANAGEMENT_ENDPOINT in process.env (default true). */
  applyEnv?: boolean;
  /** Overrides of route handlers (default: the catalog's). */
  handlers?: StartWsGatewayOptions['handlers'];
}

export interface Realtime {
  gateway: WsGateway;
  streams: StreamProxy;
  /** Where writers (the ingest handler) must send DynamoDB requests: the proxy. */
  dynamoEndpoint: string;
  close(): Promise<void>;
}

type FanoutHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

/** The stream-triggered function of the catalog (the fan-out), imported from its entry. */
export async function fanoutFromCatalog(root: string = process.cwd()): Promise<(event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>> {
  const def = FUNCTIONS.find((f) => f.trigger.kind === 'dynamodb-stream');
  if (!def) throw new Error('catalog has no dynamodb-stream function');
  const mod = (await import(pathToFileURL(resolve(root, def.entry)).href)) as { handler: FanoutHandler };
  return (event) => mod.handler(event, lambdaContext(def.id));
}

export async function startRealtime(options: StartRealtimeOptions): Promise<Realtime> {
  const root = options.root ?? process.cwd();
  const fanout = await fanoutFromCatalog(root);
  const streams = await startStreamProxy({
    ...options.stream,
    dynaliteEndpoint: options.dynaliteEndpoint,
    ...(options.host ? { host: options.host } : {}),
    port: options.dynamoProxyPort ?? 0,
    onBatch: fanout,
  });
  if (options.applyEnv ?? true) process.env.DYNAMODB_ENDPOINT = streams.endpoint;
  let gateway: WsGateway;
  try {
    gateway = await startWsGateway({
      ...(options.host ? { host: options.host } : {}),
      port: options.wsPort ?? 0,
      handlers: options.handlers ?? (await wsHandlersFromCatalog(root)),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.stage ? { stage: options.stage } : {}),
    });
  } catch (err) {
    await streams.close();
    throw err;
  }
  if (options.applyEnv ?? true) process.env.WS_MANAGEMENT_ENDPOINT = gateway.managementEndpoint;
  return {
    gateway,
    streams,
    dynamoEndpoint: streams.endpoint,
    async close() {
      // Gateway first: its $disconnects still write through the proxy.
      await gateway.close();
      await streams.flush().catch(() => undefined);
      await streams.close();
    },
  };
}
