// The event_ids a batch's raw records name, read straight from their bytes before validation, so
// the duplicate check's lookup (event-ids.ts) can run in the engine while the records are being
// validated. Only a hint: a record whose id this cheap scan cannot read plainly (no top-level-looking
// `"event_id"` key, an escaped id, broken JSON) gives no hint and is looked up after validation, and a
// hinted id that validation then rejects is simply not used. So a hint can never change what is
// counted, only when its lookup runs.
import type { KafkaRecord } from '../shared/msk.js';

const KEY = Buffer.from('"event_id"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** The id a record's value names, when it is written plainly (`"event_id": "…"`, no escapes). */
export function hintedEventId(value: Buffer): string | undefined {
  const at = value.indexOf(KEY);
  if (at < 0) return undefined;
  let i = at + KEY.length;
  while (isSpace(value[i])) i++;
  if (value[i] !== COLON) return undefined;
  i++;
  while (isSpace(value[i])) i++;
  if (value[i] !== QUOTE) return undefined;
  const end = value.indexOf(QUOTE, i + 1);
  if (end < 0) return undefined;
  const raw = value.subarray(i + 1, end);
  if (raw.length === 0 || raw.includes(BACKSLASH)) return undefined;
  return raw.toString('utf8');
}

/** The distinct ids the records name plainly, in first-seen order. */
export function hintedEventIds(records: readonly KafkaRecord[]): string[] {
  const ids = new Set<string>();
  for (const r of records) {
    const id = hintedEventId(r.value);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}
