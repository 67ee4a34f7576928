// The current range and the previous one of equal length, read in one union over the rollups with
// an `is_current` column: what /overview and /summary compare ("vs période précédente"). Whole days
// take their distinct merchants from the merchant rollups (sql/007, mergedUnion).
import { mergedUnion, type UnionKey } from './merchant-sql.js';
import type { Filters } from './params.js';
import { filterWhere, type Params } from './sql.js';
import { MINUTE_MS, alignRange, decompose, previousRange, type TimeRange } from './time-range.js';

export interface PeriodsQuery {
  current: TimeRange;
  previous: TimeRange;
  /** SELECT … UNION ALL … of aggregate states over both ranges: `is_current`, the keys, the measures, merchants. */
  union: string;
  params: Params;
}

export function currentAndPrevious(
  filters: Filters,
  scopeZones: readonly string[],
  keys: UnionKey[],
  measures: Array<'events' | 'volume' | 'fees'>,
): PeriodsQuery {
  const current = alignRange(filters.range, MINUTE_MS);
  const previous = previousRange(current);
  const where = filterWhere(filters, scopeZones);
  const params: Params = { ...where.params, cur_from: current.fromMs / 1000 };
  const union = mergedUnion(
    [
      { segments: decompose(previous), prefix: '0 AS is_current' },
      { segments: decompose(current), prefix: '1 AS is_current' },
    ],
    `bucket >= toDateTime({cur_from:UInt32}, 'UTC') AS is_current`,
    keys,
    measures,
    where,
    params,
  );
  return { current, previous, union, params };
}
