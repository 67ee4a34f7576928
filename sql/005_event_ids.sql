-- event_id is the idempotency key: an event is counted at most once by its event_id, whatever
-- offsets, partitions, clusters or sources (live Kafka, replay, re-drive, backfill) bring it.
--
-- Mechanism: a table keyed by a 64-bit hash of event_id, filled by a view on raw — so by the very
-- insert that stores the event, in the same block, deduplicated with it — and looked up once per
-- batch (functions/ingest/event-ids.ts: WHERE id_hash IN {hashes}, then event_id compared) before
-- inserting. Measured (chdb, 2 shared cores, 10 M ids, 10k-id batches of random ids):
--   * raw, whose sort key ends with event_id (the IN reads the whole column): 48 ms vs 37 ms for a
--     table ORDER BY event_id (index_granularity 8192; 1024: 33 ms; 128 and 256 were slower: the
--     index analysis of a 10k-value IN grows with the number of marks), one quiet run of 5;
--   * ORDER BY event_id vs ORDER BY id_hash, inside the handler in bench:ingest, runs a minute apart
--     (load average ~6 and ~8): lookup median 572 ms vs 324 ms (116 ms at load ~4).
-- Random ids touch nearly every granule, so the lookup stays linear in the ids stored; a fixed-width
-- key is the cheapest column to scan and probe. A bloom-filter skip index on raw would not help a
-- 10k-id batch: nearly every granule holds one of the ids.
--
-- The table keeps each stored version's content, so a re-send is told apart from a conflict (same
-- id, different content: quarantined as `duplicate_conflict`, the stored key fields in the detail)
-- without reading raw. The hot lookup reads only id_hash for the granules it cannot skip: the other
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
    -- The sort key: the first 8 bytes of MD5(event_id) as UInt64 (ingest computes the same with
    -- node:crypto). A fixed-width key is cheaper to scan and probe than the string; the lookup
    -- compares event_id itself on the rows it finds, so a hash collision cannot merge two events.
    id_hash         UInt64,
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
ORDER BY id_hash
TTL toDateTime(greatest(occurred_at, ingested_at)) + INTERVAL 90 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_event_ids TO analytics_event_ids AS
SELECT reinterpretAsUInt64(MD5(event_id)) AS id_hash, event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, ingested_at
FROM analytics_events_raw;

-- Events stored before this migration. Re-runnable: ids already present (also those the view wrote
-- since it was created) are not copied again.
INSERT INTO analytics_event_ids
SELECT reinterpretAsUInt64(MD5(event_id)) AS id_hash, event_id, type, occurred_at, amount, fee, currency, zone, country, city, merchant_id, status, ingested_at
FROM analytics_events_raw
WHERE event_id NOT IN (SELECT event_id FROM analytics_event_ids);
