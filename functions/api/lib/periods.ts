// The current range and the previous one of equal length, read in one union over the rollups with
// an `is_current` column: what /overview and /summary compare ("vs période précédente").
import type { Filters } from './params.js';
import { filterWhere, segmentsUnion, type Params } from './sql.js';
import { MINUTE_MS, alignRange, decompose, previousRange, type TimeRange } from './time-range.js';

export interface PeriodsQuery {
  current: TimeRange;
  previous: TimeRange;
  /** SELECT … UNION ALL … over the rollup segments of both ranges; `columns` follow `is_current`. */
  union: string;
  params: Params;
}

export function currentAndPrevious(filters: Filters, scopeZones: readonly string[], columns: string): PeriodsQuery {
  const current = alignRange(filters.range, MINUTE_MS);
  const previous = previousRange(current);
  const where = filterWhere(filters, scopeZones);
  const params: Params = { ...where.params, cur_from: current.fromMs / 1000 };
  const union = segmentsUnion(
    [...decompose(previous), ...decompose(current)],
    `bucket >= toDateTime({cur_from:UInt32}, 'UTC') AS is_current, ${columns}`,
    where,
    params,
  );
  return { current, previous, union, params };
}
