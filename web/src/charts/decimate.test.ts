import { describe, expect, it } from 'vitest';
import { decimate } from './decimate.js';

describe('decimate', () => {
  it('keeps small series whole', () => {
    expect(decimate([[1, 2, 3]], 100).indexes).toEqual([0, 1, 2]);
  });

  it('keeps peaks, dips, the ends and the marked buckets of a long series', () => {
    const line = Array.from({ length: 1440 }, (_, i) => (i === 700 ? 1000 : i === 901 ? -5 : i % 7));
    const { indexes } = decimate([line], 200, [1439, 1200]);
    expect(indexes.length).toBeLessThanOrEqual(220);
    for (const i of [0, 700, 901, 1200, 1439]) expect(indexes).toContain(i);
    expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
  });
});
