// The backfill itself: PostgreSQL source rows -> contract events -> the live path's validation
// (sortRecords) and insert (storeBatch), one chunk of `batchSize` rows per source at a time.
//
// Why a re-run, or a range live ingest already covered, never double-counts: the same rule as the
// live path — event_id decides (storeBatch: ids already in analytics_event_ids are duplicates, a
// different version under a stored id is a duplicate_conflict reject). The checkpoint only saves
// work: a completed chunk is not read again by the same command. The id table keeps every id at
// least 90 days after it was stored, also for history older than raw's own 90-day TTL.
import type pg from 'pg';
import type { ClickHouseClient } from '@clickhouse/client';
import { sortRecords, type RejectedRecord } from '../../functions/ingest/records.js';
import { storeBatch } from '../../functions/ingest/store.js';
import { checkpointPath, emptyProgress, loadCheckpoint, saveCheckpoint, type Checkpoint, type SourceProgress } from './checkpoint.js';
import { ProgressBar, type ProgressSink } from './progress.js';
import { SOURCES, countQuery, pageQuery, toKafkaRecord, type SourceKey, type SourceRow } from './sources.js';

export interface BackfillOptions {
  /** Range [from, to) as ISO-8601 UTC timestamps. */
  from: string;
  to: string;
  batchSize: number;
  dryRun?: boolean;
  /** false: ignore an existing checkpoint and start over (safe: see the header). */
  resume?: boolean;
  pg: Pick<pg.Client, 'query'>;
  /** Not needed for a dry run. */
  clickhouse?: ClickHouseClient;
  checkpointDir: string;
  /** Redacted source and target URLs: part of the checkpoint's identity. */
  identity: { source: string; target: string };
  progress?: ProgressSink | null;
  log?: (line: string) => void;
  now?: () => number;
}

export interface DayCount {
  day: string;
  type: string;
  valid: number;
  rejected: number;
}

export interface BackfillSummary {
  dryRun: boolean;
  checkpointFile?: string;
  resumed: boolean;
  totalRows: number;
  /** Rows read by this run (a resumed run does not re-read completed chunks). */
  rowsReadThisRun: number;
  sources: Record<string, SourceProgress>;
  rejectReasons: Record<string, number>;
  /** Dry run only: counts per event type and UTC day. */
  days: DayCount[];
  elapsedMs: number;
  rowsPerSecond: number;
}

const DAY_MS = 86_400_000;

