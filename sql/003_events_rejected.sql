-- Quarantine for records that broke the contract: enough to find the record in Kafka (topic,
-- partition, offset), to see why (reason code + human-readable detail) and to replay it after a
-- fix (payload exactly as received, base64, plus a UTF-8 rendering for reading).
CREATE TABLE IF NOT EXISTS analytics_events_rejected
(
    rejected_at     DateTime64(3, 'UTC'),
    topic           LowCardinality(String),
    partition       UInt32,
    offset          UInt64,
    kafka_timestamp DateTime64(3, 'UTC'),
    reason          LowCardinality(String),
    detail          String,
    key             String,
    payload         String,
    payload_base64  String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(rejected_at)
ORDER BY (topic, partition, offset)
TTL toDateTime(rejected_at) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;
