import { expect, test } from 'vitest';
import { liveView } from './live-view.js';

test('reads the current values, shows only the listed keys, and cannot be written', () => {
  const counts = { hits: 0, misses: 0, secret: 1 };
  const view = liveView(counts, ['hits', 'misses']);
  counts.hits = 3;
  expect(view.hits).toBe(3);
  expect(Object.keys(view)).toEqual(['hits', 'misses']);
  expect({ ...view }).toEqual({ hits: 3, misses: 0 });
  expect(() => {
    (view as { hits: number }).hits = 9;
  }).toThrow(TypeError);
});
