import { describe, expect, it } from 'vitest';
import { applySnapshot, type BucketState, type DeltaSnapshot, type TimeseriesResponse, type TotalsRow } from '../../../contracts/index.js';
import { buildBaseline, type DashboardData } from '../data.js';
import { chartSeries, computeKpis, currencyChoices, liveDiffs, newestRecordedAt } from './merge.js';

// A 15-minute view of country:SN fetched at 10:15:30, with a 5-minute baseline window from 10:11:
// REST knows minute 10:14 (2 wallet txns) and 10:15 (1 wallet txn); XOF plus a little GHS.
const FROM = '2026-11-27T10:01:00.000Z';
const W = '2026-11-27T10:11:00.000Z';
const TO = '2026-11-27T10:16:00.000Z';
const M14 = '2026-11-27T10:14:00.000Z';
const M15 = '2026-11-27T10:15:00.000Z';
const ROOM = 'country:SN';

const row = (r: Partial<TotalsRow> & Pick<TotalsRow, 'type' | 'currency'>): TotalsRow => ({
  count: 0,
  volume: '0.0000',
  fees: '0.0000',
  avg_ticket: '0.0000',
  merchants: 0,
  success_rate: null,
  ...r,
});

function series(metric: 'count' | 'volume' | 'fees', values: Record<string, string | number>, from = FROM): TimeseriesResponse {
  const points = [];
  for (let t = Date.parse(from); t < Date.parse(TO); t += 60_000) {
    const iso = new Date(t).toISOString();
    points.push({ t: iso.replace('.000Z', 'Z'), value: values[iso] ?? (metric === 'count' ? 0 : '0.0000') });
  }
  return { from: FROM, to: TO, granularity: 'minute', metric, series: [{ type: 'wallet_txn_created', currency: 'XOF', points }] };
}

function fixture(): Required<Pick<DashboardData, 'timeseries' | 'breakdown' | 'baseline' | 'older'>> & DashboardData {
  const count = series('count', { [M14]: 2, [M15]: 1 }, W);
  const volume = series('volume', { [M14]: '3000.0000', [M15]: '500.0000' }, W);
  const fees = series('fees', { [M14]: '30.0000', [M15]: '5.0000' }, W);
  return {
    fetchedAt: Date.parse('2026-11-27T10:15:30Z'),
    range: { from: FROM, to: TO, relative: true },
    room: ROOM,
    summary: {
      from: FROM,
      to: TO,
      current: { count: 0, succeeded: 0, failed: 0, pending: 0, merchants: 0, wallet_count: 0, success_rate: null },
      previous: { from: FROM, to: FROM, count: 0, succeeded: 0, failed: 0, pending: 0, merchants: 0, wallet_count: 0, success_rate: null },
    },
    overview: {
      from: FROM,
      to: TO,
      totals: [
        row({
          type: 'wallet_txn_created',
          currency: 'XOF',
          count: 10,
          volume: '20000.0000',
          fees: '200.0000',
          merchants: 4,
          success_rate: 0.9,
        }),
        row({ type: 'payout.settled', currency: 'XOF', count: 2, volume: '100000.0000', fees: '0.0000', merchants: 2 }),
        row({ type: 'wallet_txn_created', currency: 'GHS', count: 1, volume: '50.0000', fees: '0.5000', merchants: 1, success_rate: 1 }),
      ],
      previous: {
        from: '2026-11-27T09:46:00.000Z',
        to: FROM,
        totals: [
          row({
            type: 'wallet_txn_created',
            currency: 'XOF',
            count: 8,
            volume: '16000.0000',
            fees: '160.0000',
            merchants: 3,
            success_rate: 0.75,
          }),
        ],
      },
    },
    merchants: {
      current: {
        from: FROM,
        to: TO,
        by: 'currency',
        metric: 'merchants',
        rows: [{ key: 'XOF', currency: 'XOF', count: 12, volume: '120000.0000', fees: '200.0000', merchants: 5 }],
      },
      previous: {
        from: FROM,
        to: TO,
        by: 'currency',
        metric: 'merchants',
        rows: [{ key: 'XOF', currency: 'XOF', count: 8, volume: '16000.0000', fees: '160.0000', merchants: 3 }],
      },
    },
    timeseries: series('volume', { [M14]: '3000.0000', [M15]: '500.0000' }),
    breakdown: { from: FROM, to: TO, by: 'country', metric: 'volume', rows: [] },
    baseline: buildBaseline(Date.parse(W), Date.parse(TO), count, volume, fees),
    // The overview minus the window: REST totals of [FROM, W).
    older: [
      row({ type: 'wallet_txn_created', currency: 'XOF', count: 7, volume: '16500.0000', fees: '165.0000' }),
      row({ type: 'payout.settled', currency: 'XOF', count: 2, volume: '100000.0000', fees: '0.0000' }),
      row({ type: 'wallet_txn_created', currency: 'GHS', count: 1, volume: '50.0000', fees: '0.5000' }),
    ],
  };
}

