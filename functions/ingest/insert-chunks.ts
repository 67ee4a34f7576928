// How a batch is cut into inserts. ClickHouse refuses an insert block that touches more than
// `max_partitions_per_insert_block` (default 100) partitions (TOO_MANY_PARTS, code 252) — and raw
// and every rollup are partitioned by month of the event time, so a batch spanning more than 100
// months (legal: the contract allows 2000–2100; a backfill does it) would fail on every retry.
// Inserts are cut at MAX_ROWS_PER_INSERT rows and MAX_MONTHS_PER_INSERT months. Deterministic: the
// same rows give the same inserts, so a retry repeats each insert's deduplication token.

/** ClickHouse handles one insert of this many rows comfortably; bigger batches are split. */
export const MAX_ROWS_PER_INSERT = 100_000;
/** At most this many monthly partitions per insert (ClickHouse's default limit is 100). */
export const MAX_MONTHS_PER_INSERT = 100;

/**
 * Cuts `items` into chunks of at most `maxRows` rows and `maxMonths` distinct `monthOf` values.
 * Within the limits the order is kept; past `maxMonths`, rows are grouped by month (first seen first).
 */
export function insertChunks<T>(
  items: readonly T[],
  monthOf: (item: T) => string,
  maxRows = MAX_ROWS_PER_INSERT,
  maxMonths = MAX_MONTHS_PER_INSERT,
): T[][] {
  const months = new Map<string, T[]>();
  for (const item of items) {
    const m = monthOf(item);
    const list = months.get(m);
    if (list) list.push(item);
    else months.set(m, [item]);
  }
  if (months.size <= maxMonths) {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += maxRows) out.push(items.slice(i, i + maxRows));
    return out;
  }
  const out: T[][] = [];
  let chunk: T[] = [];
  let chunkMonths = 0;
  for (const rows of months.values()) {
    if (chunkMonths === maxMonths) {
      out.push(chunk);
      chunk = [];
      chunkMonths = 0;
    }
    chunkMonths++;
    for (const row of rows) {
      if (chunk.length === maxRows) {
        out.push(chunk);
        chunk = [];
        chunkMonths = 1;
      }
      chunk.push(row);
    }
  }
  if (chunk.length > 0) out.push(chunk);
  return out;
}
