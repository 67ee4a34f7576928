// How a batch is cut into inserts: at most N rows and M monthly partitions each, deterministic.
import { describe, expect, it } from 'vitest';
import { insertChunks } from '../functions/ingest/insert-chunks.js';

describe('insertChunks', () => {
  const month = (x: { m: string }) => x.m;
  it('keeps order and cuts by rows while the months fit', () => {
    const items = Array.from({ length: 25 }, (_, i) => ({ i, m: `2026-0${1 + (i % 3)}` }));
    expect(insertChunks(items, month, 10, 5).map((c) => c.map((x) => x.i))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      [20, 21, 22, 23, 24],
    ]);
  });
  it('past the month limit, every chunk holds at most that many months and at most that many rows; every row once', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ i, m: String((i * 7919) % 333) }));
    const chunks = insertChunks(items, month, 120, 100);
    for (const c of chunks) {
      expect(new Set(c.map(month)).size).toBeLessThanOrEqual(100);
      expect(c.length).toBeLessThanOrEqual(120);
    }
    expect(
      chunks
        .flat()
        .map((x) => x.i)
        .sort((a, b) => a - b),
    ).toEqual(items.map((x) => x.i));
    expect(insertChunks(items, month, 120, 100)).toEqual(chunks);
  });
});
