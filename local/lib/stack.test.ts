import { expect, test } from 'vitest';
import { Stack } from './stack.js';

test('stops in reverse order; a failing stop is logged and the rest still stop; a second stop does nothing', async () => {
  const order: string[] = [];
  const logs: string[] = [];
  const stack = new Stack((l) => logs.push(l));
  stack.push({ close: async () => void order.push('a') });
  stack.defer(async () => {
    order.push('b');
    throw new Error('b is stuck');
  });
  const c = { stop: async () => void order.push('c') };
  expect(stack.push(c)).toBe(c);
  await stack.stop();
  await stack.stop();
  expect(order).toEqual(['c', 'b', 'a']);
  expect(logs).toEqual(['stop failed: b is stuck']);
});

test('a failing build stops what it started, then rethrows', async () => {
  const order: string[] = [];
  const stack = new Stack();
  await expect(
    stack.build(async () => {
      stack.push({ close: async () => void order.push('first') });
      throw new Error('port in use');
    }),
  ).rejects.toThrow('port in use');
  expect(order).toEqual(['first']);
});
