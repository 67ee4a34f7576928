// How live snapshots and REST figures combine into the additive KPIs (count, volume, fees, and the
// average ticket derived from them), exactly:
//
//   KPI = REST totals of [from, W)  +  Σ over the minutes b of [W, to…) of newest(live(b), rest(b))
//
// W is the start of the baseline window (the newest BASELINE_MINUTES of the range), `rest(b)` the
// per-minute REST series of that window, `live(b)` the minute snapshots received over the WebSocket.
// Equivalently: REST totals before W + REST window sum + Σ (live(b) − rest(b)) where live is ahead.
// Both REST parts are settled or per-minute figures, so the KPIs never mix an overview read at one
// moment with minute values read at another (which would count some events twice or not at all).
// A bucket only ever gains events (ingest deduplicates), so for one (bucket, type, currency) the
// figures with the higher count are the newer: whichever arrives first — a snapshot or a (possibly
// 10 s cached) REST response — the sum stays right, across refetches too, and a snapshot never
// counts twice. Snapshots go through `applySnapshot` (highest version wins; replays and older
// versions change nothing). Minutes after the REST `to` (sliding ranges) count in full.
//
// Before phase 2 (window series) arrives, the KPIs show the overview as is. Not additive, so not
// updated from snapshots: unique merchants and the success rate (REST gives no per-minute success
// counts). Those, the breakdown, and snapshots older than W are reconciled by a throttled REST
// refetch that the dashboard schedules whenever snapshots arrive.
import {
  EVENT_TYPES,
  divideDecimal,
  fromUnits,
  toUnits,
  type BucketState,
  type EventType,
  type Granularity,
  type TotalsRow,
} from '../../../contracts/index.js';
import { type BucketFigures, type DashboardData, figuresKey } from '../data.js';

export interface LiveDiff {
  /** Minute bucket start (epoch ms). */
  bucket: number;
  type: EventType;
  count: number;
  volume: bigint;
  fees: bigint;
}

export interface Selection {
  currency: string;
  type?: EventType;
}

const ZERO: BucketFigures = { count: 0, volume: 0n, fees: 0n };

/** The per-bucket differences live snapshots add to the REST view; `stale` counts snapshots REST cannot place. */
export function liveDiffs(data: DashboardData, live: BucketState, sel: Selection): { diffs: LiveDiff[]; stale: number } {
  const diffs: LiveDiff[] = [];
  let stale = 0;
  // Until the baseline is in, snapshots wait in the live map (KPIs show the REST figures).
  const baseline = data.baseline;
  if (!baseline) return { diffs, stale };
  const from = Date.parse(data.range.from);
  const to = Date.parse(data.range.to);
  for (const snapshot of live.values()) {
    if (snapshot.room !== data.room) continue;
    const bucket = Date.parse(snapshot.bucket);
    if (Number.isNaN(bucket) || bucket < from) continue;
    // A fixed (custom) range ends at `to`; a relative one slides on until the next refetch.
    if (!data.range.relative && bucket >= to) continue;
    let known: Map<string, BucketFigures> | undefined;
    if (bucket < baseline.from) {
      stale += 1;
      continue;
    } else if (bucket < baseline.to) {
      known = baseline.buckets.get(bucket);
    }
    for (const v of snapshot.values) {
      if (v.currency !== sel.currency || (sel.type && v.type !== sel.type)) continue;
      const base = known?.get(figuresKey(v.type, v.currency)) ?? ZERO;
      if (v.count <= base.count) continue;
      // Money only grows with the count too; never let a mismatched baseline subtract.
      const volume = toUnits(v.volume) - base.volume;
      const fees = toUnits(v.fees) - base.fees;
      diffs.push({ bucket, type: v.type, count: v.count - base.count, volume: volume > 0n ? volume : 0n, fees: fees > 0n ? fees : 0n });
    }
  }
  return { diffs, stale };
}

export interface KpiFigures {
  count: number;
  /** Decimal strings, 4 fraction digits. */
  volume: string;
  fees: string;
  avgTicket: string;
  /** Unique merchants; null when the API gave no figure for this currency. */
  merchants: number | null;
  /** Wallet transactions' success rate 0–1; null without wallet transactions. */
  successRate: number | null;
}

export interface Kpis {
  currency: string;
  current: KpiFigures;
  previous: KpiFigures;
}

function figuresOf(
  rows: TotalsRow[],
  currency: string,
  merchantsRow: { merchants: number } | undefined,
  diffs: LiveDiff[] = [],
): KpiFigures {
  let count = 0;
  let volume = 0n;
  let fees = 0n;
  let successRate: number | null = null;
  const mine = rows.filter((r) => r.currency === currency);
  for (const r of mine) {
    count += r.count;
    volume += toUnits(r.volume);
    fees += toUnits(r.fees);
    if (r.type === 'wallet_txn_created') successRate = r.success_rate;
  }
  for (const d of diffs) {
    count += d.count;
    volume += d.volume;
    fees += d.fees;
  }
  const merchants = merchantsRow?.merchants ?? (mine.length === 0 ? 0 : mine.length === 1 ? mine[0]!.merchants : null);
  const volumeStr = fromUnits(volume);
  return { count, volume: volumeStr, fees: fromUnits(fees), avgTicket: divideDecimal(volumeStr, count), merchants, successRate };
}

