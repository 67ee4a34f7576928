// Row serialization for the ingest inserts, straight to the insert body: one TabSeparated text per
// insert, built by string concatenation in RAW_COLUMNS / REJECTED_COLUMNS order, instead of an
// array per row that the client then JSON-encodes (two allocations and a stringify per row were
// a visible share of the handler's time in --cpu-prof).
// TabSeparated needs only \ \t \n (and \r \0 \b \f, for safety) escaped. Validated event fields
// hold no control characters (the event contract), so they need at most the backslash escape;
// quarantined records carry arbitrary text and get the full escape.
import { Readable } from 'node:stream';
import { EVENT_FIELDS } from '../../contracts/event.js';
import { chDateTime64 } from '../shared/time.js';
import type { RejectedRecord, ValidRecord } from './records.js';

/** raw's columns: the event's fields (the contract's order), then where and when it arrived. */
export const RAW_COLUMNS = [...EVENT_FIELDS, 'topic', 'partition', 'offset', 'kafka_timestamp', 'ingested_at'] as const;
export const REJECTED_COLUMNS = [
  'rejected_at',
  'topic',
  'partition',
  'offset',
  'kafka_timestamp',
  'reason',
  'detail',
  'key',
  'payload',
  'payload_base64',
] as const;

/** The ClickHouse input format of the bodies below. */
export const INSERT_FORMAT = 'TabSeparated';

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};
const NEEDS_ESCAPE = /[\\\t\n\r\0\b\f]/;
const NEEDS_ESCAPE_ALL = /[\\\t\n\r\0\b\f]/g;

/** Any text as a TabSeparated field. */
export function tsvField(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(NEEDS_ESCAPE_ALL, (c) => ESCAPES[c]!) : s;
}

/** A field the event contract already freed of control characters: only a backslash can need escaping. */
function tsvClean(s: string): string {
  return s.indexOf('\\') < 0 ? s : s.replaceAll('\\', '\\\\');
}

// The Kafka timestamp is the producer's (CreateTime) and can be anything: outside what
// DateTime64(3) holds (1900–2299) it is stored as 0 (epoch, "unknown") instead of failing the batch.
const KAFKA_TS_MIN_MS = Date.UTC(1900, 0, 1);
const KAFKA_TS_END_MS = Date.UTC(2300, 0, 1);

// Records of one batch mostly share a few Kafka timestamps: format each once.
function timestampFormatter(): (ms: number) => string {
  const cache = new Map<number, string>();
  return (ms) => {
    let text = cache.get(ms);
    if (text === undefined) cache.set(ms, (text = chDateTime64(ms >= KAFKA_TS_MIN_MS && ms < KAFKA_TS_END_MS ? ms : 0)));
    return text;
  };
}

/** TabSeparated rows for analytics_events_raw (RAW_COLUMNS), `ingestedAt` in DateTime64 text. */
export function rawRowsBody(items: readonly ValidRecord[], ingestedAt: string): string {
  return rawRowLines(items, ingestedAt).join('');
}

/** rawRowsBody's lines, one per item in order, so an insert body can be assembled from any subset. */
export function rawRowLines(items: readonly ValidRecord[], ingestedAt: string): string[] {
  const ts = timestampFormatter();
  // type, currency, country, status and topic (= type) are enumerations or A-Z codes.
  return items.map(
    ({ event: e, record: r }) =>
      `${tsvClean(e.event_id)}\t${e.type}\t${chDateTime64(e.occurred_at)}\t${e.amount}\t${e.fee}\t${e.currency}\t${tsvClean(e.zone)}\t${e.country}\t${tsvClean(e.city)}\t${tsvClean(e.merchant_id)}\t${e.status}\t${tsvField(r.topic)}\t${r.partition}\t${r.offset}\t${ts(r.timestamp)}\t${ingestedAt}\n`,
  );
}

/** TabSeparated rows for analytics_events_rejected (REJECTED_COLUMNS). */
export function rejectedRowsBody(items: readonly RejectedRecord[], rejectedAt: string): string {
  const ts = timestampFormatter();
  let out = '';
  for (const { record: r, reject } of items) {
    out += `${rejectedAt}\t${tsvField(r.topic)}\t${r.partition}\t${r.offset}\t${ts(r.timestamp)}\t${reject.code}\t${tsvField(reject.reason)}\t${tsvField(r.key)}\t${tsvField(r.value.toString('utf8'))}\t${r.valueBase64}\n`;
  }
  return out;
}

/** An insert's `values` for a prepared body (a byte stream, as the client wants for raw formats). */
export function bodyValues(body: string): Readable {
  return Readable.from([Buffer.from(body, 'utf8')], { objectMode: false });
}
