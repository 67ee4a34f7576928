// A progress bar on stderr: done/total, rate and ETA. Redrawn in place on a terminal; on a pipe
// (CI, logs) one line every few seconds instead of a flood of carriage returns.
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private done: number;

  constructor(
    private readonly sink: ProgressSink | null,
    private readonly total: number,
    /** Rows already done before this run (a resumed backfill); not counted in the rate. */
    private readonly initial = 0,
    private readonly label = 'backfill',
  ) {
    this.done = initial;
  }

  /** Rows per second in this run. */
  rate(now = Date.now()): number {
    const secs = (now - this.started) / 1000;
    return secs > 0 ? (this.done - this.initial) / secs : 0;
  }

  line(now = Date.now()): string {
    const total = Math.max(this.total, this.done);
    const ratio = total > 0 ? this.done / total : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const rate = this.rate(now);
    const eta = rate > 0 ? (total - this.done) / rate : Number.NaN;
    return (
      `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(1).padStart(5)}% ` +
      `${this.done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s  ETA ${formatDuration(eta)}`
    );
  }

  update(done: number): void {
    this.done = done;
    if (!this.sink) return;
    const now = Date.now();
    const interval = this.sink.isTTY ? 100 : 5000;
    if (now - this.lastDraw < interval) return;
    this.lastDraw = now;
    this.sink.write(this.sink.isTTY ? `\r${this.line(now)}\u001b[K` : `${this.line(now)}\n`);
  }

  finish(): void {
    if (!this.sink) return;
    this.sink.write(this.sink.isTTY ? `\r${this.line()}\u001b[K\n` : `${this.line()}\n`);
  }
}
