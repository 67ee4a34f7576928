// The /health verdict without a ClickHouse round trip per call: a healthy verdict is reused for
// `ttlMs`, concurrent callers share one probe, and an unhealthy verdict is never reused (the next
// call probes again, so recovery shows at once). Pure decision apart from the probing itself.

export interface Verdict {
  ok: boolean;
  /** When the probe that produced it started (ms). */
  at: number;
}

/** Whether a cached verdict can answer at `now`. */
export function verdictFresh(cached: Verdict | undefined, now: number, ttlMs: number): boolean {
  // biome-ignore lint/complexity/useOptionalChain: `cached?.ok` would make the result boolean | undefined.
  return cached !== undefined && cached.ok && now >= cached.at && now - cached.at < ttlMs;
}

export interface HealthCache {
  /** The current verdict: cached when fresh, else from one (shared) probe. */
  check(now: number): Promise<Verdict>;
}

/** `ttlMs` is read at each call, so the environment can change it in a running container. */
export function createHealthCache(probe: () => Promise<boolean>, ttlMs: () => number): HealthCache {
  let cached: Verdict | undefined;
  let inflight: Promise<Verdict> | undefined;
  return {
    check(now) {
      if (verdictFresh(cached, now, ttlMs())) return Promise.resolve(cached!);
      inflight ??= probe()
        .then((ok) => {
          cached = { ok, at: now };
          return cached;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
  };
}
