-- Per (topic, partition) high-water mark of the Kafka offsets already stored, kept by views on
-- the raw and rejected tables, so it is written by the very insert that stores the rows.
-- The ingest function drops records at or below the mark before inserting. Together with the
-- insert_deduplication_token (which drops an identical redelivered batch) this makes delivery
-- exactly-once even when a batch is redelivered with different boundaries, e.g. after a consumer
-- crash between the insert and the offset commit. Offsets within a partition are processed in
-- order, so "at or below the mark" means "already stored".
CREATE TABLE IF NOT EXISTS analytics_ingest_offsets
(
    source      LowCardinality(String),
    topic       LowCardinality(String),
    partition   UInt32,
    max_offset  SimpleAggregateFunction(max, UInt64),
    updated_at  SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (source, topic, partition)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_offsets_raw TO analytics_ingest_offsets AS
SELECT 'raw' AS source, topic, partition, max(offset) AS max_offset, max(ingested_at) AS updated_at
FROM analytics_events_raw
GROUP BY topic, partition;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_offsets_rejected TO analytics_ingest_offsets AS
SELECT 'rejected' AS source, topic, partition, max(offset) AS max_offset, max(rejected_at) AS updated_at
FROM analytics_events_rejected
GROUP BY topic, partition;
