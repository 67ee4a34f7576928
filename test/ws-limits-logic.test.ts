// The pure decisions of the per-connection limits: the message token bucket, the resume lease and
// the resume snapshot budget, and the cut of an over-budget resume. Time is injected.
import { describe, expect, it } from 'vitest';
import { beginResume, endResume, takeMessage, type LimitState } from '../functions/shared/ws-limits.js';
import { capSnapshots } from '../functions/ws/resume-core.js';
import { isWsAction, tokenExpiredMessage } from '../contracts/ws.js';
import { tokenExpired } from '../functions/shared/ws-store.js';
import type { DeltaSnapshot } from '../contracts/delta.js';

const T0 = 1_800_000_000_000;
const rate = { burst: 3, perSecond: 2 };
const resume = { perResume: 10, perMinute: 25, leaseMs: 5_000 };

describe('message token bucket', () => {
  it('allows the burst, refuses beyond it, refills at the rate and never above the burst', () => {
    let state: LimitState | undefined;
    const take = (now: number) => {
      const r = takeMessage(state, now, rate);
      state = r.state;
      return r.allowed;
    };
    expect([take(T0), take(T0), take(T0), take(T0), take(T0)]).toEqual([true, true, true, false, false]);
    expect(take(T0 + 499)).toBe(false);
    expect(take(T0 + 500)).toBe(true);
    expect(take(T0 + 500)).toBe(false);
    // A long pause refills to the burst, not more.
    expect([take(T0 + 60_000), take(T0 + 60_000), take(T0 + 60_000), take(T0 + 60_000)]).toEqual([true, true, true, false]);
  });
});

describe('resume bounds', () => {
  it('one in flight: a second resume is busy until the first ends or its lease lapses', () => {
    const first = beginResume(undefined, T0, resume);
    expect(first).toMatchObject({ ok: true, budget: 10 });
    expect(beginResume(first.state, T0 + 100, resume)).toMatchObject({ ok: false, reason: 'busy' });
    expect(beginResume(first.state, T0 + 5_000, resume)).toMatchObject({ ok: true });
    const ended = endResume(first.state, T0 + 200, 10);
    expect(beginResume(ended, T0 + 300, resume)).toMatchObject({ ok: true, budget: 10 });
  });

  it('counts snapshots per minute: the budget shrinks, is spent, and comes back next minute', () => {
    const minuteStart = Math.ceil(T0 / 60_000) * 60_000;
    let state: LimitState | undefined;
    const budgets: Array<number | string> = [];
    for (let i = 0; i < 4; i++) {
      const r = beginResume(state, minuteStart + i, resume);
      budgets.push(r.ok ? r.budget : r.reason);
      state = r.ok ? endResume(r.state, minuteStart + i, r.budget) : r.state;
    }
    expect(budgets).toEqual([10, 10, 5, 'budget']);
    expect(beginResume(state, minuteStart + 60_000, resume)).toMatchObject({ ok: true, budget: 10 });
  });

  it('an over-budget resume keeps the newest snapshots, in their order, and says so', () => {
    const snap = (version: number): DeltaSnapshot => ({
      room: 'global',
      bucket: `b${version}`,
      version,
      values: [],
      recorded_at: '',
      source_ts: 0,
    });
    const all = [5, 1, 4, 2, 3].map(snap);
    expect(capSnapshots(all, 5)).toEqual({ snapshots: all, truncated: false });
    expect(capSnapshots(all, 3)).toEqual({ snapshots: [5, 4, 3].map(snap), truncated: true });
  });
});

describe('contract helpers', () => {
  it('only the declared actions are actions, whatever Object.prototype holds', () => {
    for (const a of ['subscribe', 'unsubscribe', 'ping', 'resume']) expect(isWsAction(a)).toBe(true);
    for (const a of ['__proto__', 'constructor', 'hasOwnProperty', 'toString', '$default', '', 1, null]) expect(isWsAction(a)).toBe(false);
  });

  it('a token is expired from its exp second on; 0 means unknown (older connection items)', () => {
    expect(tokenExpired({ tokenExpiresAt: 100 }, 99_999)).toBe(false);
    expect(tokenExpired({ tokenExpiresAt: 100 }, 100_000)).toBe(true);
    expect(tokenExpired({ tokenExpiresAt: 0 }, T0)).toBe(false);
    expect(tokenExpiredMessage()).toMatchObject({ type: 'error', code: 'token_expired' });
  });
});
