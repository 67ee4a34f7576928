// Top merchants: the API's rows (one per merchant and currency, money never summed across
// currencies) shaped for the table: change against the previous period, and failures by merchant.
import { type FailuresResponse, type MerchantRow, type MerchantsResponse, toUnits } from '../../../contracts/index.js';

export interface MerchantLine {
  merchantId: string;
  currency: string;
  count: number;
  /** Exact decimal string in `currency`. */
  volume: string;
  /** Share of every transaction in the filtered scope, 0–1 (the API's count / total_count). */
  share: number;
  failed: number;
  failedShare: number;
  /** Relative change vs the previous period; undefined when the merchant had none then ("nouveau"). */
  countChange: number | undefined;
  volumeChange: number | undefined;
  /** No transaction in this currency in the previous period. */
  isNew: boolean;
}

/** (current − previous) / previous on exact decimals; undefined without a previous value. */
export function moneyChange(current: string, previous: string): number | undefined {
  const prev = toUnits(previous);
  if (prev === 0n) return undefined;
  const diff = toUnits(current) - prev;
  // Each side as a float only after the subtraction, so large amounts keep their difference.
  return Number(diff) / Number(prev < 0n ? -prev : prev);
}

function lineOf(r: MerchantRow): MerchantLine {
  return {
    merchantId: r.merchant_id,
    currency: r.currency,
    count: r.count,
    volume: r.volume,
    share: r.share,
    failed: r.failed,
    failedShare: r.failed_share,
    countChange: r.previous_count > 0 ? (r.count - r.previous_count) / r.previous_count : undefined,
    volumeChange: moneyChange(r.volume, r.previous_volume),
    isNew: r.previous_count === 0,
  };
}

/** The table's rows in the API's order (it ranks by the sort asked for). */
export function merchantLines(res: MerchantsResponse | undefined): MerchantLine[] {
  return (res?.rows ?? []).map(lineOf);
}

/** Merchants that failed at least once, most failures first (ties: higher share, then id), at most `limit`. */
export function merchantFailures(res: FailuresResponse | undefined, limit = 10): FailuresResponse['rows'] {
  return (res?.rows ?? [])
    .filter((r) => r.failed > 0)
    .sort((a, b) => b.failed - a.failed || b.failed_share - a.failed_share || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/** Rows to request: enough for the table, and the volume ranking within one currency (nominal amounts of different currencies do not compare). */
export function merchantsQuery(sort: 'count' | 'volume' | 'failed', currency: string | undefined, limit = 20): Record<string, string> {
  return { sort, limit: String(limit), ...(sort === 'volume' && currency ? { currency } : {}) };
}
