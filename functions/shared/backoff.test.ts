import { describe, expect, test } from 'vitest';
import { backoffMs } from './backoff.js';

describe('backoffMs', () => {
  test('doubles from the base per retry and stops at the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, { baseMs: 50, maxMs: 1_000 }));
    expect(delays).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });
  test('without a cap it keeps doubling; retry 0 or below counts as the first', () => {
    expect(backoffMs(11, { baseMs: 1 })).toBe(1024);
    expect(backoffMs(0, { baseMs: 7 })).toBe(7);
  });
  test('full jitter is uniform in [0, delay): the random draw scales the delay', () => {
    expect(backoffMs(3, { baseMs: 10, jitter: 'full', random: () => 0 })).toBe(0);
    expect(backoffMs(3, { baseMs: 10, jitter: 'full', random: () => 0.5 })).toBe(20);
    expect(backoffMs(3, { baseMs: 10, jitter: 'full', random: () => 0.999 })).toBeCloseTo(39.96);
  });
  test('equal jitter stays in [delay/2, delay)', () => {
    expect(backoffMs(2, { baseMs: 100, jitter: 'equal', random: () => 0 })).toBe(100);
    expect(backoffMs(2, { baseMs: 100, jitter: 'equal', random: () => 0.5 })).toBe(150);
    for (let i = 0; i < 200; i++) {
      const d = backoffMs(4, { baseMs: 25, jitter: 'equal' });
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThan(200);
    }
  });
  test('jitter applies after the cap', () => {
    expect(backoffMs(10, { baseMs: 100, maxMs: 500, jitter: 'full', random: () => 0.5 })).toBe(250);
  });
});
