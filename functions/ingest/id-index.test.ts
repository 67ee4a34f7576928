// The in-batch event_id index against a Map: the same first value per id, whatever the ids, the
// collisions (a small table forces probing and growth) and the repeats.
import { describe, expect, it } from 'vitest';
import { idIndex } from './id-index.js';

describe('idIndex', () => {
  it('returns the first value stored under an id, and undefined the first time', () => {
    const index = idIndex<number>(4);
    expect(index.firstOrAdd('evt_1', 1)).toBeUndefined();
    expect(index.firstOrAdd('evt_2', 2)).toBeUndefined();
    expect(index.firstOrAdd('evt_1', 3)).toBe(1);
    expect(index.firstOrAdd('evt_1', 4)).toBe(1);
    // Ids differ by case, by a lone surrogate, by an emoji: distinct.
    expect(index.firstOrAdd('EVT_1', 5)).toBeUndefined();
    expect(index.firstOrAdd('evt_\ud800', 6)).toBeUndefined();
    expect(index.firstOrAdd('evt_😀', 7)).toBeUndefined();
    expect(index.firstOrAdd('evt_😀', 8)).toBe(7);
    expect(index.size).toBe(5);
  });

  it('agrees with a Map over many ids with repeats, past the size it was made for', () => {
    let seed = 17;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (const expected of [1, 100, 10_000]) {
      const index = idIndex<number>(expected);
      const reference = new Map<string, number>();
      // Twice the expected count, a third of them repeats of earlier ids.
      for (let i = 0; i < expected * 2; i++) {
        const id = i > 3 && next() % 3 === 0 ? `id_${next() % i}` : `id_${i}`;
        const first = reference.get(id);
        if (first === undefined) reference.set(id, i);
        expect(index.firstOrAdd(id, i)).toBe(first);
      }
      expect(index.size).toBe(reference.size);
    }
  });
});
