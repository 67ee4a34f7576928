// The real-time half of the local cloud in one call: the stream proxy in front of dynalite (so
// writes to the deltas table become DynamoDBStreamEvents for the fan-out handler, filtered like the
// event source mapping), the Lambda Invoke stand-in for the fan-out's workers, and the WebSocket
// gateway with the catalog's route handlers. The handlers read their configuration from
// process.env, as in Lambda: this sets (in `env`, process.env by default) DYNAMODB_ENDPOINT (the proxy), WS_MANAGEMENT_ENDPOINT,
// LAMBDA_ENDPOINT and FANOUT_WORKER_FUNCTION.
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import { catalogFunction, importHandler } from './lib/catalog.js';
import { REPO_ROOT } from './lib/repo-root.js';
import { startWsGateway, wsHandlersFromCatalog, type StartWsGatewayOptions, type WsGateway } from './ws-gateway.js';
import { startStreamProxy, type StartStreamProxyOptions, type StreamProxy } from './streams.js';
import { invokeEnv, invokeHandlersFromCatalog, startLambdaInvokeServer, type LambdaInvokeServer } from './lambda-invoke.js';

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
  /** Repository root for the catalog's entry files (default the repository this file is in). */
  root?: string;
  /** Set DYNAMODB_ENDPOINT, WS_MANAGEMENT_ENDPOINT, LAMBDA_ENDPOINT… in `env` (default true). */
  applyEnv?: boolean;
  /** Where those variables go (default process.env, which the handlers read). */
  env?: NodeJS.ProcessEnv;
  /** Overrides of route handlers (default: the catalog's). */
  handlers?: StartWsGatewayOptions['handlers'];
}

export interface Realtime {
  /** The WebSocket gateway running now (a new one after stopGateway + startGateway). */
  readonly gateway: WsGateway;
  streams: StreamProxy;
  /** The Lambda Invoke stand-in (fan-out workers). */
  lambda: LambdaInvokeServer;
  /** Where writers (the ingest handler) must send DynamoDB requests: the proxy. */
  dynamoEndpoint: string;
  /** Closes the gateway (every connection gets its $disconnect); the rest keeps running. */
  stopGateway(): Promise<void>;
  /** Starts it again on the port it had. */
  startGateway(): Promise<void>;
  close(): Promise<void>;
}

type FanoutHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

/** The stream-triggered function of the catalog (the fan-out), imported from its entry. */
export async function fanoutFromCatalog(
  root: string = REPO_ROOT,
): Promise<(event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>> {
  const def = catalogFunction('dynamodb-stream');
  const handler = await importHandler<FanoutHandler>(def.entry, root);
  return (event) => handler(event, lambdaContext(def.id));
}

/**
 * The event source mapping settings of the deltas stream that the catalog declares: the eventName
 * filter, and one lane (ParallelizationFactor 1), so all rooms of a connection are pushed by one
 * invocation at a time and the fan-out's pacing bounds the frames per connection.
 */
export function fanoutStreamSettings(): Pick<StartStreamProxyOptions, 'eventNames' | 'parallelism'> {
  return { parallelism: 1, eventNames: catalogFunction('dynamodb-stream').trigger.eventNames };
}

export async function startRealtime(options: StartRealtimeOptions): Promise<Realtime> {
  const root = options.root ?? REPO_ROOT;
  const env = options.applyEnv === false ? undefined : (options.env ?? process.env);
  const host = options.host ? { host: options.host } : {};
  const fanout = await fanoutFromCatalog(root);
  const lambda = await startLambdaInvokeServer({ handlers: await invokeHandlersFromCatalog(root), ...host });
  if (env) Object.assign(env, invokeEnv(lambda.endpoint));
  const streams = await startStreamProxy({
    ...fanoutStreamSettings(),
    ...options.stream,
    dynaliteEndpoint: options.dynaliteEndpoint,
    ...host,
    port: options.dynamoProxyPort ?? 0,
    onBatch: fanout,
  });
  if (env) env.DYNAMODB_ENDPOINT = streams.endpoint;
  const handlers = options.handlers ?? (await wsHandlersFromCatalog(root));
  const startGateway = (port: number) =>
    startWsGateway({
      ...host,
      port,
      handlers,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.stage ? { stage: options.stage } : {}),
    });
  let gateway: WsGateway;
  try {
    gateway = await startGateway(options.wsPort ?? 0);
  } catch (err) {
    await streams.close();
    await lambda.close();
    throw err;
  }
  if (env) env.WS_MANAGEMENT_ENDPOINT = gateway.managementEndpoint;
  let gatewayUp = true;
  const stopGateway = async () => {
    if (gatewayUp) await gateway.close();
    gatewayUp = false;
  };
  return {
    get gateway() {
      return gateway;
    },
    streams,
    lambda,
    dynamoEndpoint: streams.endpoint,
    stopGateway,
    async startGateway() {
      if (gatewayUp) return;
      // The same port: clients (and WS_MANAGEMENT_ENDPOINT) reconnect where they were.
      gateway = await startGateway(gateway.port);
      gatewayUp = true;
    },
    async close() {
      // Gateway first: its $disconnects still write through the proxy.
      await stopGateway();
      await streams.flush().catch(() => undefined);
      await streams.close();
      await lambda.close();
    },
  };
}
