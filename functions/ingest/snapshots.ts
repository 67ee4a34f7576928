// Step 3 of ingest: read back the (room, minute) aggregates the batch touched from the minute
// rollup and turn them into snapshots (absolute values + version) for the deltas table.
import type { ClickHouseClient } from '@clickhouse/client';
import { SNAPSHOT_WINDOW_MINUTES, type DeltaSnapshot, type DeltaValue } from '../../contracts/delta.js';
import type { EventType } from '../../contracts/event.js';
import { cityRoom, countryRoom, globalRoom, roomsOf, zoneRoom } from '../../contracts/rooms.js';
import { normalizeDecimal } from '../../contracts/decimal.js';
import { chDateTime, minuteBucket } from '../shared/time.js';
import type { ValidRecord } from './records.js';

// A random offset within the millisecond per container, so two containers reading in the same
// millisecond are unlikely to mint the same version.
const containerOffset = Math.floor(Math.random() * 1000);
let last = 0;
/**
 * Versions must grow for later reads of the same bucket. A read that starts later sees at least
 * the inserts an earlier read saw, so the read's start time (µs resolution) orders snapshots; within
 * a container the version is also strictly increasing, even for reads in the same millisecond or a
 * clock that steps back (a wrapping sequence would hand a later read a lower version).
 */
export function nextVersion(now: number): number {
  last = Math.max(now * 1000 + containerOffset, last + 1);
  return last;
}

interface Affected {
  room: string;
  bucket: string;
  sourceTs: number;
}

/**
 * Every (room, minute bucket) the valid records touch, with the newest Kafka timestamp. Buckets
 * older than the snapshot window are left out (dashboards read those through REST).
 */
export function affectedRoomBuckets(valid: readonly ValidRecord[], now: number): Map<string, Affected> {
  const out = new Map<string, Affected>();
  const oldest = Math.floor(now / 60_000) * 60_000 - SNAPSHOT_WINDOW_MINUTES * 60_000;
  for (const { event, record } of valid) {
    const at = Date.parse(event.occurred_at);
    if (at < oldest) continue;
    const bucket = minuteBucket(at);
    for (const room of roomsOf(event)) {
      const key = `${room}|${bucket}`;
      const held = out.get(key);
      if (!held) out.set(key, { room, bucket, sourceTs: record.timestamp });
      else if (record.timestamp > held.sourceTs) held.sourceTs = record.timestamp;
    }
  }
  return out;
}

interface Row {
  bucket: string;
  g: number;
  zone: string;
  country: string;
  city: string;
  type: EventType;
  currency: string;
  count: string;
  volume: string;
  fees: string;
  merchants: string;
  succeeded: string;
}

// grouping(zone, country, city) under standard semantics: a bit is 1 when the column is rolled up.
function roomOfRow(row: Row): string | undefined {
  switch (Number(row.g)) {
    case 0b111:
      return globalRoom();
    case 0b011:
      return zoneRoom(row.zone);
    case 0b101:
      return countryRoom(row.country);
    case 0b100:
      return cityRoom(row.country, row.city);
    default:
      return undefined;
  }
}

export async function readSnapshots(client: ClickHouseClient, valid: readonly ValidRecord[], now: () => number): Promise<DeltaSnapshot[]> {
  const affected = affectedRoomBuckets(valid, now());
  if (affected.size === 0) return [];
  const buckets = [...new Set([...affected.values()].map((a) => a.bucket))];
  const version = nextVersion(now());
  // One query for all rooms: the grouping sets are the room kinds (global, zone, country, city).
  const rs = await client.query({
    query: `SELECT bucket, grouping(zone, country, city) AS g, zone, country, city, type, currency,
                   toString(countMerge(events)) AS count,
                   toString(sumMerge(volume)) AS volume,
                   toString(sumMerge(fees)) AS fees,
                   toString(uniqExactMerge(merchants)) AS merchants,
                   toString(countMergeIf(events, status = 'succeeded')) AS succeeded
            FROM analytics_agg_minute
            WHERE bucket IN {buckets:Array(DateTime('UTC'))}
            GROUP BY GROUPING SETS (
              (bucket, type, currency),
              (bucket, zone, type, currency),
              (bucket, country, type, currency),
              (bucket, country, city, type, currency))`,
    query_params: { buckets: buckets.map((b) => chDateTime(b)) },
    format: 'JSONEachRow',
  });
  const recordedAt = new Date(now()).toISOString();
  const byRoomBucket = new Map<string, DeltaValue[]>();
  for (const row of await rs.json<Row>()) {
    const room = roomOfRow(row);
    if (!room) continue;
    const key = `${room}|${new Date(row.bucket).toISOString()}`;
    if (!affected.has(key)) continue;
    const values = byRoomBucket.get(key) ?? [];
    values.push({
      type: row.type,
      currency: row.currency,
      count: Number(row.count),
      volume: normalizeDecimal(row.volume),
      fees: normalizeDecimal(row.fees),
      merchants: Number(row.merchants),
      succeeded: Number(row.succeeded),
    });
    byRoomBucket.set(key, values);
  }
  const snapshots: DeltaSnapshot[] = [];
  for (const [key, a] of affected) {
    const values = (byRoomBucket.get(key) ?? []).sort((x, y) => x.type.localeCompare(y.type) || x.currency.localeCompare(y.currency));
    snapshots.push({ room: a.room, bucket: a.bucket, version, values, recorded_at: recordedAt, source_ts: a.sourceTs });
  }
  return snapshots;
}