function snap(
  bucket: string,
  version: number,
  count: number,
  volume: string,
  fees = '0.0000',
  extra: Partial<DeltaSnapshot> = {},
): DeltaSnapshot {
  return {
    room: ROOM,
    bucket,
    version,
    recorded_at: '2026-11-27T10:15:40.000Z',
    values: [{ type: 'wallet_txn_created', currency: 'XOF', count, volume, fees, merchants: 1, succeeded: count }],
    ...extra,
  };
}

const xof = { currency: 'XOF' };

function kpisAfter(data: DashboardData, live: BucketState) {
  return computeKpis(data, 'XOF', liveDiffs(data, live, xof).diffs).current;
}

describe('REST figures alone', () => {
  it('sums the currency across types, never mixing currencies', () => {
    const k = computeKpis(fixture(), 'XOF', []);
    expect(k.current).toEqual({
      count: 12,
      volume: '120000.0000',
      fees: '200.0000',
      avgTicket: '10000.0000',
      merchants: 5,
      successRate: 0.9,
    });
    expect(k.previous).toEqual({
      count: 8,
      volume: '16000.0000',
      fees: '160.0000',
      avgTicket: '2000.0000',
      merchants: 3,
      successRate: 0.75,
    });
    expect(computeKpis(fixture(), 'GHS', []).current.volume).toBe('50.0000');
  });

  it('equals the overview when nothing happened live, and before phase 2 is the overview', () => {
    const data = fixture();
    expect(computeKpis(data, 'XOF', []).current).toEqual(
      computeKpis({ ...data, baseline: undefined, older: undefined }, 'XOF', []).current,
    );
    expect(computeKpis(data, 'GHS', []).current).toEqual(
      computeKpis({ ...data, baseline: undefined, older: undefined }, 'GHS', []).current,
    );
  });

  it('takes additive figures from settled totals plus the window, not from an overview read at another moment', () => {
    // The overview was read (or cached) before the window series: it misses one wallet txn.
    const data = fixture();
    data.overview = {
      ...data.overview,
      totals: data.overview.totals.map((r) =>
        r.currency === 'XOF' && r.type === 'wallet_txn_created' ? { ...r, count: 9, volume: '19500.0000' } : r,
      ),
    };
    expect(computeKpis(data, 'XOF', []).current).toMatchObject({ count: 12, volume: '120000.0000', merchants: 5, successRate: 0.9 });
  });

  it('offers the currency with most volume first', () => {
    expect(currencyChoices(fixture())).toEqual(['XOF', 'GHS']);
    expect(currencyChoices(fixture(), 'USD')).toEqual(['USD', 'XOF', 'GHS']);
  });
});

