import { expect, test } from 'vitest';
import { TOPICS } from '../../contracts/event.js';
import { concurrencySetting, mskSettings } from './settings.js';

test("Lambda's defaults when neither option nor variable is set", () => {
  expect(mskSettings({}, {})).toEqual({
    groupId: 'analytics-consumer',
    topics: TOPICS,
    batchSize: 100,
    windowMs: 500,
    maxRetries: 5,
    retryBaseMs: 500,
    retryMaxMs: 30_000,
    lagIntervalMs: 15_000,
    startingPosition: 'TRIM_HORIZON',
  });
  expect(concurrencySetting(undefined, {}, 6)).toBe(6);
  expect(concurrencySetting(undefined, {}, 0)).toBe(1);
});

test('an option wins over its variable, a variable over the default; empty means unset', () => {
  const env = {
    MSK_BATCH_SIZE: '250',
    MSK_MAX_RETRIES: '',
    KAFKA_CONSUMER_GROUP: 'g',
    MSK_STARTING_POSITION: 'LATEST',
    MSK_CONCURRENCY: '2',
  };
  const s = mskSettings({ batchingWindowMs: 0 }, env);
  expect(s).toMatchObject({ batchSize: 250, windowMs: 0, maxRetries: 5, groupId: 'g', startingPosition: 'LATEST' });
  expect(mskSettings({ batchSize: 7 }, env).batchSize).toBe(7);
  expect(concurrencySetting(undefined, env, 6)).toBe(2);
});

test('out-of-range or non-numeric values are refused with the variable name', () => {
  expect(() => mskSettings({}, { MSK_BATCH_SIZE: '10001' })).toThrow('MSK_BATCH_SIZE must be a number in [1, 10000], got "10001"');
  expect(() => mskSettings({}, { MSK_RETRY_BASE_MS: 'soon' })).toThrow('MSK_RETRY_BASE_MS');
  expect(() => mskSettings({ batchSize: 0 }, {})).toThrow('MSK_BATCH_SIZE must be a number in [1, 10000], got 0');
  expect(() => concurrencySetting(0, {}, 3)).toThrow('MSK_CONCURRENCY');
});