/** Per-(type, currency) sums of the baseline window, as totals rows (only the additive fields). */
function windowTotals(data: DashboardData): TotalsRow[] {
  const sums = new Map<string, { type: EventType; currency: string; count: number; volume: bigint; fees: bigint }>();
  for (const bucket of data.baseline?.buckets.values() ?? []) {
    for (const [key, f] of bucket) {
      const [type, currency] = key.split('|') as [EventType, string];
      let sum = sums.get(key);
      if (!sum) sums.set(key, (sum = { type, currency, count: 0, volume: 0n, fees: 0n }));
      sum.count += f.count;
      sum.volume += f.volume;
      sum.fees += f.fees;
    }
  }
  return [...sums.values()].map((x) => ({
    type: x.type,
    currency: x.currency,
    count: x.count,
    volume: fromUnits(x.volume),
    fees: fromUnits(x.fees),
    avg_ticket: '0',
    merchants: 0,
    success_rate: null,
  }));
}

/** KPIs of one currency (see the header for how REST and live combine), and the previous period. */
export function computeKpis(data: DashboardData, currency: string, diffs: LiveDiff[]): Kpis {
  const row = (rows: { key: string; currency: string; merchants: number }[]) =>
    rows.find((r) => r.currency === currency || r.key === currency);
  const rest = figuresOf(data.overview.totals, currency, row(data.merchants.current.rows));
  let current = rest;
  if (data.baseline && data.older) {
    const additive = figuresOf([...data.older, ...windowTotals(data)], currency, undefined, diffs);
    current = { ...additive, merchants: rest.merchants, successRate: rest.successRate };
  }
  return { currency, current, previous: figuresOf(data.overview.previous.totals, currency, row(data.merchants.previous.rows)) };
}

/** Currencies present in the view, most volume first (the default is the first). */
export function currencyChoices(data: DashboardData | undefined, selected?: string): string[] {
  const volume = new Map<string, bigint>();
  for (const r of data?.overview.totals ?? []) volume.set(r.currency, (volume.get(r.currency) ?? 0n) + toUnits(r.volume));
  const list = [...volume.entries()].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0].localeCompare(b[0]))).map(([c]) => c);
  if (selected && !list.includes(selected)) list.unshift(selected);
  return list;
}

export interface ChartSeries {
  granularity: Granularity;
  /** Bucket starts, ISO-8601, ascending. */
  labels: string[];
  lines: Array<{ type: EventType; values: number[] }>;
}

const GRANULARITY_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Start of the bucket (UTC) holding a minute, for a granularity. */
export function bucketStart(ms: number, granularity: Granularity): number {
  const size = GRANULARITY_MS[granularity];
  return Math.floor(ms / size) * size;
}

/** One line per event type for the selected currency, with live differences folded into their buckets. */
export function chartSeries(
  data: DashboardData,
  sel: Selection,
  metric: 'count' | 'volume' | 'fees',
  diffs: LiveDiff[],
): ChartSeries | undefined {
  if (!data.timeseries) return undefined;
  const g = data.timeseries.granularity;
  const byType = new Map<EventType, Map<number, number>>();
  const times = new Set<number>();
  const line = (type: EventType) => {
    let m = byType.get(type);
    if (!m) byType.set(type, (m = new Map()));
    return m;
  };
  for (const s of data.timeseries.series) {
    if (s.currency !== sel.currency || (sel.type && s.type !== sel.type)) continue;
    const m = line(s.type);
    for (const p of s.points) {
      const t = Date.parse(p.t);
      times.add(t);
      m.set(t, (m.get(t) ?? 0) + Number(p.value));
    }
  }
  const lastKnown = times.size ? Math.max(...times) : -Infinity;
  for (const d of diffs) {
    const t = bucketStart(d.bucket, g);
    // Buckets inside the series must exist there (zero-filled); new ones appear only past its end.
    if (!times.has(t) && t < lastKnown) continue;
    times.add(t);
    const add = metric === 'count' ? d.count : Number(fromUnits(metric === 'volume' ? d.volume : d.fees));
    const m = line(d.type);
    m.set(t, (m.get(t) ?? 0) + add);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const lines = EVENT_TYPES.filter((t) => byType.has(t)).map((type) => ({
    type,
    values: sorted.map((t) => byType.get(type)!.get(t) ?? 0),
  }));
  return { granularity: g, labels: sorted.map((t) => new Date(t).toISOString()), lines };
}

/** Newest `recorded_at` among the view's snapshots (epoch ms), or undefined. */
export function newestRecordedAt(live: BucketState, room: string): number | undefined {
  let newest: number | undefined;
  for (const s of live.values()) {
    if (s.room !== room) continue;
    const t = Date.parse(s.recorded_at);
    if (!Number.isNaN(t) && (newest === undefined || t > newest)) newest = t;
  }
  return newest;
}
