import { describe, expect, it } from 'vitest';
import { applySnapshot, type BucketState, type TotalsRow } from '../../../contracts/index.js';
import type { DashboardData } from '../data.js';
import { globalKpis, viewCurrencies } from './kpis.js';

const FROM = '2026-11-27T10:00:00.000Z';
const TO = '2026-11-27T10:10:00.000Z';
const row = (type: TotalsRow['type'], currency: string, count: number): TotalsRow => ({
  type,
  currency,
  count,
  volume: '1.0000',
  fees: '0.0000',
  avg_ticket: '0.0000',
  merchants: 1,
  success_rate: null,
});
const figures = (count: number, merchants: number, failed: number, success_rate: number | null) => ({
  count,
  succeeded: count - failed,
  failed,
  pending: 0,
  merchants,
  wallet_count: count,
  success_rate,
});

function data(): DashboardData {
  return {
    fetchedAt: Date.parse(TO),
    range: { from: FROM, to: TO, relative: true },
    room: 'global',
    overview: {
      from: FROM,
      to: TO,
      totals: [row('wallet_txn_created', 'XOF', 5), row('invoice.paid', 'GHS', 3)],
      previous: { from: FROM, to: FROM, totals: [] },
    },
    merchants: {
      current: { from: FROM, to: TO, by: 'currency', metric: 'merchants', rows: [] },
      previous: { from: FROM, to: TO, by: 'currency', metric: 'merchants', rows: [] },
    },
    summary: { from: FROM, to: TO, current: figures(8, 4, 1, 0.8), previous: { from: FROM, to: FROM, ...figures(6, 3, 0, 1) } },
    // Phase 2 with an empty window: the baseline covers the last minutes, nothing in them yet.
    baseline: { from: Date.parse('2026-11-27T10:05:00Z'), to: Date.parse(TO), buckets: new Map() },
    older: [row('wallet_txn_created', 'XOF', 5), row('invoice.paid', 'GHS', 3)],
  };
}

describe('currency-independent KPIs', () => {
  it('sum transactions over every currency and take merchants and failures from /summary', () => {
    expect(globalKpis(data(), new Map())).toEqual({
      count: 8,
      previousCount: 6,
      merchants: 4,
      previousMerchants: 3,
      failed: 1,
      previousFailed: 0,
      successRate: 0.8,
      previousSuccessRate: 1,
    });
  });

  it('count live snapshots of every currency, a new currency included', () => {
    const live: BucketState = new Map();
    applySnapshot(live, {
      room: 'global',
      bucket: '2026-11-27T10:09:00.000Z',
      version: 1,
      recorded_at: TO,
      values: [
        { type: 'wallet_txn_created', currency: 'XOF', count: 2, volume: '2.0000', fees: '0.0000' },
        { type: 'wallet_txn_created', currency: 'NGN', count: 4, volume: '9.0000', fees: '0.0000' },
      ],
    } as never);
    expect(viewCurrencies(data(), live)).toEqual(['GHS', 'NGN', 'XOF']);
    expect(globalKpis(data(), live).count).toBe(14);
    // REST figures arrive filtered by type already; live wallet snapshots do not count under another type.
    expect(globalKpis(data(), live, 'invoice.paid').count).toBe(8);
  });
});
