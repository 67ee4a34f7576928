// Pure decisions of the per-connection limits (no I/O; the state lives on the connection item and
// is written back with a conditional update, see ws-store.ts updateLimits): the message token
// bucket, the one-resume-in-flight lease and the resume snapshot budget per minute.
import { MESSAGE_RATE, RESUME_LIMITS } from '../../contracts/ws.js';

/** What the connection item holds for the limits (attribute `limits`). */
export interface LimitState {
  /** Message tokens left at `at`. */
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
  /** Epoch ms until which a resume holds the lease (absent or past: none in flight). */
  resumeUntil?: number;
  /** Epoch minute of `resumeSent`. */
  resumeMinute?: number;
  /** Snapshots sent by resumes in `resumeMinute`. */
  resumeSent?: number;
}

export type RatePolicy = { burst: number; perSecond: number };
export type ResumePolicy = { perResume: number; perMinute: number; leaseMs: number };

/** Takes one message token: allowed, and the state to store. A denied message costs nothing. */
export function takeMessage(
  state: LimitState | undefined,
  now: number,
  policy: RatePolicy = MESSAGE_RATE,
): { allowed: boolean; state: LimitState } {
  const elapsed = state ? Math.max(0, now - state.at) / 1000 : 0;
  const tokens = state ? Math.min(policy.burst, state.tokens + elapsed * policy.perSecond) : policy.burst;
  const base: LimitState = { ...state, tokens, at: now };
  if (tokens < 1) return { allowed: false, state: base };
  return { allowed: true, state: { ...base, tokens: tokens - 1 } };
}

export type ResumeStart = { ok: true; budget: number; state: LimitState } | { ok: false; reason: 'busy' | 'budget'; state: LimitState };

const minuteOf = (now: number) => Math.floor(now / 60_000);

/** Starts a resume: takes the lease and says how many snapshots it may send. */
export function beginResume(state: LimitState | undefined, now: number, policy: ResumePolicy = RESUME_LIMITS): ResumeStart {
  const base: LimitState = state ?? { tokens: MESSAGE_RATE.burst, at: now };
  if (base.resumeUntil !== undefined && base.resumeUntil > now) return { ok: false, reason: 'busy', state: base };
  const sent = base.resumeMinute === minuteOf(now) ? (base.resumeSent ?? 0) : 0;
  const budget = Math.min(policy.perResume, policy.perMinute - sent);
  if (budget <= 0) return { ok: false, reason: 'budget', state: base };
  return { ok: true, budget, state: { ...base, resumeUntil: now + policy.leaseMs, resumeMinute: minuteOf(now), resumeSent: sent } };
}

/** Ends a resume: releases the lease and counts what it sent against the minute's budget. */
export function endResume(state: LimitState | undefined, now: number, sent: number): LimitState {
  const base: LimitState = state ?? { tokens: MESSAGE_RATE.burst, at: now };
  const minute = minuteOf(now);
  const already = base.resumeMinute === minute ? (base.resumeSent ?? 0) : 0;
  const { resumeUntil: _lease, ...rest } = base;
  return { ...rest, resumeMinute: minute, resumeSent: already + sent };
}
