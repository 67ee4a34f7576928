// Success rate over time: one line per currency (a rate is comparable across currencies, money is
// not), and failed counts per bucket summed over every currency (counts add up; amounts would not),
// with the previous period's failed counts aligned by position as a ghost.
import type { Granularity, TimeseriesResponse } from '../../../contracts/index.js';

export interface SuccessSeries {
  granularity: Granularity;
  /** Bucket starts, ISO-8601, ascending. */
  labels: string[];
  /** Succeeded / all wallet transactions per bucket, 0–1; null where the currency had none. */
  rates: Array<{ currency: string; values: Array<number | null> }>;
  /** Failed events per bucket, every currency. */
  failed: number[];
  /** The previous period's failed events by position; null past its end. */
  previousFailed: Array<number | null>;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Currencies in `order` first (most transactions first, as the per-currency table), then the rest
 * alphabetically; a currency without a single wallet transaction in the range has no line.
 */
export function successSeries(
  rate: TimeseriesResponse,
  failed: TimeseriesResponse | undefined,
  previousFailed: TimeseriesResponse | undefined,
  order: readonly string[] = [],
): SuccessSeries {
  const times = new Set<number>();
  for (const s of [...rate.series, ...(failed?.series ?? [])]) for (const p of s.points) times.add(Date.parse(p.t));
  const sorted = [...times].sort((a, b) => a - b);
  const index = new Map(sorted.map((t, i) => [t, i]));
  const byCurrency = new Map<string, Array<number | null>>();
  for (const s of rate.series) {
    let values = byCurrency.get(s.currency);
    if (!values) byCurrency.set(s.currency, (values = sorted.map(() => null)));
    for (const p of s.points) {
      const v = num(p.value);
      if (v !== null) values[index.get(Date.parse(p.t))!] = v;
    }
  }
  const rank = (c: string) => {
    const i = order.indexOf(c);
    return i < 0 ? order.length : i;
  };
  const rates = [...byCurrency.entries()]
    .filter(([, values]) => values.some((v) => v !== null))
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([currency, values]) => ({ currency, values }));
  const failedSum = sorted.map(() => 0);
  for (const s of failed?.series ?? []) for (const p of s.points) failedSum[index.get(Date.parse(p.t))!]! += num(p.value) ?? 0;
  return {
    granularity: rate.granularity,
    labels: sorted.map((t) => new Date(t).toISOString()),
    rates,
    failed: failedSum,
    previousFailed: ghostCounts(previousFailed, sorted.length),
  };
}

/** Every series of a count metric summed per bucket position; zero-filled over the previous range, null beyond it. */
export function ghostCounts(previous: TimeseriesResponse | undefined, length: number): Array<number | null> {
  const out: Array<number | null> = Array.from({ length }, () => null);
  if (!previous) return out;
  const step = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[previous.granularity];
  const buckets = Math.round((Date.parse(previous.to) - Date.parse(previous.from)) / step);
  for (let i = 0; i < Math.min(length, buckets); i++) out[i] = 0;
  const from = Date.parse(previous.from);
  for (const s of previous.series)
    for (const p of s.points) {
      const i = Math.round((Date.parse(p.t) - from) / step);
      if (i >= 0 && i < length) out[i] = (out[i] ?? 0) + (num(p.value) ?? 0);
    }
  return out;
}