/** `<from> <to>` as the CLI takes them: UTC dates (a bare `to` date includes that day) or ISO timestamps. */
export function parseRange(fromArg: string, toArg: string): { from: string; to: string } {
  const parse = (value: string, isTo: boolean): number => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const ms = Date.parse(`${value}T00:00:00.000Z`);
      if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw new RangeError(`not a date: ${value}`);
      return isTo ? ms + DAY_MS : ms;
    }
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      throw new RangeError(`not a UTC date or ISO-8601 timestamp with zone: ${value}`);
    }
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${value}`);
    return ms;
  };
  const from = parse(fromArg, false);
  const to = parse(toArg, true);
  if (!(from < to)) throw new RangeError(`<from> must be before <to> (${new Date(from).toISOString()} .. ${new Date(to).toISOString()})`);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

export async function runBackfill(opts: BackfillOptions): Promise<BackfillSummary> {
  const started = Date.now();
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const dryRun = opts.dryRun === true;
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1 || opts.batchSize > 100_000) {
    throw new RangeError('batchSize must be an integer between 1 and 100000');
  }
  if (!dryRun && !opts.clickhouse) throw new Error('a ClickHouse client is required unless dryRun');

  const args: Checkpoint['args'] = { from: opts.from, to: opts.to, batchSize: opts.batchSize, ...opts.identity };
  const file = checkpointPath(opts.checkpointDir, args);
  // The dry run neither reads nor writes the checkpoint: it describes the whole range.
  const previous = !dryRun && opts.resume !== false ? await loadCheckpoint(file) : undefined;
  const checkpoint: Checkpoint = previous ?? {
    version: 1,
    args,
    sources: {},
    rejectReasons: {},
    startedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };
  for (const s of SOURCES) checkpoint.sources[s.name] ??= emptyProgress();
  if (previous) {
    const done = Object.values(previous.sources).reduce((n, p) => n + p.rowsRead, 0);
    log(`resuming from ${file} (${done} rows already done)`);
  }

  let totalRows = 0;
  for (const s of SOURCES) {
    const r = await opts.pg.query<{ n: string }>(countQuery(s), [opts.from, opts.to]);
    totalRows += Number(r.rows[0]!.n);
  }
  const initial = Object.values(checkpoint.sources).reduce((n, p) => n + p.rowsRead, 0);
  const bar = new ProgressBar(
    opts.progress === undefined ? process.stderr : opts.progress,
    totalRows,
    initial,
    dryRun ? 'dry run' : 'backfill',
  );
  const days = new Map<string, DayCount>();
  let readThisRun = 0;

  for (const s of SOURCES) {
    const state = checkpoint.sources[s.name]!;
    const fetchPage = (after: SourceKey | null): Promise<SourceRow[]> => {
      const params: unknown[] = [opts.from, opts.to, opts.batchSize];
      if (after) params.push(after.time, after.id);
      return opts.pg.query<SourceRow>(pageQuery(s, after), params).then((r) => r.rows);
    };
    let next: Promise<SourceRow[]> | undefined = state.done ? undefined : fetchPage(state.after);
    while (!state.done && next) {
      const rows = await next;
      next = undefined;
      // Read the next page from PostgreSQL while this one is validated and inserted.
      if (rows.length === opts.batchSize) {
        const last = rows[rows.length - 1]!;
        next = fetchPage({ time: last.key_time, id: last.id });
        next.catch(() => {}); // awaited in the next turn; a failure there surfaces then
      }
      if (rows.length === 0) {
        state.done = true;
        break;
      }
      const records = rows.map((row) => toKafkaRecord(s, row));
      const sorted = sortRecords(records, now());
      // Quarantine rows under the source table's name, so a reject leads back to its row (offset = id).
      const rejected: RejectedRecord[] = sorted.rejected.map((r) => ({ record: { ...r.record, topic: s.name }, reject: r.reject }));
      for (const r of rejected) checkpoint.rejectReasons[r.reject.code] = (checkpoint.rejectReasons[r.reject.code] ?? 0) + 1;

      if (dryRun) {
        const tally = (day: string, field: 'valid' | 'rejected') => {
          const key = `${day}|${s.type}`;
          const d = days.get(key) ?? { day, type: s.type, valid: 0, rejected: 0 };
          d[field]++;
          days.set(key, d);
        };
        for (const v of sorted.valid) tally(v.event.occurred_at.slice(0, 10), 'valid');
        for (const r of sorted.rejected) tally(new Date(r.record.timestamp).toISOString().slice(0, 10), 'rejected');
        state.inserted += sorted.valid.length;
      } else {
        // Offsets here are source row ids on a partition no topic has: no offset regressions to report.
        const stored = await storeBatch(opts.clickhouse!, { records, valid: sorted.valid, rejected }, now(), { checkOffsets: false });
        for (const c of stored.conflicts) checkpoint.rejectReasons[c.reject.code] = (checkpoint.rejectReasons[c.reject.code] ?? 0) + 1;
        state.inserted += stored.inserted.length;
        state.alreadyPresent += stored.duplicates.length;
        state.rejected += stored.conflicts.length;
      }
      state.rejected += rejected.length;
      state.rowsRead += rows.length;
      state.chunks++;
      const last = rows[rows.length - 1]!;
      state.after = { time: last.key_time, id: last.id };
      if (rows.length < opts.batchSize) state.done = true;
      readThisRun += rows.length;
      if (!dryRun) await saveCheckpoint(file, checkpoint);
      bar.update(initial + readThisRun);
    }
  }
  if (!dryRun) await saveCheckpoint(file, checkpoint);
  bar.finish();
  const elapsedMs = Date.now() - started;
  return {
    dryRun,
    checkpointFile: dryRun ? undefined : file,
    resumed: previous !== undefined,
    totalRows,
    rowsReadThisRun: readThisRun,
    sources: checkpoint.sources,
    rejectReasons: checkpoint.rejectReasons,
    days: [...days.values()].sort((a, b) => (a.day === b.day ? a.type.localeCompare(b.type) : a.day.localeCompare(b.day))),
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? (readThisRun * 1000) / elapsedMs : 0,
  };
}

/** Human-readable summary (stdout). */
export function formatSummary(summary: BackfillSummary, range: { from: string; to: string }): string {
  const lines: string[] = [];
  lines.push(
    `${summary.dryRun ? 'DRY RUN (nothing written)' : 'backfill'} ${range.from} .. ${range.to}  (${summary.totalRows} source rows in range)`,
  );
  if (summary.dryRun) {
    lines.push('day         type                  valid  rejected');
    for (const d of summary.days)
      lines.push(`${d.day}  ${d.type.padEnd(20)} ${String(d.valid).padStart(6)}  ${String(d.rejected).padStart(8)}`);
    const valid = summary.days.reduce((n, d) => n + d.valid, 0);
    const rejected = summary.days.reduce((n, d) => n + d.rejected, 0);
    lines.push(`total                             ${String(valid).padStart(6)}  ${String(rejected).padStart(8)}`);
  } else {
    lines.push('source               rows read  inserted  already present  rejected  chunks');
    for (const s of SOURCES) {
      const p = summary.sources[s.name]!;
      lines.push(
        `${s.name.padEnd(20)} ${String(p.rowsRead).padStart(9)}  ${String(p.inserted).padStart(8)}  ${String(p.alreadyPresent).padStart(15)}  ${String(p.rejected).padStart(8)}  ${String(p.chunks).padStart(6)}`,
      );
    }
  }
  const reasons = Object.entries(summary.rejectReasons).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    lines.push(
      `rejected rows by reason${summary.dryRun ? '' : ' (stored in analytics_events_rejected, topic = source table, partition = 4294967295, offset = row id)'}:`,
    );
    for (const [code, n] of reasons) lines.push(`  ${code.padEnd(20)} ${n}`);
  }
  lines.push(
    `${summary.rowsReadThisRun} rows in ${(summary.elapsedMs / 1000).toFixed(1)} s (${Math.round(summary.rowsPerSecond)} rows/s)${summary.resumed ? ', resumed from checkpoint' : ''}`,
  );
  if (summary.checkpointFile)
    lines.push(`checkpoint: ${summary.checkpointFile} (a re-run of the same command resumes from it; --no-resume starts over)`);
  return lines.join('\n');
}
