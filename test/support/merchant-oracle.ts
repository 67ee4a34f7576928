// Independent computations over the raw events (bigint decimals) of the per-merchant answers:
// /merchants and /failures, shared by the API tests that check them to the last digit.
import type { MerchantSort } from '../../contracts/api.js';
import type { FailureDimension } from '../../contracts/api-summary.js';
import type { PaymentEvent } from '../../contracts/event.js';
import { fromUnits, toUnits } from '../../contracts/decimal.js';
import { byteCompare, selectEvents } from '../../devkit/api-dataset.js';
import { type Case, refFilters } from './api-cases.js';

interface MerchantAcc {
  merchant_id: string;
  currency: string;
  count: number;
  failed: number;
  pending: number;
  volume: bigint;
  fees: bigint;
  previous_count: number;
  previous_volume: bigint;
}

/** The /merchants answer computed from the raw events alone. */
export function refMerchants(events: PaymentEvent[], c: Case, from: number, to: number, sort: MerchantSort, limit: number) {
  const groups = new Map<string, MerchantAcc>();
  const get = (e: PaymentEvent): MerchantAcc => {
    const k = `${e.merchant_id}\u0000${e.currency}`;
    let g = groups.get(k);
    if (!g) {
      g = {
        merchant_id: e.merchant_id,
        currency: e.currency,
        count: 0,
        failed: 0,
        pending: 0,
        volume: 0n,
        fees: 0n,
        previous_count: 0,
        previous_volume: 0n,
      };
      groups.set(k, g);
    }
    return g;
  };
  const current = selectEvents(events, refFilters(c, from, to));
  for (const e of current) {
    const g = get(e);
    g.count++;
    if (e.status === 'failed') g.failed++;
    if (e.status === 'pending') g.pending++;
    g.volume += toUnits(e.amount);
    g.fees += toUnits(e.fee);
  }
  for (const e of selectEvents(events, refFilters(c, 2 * from - to, from))) {
    const g = get(e);
    g.previous_count++;
    g.previous_volume += toUnits(e.amount);
  }
  const key = (g: MerchantAcc): bigint => (sort === 'count' ? BigInt(g.count) : sort === 'volume' ? g.volume : BigInt(g.failed));
  const total = current.length;
  const rows = [...groups.values()]
    .filter((g) => g.count > 0)
    .sort((x, y) => {
      const d = key(y) - key(x);
      return d > 0n ? 1 : d < 0n ? -1 : byteCompare(x.merchant_id, y.merchant_id) || byteCompare(x.currency, y.currency);
    })
    .slice(0, limit)
    .map((g) => ({
      merchant_id: g.merchant_id,
      currency: g.currency,
      count: g.count,
      failed: g.failed,
      pending: g.pending,
      failed_share: g.failed / g.count,
      volume: fromUnits(g.volume),
      fees: fromUnits(g.fees),
      share: g.count / total,
      previous_count: g.previous_count,
      previous_volume: fromUnits(g.previous_volume),
    }));
  return { rows, total_count: total, total_merchants: new Set(current.map((e) => e.merchant_id)).size };
}

/** The /failures rows of `events` (already filtered to the range and filters). */
export function refFailures(events: PaymentEvent[], by: FailureDimension, limit: number) {
  const groups = new Map<string, { n: number; f: number; p: number }>();
  const field = by === 'merchant' ? 'merchant_id' : by;
  for (const e of events) {
    let g = groups.get(e[field]);
    if (!g) groups.set(e[field], (g = { n: 0, f: 0, p: 0 }));
    g.n++;
    if (e.status === 'failed') g.f++;
    if (e.status === 'pending') g.p++;
  }
  return [...groups.entries()]
    .sort(([ka, a], [kb, b]) => b.f - a.f || byteCompare(ka, kb))
    .slice(0, limit)
    .map(([key, g]) => ({ key, count: g.n, failed: g.f, pending: g.p, failed_share: g.f / g.n }));
}
