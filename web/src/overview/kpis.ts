// The currency-independent KPIs: transactions summed over every currency (REST plus live snapshots,
// as the per-currency KPIs combine them), distinct merchants, failures and the success rate from
// /summary. Money never appears here.
import type { BucketState, EventType } from '../../../contracts/index.js';
import type { DashboardData } from '../data.js';
import { computeKpis, liveDiffs } from '../live/merge.js';

export interface GlobalKpis {
  count: number;
  previousCount: number;
  merchants: number;
  previousMerchants: number;
  failed: number;
  previousFailed: number;
  successRate: number | null;
  previousSuccessRate: number | null;
}

/** Every currency the view knows of: REST totals, the baseline window and the room's snapshots. */
export function viewCurrencies(data: DashboardData, live: BucketState): string[] {
  const set = new Set<string>();
  for (const r of data.overview.totals) set.add(r.currency);
  for (const bucket of data.baseline?.buckets.values() ?? []) for (const key of bucket.keys()) set.add(key.split('|')[1]!);
  for (const s of live.values()) if (s.room === data.room) for (const v of s.values) set.add(v.currency);
  return [...set].sort();
}

export function globalKpis(data: DashboardData, live: BucketState, type?: EventType): GlobalKpis {
  let count = 0;
  for (const currency of viewCurrencies(data, live)) {
    const sel = { currency, ...(type ? { type } : {}) };
    count += computeKpis(data, currency, liveDiffs(data, live, sel).diffs).current.count;
  }
  const s = data.summary;
  return {
    count,
    previousCount: s.previous.count,
    merchants: s.current.merchants,
    previousMerchants: s.previous.merchants,
    failed: s.current.failed,
    previousFailed: s.previous.failed,
    successRate: s.current.success_rate,
    previousSuccessRate: s.previous.success_rate,
  };
}
