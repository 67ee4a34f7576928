import { expect, test } from 'vitest';
import { runPool } from './pool.js';

test('runs every task once, never more than `limit` at a time', async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  const tasks = Array.from({ length: 20 }, (_, i) => async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 1 + (i % 3)));
    done.push(i);
    running--;
  });
  await runPool(tasks, 4);
  expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  expect(peak).toBe(4);
});

test('a failing task rejects the pool', async () => {
  await expect(
    runPool(
      [
        async () => {
          throw new Error('boom');
        },
      ],
      2,
    ),
  ).rejects.toThrow('boom');
});

test('no tasks: resolves at once', async () => {
  await expect(runPool([], 8)).resolves.toBeUndefined();
});
