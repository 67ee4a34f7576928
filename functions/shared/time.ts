// ClickHouse DateTime64(3) text ("2026-11-27 10:15:30.123", UTC) from epoch ms or ISO strings.
// JSONEachRow inserts parse this form without date_time_input_format=best_effort.
export function chDateTime64(value: number | string | Date): string {
  // A canonical ISO string (what validated events carry) converts without a Date round trip.
  const iso =
    typeof value === 'string' && value.length === 24 && value[10] === 'T' && value[23] === 'Z'
      ? value
      : (value instanceof Date ? value : new Date(value)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** ClickHouse DateTime text (whole seconds), e.g. for bound `{from:DateTime}` parameters. */
export function chDateTime(value: number | string | Date): string {
  return chDateTime64(value).slice(0, 19);
}

/** Start of the UTC minute containing `ms`, as an ISO string. */
export function minuteBucket(ms: number): string {
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
}
