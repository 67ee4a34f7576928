-- event_id is the idempotency key: an event is counted at most once by its event_id, whatever
-- offsets, partitions, clusters or sources (live Kafka, replay, re-drive, backfill) bring it.
--
-- Mechanism: a table ordered by event_id, filled by a view on raw — so by the very insert that
-- stores the event, in the same block, deduplicated with it — and looked up once per batch
-- (functions/ingest/event-ids.ts: WHERE event_id IN {ids}) before inserting. Measured (chdb, 2
-- shared cores, 10 M ids, a 10k batch of random ids, medians of 5): raw, whose sort key ends with
-- event_id, 48 ms; this table 37 ms at index_granularity 8192 (kept), 33 ms at 1024; smaller
-- granules (128, 256) were slower — the index analysis of a 10k-value IN grows with the number of
-- marks. Random ids touch nearly every granule, so the lookup stays linear in the ids stored; its
-- edge over raw is a narrow, sorted column and retention independent of raw's. A bloom-filter skip
-- index on raw would not help a 10k-id batch for the same reason. The handler-level cost is in
-- bench:ingest and the README ("Exactly once").
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
