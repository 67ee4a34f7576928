// Chart decisions that keep a chart from raising false alarms: a default granularity that stays
// responsive, granularities that cannot serve a range disabled with a reason, the bucket still in
// progress marked (never drawn as a drop), and the previous period aligned bucket by bucket.
import type { EventType, Granularity, TimeseriesResponse } from '../../../contracts/index.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const GRANULARITY_STEP: Record<Granularity, number> = { minute: MINUTE, hour: HOUR, day: DAY };
/** Points per series the API returns at most (functions/api/lib/time-range.ts MAX_POINTS). */
export const MAX_POINTS = 1500;

/** "Auto": minutes up to 3 h, hours up to 8 days, then days (≤ 200 points on every preset). */
export function autoGranularity(spanMs: number): Granularity {
  if (spanMs <= 3 * HOUR) return 'minute';
  if (spanMs <= 8 * DAY) return 'hour';
  return 'day';
}

/** Why a granularity cannot serve a range (too many points), in French; undefined when it can. */
export function granularityRefusal(g: Granularity, spanMs: number): string | undefined {
  const points = Math.ceil(spanMs / GRANULARITY_STEP[g]);
  if (points <= MAX_POINTS) return undefined;
  return `Trop de points (${points} > ${MAX_POINTS}) : choisissez une période plus courte.`;
}

/** The granularity requested: the user's when it can serve the range, else the automatic one. */
export function effectiveGranularity(choice: 'auto' | Granularity, spanMs: number): Granularity {
  if (choice !== 'auto' && !granularityRefusal(choice, spanMs)) return choice;
  return autoGranularity(spanMs);
}

/** Index of the first bucket that has not ended at `now` (still filling), or -1. */
export function incompleteIndex(labels: readonly string[], granularity: Granularity, now: number): number {
  const step = GRANULARITY_STEP[granularity];
  return labels.findIndex((t) => Date.parse(t) + step > now);
}

/**
 * The previous period's total per bucket (every type of the selection summed, one currency),
 * aligned with the current buckets by position; undefined values where it has no bucket.
 */
export function ghostValues(
  previous: TimeseriesResponse | undefined,
  sel: { currency: string; type?: EventType },
  length: number,
): Array<number | null> {
  const out: Array<number | null> = Array.from({ length }, () => null);
  if (!previous) return out;
  for (const s of previous.series) {
    if (s.currency !== sel.currency || (sel.type && s.type !== sel.type)) continue;
    s.points.forEach((p, i) => {
      if (i < length) out[i] = (out[i] ?? 0) + Number(p.value);
    });
  }
  // The API zero-fills the series it returns and returns none for a (type, currency) without
  // events: every bucket of the previous range without a value was zero.
  const buckets = Math.round((Date.parse(previous.to) - Date.parse(previous.from)) / GRANULARITY_STEP[previous.granularity]);
  for (let i = 0; i < Math.min(length, buckets); i++) out[i] ??= 0;
  return out;
}
