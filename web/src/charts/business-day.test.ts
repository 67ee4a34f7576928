import { describe, expect, it } from 'vitest';
import type { TimeseriesResponse } from '../../../contracts/index.js';
import { WAT_OFFSET_MS, foldHoursIntoDays } from './business-day.js';

function hourly(from: string, hours: number, values: (i: number) => string): TimeseriesResponse {
  const start = Date.parse(from);
  const points = Array.from({ length: hours }, (_, i) => ({ t: new Date(start + i * 3_600_000).toISOString(), value: values(i) }));
  return {
    from,
    to: new Date(start + hours * 3_600_000).toISOString(),
    granularity: 'hour',
    metric: 'volume',
    series: [{ type: 'invoice.paid', currency: 'NGN', points }],
  };
}

describe('UTC+1 business days from hours', () => {
  it('puts 23:00 UTC into the next day, exactly', () => {
    // 2026-11-30 22:00Z … 2026-12-02 00:00Z: 26 hours.
    const ts = hourly('2026-11-30T22:00:00.000Z', 26, (i) => (i === 1 ? '0.0001' : '1.0000'));
    const days = foldHoursIntoDays(ts, WAT_OFFSET_MS);
    expect(days.granularity).toBe('day');
    // Shifted clock: 22:00Z is 23:00 on 30 Nov (WAT); 23:00Z opens 1 Dec (WAT).
    expect(days.series[0]!.points).toEqual([
      { t: '2026-11-30T00:00:00.000Z', value: '1.0000' },
      { t: '2026-12-01T00:00:00.000Z', value: '23.0001' },
      { t: '2026-12-02T00:00:00.000Z', value: '1.0000' },
    ]);
    expect(days.from).toBe('2026-11-30T00:00:00.000Z');
    expect(days.to).toBe('2026-12-03T00:00:00.000Z');
  });

  it('sums counts as integers', () => {
    const ts: TimeseriesResponse = { ...hourly('2026-12-01T00:00:00.000Z', 2, () => '0'), metric: 'count' };
    ts.series[0]!.points = ts.series[0]!.points.map((p) => ({ ...p, value: 3 }));
    expect(foldHoursIntoDays(ts, WAT_OFFSET_MS).series[0]!.points).toEqual([{ t: '2026-12-01T00:00:00.000Z', value: 6 }]);
  });
});
