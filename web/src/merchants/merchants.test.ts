import { describe, expect, it } from 'vitest';
import type { FailuresResponse, MerchantsResponse } from '../../../contracts/index.js';
import { merchantFailures, merchantLines, merchantsQuery, moneyChange } from './merchants.js';

const row = (over: Partial<MerchantsResponse['rows'][number]>): MerchantsResponse['rows'][number] => ({
  merchant_id: 'm-1',
  currency: 'XOF',
  count: 10,
  failed: 1,
  pending: 0,
  failed_share: 0.1,
  volume: '1000.0000',
  fees: '10.0000',
  share: 0.25,
  previous_count: 5,
  previous_volume: '800.0000',
  ...over,
});

describe('top merchants', () => {
  it('keeps the API order and each row in its own currency, with changes against the previous period', () => {
    const res: MerchantsResponse = {
      from: '2026-12-01T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
      sort: 'count',
      rows: [
        row({}),
        row({ merchant_id: 'm-1', currency: 'GHS', count: 4, volume: '12.5000', previous_count: 0, previous_volume: '0.0000' }),
      ],
      total_count: 40,
      total_merchants: 3,
    };
    const lines = merchantLines(res);
    expect(lines.map((l) => `${l.merchantId}/${l.currency}`)).toEqual(['m-1/XOF', 'm-1/GHS']);
    expect(lines[0]).toMatchObject({ count: 10, volume: '1000.0000', share: 0.25, failed: 1, failedShare: 0.1, isNew: false });
    expect(lines[0]!.countChange).toBeCloseTo(1);
    expect(lines[0]!.volumeChange).toBeCloseTo(0.25);
    // Nothing before: no change to show, marked new instead of "+∞ %".
    expect(lines[1]).toMatchObject({ isNew: true, countChange: undefined, volumeChange: undefined });
    expect(merchantLines(undefined)).toEqual([]);
  });

  it('computes money changes on exact decimals', () => {
    // 9 007 199 254 740 993 − 9 007 199 254 740 992 units: lost if each side were a float first.
    expect(moneyChange('900719925474.0993', '900719925474.0992')).toBeGreaterThan(0);
    expect(moneyChange('50.0000', '100.0000')).toBe(-0.5);
    expect(moneyChange('5.0000', '0.0000')).toBeUndefined();
  });

  it('failures by merchant: only merchants with failures, most first', () => {
    const res: FailuresResponse = {
      from: 'a',
      to: 'b',
      by: 'merchant',
      rows: [
        { key: 'a', count: 10, failed: 0, pending: 0, failed_share: 0 },
        { key: 'b', count: 10, failed: 2, pending: 0, failed_share: 0.2 },
        { key: 'c', count: 4, failed: 2, pending: 1, failed_share: 0.5 },
        { key: 'd', count: 9, failed: 3, pending: 0, failed_share: 1 / 3 },
      ],
    };
    expect(merchantFailures(res).map((r) => r.key)).toEqual(['d', 'c', 'b']);
    expect(merchantFailures(res, 1).map((r) => r.key)).toEqual(['d']);
  });

  it('asks for a volume ranking within the currency shown only', () => {
    expect(merchantsQuery('count', 'XOF')).toEqual({ sort: 'count', limit: '20' });
    expect(merchantsQuery('volume', 'XOF')).toEqual({ sort: 'volume', limit: '20', currency: 'XOF' });
    expect(merchantsQuery('failed', undefined, 5)).toEqual({ sort: 'failed', limit: '5' });
  });
});
