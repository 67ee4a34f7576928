import { describe, expect, test } from 'vitest';
import type { StoredResponse } from './function-url.js';
import { cacheKey, EdgeCache, sharedCacheTtl } from './edge-cache.js';

const answer = (cacheControl?: string, text = 'x'): StoredResponse => ({
  status: 200,
  headers: cacheControl ? { 'cache-control': cacheControl } : {},
  body: Buffer.from(text),
});

describe('sharedCacheTtl', () => {
  test('s-maxage wins over max-age; no-store, no-cache and private are never stored', () => {
    expect(sharedCacheTtl('public, max-age=5, s-maxage=10')).toBe(10);
    expect(sharedCacheTtl('max-age=7')).toBe(7);
    for (const cc of ['no-store', 'max-age=10, no-cache', 'private, max-age=10', 'max-age=0', 'max-age=abc', undefined]) {
      expect(sharedCacheTtl(cc), String(cc)).toBe(0);
    }
  });
});

describe('EdgeCache', () => {
  test('the key holds path, the raw query string and the token', () => {
    expect(cacheKey('/a', 'x=1&y=2', 't')).not.toBe(cacheKey('/a', 'y=2&x=1', 't'));
    expect(cacheKey('/a', 'x=1', 't1')).not.toBe(cacheKey('/a', 'x=1', 't2'));
  });

  test('a stored answer is a hit with its age until the capped TTL passes, then the origin is asked again', async () => {
    let t = 1_000_000;
    const cache = new EdgeCache({ maxTtlSeconds: 10, maxEntries: 10, now: () => t });
    let calls = 0;
    const origin = async () => answer('max-age=60', String(++calls));
    const first = cache.lookup('k', origin);
    expect(first.hit).toBe(false);
    await (first.hit ? undefined : first.response);
    t += 3_500;
    const second = cache.lookup('k', origin);
    expect(second).toMatchObject({ hit: true, ageSeconds: 3 });
    t += 6_500; // 10 s after storing: the MaxTTL cap, not the answer's 60 s
    const third = cache.lookup('k', origin);
    expect(third.hit).toBe(false);
    expect((await (third.hit ? undefined : third.response))?.body.toString()).toBe('2');
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2, stores: 2, entries: 1 });
  });

  test('concurrent misses of one key share one origin request; uncacheable answers are not stored', async () => {
    const cache = new EdgeCache({ maxTtlSeconds: 10, maxEntries: 10, now: () => 0 });
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const origin = async () => {
      calls++;
      await gate;
      return answer('no-store');
    };
    const a = cache.lookup('k', origin);
    const b = cache.lookup('k', origin);
    release();
    await Promise.all([a, b].map((l) => (l.hit ? undefined : l.response)));
    expect(calls).toBe(1);
    expect(cache.stats).toMatchObject({ misses: 2, stores: 0, entries: 0 });
  });

  test('past maxEntries, expired entries go first, then the oldest', async () => {
    let t = 0;
    const cache = new EdgeCache({ maxTtlSeconds: 10, maxEntries: 2, now: () => t });
    const put = async (key: string, cc: string) => {
      const l = cache.lookup(key, async () => answer(cc));
      if (!l.hit) await l.response;
    };
    await put('short', 'max-age=1');
    await put('long', 'max-age=10');
    t = 2_000;
    await put('new', 'max-age=10');
    expect(cache.lookup('long', async () => answer()).hit).toBe(true);
    await put('newer', 'max-age=10');
    expect(cache.stats.entries).toBe(2);
    expect(cache.lookup('long', async () => answer()).hit).toBe(false);
  });
});
