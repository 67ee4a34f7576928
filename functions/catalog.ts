// Every Lambda of the system, where its handler lives and what triggers it. The CDK stack deploys
// from this list and the local cloud wires the same handlers to its gateways, so a route cannot
// exist in one place and not the other. Follow an event: ingest -> deltas table -> fanout -> ws.

export type Trigger =
  | { kind: 'msk' }
  | { kind: 'dynamodb-stream'; table: 'deltas'; eventNames: readonly StreamEventName[] }
  /** Invoked synchronously by another function of the catalog (`by`), never by a trigger of its own. */
  | { kind: 'invoke'; by: string; envVar: string }
  | { kind: 'websocket'; routeKey: '$connect' | '$disconnect' | '$default' | 'subscribe' | 'unsubscribe' | 'ping' | 'resume' }
  | { kind: 'http'; method: 'GET'; path: string; auth: boolean };

/** DynamoDB actions a handler's code performs (the IAM action names). */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'BatchWriteItem';

/**
 * What a handler's code calls, declared next to it: CDK grants exactly this, and
 * test/cdk-least-privilege.test.ts checks it against the code (the SDK commands and table
 * definitions reachable from the entry) and against the synthesized role.
 */
export interface Uses {
  tables?: Partial<Record<'connections' | 'memberships' | 'deltas', readonly TableAction[]>>;
  /** API Gateway @connections (postToConnection). */
  postToConnection?: boolean;
  /** ClickHouse, through the Secrets Manager secret. */
  clickhouse?: boolean;
}

/** The connection store (functions/shared/ws-store.ts) as one object: every handler holding it reaches all of its calls. */
const WS_STORE: readonly TableAction[] = ['BatchWriteItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'];
const STORE_TABLES = { connections: WS_STORE, memberships: WS_STORE } as const;

export type StreamEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/**
 * The stream records that invoke the fan-out (the event source mapping's filter, and the local
 * stream emulation's): new and rewritten snapshots. TTL removals of old snapshots never invoke it.
 */
export const FANOUT_STREAM_EVENTS: readonly StreamEventName[] = ['INSERT', 'MODIFY'];

export interface FunctionDef {
  /** Logical id (CDK construct id, metric service name). */
  id: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  entry: string;
  trigger: Trigger;
  description: string;
  uses?: Uses;
}

export const FUNCTIONS: readonly FunctionDef[] = [
  {
    id: 'Ingest',
    entry: 'functions/ingest/handler.ts',
    trigger: { kind: 'msk' },
    description: 'MSK batch -> ClickHouse raw (+rollups via MVs), rejects quarantined, snapshots to deltas',
    uses: { tables: { deltas: ['BatchWriteItem'] }, clickhouse: true },
  },
  {
    id: 'Fanout',
    entry: 'functions/fanout/handler.ts',
    trigger: { kind: 'dynamodb-stream', table: 'deltas', eventNames: FANOUT_STREAM_EVENTS },
    description: 'deltas stream -> one coalesced frame per connection of the rooms (large rooms via FanoutWorker)',
    uses: { tables: STORE_TABLES, postToConnection: true },
  },
  {
    id: 'FanoutWorker',
    entry: 'functions/fanout/worker.ts',
    trigger: { kind: 'invoke', by: 'Fanout', envVar: 'FANOUT_WORKER_FUNCTION' },
    description: 'pushes one chunk of connections of a large room for the fan-out',
    uses: { tables: STORE_TABLES, postToConnection: true },
  },
  {
    id: 'WsConnect',
    entry: 'functions/ws/connect.ts',
    trigger: { kind: 'websocket', routeKey: '$connect' },
    description: 'verify token, store connection',
    uses: { tables: STORE_TABLES },
  },
  {
    id: 'WsDisconnect',
    entry: 'functions/ws/disconnect.ts',
    trigger: { kind: 'websocket', routeKey: '$disconnect' },
    description: 'remove connection and memberships',
    uses: { tables: STORE_TABLES },
  },
  {
    id: 'WsSubscribe',
    entry: 'functions/ws/subscribe.ts',
    trigger: { kind: 'websocket', routeKey: 'subscribe' },
    description: 'join rooms within scope',
    uses: { tables: STORE_TABLES, postToConnection: true },
  },
  {
    id: 'WsUnsubscribe',
    entry: 'functions/ws/unsubscribe.ts',
    trigger: { kind: 'websocket', routeKey: 'unsubscribe' },
    description: 'leave rooms',
    uses: { tables: STORE_TABLES, postToConnection: true },
  },
  {
    id: 'WsPing',
    entry: 'functions/ws/ping.ts',
    trigger: { kind: 'websocket', routeKey: 'ping' },
    description: 'keep-alive',
    uses: { tables: { ...STORE_TABLES, deltas: ['Query'] }, postToConnection: true },
  },
  {
    id: 'WsResume',
    entry: 'functions/ws/resume.ts',
    trigger: { kind: 'websocket', routeKey: 'resume' },
    description: 'snapshots recorded since the versions a client holds',
    uses: { tables: { ...STORE_TABLES, deltas: ['Query'] }, postToConnection: true },
  },
  {
    id: 'WsDefault',
    entry: 'functions/ws/default.ts',
    trigger: { kind: 'websocket', routeKey: '$default' },
    description: 'unknown action -> error naming the valid ones',
    uses: { postToConnection: true },
  },
  {
    id: 'ApiOverview',
    entry: 'functions/api/overview.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/overview', auth: true },
    description: 'totals per type and currency, with previous period',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiTimeseries',
    entry: 'functions/api/timeseries.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/timeseries', auth: true },
    description: 'zero-filled series from the rollups',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiBreakdown',
    entry: 'functions/api/breakdown.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/breakdown', auth: true },
    description: 'top keys by dimension',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiSummary',
    entry: 'functions/api/summary.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/summary', auth: true },
    description: 'currency-independent counts, statuses and unique merchants, with previous period',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiFailures',
    entry: 'functions/api/failures.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/failures', auth: true },
    description: 'failed and pending counts per dimension value, all currencies',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiMerchants',
    entry: 'functions/api/merchants.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/merchants', auth: true },
    description: 'top merchants per currency with failures, share and previous period',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiHealth',
    entry: 'functions/api/health.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/health', auth: false },
    description: 'ClickHouse reachability',
    uses: { clickhouse: true },
  },
  {
    id: 'ApiOpenapi',
    entry: 'functions/api/openapi.ts',
    trigger: { kind: 'http', method: 'GET', path: '/api/analytics/openapi.json', auth: false },
    description: 'the OpenAPI 3.1 document',
    uses: {},
  },
];
