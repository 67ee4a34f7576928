// Which event_ids are already stored: one lookup per batch on analytics_event_ids (sql/005), the
// table keyed by a 64-bit hash of event_id that a view on raw fills with the same insert. Returns the stored
// version of every id found, normalised for comparison (see duplicates.ts). ClickHouse hashes the ids
// itself, with the very expression the view uses: hashing 10k ids in Node (node:crypto, one OpenSSL
// call each) cost more than the engine's whole probe on this machine (README "Exactly once"). The ids
// travel as one bound Array(String) parameter in a multipart body, so a batch of any size is one
// query: as URL parameters they hit ClickHouse's 1 MiB URI limit and had to be split into several
// queries, each a full probe.
//
// The lookup can start before validation (prefetchStoredEvents, on the ids the raw records name:
// id-hints.ts), so the engine probes while ingest validates; storedEventsUsing then looks up only
// the valid ids the hints missed.
import type { ClickHouseClient } from '@clickhouse/client';
import type { EVENT_FIELDS } from '../../contracts/event.js';
import { canonicalContent, type EventContent } from './duplicates.js';

export const EVENT_IDS_TABLE = 'analytics_event_ids';

/** An event's fields as the lookup returns them: text, and the times as epoch milliseconds. */
type Row = { [K in Exclude<(typeof EVENT_FIELDS)[number], 'occurred_at'>]: string } & { occurred_ms: string; ingested_ms: string };

export async function storedEvents(client: ClickHouseClient, ids: readonly string[]): Promise<Map<string, EventContent>> {
  const found = new Map<string, EventContent>();
  if (ids.length === 0) return found;
  const wanted = new Set(ids);
  const rs = await client.query({
    // Decimals and times as text: JSON numbers would round them. No ORDER BY: sorting made the
    // engine's probe ~15 % slower (README "Exactly once"); the earliest stored version is picked
    // below instead.
    query: `SELECT event_id, type, toString(toUnixTimestamp64Milli(occurred_at)) AS occurred_ms, toString(amount) AS amount,
                   toString(fee) AS fee, currency, zone, country, city, merchant_id, status,
                   toString(toUnixTimestamp64Milli(ingested_at)) AS ingested_ms
            FROM ${EVENT_IDS_TABLE}
            WHERE id_hash IN (SELECT reinterpretAsUInt64(MD5(arrayJoin({ids:Array(String)}))))`,
    query_params: { ids: [...wanted] },
    use_multipart_params: true,
    format: 'JSONEachRow',
  });
  const earliest = new Map<string, number>();
  for (const r of await rs.json<Row>()) {
    // A hash collision with another id is not a match. Several rows per id exist only after a race
    // the concurrency assumption excludes; then the earliest stored one wins.
    if (!wanted.has(r.event_id)) continue;
    const ingested = Number(r.ingested_ms);
    if ((earliest.get(r.event_id) ?? Number.POSITIVE_INFINITY) <= ingested) continue;
    earliest.set(r.event_id, ingested);
    const { occurred_ms, ingested_ms: _, ...rest } = r;
    found.set(r.event_id, canonicalContent({ ...rest, occurred_at: new Date(Number(occurred_ms)).toISOString() } as EventContent));
  }
  return found;
}

/** A lookup started early, on ids known before validation. */
export interface StoredPrefetch {
  ids: ReadonlySet<string>;
  stored: Promise<Map<string, EventContent>>;
  /** performance.now() when the lookup started. */
  startedAt: number;
}

/** Starts the lookup of `ids` now; its answer is awaited by storedEventsUsing. */
export function prefetchStoredEvents(client: ClickHouseClient, ids: readonly string[]): StoredPrefetch {
  const startedAt = performance.now();
  const stored = storedEvents(client, ids);
  // Awaited later; until then a failure must not surface as an unhandled rejection.
  stored.catch(() => undefined);
  return { ids: new Set(ids), stored, startedAt };
}

/** The stored versions of `ids`: the prefetch's answer, plus one lookup of the ids it did not cover. */
export async function storedEventsUsing(
  client: ClickHouseClient,
  ids: readonly string[],
  prefetch?: StoredPrefetch,
): Promise<Map<string, EventContent>> {
  if (prefetch === undefined) return storedEvents(client, ids);
  const missing = ids.filter((id) => !prefetch.ids.has(id));
  const [early, late] = await Promise.all([prefetch.stored, storedEvents(client, missing)]);
  const found = new Map<string, EventContent>();
  for (const id of ids) {
    const content = early.get(id) ?? late.get(id);
    if (content !== undefined) found.set(id, content);
  }
  return found;
}
