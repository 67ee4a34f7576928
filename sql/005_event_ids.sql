-- event_id is the idempotency key: an event is counted at most once by its event_id, whatever
-- offsets, partitions, clusters or sources (live Kafka, replay, re-drive, backfill) bring it.
--
-- Mechanism: a table ordered by event_id, filled by a view on raw — so by the very insert that
-- stores the event, in the same block, deduplicated with it — and looked up once per batch
-- (functions/ingest/event-ids.ts: WHERE event_id IN {ids}) before inserting. Chosen by measurement
-- (README "Exactly once", bench:ingest): with 10 M events stored and a 10k-id batch of random ids,
-- the lookup on raw (ordered by type, geography, time: event_id is last, so the IN reads the whole
-- event_id column) cost several times the lookup here, where the primary index skips the granules
-- no id of the batch falls into. A bloom-filter skip index on raw's event_id would not help a 10k-id
-- batch: nearly every granule matches one of 10k random ids.
--
-- The table keeps each stored version's content, so a re-send is told apart from a conflict (same
-- id, different content: quarantined as `duplicate_conflict`, the stored key fields in the detail)
-- without reading raw. The hot lookup reads only event_id for the granules it cannot skip: the other
-- columns are read for ids that are found, which is rare.
--
-- Retention: at least as long as raw keeps the event (raw: occurred_at + 90 days) and at least 90
-- days after it was ingested, so re-loading old history (backfill of events older than raw's TTL)
-- within 90 days is still exact.
--
-- Offsets no longer decide anything: the per-partition marks of sql/004 are kept only to report
-- offset regressions (a metric and a warning), never to drop a record.
CREATE TABLE IF NOT EXISTS analytics_event_ids
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
    ingested_at     DateTime64(3, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested_at)
ORDER BY event_id
TTL toDateTime(greatest(occurred_at, ingested_at)) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_event_ids TO analytics_event_ids AS
SELECT event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, ingested_at
FROM analytics_events_raw;

-- Events stored before this migration. Re-runnable: ids already present (also those the view wrote
-- since it was created) are not copied again.
INSERT INTO analytics_event_ids
SELECT event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, ingested_at
FROM analytics_events_raw
WHERE event_id NOT IN (SELECT event_id FROM analytics_event_ids);
