import { expect, test } from 'vitest';
import { nextOffsets } from './group-consumer.js';

const rec = (topic: string, partition: number, offset: number) => ({ topic, partition, offset, timestamp: 0, key: null, value: null });

test('commits the highest offset + 1 of each partition the batch touched', () => {
  const out = nextOffsets([rec('a', 0, 5), rec('a', 0, 7), rec('a', 1, 2), rec('b', 0, 9), rec('a', 0, 6)]);
  expect(out).toEqual([
    { topic: 'a', partition: 0, offset: '8' },
    { topic: 'a', partition: 1, offset: '3' },
    { topic: 'b', partition: 0, offset: '10' },
  ]);
  expect(nextOffsets([])).toEqual([]);
});