describe('live snapshots', () => {
  it('a snapshot replaces its bucket: KPIs gain only what is new beyond REST', () => {
    const data = fixture();
    const live: BucketState = new Map();
    // Minute 10:15 now holds 3 txns (REST knew 1): +2 txns, +1500 volume, +15 fees.
    expect(applySnapshot(live, snap(M15, 1, 3, '2000.0000', '20.0000'))).toBe(true);
    expect(kpisAfter(data, live)).toMatchObject({ count: 14, volume: '121500.0000', fees: '215.0000', avgTicket: '8678.5714' });
    // A newer snapshot of the same bucket replaces it (not added on top).
    expect(applySnapshot(live, snap(M15, 2, 4, '2600.0000', '26.0000'))).toBe(true);
    expect(kpisAfter(data, live)).toMatchObject({ count: 15, volume: '122100.0000', fees: '221.0000' });
  });

  it('a replay changes nothing and an older version is ignored', () => {
    const data = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap(M15, 5, 4, '2600.0000'));
    const before = kpisAfter(data, live);
    expect(applySnapshot(live, snap(M15, 5, 4, '2600.0000'))).toBe(false);
    expect(applySnapshot(live, snap(M15, 3, 2, '1000.0000'))).toBe(false);
    expect(kpisAfter(data, live)).toEqual(before);
    expect(before.count).toBe(15);
  });

  it('a snapshot REST is already ahead of, or equal to, adds nothing (either arrival order is right)', () => {
    const data = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap(M14, 7, 2, '3000.0000', '30.0000')); // same as REST
    expect(kpisAfter(data, live)).toMatchObject({ count: 12, volume: '120000.0000' });
    const older = new Map() as BucketState;
    applySnapshot(older, snap(M14, 6, 1, '1000.0000')); // REST (fetched later) already has more
    expect(kpisAfter(data, older)).toMatchObject({ count: 12, volume: '120000.0000' });
  });

  it('a minute after the REST range counts in full for a sliding range, not for a fixed one', () => {
    const data = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap('2026-11-27T10:16:00.000Z', 1, 1, '700.0000', '7.0000'));
    expect(kpisAfter(data, live)).toMatchObject({ count: 13, volume: '120700.0000', fees: '207.0000' });
    const fixed = { ...data, range: { ...data.range, relative: false } };
    expect(kpisAfter(fixed, live)).toMatchObject({ count: 12, volume: '120000.0000' });
  });

  it('keeps snapshots waiting until the baseline is in, then applies them', () => {
    const { timeseries: _t, breakdown: _b, baseline: _base, ...summary } = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap(M15, 1, 3, '2000.0000'));
    expect(kpisAfter(summary, live)).toMatchObject({ count: 12, volume: '120000.0000' });
    expect(chartSeries(summary, xof, 'volume', [])).toBeUndefined();
    expect(kpisAfter(fixture(), live)).toMatchObject({ count: 14, volume: '121500.0000' });
  });

  it('never subtracts money when a baseline disagrees with a newer snapshot', () => {
    const data = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap(M14, 1, 3, '2999.0000', '0.0000'));
    expect(kpisAfter(data, live)).toMatchObject({ count: 13, volume: '120000.0000', fees: '200.0000' });
  });

  it('ignores other rooms, other currencies and, with a type filter, other types', () => {
    const data = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap(M15, 1, 9, '9000.0000', '0.0000', { room: 'country:CI' }));
    applySnapshot(live, {
      ...snap(M14, 1, 0, '0'),
      values: [
        { type: 'wallet_txn_created', currency: 'GHS', count: 3, volume: '10.0000', fees: '0.0000', merchants: 1, succeeded: 3 },
        { type: 'invoice.paid', currency: 'XOF', count: 1, volume: '400.0000', fees: '0.0000', merchants: 1, succeeded: 1 },
      ],
    });
    expect(kpisAfter(data, live)).toMatchObject({ count: 13, volume: '120400.0000' });
    const walletOnly = computeKpis(data, 'XOF', liveDiffs(data, live, { currency: 'XOF', type: 'wallet_txn_created' }).diffs).current;
    expect(walletOnly).toMatchObject({ count: 12, volume: '120000.0000' });
  });

  it('reports snapshots older than the baseline window as stale instead of guessing', () => {
    const data = fixture();
    // 10:05 is before the window (W = 10:11).
    const live: BucketState = new Map();
    applySnapshot(live, snap('2026-11-27T10:05:00.000Z', 1, 50, '50000.0000'));
    const { diffs, stale } = liveDiffs(data, live, xof);
    expect(diffs).toEqual([]);
    expect(stale).toBe(1);
  });

  it('updates the last chart points and appends a new minute', () => {
    const data = fixture();
    const live: BucketState = new Map();
    applySnapshot(live, snap(M15, 1, 3, '2000.0000'));
    applySnapshot(live, snap('2026-11-27T10:16:00.000Z', 1, 1, '700.0000'));
    const s = chartSeries(data, xof, 'volume', liveDiffs(data, live, xof).diffs)!;
    expect(s.labels.length).toBe(16);
    expect(s.labels.at(-1)).toBe('2026-11-27T10:16:00.000Z');
    const wallet = s.lines.find((l) => l.type === 'wallet_txn_created')!;
    expect(wallet.values.slice(-3)).toEqual([3000, 2000, 700]);
    const counts = chartSeries(
      { ...data, timeseries: { ...data.timeseries, metric: 'count' } },
      xof,
      'count',
      liveDiffs(data, live, xof).diffs,
    )!;
    expect(counts.lines[0]!.values.at(-1)).toBe(1);
    expect(newestRecordedAt(live, ROOM)).toBe(Date.parse('2026-11-27T10:15:40Z'));
  });

  it('folds minute snapshots into hour buckets', () => {
    const data = fixture();
    const hourly: TimeseriesResponse = {
      from: FROM,
      to: TO,
      granularity: 'hour',
      metric: 'count',
      series: [{ type: 'wallet_txn_created', currency: 'XOF', points: [{ t: '2026-11-27T10:00:00Z', value: 10 }] }],
    };
    const live: BucketState = new Map();
    applySnapshot(live, snap(M15, 1, 3, '2000.0000'));
    const s = chartSeries({ ...data, timeseries: hourly }, xof, 'count', liveDiffs(data, live, xof).diffs)!;
    expect(s.labels).toEqual(['2026-11-27T10:00:00.000Z']);
    expect(s.lines[0]!.values).toEqual([12]);
  });
});
