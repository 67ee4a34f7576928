import { describe, expect, it } from 'vitest';
import type { TimeseriesResponse } from '../../../contracts/index.js';
import { ghostCounts, successSeries } from './success.js';

const H = 3_600_000;
const t0 = Date.parse('2026-12-01T00:00:00.000Z');
const iso = (i: number, base = t0) => new Date(base + i * H).toISOString();
const ts = (metric: TimeseriesResponse['metric'], series: Array<[string, Array<number | null>]>, base = t0): TimeseriesResponse => ({
  from: iso(0, base),
  to: iso(3, base),
  granularity: 'hour',
  metric,
  series: series.map(([currency, values]) => ({
    type: 'wallet_txn_created',
    currency,
    points: values.map((value, i) => ({ t: iso(i, base), value })),
  })),
});

describe('success rate over time', () => {
  it('one line per currency in the table order, failed counts summed over currencies', () => {
    const rate = ts('success_rate', [
      ['GHS', [0.5, null, 1]],
      ['XOF', [0.9, 0.8, null]],
      ['XAF', [null, null, null]],
    ]);
    const failed = ts('failed', [
      ['GHS', [1, 0, 0]],
      ['XOF', [2, 3, 0]],
    ]);
    const s = successSeries(rate, failed, undefined, ['XOF', 'GHS']);
    expect(s.labels).toEqual([iso(0), iso(1), iso(2)]);
    // XAF had no wallet transaction in the range: no line rather than a line of gaps.
    expect(s.rates).toEqual([
      { currency: 'XOF', values: [0.9, 0.8, null] },
      { currency: 'GHS', values: [0.5, null, 1] },
    ]);
    expect(s.failed).toEqual([3, 3, 0]);
    expect(s.previousFailed).toEqual([null, null, null]);
  });

  it('the previous period aligns by position, zero where it had no failure', () => {
    const prevBase = t0 - 3 * H;
    const previous = ts('failed', [['XOF', [4, 0, 1]]], prevBase);
    previous.series.push({ type: 'wallet_txn_created', currency: 'GHS', points: [{ t: iso(1, prevBase), value: 2 }] });
    expect(ghostCounts(previous, 3)).toEqual([4, 2, 1]);
    // Longer than the previous range: nothing to compare with there.
    expect(ghostCounts(previous, 4)).toEqual([4, 2, 1, null]);
    expect(ghostCounts({ ...previous, series: [] }, 2)).toEqual([0, 0]);
  });
});
