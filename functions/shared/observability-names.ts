// Metric names, namespace and alarm dimensions shared by the handlers (Powertools EMF) and the
// CDK alarms. CloudWatch identifies a metric by namespace + name + the exact dimension set, so an
// alarm only sees what a handler emits with exactly these dimensions: keep both sides on this file.

/** CloudWatch namespace of every custom metric (Powertools `namespace` / POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'MolamAnalytics';

/** Metric names carried over from the predecessor (Prometheus names, same meaning). */
export const METRIC = {
  eventsProcessed: 'analytics_events_processed_total',
  kafkaMessagesReceived: 'analytics_kafka_messages_received_total',
  clickhouseInsertDuration: 'analytics_clickhouse_insert_duration_seconds',
  eventsRejected: 'analytics_events_rejected_total',
  errors: 'analytics_errors_total',
  wsMessages: 'analytics_ws_messages_total',
  wsConnections: 'analytics_ws_connections_total',
  streamingLatency: 'analytics_streaming_latency_seconds',
  httpRequestDuration: 'http_request_duration_seconds',
  httpRequests: 'http_requests_total',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/**
 * Value of the `service` dimension (Powertools `serviceName` / POWERTOOLS_SERVICE_NAME), per
 * function family. The stack sets POWERTOOLS_SERVICE_NAME from this, so handlers that build their
 * Metrics from the environment get it for free.
 */
export const METRIC_SERVICE = {
  ingest: 'ingest',
  fanout: 'fanout',
  ws: 'ws',
  api: 'api',
} as const;

export type MetricService = (typeof METRIC_SERVICE)[keyof typeof METRIC_SERVICE];

/**
 * The dimension sets the alarms watch. A handler must emit (at least one copy of) these metrics
 * with exactly these dimensions — extra dimensions create a different metric the alarm ignores:
 * - insert latency: `{ service: 'ingest' }` (seconds)
 * - API latency: `{ service: 'api' }` (seconds; alarm at 0.5)
 * - rejected WebSocket connections: `{ service: 'ws', status: 'rejected' }` (count)
 */
export const ALARM_DIMENSIONS = {
  clickhouseInsertDuration: { service: METRIC_SERVICE.ingest },
  httpRequestDuration: { service: METRIC_SERVICE.api },
  wsConnectionsRejected: { service: METRIC_SERVICE.ws, status: 'rejected' },
} as const;
