// Point decimation for drawing: a canvas a few hundred pixels wide cannot show 1,500 points per
// line, and drawing them costs main-thread time on every live redraw. Buckets are grouped and each
// group keeps its minimum and maximum (in time order), so peaks and dips stay visible; the data
// table and CSV keep every point. The incomplete bucket and the last one always survive.

export interface Decimated {
  /** Indexes into the original series that are drawn, ascending. */
  indexes: number[];
}

/** Chooses at most ~`target` indexes covering `lines` (same length each); all when already small. */
export function decimate(lines: ReadonlyArray<ReadonlyArray<number>>, target: number, keep: readonly number[] = []): Decimated {
  const n = lines[0]?.length ?? 0;
  if (n <= target || target < 4) return { indexes: Array.from({ length: n }, (_, i) => i) };
  const groups = Math.max(1, Math.floor(target / 2));
  const size = n / groups;
  const chosen = new Set<number>([0, n - 1, ...keep.filter((i) => i >= 0 && i < n)]);
  for (let g = 0; g < groups; g++) {
    const start = Math.floor(g * size);
    const end = Math.min(n, Math.floor((g + 1) * size));
    for (const line of lines) {
      let lo = start;
      let hi = start;
      for (let i = start; i < end; i++) {
        if (line[i]! < line[lo]!) lo = i;
        if (line[i]! > line[hi]!) hi = i;
      }
      chosen.add(lo);
      chosen.add(hi);
    }
  }
  return { indexes: [...chosen].sort((a, b) => a - b) };
}
