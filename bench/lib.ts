// Shared by every benchmark part: statistics over repeated runs, and one reporting format.
// A part prints its own table and one machine-readable line that `npm run bench` collects
// into the overall table. Figures only: benchmarks never assert.

export interface BenchRow {
  part: string;
  metric: string;
  value: number;
  unit: string;
  /** The target from the issue, as text (e.g. "≥ 50,000"). */
  target?: string;
  note?: string;
}

export const BENCH_LINE_PREFIX = '##bench ';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(3);
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['part', 'metric', 'value', 'unit', 'target', 'note'];
  const cells = rows.map((r) => [r.part, r.metric, format(r.value), r.unit, r.target ?? '', r.note ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Prints the part's table and the line `npm run bench` collects. */
export function report(rows: readonly BenchRow[]): void {
  console.log(formatTable(rows));
  console.log(`${BENCH_LINE_PREFIX}${JSON.stringify(rows)}`);
}

export function machine(): string {
  // Imported lazily so the web bundle never sees node:os.
  return `${process.platform}/${process.arch}, node ${process.version}`;
}
