import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RECONNECT_OPTIONS, type LiveStatus, ReconnectMachine, backoffDelay } from './reconnect.js';

function harness(options: Partial<typeof DEFAULT_RECONNECT_OPTIONS> = {}) {
  const log: string[] = [];
  const statuses: LiveStatus[] = [];
  const machine = new ReconnectMachine(
    {
      connect: () => log.push('connect'),
      disconnect: () => log.push('disconnect'),
      ping: () => log.push('ping'),
      subscribe: () => log.push('subscribe'),
      refetch: () => log.push('refetch'),
      status: (s) => statuses.push(s),
    },
    { now: () => Date.now(), ...options },
  );
  const count = (what: string) => log.filter((l) => l === what).length;
  return { machine, log, statuses, count };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse('2026-11-27T10:00:00Z'));
});
afterEach(() => vi.useRealTimers());

describe('backoffDelay (full jitter)', () => {
  it('grows exponentially up to the cap, between 0 and the ceiling', () => {
    const opts = { baseDelayMs: 1000, maxDelayMs: 30_000 };
    const ceilings = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000];
    ceilings.forEach((ceiling, attempt) => {
      expect(backoffDelay(attempt, { ...opts, random: () => 0 })).toBe(0);
      expect(backoffDelay(attempt, { ...opts, random: () => 0.5 })).toBe(ceiling / 2);
      expect(backoffDelay(attempt, { ...opts, random: () => 0.999999 })).toBeLessThan(ceiling);
      expect(backoffDelay(attempt, { ...opts, random: () => 0.999999 })).toBeGreaterThanOrEqual(ceiling - 1);
    });
    // Large attempt counts do not overflow.
    expect(backoffDelay(1000, { ...opts, random: () => 0.5 })).toBe(15_000);
  });

  it('spreads clients over the whole window with a real random source', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(3, { baseDelayMs: 1000, maxDelayMs: 30_000, random: Math.random }));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(8000);
    // Full jitter, not "ceiling ± a little": both halves of the window are used.
    expect(delays.some((d) => d < 2000)).toBe(true);
    expect(delays.some((d) => d > 6000)).toBe(true);
  });
});

