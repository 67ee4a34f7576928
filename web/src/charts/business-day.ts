// Day buckets of a West-African business day (UTC+1: NG, CM, NE, BJ, …) built from the hour
// rollup: the API's day buckets are UTC days, but 24 hourly points fold exactly into a UTC+1 day
// (counts and money are additive). Times are handled on a shifted clock (t + offset), so a UTC+1
// day starts at a shifted midnight and is labelled in UTC.
import type { TimeseriesResponse } from '../../../functions/shared/contracts/index.js';
import { fromUnits, toUnits } from '../../../functions/shared/contracts/index.js';

export const WAT_OFFSET_MS = 3_600_000;
const DAY = 86_400_000;

/** Folds an hourly series into days of a zone `offsetMs` east of UTC; `t` becomes the shifted day start. */
export function foldHoursIntoDays(hourly: TimeseriesResponse, offsetMs: number): TimeseriesResponse {
  const money = hourly.metric === 'volume' || hourly.metric === 'fees';
  const dayOf = (iso: string) => Math.floor((Date.parse(iso) + offsetMs) / DAY) * DAY;
  const from = dayOf(hourly.from);
  const lastHour = Date.parse(hourly.to) - 3_600_000;
  const to = dayOf(new Date(lastHour).toISOString()) + DAY;
  const series = hourly.series.map((s) => {
    const sums = new Map<number, bigint>();
    for (const p of s.points) {
      const d = dayOf(p.t);
      sums.set(d, (sums.get(d) ?? 0n) + (money ? toUnits(String(p.value)) : BigInt(p.value ?? 0)));
    }
    const points = [];
    for (let d = from; d < to; d += DAY) {
      const v = sums.get(d) ?? 0n;
      points.push({ t: new Date(d).toISOString(), value: money ? fromUnits(v) : Number(v) });
    }
    return { type: s.type, currency: s.currency, points };
  });
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), granularity: 'day', metric: hourly.metric, series };
}
