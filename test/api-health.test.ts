// /health is cheap: a healthy verdict is reused (HEALTH_CACHE_MS), concurrent calls share one
// probe, an unhealthy verdict is never reused. Counted at the real ClickHouse (chdb) server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHealthCache, verdictFresh } from '../functions/api/lib/health-cache.js';
import { call, startApiHarness, type ApiHarness } from './support/api-harness.js';

describe('verdictFresh', () => {
  test('only a healthy verdict younger than the TTL answers', () => {
    expect(verdictFresh({ ok: true, at: 1_000 }, 1_000, 10_000)).toBe(true);
    expect(verdictFresh({ ok: true, at: 1_000 }, 10_999, 10_000)).toBe(true);
    expect(verdictFresh({ ok: true, at: 1_000 }, 11_000, 10_000)).toBe(false);
    expect(verdictFresh({ ok: false, at: 1_000 }, 1_001, 10_000)).toBe(false);
    expect(verdictFresh({ ok: true, at: 5_000 }, 4_000, 10_000)).toBe(false); // clock went back
    expect(verdictFresh(undefined, 0, 10_000)).toBe(false);
    expect(verdictFresh({ ok: true, at: 1_000 }, 1_000, 0)).toBe(false);
  });

  test('concurrent checks share one probe; failures are probed again', async () => {
    let probes = 0;
    let answer = true;
    const cache = createHealthCache(
      async () => {
        probes++;
        await new Promise((r) => setTimeout(r, 5));
        return answer;
      },
      () => 10_000,
    );
    const verdicts = await Promise.all([cache.check(0), cache.check(0), cache.check(1)]);
    expect(verdicts.every((v) => v.ok)).toBe(true);
    expect(probes).toBe(1);
    await cache.check(9_999);
    expect(probes).toBe(1);
    answer = false;
    expect((await cache.check(10_000)).ok).toBe(false);
    expect((await cache.check(10_001)).ok).toBe(false);
    expect(probes).toBe(3);
  });
});

describe('GET /api/analytics/health against ClickHouse', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness(undefined);
  }, 120_000);
  afterAll(async () => h?.close());

  test('twenty calls, ten of them concurrent, cost ClickHouse one query', async () => {
    const before = h.ch.server.stats.queries;
    for (let i = 0; i < 10; i++) expect((await call(h.handlers.health, '/api/analytics/health')).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 10 }, () => call(h.handlers.health, '/api/analytics/health')));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(h.ch.server.stats.queries - before).toBe(1);
  });

  test('with the cache off, each call probes', async () => {
    process.env.HEALTH_CACHE_MS = '0';
    try {
      const before = h.ch.server.stats.queries;
      for (let i = 0; i < 3; i++) await call(h.handlers.health, '/api/analytics/health');
      expect(h.ch.server.stats.queries - before).toBe(3);
    } finally {
      delete process.env.HEALTH_CACHE_MS;
    }
  });
});
