-- Raw payment events, one row per valid event. The ingest function inserts one block per MSK batch
-- with an insert_deduplication_token, so a redelivered batch is dropped here and (with
-- deduplicate_blocks_in_dependent_materialized_views) in every rollup fed from this table.
CREATE TABLE IF NOT EXISTS analytics_events_raw
(
    event_id        String,
    type            LowCardinality(String),
    occurred_at     DateTime64(3, 'UTC'),
    amount          Decimal(18, 4),
    fee             Decimal(18, 4),
    currency        LowCardinality(String),
    zone            LowCardinality(String),
    country         LowCardinality(String),
    city            LowCardinality(String),
    merchant_id     String,
    status          LowCardinality(String),
    topic           LowCardinality(String),
    partition       UInt32,
    offset          UInt64,
    kafka_timestamp DateTime64(3, 'UTC'),
    ingested_at     DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (type, zone, country, city, occurred_at, event_id)
TTL toDateTime(occurred_at) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;
