-- Minute, hour and day rollups. Each is fed straight from the raw table (raw -> each, not a
-- raw -> minute -> hour -> day chain) because:
--   * each rollup keeps its own retention: a late or backfilled event older than the minute TTL
--     still reaches the hour and day tables, and a day row never depends on a minute row that TTL
--     has already removed;
--   * deduplication of a retried insert happens in one hop (raw block -> view), so
--     insert_deduplication_token covers every rollup without relying on token propagation through
--     chained views;
--   * a rollup can be rebuilt from raw on its own (npm run rollups:rebuild).
-- The price is three GROUP BYs per inserted block instead of one, small next to the insert itself.
-- Measures are aggregate states read with -Merge: count, exact sums of amount and fee
-- (Decimal, never float), exact unique merchants.
CREATE TABLE IF NOT EXISTS analytics_agg_minute
(
    bucket          DateTime('UTC'),
    type            LowCardinality(String),
    zone            LowCardinality(String),
    country         LowCardinality(String),
    city            LowCardinality(String),
    currency        LowCardinality(String),
    status          LowCardinality(String),
    events          AggregateFunction(count),
    volume          AggregateFunction(sum, Decimal(18, 4)),
    fees            AggregateFunction(sum, Decimal(18, 4)),
    merchants       AggregateFunction(uniqExact, String),
    last_kafka_ts   SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, zone, country, city, type, currency, status)
TTL bucket + INTERVAL 180 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS analytics_agg_hour
(
    bucket          DateTime('UTC'),
    type            LowCardinality(String),
    zone            LowCardinality(String),
    country         LowCardinality(String),
    city            LowCardinality(String),
    currency        LowCardinality(String),
    status          LowCardinality(String),
    events          AggregateFunction(count),
    volume          AggregateFunction(sum, Decimal(18, 4)),
    fees            AggregateFunction(sum, Decimal(18, 4)),
    merchants       AggregateFunction(uniqExact, String),
    last_kafka_ts   SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, zone, country, city, type, currency, status)
TTL bucket + INTERVAL 365 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Kept forever: no TTL.
CREATE TABLE IF NOT EXISTS analytics_agg_day
(
    bucket          DateTime('UTC'),
    type            LowCardinality(String),
    zone            LowCardinality(String),
    country         LowCardinality(String),
    city            LowCardinality(String),
    currency        LowCardinality(String),
    status          LowCardinality(String),
    events          AggregateFunction(count),
    volume          AggregateFunction(sum, Decimal(18, 4)),
    fees            AggregateFunction(sum, Decimal(18, 4)),
    merchants       AggregateFunction(uniqExact, String),
    last_kafka_ts   SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, zone, country, city, type, currency, status)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_minute TO analytics_agg_minute AS
SELECT
    toStartOfMinute(occurred_at) AS bucket,
    type, zone, country, city, currency, status,
    countState() AS events,
    sumState(amount) AS volume,
    sumState(fee) AS fees,
    uniqExactState(merchant_id) AS merchants,
    max(kafka_timestamp) AS last_kafka_ts
FROM analytics_events_raw
GROUP BY bucket, type, zone, country, city, currency, status;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_hour TO analytics_agg_hour AS
SELECT
    toStartOfHour(occurred_at) AS bucket,
    type, zone, country, city, currency, status,
    countState() AS events,
    sumState(amount) AS volume,
    sumState(fee) AS fees,
    uniqExactState(merchant_id) AS merchants,
    max(kafka_timestamp) AS last_kafka_ts
FROM analytics_events_raw
GROUP BY bucket, type, zone, country, city, currency, status;

CREATE MATERIALIZED VIEW IF NOT EXISTS analytics_mv_day TO analytics_agg_day AS
SELECT
    toStartOfDay(occurred_at) AS bucket,
    type, zone, country, city, currency, status,
    countState() AS events,
    sumState(amount) AS volume,
    sumState(fee) AS fees,
    uniqExactState(merchant_id) AS merchants,
    max(kafka_timestamp) AS last_kafka_ts
FROM analytics_events_raw
GROUP BY bucket, type, zone, country, city, currency, status;
