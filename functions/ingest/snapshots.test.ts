// Snapshot versions: clients keep the highest version per bucket, so a later read must never get a
// lower one — not for a thousand reads in one millisecond, nor when the clock steps back.
import { describe, expect, it } from 'vitest';
import { nextVersion } from './snapshots.js';

describe('nextVersion', () => {
  it('grows strictly for reads in the same millisecond, past any sequence width', () => {
    const t = Date.UTC(2026, 11, 1, 12, 0, 0);
    const versions = Array.from({ length: 2_500 }, () => nextVersion(t));
    for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
  });

  it('follows the clock in microseconds and never goes back with it', () => {
    const t = Date.UTC(2030, 0, 1);
    const a = nextVersion(t);
    expect(a).toBeGreaterThanOrEqual(t * 1000);
    expect(a).toBeLessThan((t + 1) * 1000);
    const later = nextVersion(t + 5);
    expect(later).toBeGreaterThanOrEqual((t + 5) * 1000);
    expect(nextVersion(t - 60_000)).toBeGreaterThan(later);
  });
});
