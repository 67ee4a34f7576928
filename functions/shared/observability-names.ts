// One place for the CloudWatch namespace and metric names: the handlers emit them (EMF) and the
// CDK alarms read them. Names follow the predecessor's Prometheus metrics so dashboards carry over.
export const METRICS_NAMESPACE = 'MolamAnalytics';

export const METRIC = {
  eventsProcessed: 'analytics_events_processed_total',
  kafkaMessagesReceived: 'analytics_kafka_messages_received_total',
  clickhouseInsertDuration: 'analytics_clickhouse_insert_duration_seconds',
  eventsRejected: 'analytics_events_rejected_total',
  /** Valid events not counted again because their event_id is already counted (identical content). */
  eventsDuplicate: 'analytics_events_duplicate_total',
  /** Batches of a partition starting at or below the offset already stored there. */
  offsetRegressions: 'analytics_kafka_offset_regressions_total',
  errors: 'analytics_errors_total',
  wsMessages: 'analytics_ws_messages_total',
  wsConnections: 'analytics_ws_connections_total',
  streamingLatency: 'analytics_streaming_latency_seconds',
  httpRequestDuration: 'http_request_duration_seconds',
  httpRequests: 'http_requests_total',
  consumerLag: 'kafka_consumergroup_lag',
} as const;

/** Service names (the `service` dimension Powertools adds) per function family. */
export const SERVICE = {
  ingest: 'ingest',
  fanout: 'fanout',
  websocket: 'websocket',
  api: 'api',
} as const;

/** Alias of SERVICE (some modules import it under this name). */
export const METRIC_SERVICE = SERVICE;

/**
 * The dimension sets the CDK alarms watch. CloudWatch identifies a metric by namespace, name and
 * the exact dimension set, so a handler must emit (at least one copy of) these metrics with exactly
 * these dimensions — a copy with extra dimensions is a different metric the alarm does not see:
 * - ClickHouse insert latency, seconds: `{ service: 'ingest' }`
 * - API latency, seconds: `{ service: 'api' }`
 * - rejected WebSocket connections, count: `{ service: 'websocket', status: 'rejected' }`
 * - freshness (Kafka record -> delta posted), seconds: `{ service: 'fanout' }` (the default dimension)
 */
export const ALARM_DIMENSIONS = {
  clickhouseInsertDuration: { service: SERVICE.ingest },
  httpRequestDuration: { service: SERVICE.api },
  wsConnectionsRejected: { service: SERVICE.websocket, status: 'rejected' },
  streamingLatency: { service: SERVICE.fanout },
} as const;
