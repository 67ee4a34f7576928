// Which event_ids are already stored: one lookup per batch on analytics_event_ids (sql/005), the
// table keyed by a 64-bit hash of event_id that a view on raw fills with the same insert. Returns the stored
// version of every id found, normalised for comparison (see duplicates.ts). The ids travel as a
// bound Array(String) parameter in the URL, so large batches are looked up in several queries
// that stay well inside ClickHouse's 1 MiB URI limit. ClickHouse hashes them itself, with the very
// expression the view uses: hashing 10k ids in Node (node:crypto, one OpenSSL call each) cost more
// than the engine's whole probe on this machine, and 20-digit decimals are no shorter to send than
// the ids (measured, sql/005 and README "Exactly once").
import type { ClickHouseClient } from '@clickhouse/client';
import type { EVENT_FIELDS } from '../../contracts/event.js';
import { canonicalContent, type EventContent } from './duplicates.js';

export const EVENT_IDS_TABLE = 'analytics_event_ids';
/** URL-encoded bytes of ids per lookup query (ClickHouse's http_max_uri_size is 1 MiB). */
const MAX_ENCODED_BYTES = 600_000;

/** Splits ids into chunks whose encoded parameter stays under the URI budget. */
export function lookupChunks(ids: readonly string[], budget = MAX_ENCODED_BYTES): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const id of ids) {
    // Quotes and the comma are percent-encoded (9 bytes); backslash escapes at most double the id.
    const cost = encodeURIComponent(id).length * 2 + 9;
    if (current.length > 0 && size + cost > budget) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(id);
    size += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** An event's fields as the lookup returns them: text, and the time as epoch milliseconds. */
type Row = { [K in Exclude<(typeof EVENT_FIELDS)[number], 'occurred_at'>]: string } & { occurred_ms: string };

export async function storedEvents(client: ClickHouseClient, ids: readonly string[]): Promise<Map<string, EventContent>> {
  const found = new Map<string, EventContent>();
  const wanted = new Set(ids);
  for (const chunk of lookupChunks([...wanted])) {
    const rs = await client.query({
      // Decimals and times as text: JSON numbers would round them. Several rows per id can exist
      // only after a race the concurrency assumption excludes; the earliest stored one wins.
      query: `SELECT event_id, type, toString(toUnixTimestamp64Milli(occurred_at)) AS occurred_ms, toString(amount) AS amount,
                     toString(fee) AS fee, currency, zone, country, city, merchant_id, status
              FROM ${EVENT_IDS_TABLE}
              WHERE id_hash IN (SELECT reinterpretAsUInt64(MD5(arrayJoin({ids:Array(String)}))))
              ORDER BY ingested_at`,
      query_params: { ids: chunk },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<Row>()) {
      // A hash collision with another id is not a match.
      if (!wanted.has(r.event_id) || found.has(r.event_id)) continue;
      const { occurred_ms, ...rest } = r;
      found.set(r.event_id, canonicalContent({ ...rest, occurred_at: new Date(Number(occurred_ms)).toISOString() } as EventContent));
    }
  }
  return found;
}
