// The tiling of whole-day ranges by sql/008's span rows (pure): exact, aligned within the month, short.
import { describe, expect, it } from 'vitest';
import { MERCHANT_SPANS, spanBlocks } from '../functions/api/lib/merchant-spans.js';

const DAY = 86_400_000;
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/** What a span row of the view covers: its month's days [d, d + span) cut at the month's end. */
function viewBlock(atMs: number, span: number): { fromMs: number; toMs: number } {
  const d = new Date(atMs);
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const dayOfMonth = d.getUTCDate() - 1;
  const from = monthStart + (dayOfMonth - (dayOfMonth % span)) * DAY;
  return { fromMs: from, toMs: Math.min(from + span * DAY, monthEnd) };
}

describe('spanBlocks', () => {
  it('tiles a 30-day range with a few blocks, each one the view writes', () => {
    const blocks = spanBlocks(day('2026-11-03'), day('2026-12-02'));
    expect(blocks.map((b) => [new Date(b.fromMs).toISOString().slice(0, 10), b.span])).toEqual([
      ['2026-11-03', 2],
      ['2026-11-05', 4],
      ['2026-11-09', 8],
      ['2026-11-17', 16],
      ['2026-12-01', 1],
    ]);
    // The 16-day block of November is cut at the month's end (days 17–30).
    expect(blocks[3]!.toMs).toBe(day('2026-12-01'));
  });

  it('is exact and aligned for every range of up to 100 days over two years, leap day included', () => {
    const start = day('2027-12-01');
    let longest = 0;
    for (let a = 0; a < 800; a += 7) {
      for (let len = 1; len <= 100; len += a % 3 === 0 ? 1 : 13) {
        const from = start + a * DAY;
        const to = from + len * DAY;
        const blocks = spanBlocks(from, to);
        let at = from;
        for (const b of blocks) {
          expect(b.fromMs).toBe(at);
          expect(MERCHANT_SPANS).toContain(b.span);
          expect(viewBlock(b.fromMs, b.span)).toEqual({ fromMs: b.fromMs, toMs: b.toMs });
          at = b.toMs;
        }
        expect(at).toBe(to);
        // At most two blocks per span and month touched.
        const months = new Set(blocks.map((b) => new Date(b.fromMs).toISOString().slice(0, 7))).size;
        expect(blocks.length).toBeLessThanOrEqual(2 * MERCHANT_SPANS.length * months);
        if (len <= 31) longest = Math.max(longest, blocks.length);
      }
    }
    expect(longest).toBeLessThanOrEqual(14);
  });

  it('refuses a bound that is not a whole day', () => {
    expect(() => spanBlocks(day('2026-11-03') + 60_000, day('2026-11-05'))).toThrow(RangeError);
    expect(spanBlocks(day('2026-11-03'), day('2026-11-03'))).toEqual([]);
  });
});
