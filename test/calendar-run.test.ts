// The instants test:calendar places the clock at, for any run date: always the three awkward kinds,
// and never so far back that ClickHouse's TTLs (which read the engine's real clock) would bite.
import { describe, expect, it } from 'vitest';
import { awkwardInstants } from './calendar-run.js';

const DAY = 86_400_000;

describe('test:calendar instants', () => {
  for (const today of [
    '2026-12-01T21:00:00Z',
    '2027-01-31T23:59:59Z',
    '2028-02-29T23:59:30Z',
    '2028-03-01T00:00:00Z',
    '2099-06-15T12:00:00Z',
  ]) {
    it(`on ${today}`, () => {
      const t = Date.parse(today);
      const [monthStart, leapDay, yearEnd] = awkwardInstants(new Date(t)).map((s) => new Date(s));
      expect(monthStart!.toISOString()).toBe(`${today.slice(0, 7)}-01T00:00:20.000Z`);
      expect(leapDay!.getUTCMonth()).toBe(1);
      expect(leapDay!.getUTCDate()).toBe(29);
      expect(leapDay!.getTime()).toBeGreaterThanOrEqual(t - 60_000);
      expect(leapDay!.getTime() - t).toBeLessThan(8 * 366 * DAY);
      expect(yearEnd!.toISOString()).toBe(`${today.slice(0, 4)}-12-31T23:59:30.000Z`);
      expect(t - monthStart!.getTime()).toBeLessThan(31 * DAY);
    });
  }
});
