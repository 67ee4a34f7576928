// Poison isolation, the second line behind the event contract: when ClickHouse refuses an insert
// because of what a row holds (a parse or type error), the batch is bisected until the refused
// rows stand alone; those are quarantined as `engine_refused` and the rest is stored. Anything
// else — the engine unreachable, a timeout, a 5xx without a data error code, memory limits — is
// the engine's availability, and still throws so the event source retries the whole batch.
//
// Exactly once holds through bisection: every insert's deduplication token names exactly the rows
// of that insert (store.ts), and the halves of a given list are always the same, so a retried
// batch replays the same inserts and ClickHouse drops those that had landed.

/**
 * ClickHouse error codes that say "this data cannot be stored as it is" — the insert would fail the
 * same way on every retry. Parse errors of the input format, values out of a type's range, type
 * mismatches, incorrect data. Errors of availability, limits or our own SQL are absent on purpose.
 */
export const DATA_ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [395, 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO'],
  [407, 'DECIMAL_OVERFLOW'],
  [691, 'UNKNOWN_ELEMENT_OF_ENUM'],
]);
const DATA_ERROR_NAMES = new Set(DATA_ERROR_CODES.values());

/**
 * True when `err` is ClickHouse refusing the data (retrying cannot help), false for everything
 * else (network, timeouts, HTTP errors without a data code, other server errors).
 * @clickhouse/client's ClickHouseError carries `code` (the number as a string) and `type` (the name);
 * the message's `Code: N.` / `(NAME)` form is the fallback for other transports.
 */
export function isDataError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; type?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && /^\d+$/.test(e.code) ? Number(e.code) : typeof e.code === 'number' ? e.code : undefined;
  if (code !== undefined) return DATA_ERROR_CODES.has(code);
  if (typeof e.type === 'string' && DATA_ERROR_NAMES.has(e.type)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  const m = /Code: (\d+)\./.exec(message);
  return m !== null && DATA_ERROR_CODES.has(Number(m[1]));
}

/** The engine's message, one line and bounded, for the quarantine's `detail`. */
export function engineMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const { code, type } = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; type?: unknown };
  const named = typeof type === 'string' && typeof code === 'string' && !text.includes(`Code: ${code}`) ? `Code: ${code} (${type}): ` : '';
  return (named + text.replace(/\s+/g, ' ').trim()).slice(0, 500);
}

export interface Refused<T> {
  item: T;
  message: string;
}

/**
 * Inserts `items` with `insert`; on a data error splits them in halves and tries each, down to
 * single rows. Returns the rows the engine refused on their own with its message. Any other
 * error is rethrown (at whatever depth it happens: the batch is retried as a whole).
 */
export async function insertIsolating<T>(items: readonly T[], insert: (slice: readonly T[]) => Promise<void>): Promise<Refused<T>[]> {
  if (items.length === 0) return [];
  try {
    await insert(items);
    return [];
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (items.length === 1) return [{ item: items[0]!, message: engineMessage(err) }];
    const half = Math.ceil(items.length / 2);
    const left = await insertIsolating(items.slice(0, half), insert);
    const right = await insertIsolating(items.slice(half), insert);
    return [...left, ...right];
  }
}