describe('ReconnectMachine', () => {
  it('connects, subscribes on open and reports live on the ack, without a refetch the first time', () => {
    const h = harness();
    h.machine.start();
    expect(h.log).toEqual(['connect']);
    expect(h.statuses).toEqual(['reconnecting']);
    h.machine.opened();
    expect(h.log).toEqual(['connect', 'subscribe']);
    expect(h.statuses.at(-1)).toBe('reconnecting');
    h.machine.acked();
    expect(h.statuses.at(-1)).toBe('live');
    expect(h.count('refetch')).toBe(0);
  });

  it('treats an open socket that never acknowledges the subscription as dead', () => {
    const h = harness({ ackTimeoutMs: 10_000, random: () => 0 });
    h.machine.start();
    h.machine.opened();
    vi.advanceTimersByTime(9_999);
    expect(h.count('disconnect')).toBe(0);
    vi.advanceTimersByTime(1);
    expect(h.count('disconnect')).toBe(1);
    expect(h.statuses.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(1);
    expect(h.count('connect')).toBe(2);
    h.machine.opened();
    h.machine.acked();
    expect(h.statuses.at(-1)).toBe('live');
    // The first acknowledged subscription: nothing was missed, no refetch.
    expect(h.count('refetch')).toBe(0);
  });

  it('goes offline without retrying when the room is refused, and live once another room is acknowledged', () => {
    const h = harness({ ackTimeoutMs: 10_000 });
    h.machine.start();
    h.machine.opened();
    h.machine.refused();
    expect(h.statuses.at(-1)).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(h.count('disconnect')).toBe(0);
    expect(h.count('connect')).toBe(1);
    h.machine.acked();
    expect(h.statuses.at(-1)).toBe('live');
  });

  it('retries with growing jittered delays, then goes offline, and refetches after the reconnect', () => {
    const h = harness({ random: () => 0.5, baseDelayMs: 1000, maxDelayMs: 8000, offlineAfterAttempts: 4 });
    h.machine.start();
    h.machine.opened();
    h.machine.acked();
    h.machine.closed();
    expect(h.machine.state).toBe('waiting');
    expect(h.statuses.at(-1)).toBe('reconnecting');
    // Expected waits with random = 0.5: 500, 1000, 2000, 4000, 4000 (capped at 8000 / 2).
    const waits = [500, 1000, 2000, 4000, 4000];
    for (const [i, wait] of waits.entries()) {
      vi.advanceTimersByTime(wait - 1);
      expect(h.count('connect')).toBe(1 + i);
      vi.advanceTimersByTime(1);
      expect(h.count('connect')).toBe(2 + i);
      h.machine.closed(); // this attempt fails too
    }
    expect(h.machine.attempts).toBe(6);
    expect(h.statuses.at(-1)).toBe('offline');
    expect(h.count('refetch')).toBe(0);

    vi.advanceTimersByTime(4000);
    h.machine.opened();
    h.machine.acked();
    expect(h.statuses.at(-1)).toBe('live');
    expect(h.count('refetch')).toBe(1);
    expect(h.count('subscribe')).toBe(2);
  });

  it('keeps the delays inside the jitter bounds with any random value', () => {
    let r = 0;
    const values = [0.01, 0.99, 0.3, 0.75, 0.5, 0.999, 0];
    const h = harness({ random: () => values[r++ % values.length]!, baseDelayMs: 1000, maxDelayMs: 30_000 });
    h.machine.start();
    for (let attempt = 0; attempt < values.length; attempt++) {
      h.machine.closed();
      const ceiling = Math.min(30_000, 1000 * 2 ** attempt);
      const expected = Math.floor(values[attempt]! * ceiling);
      expect(expected).toBeLessThan(ceiling);
      const before = h.count('connect');
      if (expected > 0) {
        vi.advanceTimersByTime(expected - 1);
        expect(h.count('connect')).toBe(before);
      }
      vi.advanceTimersByTime(1);
      expect(h.count('connect')).toBe(before + 1);
    }
  });

  it('resets the backoff only after a connection stayed up', () => {
    const h = harness({ random: () => 0.5, stableAfterMs: 10_000 });
    h.machine.start();
    h.machine.closed();
    vi.advanceTimersByTime(500);
    h.machine.closed();
    vi.advanceTimersByTime(1000);
    expect(h.machine.attempts).toBe(2);
    // Accepted then dropped at once: still backing off.
    h.machine.opened();
    h.machine.acked();
    h.machine.closed();
    expect(h.machine.attempts).toBe(3);
    vi.advanceTimersByTime(2000);
    h.machine.opened();
    h.machine.acked();
    vi.advanceTimersByTime(10_000);
    h.machine.closed();
    expect(h.machine.attempts).toBe(1);
  });

  it('pings on schedule, under the 10-minute idle timeout, while open', () => {
    const h = harness({ pingIntervalMs: 4 * 60_000, pongTimeoutMs: 20_000 });
    expect(h.machine.options.pingIntervalMs).toBeLessThan(10 * 60_000);
    h.machine.start();
    vi.advanceTimersByTime(10 * 60_000);
    expect(h.count('ping')).toBe(0); // never while not open
    h.machine.opened();
    h.machine.acked();
    for (let i = 1; i <= 5; i++) {
      vi.advanceTimersByTime(4 * 60_000 - 1);
      expect(h.count('ping')).toBe(i - 1);
      vi.advanceTimersByTime(1);
      expect(h.count('ping')).toBe(i);
      h.machine.received(); // the pong
    }
    expect(h.count('disconnect')).toBe(0);
    expect(h.machine.state).toBe('open');
    // The default schedule also stays under the idle timeout.
    expect(DEFAULT_RECONNECT_OPTIONS.pingIntervalMs + DEFAULT_RECONNECT_OPTIONS.pongTimeoutMs).toBeLessThan(10 * 60_000);
  });

  it('treats a ping without an answer as a dead socket and reconnects with a refetch', () => {
    const h = harness({ pingIntervalMs: 60_000, pongTimeoutMs: 20_000, random: () => 0 });
    h.machine.start();
    h.machine.opened();
    h.machine.acked();
    vi.advanceTimersByTime(60_000);
    expect(h.count('ping')).toBe(1);
    vi.advanceTimersByTime(20_000);
    expect(h.count('disconnect')).toBe(1);
    expect(h.statuses.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(1); // a zero backoff still goes through the timer queue
    expect(h.count('connect')).toBe(2);
    h.machine.opened();
    h.machine.acked();
    expect(h.count('refetch')).toBe(1);
  });

  it('reconnects proactively before the 2-hour maximum age, without backoff, and refetches', () => {
    const h = harness({ pingIntervalMs: 4 * 60_000, maxAgeMs: 110 * 60_000 });
    expect(DEFAULT_RECONNECT_OPTIONS.maxAgeMs).toBeLessThan(2 * 3_600_000);
    h.machine.start();
    h.machine.opened();
    h.machine.acked();
    for (let t = 0; t < 109; t++) {
      vi.advanceTimersByTime(60_000);
      h.machine.received();
    }
    expect(h.count('disconnect')).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(h.count('disconnect')).toBe(1);
    expect(h.count('connect')).toBe(2);
    h.machine.opened();
    h.machine.acked();
    expect(h.count('refetch')).toBe(1);
    expect(h.machine.state).toBe('open');
    // The next maximum age counts from the new connection.
    for (let t = 0; t < 109; t++) {
      vi.advanceTimersByTime(60_000);
      h.machine.received();
    }
    expect(h.count('disconnect')).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(h.count('disconnect')).toBe(2);
  });

  it('goes offline with the browser and retries at once when it comes back', () => {
    const h = harness({ random: () => 0.99, baseDelayMs: 1000, maxDelayMs: 30_000 });
    h.machine.start();
    h.machine.opened();
    h.machine.acked();
    for (let i = 0; i < 4; i++) {
      h.machine.closed();
      vi.runOnlyPendingTimers();
    }
    h.machine.setOnline(false);
    expect(h.statuses.at(-1)).toBe('offline');
    h.machine.closed();
    expect(h.machine.state).toBe('waiting');
    const connects = h.count('connect');
    h.machine.setOnline(true);
    expect(h.count('connect')).toBe(connects + 1);
    h.machine.opened();
    h.machine.acked();
    expect(h.statuses.at(-1)).toBe('live');
    expect(h.count('refetch')).toBe(1);
  });

  it('stops cleanly: no timers fire afterwards', () => {
    const h = harness();
    h.machine.start();
    h.machine.opened();
    h.machine.acked();
    h.machine.stop();
    expect(h.log.at(-1)).toBe('disconnect');
    const n = h.log.length;
    vi.advanceTimersByTime(5 * 3_600_000);
    h.machine.closed();
    expect(h.log.length).toBe(n);
    expect(h.statuses.at(-1)).toBe('offline');
    expect(vi.getTimerCount()).toBe(0);
  });
});
