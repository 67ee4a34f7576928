// Every Lambda of the system, where its handler lives and what triggers it. The CDK stack deploys
// from this list and the local cloud wires the same handlers to its gateways, so a route cannot
// exist in one place and not the other. Follow an event: ingest -> deltas table -> fanout -> ws.

export type Trigger =
  | { kind: 'msk' }
  | { kind: 'dynamodb-stream'; table: 'deltas' }
  | { kind: 'websocket'; routeKey: '$connect' | '$disconnect' | '$default' | 'subscribe' | 'unsubscribe' | 'ping' | 'resume' }
  | { kind: 'http'; method: 'GET'; path: string; auth: boolean };

export interface FunctionDef {
  /** Logical id (CDK construct id, metric service name). */
  id: string;
  /** Handler module relative to the repository root; it exports `handler`. */
  entry: string;
  trigger: Trigger;
  description: string;
}

export const FUNCTIONS: readonly FunctionDef[] = [
  { id: 'Ingest', entry: 'functions/ingest/handler.ts', trigger: { kind: 'msk' }, description: 'MSK batch -> ClickHouse raw (+rollups via MVs), rejects quarantined, snapshots to deltas' },
  { id: 'Fanout', entry: 'functions/fanout/handler.ts', trigger: { kind: 'dynamodb-stream', table: 'deltas' }, description: 'deltas stream -> postToConnection for every connection of the room' },
  { id: 'WsConnect', entry: 'functions/ws/connect.ts', trigger: { kind: 'websocket', routeKey: '$connect' }, description: 'verify token, store connection' },
  { id: 'WsDisconnect', entry: 'functions/ws/disconnect.ts', trigger: { kind: 'websocket', routeKey: '$disconnect' }, description: 'remove connection and memberships' },
  { id: 'WsSubscribe', entry: 'functions/ws/subscribe.ts', trigger: { kind: 'websocket', routeKey: 'subscribe' }, description: 'join rooms within scope' },
  { id: 'WsUnsubscribe', entry: 'functions/ws/unsubscribe.ts', trigger: { kind: 'websocket', routeKey: 'unsubscribe' }, description: 'leave rooms' },
  { id: 'WsPing', entry: 'functions/ws/ping.ts', trigger: { kind: 'websocket', routeKey: 'ping' }, description: 'keep-alive' },
  { id: 'WsResume', entry: 'functions/ws/resume.ts', trigger: { kind: 'websocket', routeKey: 'resume' }, description: 'snapshots recorded since the versions a client holds' },
  { id: 'WsDefault', entry: 'functions/ws/default.ts', trigger: { kind: 'websocket', routeKey: '$default' }, description: 'unknown action -> error naming the valid ones' },
  { id: 'ApiOverview', entry: 'functions/api/overview.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/overview', auth: true }, description: 'totals per type and currency, with previous period' },
  { id: 'ApiTimeseries', entry: 'functions/api/timeseries.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/timeseries', auth: true }, description: 'zero-filled series from the rollups' },
  { id: 'ApiBreakdown', entry: 'functions/api/breakdown.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/breakdown', auth: true }, description: 'top keys by dimension' },
  { id: 'ApiSummary', entry: 'functions/api/summary.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/summary', auth: true }, description: 'currency-independent counts, statuses and unique merchants, with previous period' },
  { id: 'ApiFailures', entry: 'functions/api/failures.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/failures', auth: true }, description: 'failed and pending counts per dimension value, all currencies' },
  { id: 'ApiHealth', entry: 'functions/api/health.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/health', auth: false }, description: 'ClickHouse reachability' },
  { id: 'ApiOpenapi', entry: 'functions/api/openapi.ts', trigger: { kind: 'http', method: 'GET', path: '/api/analytics/openapi.json', auth: false }, description: 'the OpenAPI 3.1 document' },
];
