-- Per-merchant sums over aligned spans of days, for the per-merchant rankings (/merchants,
-- /failures?by=merchant; issue 17 point 3). One row per (span, bucket, country, currency, type,
-- merchant_id) with plain sums, for spans of 1, 2, 4, 8 and 16 days aligned within the month: a
-- span-s row of a month starting at day d (0-based, d a multiple of s) sums days [d, d + s) of that
-- month, cut at the month's end. Any range of whole days is a few such rows per merchant (the API
-- picks them: functions/api/lib/merchant-spans.ts; 30 whole days are 2 to 7 spans), where the day
-- rows of sql/007 are one per merchant, day, city and status. Measured at 10 M events (XOF, 29
-- whole days, the per-merchant sums alone, engine, median of 5, shared machine): sql/007's day rows
-- 170–260 ms, these 30–60 ms (README, "The per-merchant rankings").
--
-- Within the month (not from the epoch) so every row belongs to the month of its events: the monthly
-- partitions rebuild from raw like every rollup (npm run rollups:rebuild).
-- No zone, city or status column: the filters select countries (a zone is its reference countries,
-- contracts/scope.ts); a city filter reads sql/007's day rows instead; failed and pending are
-- columns. Counts and money are plain sums as in sql/007 (Decimal(38, 4): exact). Kept forever,
-- like the day rollups.
CREATE TABLE IF NOT EXISTS analytics_merchant_span
(
    span            UInt8,
    bucket          DateTime('UTC'),
    country         LowCardinality(String),
    currency        LowCardinality(String),
    type            LowCardinality(String),
    merchant_id     String,
    events          SimpleAggregateFunction(sum, UInt64),
    failed          SimpleAggregateFunction(sum, UInt64),
    pending         SimpleAggregateFunction(sum, UInt64),
    volume          SimpleAggregateFunction(sum, Decimal(38, 4)),
    fees            SimpleAggregateFunction(sum, Decimal(38, 4))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (span, bucket, country, currency, type, merchant_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- The spans are MERCHANT_SPANS of functions/api/lib/merchant-spans.ts (test/schema.test.ts checks
-- the two agree).
CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_merchant_span TO analytics_merchant_span AS
SELECT
    span,
    toDateTime(toStartOfMonth(occurred_at), 'UTC') + toIntervalDay(intDiv(toDayOfMonth(occurred_at) - 1, span) * span) AS bucket,
    country, currency, type, merchant_id,
    toUInt64(count()) AS events,
    toUInt64(countIf(status = 'failed')) AS failed,
    toUInt64(countIf(status = 'pending')) AS pending,
    toDecimal128(sum(amount), 4) AS volume,
    toDecimal128(sum(fee), 4) AS fees
FROM analytics_events_raw
ARRAY JOIN [1, 2, 4, 8, 16] AS span
GROUP BY span, bucket, country, currency, type, merchant_id;

-- The history raw holds, from the same instant as sql/007's merchant rollups (so a span sums
-- exactly the day rows of sql/007 it covers). Apply with ingest paused, like sql/007
-- (runbook/deploy.md): an insert landing between the view's creation and this statement would be
-- counted twice.
INSERT INTO analytics_merchant_span
SELECT span,
       toDateTime(toStartOfMonth(occurred_at), 'UTC') + toIntervalDay(intDiv(toDayOfMonth(occurred_at) - 1, span) * span) AS bucket,
       country, currency, type, merchant_id,
       toUInt64(count()) AS events, toUInt64(countIf(status = 'failed')) AS failed, toUInt64(countIf(status = 'pending')) AS pending,
       toDecimal128(sum(amount), 4) AS volume, toDecimal128(sum(fee), 4) AS fees
FROM analytics_events_raw
ARRAY JOIN [1, 2, 4, 8, 16] AS span
WHERE occurred_at >= (SELECT argMax(complete_from, recorded_at) FROM analytics_merchant_rollup_start)
GROUP BY span, bucket, country, currency, type, merchant_id;
