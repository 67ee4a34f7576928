// Currency-independent answers of the query API: /summary (counts, statuses and unique merchants
// over every currency at once) and /failures (failed counts per dimension value). Neither carries
// money, so nothing here is ever summed across currencies.

/** Dimensions /failures can group by (`merchant`: the key is the merchant_id, from the merchant rollups). */
export const FAILURE_DIMENSIONS = ['zone', 'country', 'city', 'type', 'currency', 'merchant'] as const;
export type FailureDimension = (typeof FAILURE_DIMENSIONS)[number];

export interface SummaryFigures {
  /** Every event, all types and currencies. */
  count: number;
  succeeded: number;
  failed: number;
  pending: number;
  /** Distinct merchants across every currency and type (exact). */
  merchants: number;
  /** Wallet transactions (the only type that can fail) and their succeeded share; null without any. */
  wallet_count: number;
  success_rate: number | null;
}

export interface SummaryResponse {
  from: string;
  to: string;
  current: SummaryFigures;
  /** The period of equal length just before `from`. */
  previous: { from: string; to: string } & SummaryFigures;
}

export interface FailureRow {
  key: string;
  count: number;
  failed: number;
  pending: number;
  /** failed / count, 0–1. */
  failed_share: number;
}

export interface FailuresResponse {
  from: string;
  to: string;
  by: FailureDimension;
  rows: FailureRow[];
}
