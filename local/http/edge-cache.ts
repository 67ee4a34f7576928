// CloudFront's shared cache for the REST API: keyed like the cache policy (path, the whole query
// string as sent, the token header), an answer kept as long as its Cache-Control allows (s-maxage,
// else max-age; no-store / no-cache / private never stored), capped at the policy's MaxTTL, and
// concurrent misses of one key collapsed into one origin request. The clock is injected.
import { liveView } from '../lib/live-view.js';
import type { StoredResponse } from './function-url.js';

interface CacheEntry extends StoredResponse {
  storedAt: number;
  expiresAt: number;
}

/** CloudFront's `X-Cache` values for an answer served from the cache and one fetched from the origin. */
export const X_CACHE = { hit: 'Hit from cloudfront', miss: 'Miss from cloudfront' } as const;

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly stores: number;
  readonly entries: number;
}

/** Seconds a shared cache may keep a response under its Cache-Control (0 = not at all). */
export function sharedCacheTtl(cacheControl: string | undefined): number {
  if (!cacheControl) return 0;
  const directives = new Map<string, string | undefined>();
  for (const part of cacheControl.split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return 0;
  const seconds = Number(directives.get('s-maxage') ?? directives.get('max-age') ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** The cache policy's key: path, the whole query string as sent, the token header's value. */
export function cacheKey(pathname: string, rawQueryString: string, token: string | string[] | undefined): string {
  return `${pathname}?${rawQueryString}\n${token ?? ''}`;
}

export interface EdgeCacheOptions {
  /** Longest time an answer is kept (MaxTTL), seconds. */
  maxTtlSeconds: number;
  /** Entries kept at most; expired ones go first, then the oldest. */
  maxEntries: number;
  now: () => number;
  /** Called on each stored answer (the gateway starts its gzip there, once per entry). */
  onStore?: (response: StoredResponse) => void;
}

export type Lookup = { hit: true; response: StoredResponse; ageSeconds: number } | { hit: false; response: Promise<StoredResponse> };

export class EdgeCache {
  private readonly entries = new Map<string, CacheEntry>();
  // Concurrent misses for one key wait for a single invocation, as CloudFront collapses them.
  private readonly inflight = new Map<string, Promise<StoredResponse>>();
  private readonly counts = { hits: 0, misses: 0, stores: 0 };
  readonly stats: CacheStats;

  constructor(private readonly options: EdgeCacheOptions) {
    const entries = this.entries;
    this.stats = Object.defineProperty(liveView(this.counts, ['hits', 'misses', 'stores']), 'entries', {
      get: () => entries.size,
      enumerable: true,
    }) as CacheStats;
  }

  /** A fresh stored answer, or the origin's (one request for all concurrent misses of the key). */
  lookup(key: string, origin: () => Promise<StoredResponse>): Lookup {
    const hit = this.entries.get(key);
    const t = this.options.now();
    if (hit && hit.expiresAt > t) {
      this.counts.hits++;
      return { hit: true, response: hit, ageSeconds: Math.floor((t - hit.storedAt) / 1000) };
    }
    if (hit) this.entries.delete(key);
    this.counts.misses++;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = origin().then((r) => {
        this.store(key, r);
        return r;
      });
      const p = pending;
      this.inflight.set(key, p);
      void p.finally(() => this.inflight.delete(key)).catch(() => undefined);
    }
    return { hit: false, response: pending };
  }

  /** Counts a request that bypassed the cache (cache disabled). */
  bypass(): void {
    this.counts.misses++;
  }

  clear(): void {
    this.entries.clear();
  }

  private store(key: string, response: StoredResponse): void {
    const ttl = Math.min(this.options.maxTtlSeconds, sharedCacheTtl(response.headers['cache-control'] as string | undefined));
    if (ttl <= 0) return;
    this.options.onStore?.(response);
    if (this.entries.size >= this.options.maxEntries) {
      const t = this.options.now();
      for (const [k, e] of this.entries) if (e.expiresAt <= t) this.entries.delete(k);
      while (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    const storedAt = this.options.now();
    this.entries.set(key, { ...response, storedAt, expiresAt: storedAt + ttl * 1000 });
    this.counts.stores++;
  }
}
