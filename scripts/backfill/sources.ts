// The PostgreSQL source tables (sql/postgres/001_source_tables.sql) and how their rows become
// contract events. One entry per table: which rows are events, which column dates them, and the
// keyset-paginated query that reads them in (time, id) order.
import type { EventType, PaymentEventInput } from '../../contracts/event.js';
import type { KafkaRecord } from '../../functions/shared/msk.js';

export interface SourceTable {
  /** Table name in PostgreSQL; also the `topic` of its rows in the quarantine. */
  name: 'wallet_transactions' | 'payouts' | 'invoices';
  type: EventType;
  /** Column that dates the event (and leads the pagination key). */
  timeColumn: string;
  /** Which rows are events of `type`: a condition on the table aliased `src` (constant SQL, no input). */
  filter: string;
  /** Whether the row's own status column is the contract's `status`. */
  hasEventStatus: boolean;
}

export const SOURCES: readonly SourceTable[] = [
  { name: 'wallet_transactions', type: 'wallet_txn_created', timeColumn: 'created_at', filter: 'TRUE', hasEventStatus: true },
  { name: 'payouts', type: 'payout.settled', timeColumn: 'settled_at', filter: `src.status = 'settled'`, hasEventStatus: false },
  { name: 'invoices', type: 'invoice.paid', timeColumn: 'paid_at', filter: `src.status = 'paid'`, hasEventStatus: false },
];

/**
 * Backfilled rows carry this Kafka partition number, which no real topic has. It keeps them apart
 * from the per-partition offset marks of the live path (offsets here are source row ids, which
 * would make a real partition report offset regressions) and lets operators find them:
 * `WHERE partition = 4294967295`. The offset is the source row id. Whether a row is counted is
 * decided by its event_id alone, as on every path.
 */
export const BACKFILL_PARTITION = 4_294_967_295;

/** Position in a source: the last (time, id) read. `time` keeps PostgreSQL's microseconds. */
export interface SourceKey {
  time: string;
  id: string;
}

export interface SourceRow {
  id: string;
  key_time: string;
  occurred_at: string;
  amount: string;
  fee: string | null;
  currency: string | null;
  zone: string | null;
  country: string | null;
  city: string | null;
  merchant_id: string | null;
  status: string | null;
}

// Timestamps leave PostgreSQL as text: the key with microseconds (a JS Date would drop them and
// break the keyset comparison), the event time with the contract's milliseconds.
const KEY_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const EVENT_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

// Columns are qualified with the table alias: the output alias `id` is text, and an unqualified
// ORDER BY id would sort by that text ('10' < '9') instead of the bigint the cursor compares.
function columns(s: SourceTable): string {
  const t = `src.${s.timeColumn}`;
  return `src.id::text AS id,
    to_char(${t} AT TIME ZONE 'UTC', ${KEY_FORMAT}) AS key_time,
    to_char(${t} AT TIME ZONE 'UTC', ${EVENT_FORMAT}) AS occurred_at,
    src.amount::text AS amount, src.fee::text AS fee, src.currency::text AS currency, src.zone,
    src.country::text AS country, src.city, src.merchant_id, ${s.hasEventStatus ? 'src.status' : 'NULL::text'} AS status`;
}

function range(s: SourceTable): string {
  return `${s.filter} AND src.${s.timeColumn} >= $1::timestamptz AND src.${s.timeColumn} < $2::timestamptz`;
}

/** Rows of the range, in key order, after `after` (exclusive); parameters: from, to, limit[, time, id]. */
export function pageQuery(s: SourceTable, after: SourceKey | null): string {
  const t = `src.${s.timeColumn}`;
  const cursor = after ? ` AND (${t}, src.id) > ($4::timestamptz, $5::bigint)` : '';
  return `SELECT ${columns(s)} FROM ${s.name} AS src WHERE ${range(s)}${cursor} ORDER BY ${t}, src.id LIMIT $3`;
}

export function countQuery(s: SourceTable): string {
  return `SELECT count(*)::text AS n FROM ${s.name} AS src WHERE ${range(s)}`;
}

/** The contract event a source row stands for; absent columns stay absent (the contract rejects them). */
export function toEventInput(s: SourceTable, row: SourceRow): Partial<PaymentEventInput> {
  const event: Record<string, unknown> = {
    event_id: `${s.name}:${row.id}`,
    occurred_at: row.occurred_at,
    amount: row.amount, // NUMERIC(18,4) text is already a contract decimal
    fee: row.fee ?? undefined,
    currency: row.currency ?? undefined,
    zone: row.zone ?? undefined,
    country: row.country ?? undefined,
    city: row.city ?? undefined,
    merchant_id: row.merchant_id ?? undefined,
    status: row.status ?? undefined,
  };
  for (const k of Object.keys(event)) if (event[k] === undefined) delete event[k];
  return event as Partial<PaymentEventInput>;
}

/** The row as a Kafka record of the event's topic, so it takes the live path's validation. */
export function toKafkaRecord(s: SourceTable, row: SourceRow): KafkaRecord {
  const value = Buffer.from(JSON.stringify(toEventInput(s, row)), 'utf8');
  const time = Date.parse(row.key_time);
  const offset = Number(row.id);
  return {
    topic: s.type,
    partition: BACKFILL_PARTITION,
    offset: Number.isSafeInteger(offset) ? offset : 0,
    timestamp: Number.isFinite(time) ? time : 0,
    key: `${s.name}:${row.id}`,
    value,
    valueBase64: value.toString('base64'),
  };
}
