import { describe, expect, it } from 'vitest';
import type { TimeseriesResponse } from '../../../contracts/index.js';
import { autoGranularity, effectiveGranularity, ghostValues, granularityRefusal, incompleteIndex } from './honest.js';

const H = 3_600_000;

describe('granularity', () => {
  it('auto keeps every preset under a few hundred points', () => {
    expect(autoGranularity(H)).toBe('minute');
    expect(autoGranularity(24 * H)).toBe('hour');
    expect(autoGranularity(7 * 24 * H)).toBe('hour');
    expect(autoGranularity(30 * 24 * H)).toBe('day');
  });
  it('refuses minutes over 30 days with a reason, and falls back instead of failing', () => {
    expect(granularityRefusal('minute', 30 * 24 * H)).toMatch(/43200 > 1500/);
    expect(granularityRefusal('minute', 24 * H)).toBeUndefined();
    expect(effectiveGranularity('minute', 30 * 24 * H)).toBe('day');
    expect(effectiveGranularity('minute', 24 * H)).toBe('minute');
    expect(effectiveGranularity('auto', 24 * H)).toBe('hour');
  });
});

describe('incomplete bucket and previous period', () => {
  const labels = ['2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z', '2026-12-01T12:00:00.000Z'];
  it('finds the bucket still filling', () => {
    expect(incompleteIndex(labels, 'hour', Date.parse('2026-12-01T12:30:00Z'))).toBe(2);
    expect(incompleteIndex(labels, 'hour', Date.parse('2026-12-01T13:00:00Z'))).toBe(-1);
    expect(incompleteIndex(labels, 'minute', Date.parse('2026-12-01T11:00:30Z'))).toBe(1);
  });
  it('sums the previous period over types of the currency, by position', () => {
    const prev: TimeseriesResponse = {
      from: '2026-11-30T10:00:00.000Z',
      to: '2026-11-30T13:00:00.000Z',
      granularity: 'hour',
      metric: 'volume',
      series: [
        {
          type: 'wallet_txn_created',
          currency: 'XOF',
          points: [
            { t: 'a', value: '1.5000' },
            { t: 'b', value: '0.0000' },
            { t: 'c', value: '2.0000' },
          ],
        },
        {
          type: 'invoice.paid',
          currency: 'XOF',
          points: [
            { t: 'a', value: '1.0000' },
            { t: 'b', value: '3.0000' },
            { t: 'c', value: '0.0000' },
          ],
        },
        {
          type: 'invoice.paid',
          currency: 'GHS',
          points: [
            { t: 'a', value: '100.0000' },
            { t: 'b', value: '0.0000' },
            { t: 'c', value: '0.0000' },
          ],
        },
      ],
    };
    expect(ghostValues(prev, { currency: 'XOF' }, 3)).toEqual([2.5, 3, 2]);
    expect(ghostValues(prev, { currency: 'XOF', type: 'invoice.paid' }, 4)).toEqual([1, 3, 0, null]);
    expect(ghostValues(prev, { currency: 'NGN' }, 2)).toEqual([0, 0]);
    expect(ghostValues(undefined, { currency: 'XOF' }, 2)).toEqual([null, null]);
    // No series at all: nothing happened then, a flat zero line (not a missing one).
    expect(ghostValues({ ...prev, series: [] }, { currency: 'XOF' }, 4)).toEqual([0, 0, 0, null]);
  });
});
