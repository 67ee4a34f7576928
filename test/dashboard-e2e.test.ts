// The dashboard end to end in Chromium against the real local cloud (chdb, dynalite, stream
// emulation, WebSocket gateway, HTTP gateway), generator off: known batches go through the real
// ingest handler, and every figure on screen is checked against the API for the range the page
// shows. Screenshots land in test-results/dashboard-e2e/ (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page, WebSocket as PwWebSocket } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../local/cloud.js';
import {
  countriesOfZone,
  divideDecimal,
  fromUnits,
  toUnits,
  COUNTRIES,
  type FailuresResponse,
  type MerchantsResponse,
  type OverviewResponse,
  type SummaryResponse,
  type TimeseriesResponse,
} from '../contracts/index.js';
import { EventGenerator, toMskEvent, type GeneratedRecord } from '../devkit/generator.js';
import { launchChromium, resolveChromium, type LaunchedBrowser } from '../devkit/browser.js';
import { bearerHeaders } from '../contracts/api.js';
import { axeViolations, pageScrollsSideways } from './support/axe.js';
import { REPO_ROOT } from '../local/lib/repo-root.js';
import { sleep } from '../local/lib/sleep.js';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'dashboard-e2e');
const MINUTE = 60_000;

let workDir: string;
let cloud: LocalCloud;
let browser: LaunchedBrowser;
let page: Page;
const pageErrors: string[] = [];
/** WebSocket frames the page sent and received, parsed, in order. */
const sent: Array<{ action?: string; rooms?: string[] }> = [];
const received: Array<{ type?: string; action?: string; room?: string; rooms?: string[]; snapshots?: Array<{ room: string }> }> = [];
/** Pushed frames (`deltas`) that carry a snapshot of `room`. */
const framesOf = (room: string) => received.filter((m) => m.type === 'deltas' && (m.snapshots ?? []).some((s) => s.room === room));
const ingested: GeneratedRecord[] = [];

// ---------------------------------------------------------------- helpers

/** Retries an assertion until it passes; throws its last failure after `timeoutMs`. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(intervalMs);
  }
}

let nextOffset = 0;
/** Ingests `n` generated events dated uniformly in [from, to) through the real ingest handler, then delivers the stream. */
async function ingestBatch(seed: number, n: number, from: number, to: number): Promise<GeneratedRecord[]> {
  const gen = new EventGenerator({ seed, now: () => to - 1, spreadMs: to - from - 1, lateShare: 0 });
  const records = gen.records(n);
  // Offsets above every earlier batch's, so the per-partition high-water marks never drop a batch.
  await cloud.ingest(toMskEvent(records, { startOffset: nextOffset }));
  nextOffset += n;
  await cloud.flushStreams();
  ingested.push(...records);
  return records;
}

let tokenSerial = 0;
/** GET on the REST API with a token of our own; a new token per call, so the gateway's 10 s cache never answers for an older read. */
async function api<T>(route: string, params: Record<string, string>): Promise<T> {
  const token = await cloud.devToken(['*'], 3600 + ++tokenSerial);
  const res = await fetch(`${cloud.urls.api}${route}?${new URLSearchParams(params)}`, { headers: bearerHeaders(token) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${route} answered ${res.status}: ${body}`);
  return JSON.parse(body) as T;
}

interface Kpis {
  count: string;
  /** Money in units of 10^-4, as strings, so formats never matter. */
  volume: string;
  fees: string;
  avgTicket: string;
  merchants: string;
  successRate: string;
}
type KpiField = keyof Kpis;
const ADDITIVE: KpiField[] = ['count', 'volume', 'fees', 'avgTicket'];
const ALL: KpiField[] = [...ADDITIVE, 'merchants', 'successRate'];

const units = (v: string) => toUnits(v).toString();

/** What the page shows: the six KPI raw values, the currency and the range of the range label. */
async function shown(): Promise<{ kpis: Kpis; currency: string; from: string; to: string }> {
  const raw = await page.evaluate(() => {
    const attr = (sel: string, name: string) => document.querySelector(sel)?.getAttribute(name) ?? null;
    const kpi = (id: string) => attr(`[data-testid=kpi-${id}]`, 'data-value');
    const times = [...document.querySelectorAll('[data-testid=range-label] time')].map((t) => t.getAttribute('datetime'));
    return {
      count: kpi('count'),
      volume: kpi('volume'),
      fees: kpi('fees'),
      avgTicket: kpi('avg-ticket'),
      merchants: kpi('merchants'),
      successRate: kpi('success-rate'),
      currency: attr('[data-testid=kpi-cards]', 'data-currency'),
      from: times[0] ?? null,
      to: times[1] ?? null,
    };
  });
  for (const [k, v] of Object.entries(raw)) if (v === null) throw new Error(`the page shows no ${k} yet`);
  const r = raw as Record<keyof typeof raw, string>;
  return {
    kpis: {
      count: r.count,
      volume: units(r.volume),
      fees: units(r.fees),
      avgTicket: units(r.avgTicket),
      merchants: r.merchants,
      successRate: r.successRate,
    },
    currency: r.currency,
    from: r.from,
    to: r.to,
  };
}

/**
 * The KPIs as the API gives them for the same range and filters: money of one currency (never
 * mixed), and the currency-independent ones summed over every currency.
 */
async function apiKpis(params: Record<string, string>, currency: string): Promise<Kpis> {
  const [overview, summary] = await Promise.all([api<OverviewResponse>('/overview', params), api<SummaryResponse>('/summary', params)]);
  const rows = overview.totals.filter((r) => r.currency === currency);
  const currencyCount = rows.reduce((s, r) => s + r.count, 0);
  const volume = rows.reduce((s, r) => s + toUnits(r.volume), 0n);
  const fees = rows.reduce((s, r) => s + toUnits(r.fees), 0n);
  // The summary's count is the overview's summed over every currency.
  expect(summary.current.count).toBe(overview.totals.reduce((s, r) => s + r.count, 0));
  return {
    count: String(summary.current.count),
    volume: volume.toString(),
    fees: fees.toString(),
    avgTicket: units(divideDecimal(fromUnits(volume), currencyCount)),
    merchants: String(summary.current.merchants),
    successRate: summary.current.success_rate === null ? '' : String(summary.current.success_rate),
  };
}

const pick = (k: Kpis, fields: KpiField[]) => Object.fromEntries(fields.map((f) => [f, k[f]]));

/** Polls until the page's KPIs (the given fields) equal the API's for the range the page shows. */
async function kpisMatchApi(filters: Record<string, string>, fields: KpiField[] = ALL, timeoutMs = 90_000): Promise<Kpis> {
  return eventually(async () => {
    const view = await shown();
    const expected = await apiKpis({ from: view.from, to: view.to, ...filters }, view.currency);
    // The page may have moved on while the API answered: compare against a second read of it.
    const again = await shown();
    expect(again.from).toBe(view.from);
    expect(pick(again.kpis, fields)).toEqual(pick(expected, fields));
    return again.kpis;
  }, timeoutMs);
}

/** Installed before any page script: logs every change of the count KPI with the page's clock. */
function installProbes(): void {
  const w = window as unknown as { __kpiLog: Array<{ v: string | null; t: number }>; __kpiLast?: string | null };
  performance.setResourceTimingBufferSize(100_000);
  w.__kpiLog = [];
  const check = () => {
    const v = document.querySelector('[data-testid=kpi-count]')?.getAttribute('data-value') ?? null;
    if (v !== w.__kpiLast) {
      w.__kpiLast = v;
      w.__kpiLog.push({ v, t: performance.now() });
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-value'] });
}

const pageNow = () => page.evaluate(() => performance.now());

/**
 * Proves that the count KPI changed through a live snapshot: its first change after `t0` happened
 * before the page started any REST request after `t0` (all on the page's own clock).
 */
async function changedLiveBeforeAnyRest(t0: number): Promise<void> {
  const { change, rest } = await page.evaluate((since) => {
    const log = (window as unknown as { __kpiLog: Array<{ v: string | null; t: number }> }).__kpiLog;
    const first = log.find((e) => e.t > since);
    const starts = performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/analytics/') && e.startTime > since)
      .map((e) => e.startTime);
    return { change: first?.t ?? null, rest: starts.length ? Math.min(...starts) : null };
  }, t0);
  expect(change, 'the count KPI changed').not.toBeNull();
  if (rest !== null) expect(change!, 'the KPI changed before any REST refetch').toBeLessThan(rest);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const url = () => new URL(page.url());

/** Widths the layout and axe are checked at: wall screen, laptop, tablet, phone. */
const WIDTHS = [1440, 1024, 768, 390] as const;

/** The merchants table as shown: one entry per row, raw values. */
async function merchantRowsShown(): Promise<
  Array<{ merchant: string; currency: string; count: number; volume: string; share: number; failed: number }>
> {
  return page.$$eval('[data-testid=merchant-row]', (els) =>
    els.map((e) => ({
      merchant: e.getAttribute('data-merchant')!,
      currency: e.getAttribute('data-currency')!,
      count: Number(e.getAttribute('data-count')),
      volume: e.getAttribute('data-volume')!,
      share: Number(e.getAttribute('data-share')),
      failed: Number(e.getAttribute('data-failed')),
    })),
  );
}

/** Polls until the merchants table equals /merchants for the range the page shows and `filters`. */
async function merchantsMatchApi(filters: Record<string, string>, timeoutMs = 90_000): Promise<MerchantsResponse> {
  return eventually(async () => {
    const view = await shown();
    const res = await api<MerchantsResponse>('/merchants', { from: view.from, to: view.to, ...filters, sort: 'count', limit: '20' });
    const rows = await merchantRowsShown();
    expect(rows).toEqual(
      res.rows.map((r) => ({
        merchant: r.merchant_id,
        currency: r.currency,
        count: r.count,
        volume: r.volume,
        share: r.share,
        failed: r.failed,
      })),
    );
    expect((await shown()).from).toBe(view.from);
    return res;
  }, timeoutMs);
}

// ---------------------------------------------------------------- set-up

beforeAll(async () => {
  await resolveChromium(); // fail fast, before starting the cloud
  mkdirSync(SHOTS, { recursive: true });
  workDir = mkdtempSync(path.join(tmpdir(), 'dashboard-e2e-'));
  // The dashboard as built from the current sources (web/dist may be stale or being rebuilt).
  const dist = path.join(workDir, 'dist');
  await build({ configFile: path.join(REPO_ROOT, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  cloud = await startLocalCloud({
    dir: path.join(workDir, 'cloud'),
    ports: { clickhouse: 0, dynamodb: 0, httpGateway: 0, wsGateway: 0, dashboard: 0 },
    generatorRate: 0,
    dashboardDist: dist,
  });
  browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
  page = await browser.context.newPage();
  await page.addInitScript(installProbes);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('websocket', (ws: PwWebSocket) => {
    const parse = (payload: string | Buffer) => {
      try {
        return JSON.parse(String(payload)) as Record<string, never>;
      } catch {
        return {};
      }
    };
    ws.on('framesent', (f) => sent.push(parse(f.payload)));
    ws.on('framereceived', (f) => received.push(parse(f.payload)));
  });
  // Batch A: 400 events over the 10 minutes before the last two.
  const now = Date.now();
  await ingestBatch(101, 400, now - 12 * MINUTE, now - 2 * MINUTE);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

// ---------------------------------------------------------------- tests

describe('dashboard in Chromium against the local cloud', () => {
  let custom: { from: string; to: string };

  it('first load: the KPIs equal the API for the range the page shows (money per currency, counts over all)', async () => {
    await page.goto(cloud.urls.dashboard!);
    await page.waitForSelector('[data-testid=kpi-cards]', { timeout: 60_000 });
    const kpis = await kpisMatchApi({});
    expect(Number(kpis.count)).toBeGreaterThan(0);
    expect(Number(kpis.merchants)).toBeGreaterThan(0);
    // The default view is the last 24 h, ending at the end of the current minute.
    const view = await shown();
    expect(Date.parse(view.to) - Date.parse(view.from)).toBe(24 * 60 * MINUTE);
    await page.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    await screenshot('01-first-load');
  }, 180_000);

  it('a custom range from the filters lands in the URL, the range label and the chart', async () => {
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    custom = { from: new Date(minute - 30 * MINUTE).toISOString(), to: new Date(minute + 60 * MINUTE).toISOString() };
    // datetime-local is local time; the browser runs in UTC.
    const local = (iso: string) => iso.slice(0, 16);
    const pointsBefore = await page.getAttribute('[data-testid=timeseries-chart]', 'data-points');
    await page.selectOption('[data-testid=filter-range]', 'custom');
    await page.fill('[data-testid=filter-from]', local(custom.from));
    await page.fill('[data-testid=filter-to]', local(custom.to));
    await page.click('[data-testid=filter-apply-custom]');
    await page.waitForURL((u) => u.searchParams.get('range') === 'custom', { timeout: 30_000 });
    expect(url().searchParams.get('from')).toBe(custom.from);
    expect(url().searchParams.get('to')).toBe(custom.to);
    await eventually(async () => {
      const view = await shown();
      expect({ from: view.from, to: view.to }).toEqual(custom);
    });
    await kpisMatchApi({});
    // 90 minutes: the auto granularity becomes minute, one point per minute (24 h showed hours).
    await eventually(async () => {
      expect(await page.getAttribute('[data-testid=timeseries-chart]', 'data-granularity')).toBe('minute');
      expect(await page.getAttribute('[data-testid=timeseries-chart]', 'data-points')).toBe('90');
    });
    expect(pointsBefore).not.toBe('90');
    await page.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 60_000 });
    await screenshot('02-custom-range');
  }, 180_000);

  it('a second batch changes the KPIs live, without a reload; merchants and success rate follow after the refetch', async () => {
    const before = await kpisMatchApi({});
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const deltasBefore = framesOf('global').length;
    const t0 = await pageNow();
    const now = Date.now();
    await ingestBatch(202, 200, now - 3 * MINUTE, now);

    // Additive KPIs from the snapshots.
    const after = await kpisMatchApi({}, ADDITIVE);
    expect(Number(after.count)).toBeGreaterThan(Number(before.count));
    expect(BigInt(after.volume)).toBeGreaterThan(BigInt(before.volume));
    await changedLiveBeforeAnyRest(t0);
    expect(framesOf('global').length).toBeGreaterThan(deltasBefore);
    // Same document: no navigation happened.
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot('03-live-update');

    // Unique merchants and the success rate come with the reconcile refetch.
    await kpisMatchApi({}, ALL);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  }, 240_000);

  it('zone → country → type: the URL, the breakdown, the chart lines and the live room follow', async () => {
    // Zone: the breakdown by country lists only that zone's countries.
    await page.selectOption('[data-testid=filter-zone]', 'WAEMU');
    await page.waitForURL((u) => u.searchParams.get('zone') === 'WAEMU', { timeout: 30_000 });
    const waemu = countriesOfZone('WAEMU');
    await eventually(async () => {
      const keys = await page.$$eval('[data-testid=breakdown-row]', (rows) => rows.map((r) => r.getAttribute('data-key')));
      expect(keys.length).toBeGreaterThan(1);
      for (const k of keys) expect(waemu).toContain(k);
    });
    await eventually(async () => expect(sent).toContainEqual({ action: 'subscribe', rooms: ['zone:WAEMU'] }));
    await kpisMatchApi({ zone: 'WAEMU' });

    // Country: the breakdown steps down to SN's cities, the room moves to country:SN and the server acknowledges it.
    await page.selectOption('[data-testid=filter-country]', 'SN');
    await page.waitForURL((u) => u.searchParams.get('country') === 'SN', { timeout: 30_000 });
    expect(url().searchParams.get('zone')).toBe('WAEMU');
    await eventually(async () => {
      expect(await page.getAttribute('[data-testid=breakdown]', 'data-by')).toBe('city');
      const keys = await page.$$eval('[data-testid=breakdown-row]', (rows) => rows.map((r) => r.getAttribute('data-key')));
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(COUNTRIES.SN!.cities).toContain(k);
    });
    await eventually(async () => {
      expect(sent).toContainEqual({ action: 'unsubscribe', rooms: ['zone:WAEMU'] });
      expect(sent).toContainEqual({ action: 'subscribe', rooms: ['country:SN'] });
      expect(received.some((m) => m.type === 'ack' && m.action === 'subscribe' && m.rooms?.includes('country:SN'))).toBe(true);
    });
    await kpisMatchApi({ zone: 'WAEMU', country: 'SN' });

    // The chart: one line per event type present for the currency, as many points as the API's buckets.
    const chartMatchesApi = async (filters: Record<string, string>) =>
      eventually(async () => {
        const view = await shown();
        const ts = await api<TimeseriesResponse>('/timeseries', { from: view.from, to: view.to, ...filters, metric: 'volume' });
        const mine = ts.series.filter((s) => s.currency === view.currency);
        const chart = await page.$eval('[data-testid=timeseries-chart]', (el) => ({
          lines: el.getAttribute('data-lines'),
          points: el.getAttribute('data-points'),
          granularity: el.getAttribute('data-granularity'),
        }));
        // The chart orders lines by EVENT_TYPES, the API by its own order: compare as sets.
        expect(chart.lines?.split(',').sort()).toEqual(mine.map((s) => s.type).sort());
        expect(chart.granularity).toBe(ts.granularity);
        expect(chart.points).toBe(String(mine[0]?.points.length));
        return chart;
      });
    const allTypes = await chartMatchesApi({ zone: 'WAEMU', country: 'SN' });
    expect(allTypes.lines!.split(',').length).toBeGreaterThan(1);
    await screenshot('04-country-SN');

    // Event type: a single line, KPIs of that type only; the room stays (rooms carry no type).
    await page.selectOption('[data-testid=filter-type]', 'wallet_txn_created');
    await page.waitForURL((u) => u.searchParams.get('type') === 'wallet_txn_created', { timeout: 30_000 });
    const walletOnly = await chartMatchesApi({ zone: 'WAEMU', country: 'SN', type: 'wallet_txn_created' });
    expect(walletOnly.lines).toBe('wallet_txn_created');
    const snWallet = { zone: 'WAEMU', country: 'SN', type: 'wallet_txn_created' };
    const before = await kpisMatchApi(snWallet);
    await page.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 60_000 });

    // Live in the new room: a mixed batch moves the SN wallet figures by exactly their share.
    const t0 = await pageNow();
    const now = Date.now();
    const batch = await ingestBatch(303, 400, now - 3 * MINUTE, now);
    expect(batch.some((r) => r.event?.country === 'SN' && r.topic === 'wallet_txn_created')).toBe(true);
    const after = await kpisMatchApi(snWallet, ADDITIVE);
    expect(Number(after.count)).toBeGreaterThan(Number(before.count));
    await changedLiveBeforeAnyRest(t0);
    expect(framesOf('country:SN').length).toBeGreaterThan(0);
    await kpisMatchApi(snWallet, ALL);
    await screenshot('05-country-SN-wallet-live');
  }, 300_000);

  it('WebSocket side stopped and restarted: reconnecting, then live again with the events ingested meanwhile', async () => {
    const filters = { zone: 'WAEMU', country: 'SN', type: 'wallet_txn_created' };
    const before = await kpisMatchApi(filters);
    await page.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 60_000 });
    const subscribesBefore = sent.filter((m) => m.action === 'subscribe').length;

    await cloud.stopWebSocket();
    await page.waitForSelector('[data-testid=status-indicator][data-status=reconnecting]', { timeout: 60_000 });
    await screenshot('06-reconnecting');

    // Ingested while the WebSocket side is down: no snapshot reaches the page for these.
    const now = Date.now();
    const batch = await ingestBatch(404, 400, now - 3 * MINUTE, now);
    expect(batch.some((r) => r.event?.country === 'SN' && r.topic === 'wallet_txn_created')).toBe(true);

    await cloud.startWebSocket();
    await page.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 120_000 });
    // Resubscribed to the same room on the new connection.
    expect(sent.filter((m) => m.action === 'subscribe').slice(subscribesBefore)).toContainEqual({
      action: 'subscribe',
      rooms: ['country:SN'],
    });

    // The refetch after the reconnect makes every figure consistent, the missed batch included.
    const after = await kpisMatchApi(filters, ALL, 120_000);
    expect(Number(after.count)).toBeGreaterThan(Number(before.count));
    expect(await page.getAttribute('[data-testid=status-indicator]', 'data-status')).toBe('live');
    expect(await page.getAttribute('[data-testid=status-age]', 'data-newest')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await screenshot('07-live-again');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('every currency at once: one row per currency present, exact per currency; counts summed over all', async () => {
    await page.goto(cloud.urls.dashboard!);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    const view = await eventually(async () => {
      const v = await shown();
      const overview = await api<OverviewResponse>('/overview', { from: v.from, to: v.to });
      const apiCurrencies = [...new Set([...overview.totals, ...overview.previous.totals].map((r) => r.currency))].sort();
      const rows = await page.$$eval('[data-testid=currency-row]', (els) =>
        els.map((e) => ({
          currency: e.getAttribute('data-currency')!,
          count: Number(e.getAttribute('data-count')),
          volume: e.getAttribute('data-volume')!,
        })),
      );
      expect(rows.map((r) => r.currency).sort()).toEqual(apiCurrencies);
      expect(apiCurrencies.length).toBeGreaterThanOrEqual(5);
      for (const r of rows) {
        const mine = overview.totals.filter((t) => t.currency === r.currency);
        expect(r.count).toBe(mine.reduce((s, t) => s + t.count, 0));
        expect(toUnits(r.volume)).toBe(mine.reduce((s, t) => s + toUnits(t.volume), 0n));
      }
      // The default money currency is the one with most transactions.
      const top = [...rows].sort((a, b) => b.count - a.count)[0]!;
      expect(v.currency).toBe(top.currency);
      // The transactions KPI sums every currency's count.
      expect(Number(v.kpis.count)).toBe(rows.reduce((s, r) => s + r.count, 0));
      return v;
    });
    await kpisMatchApi({});
    // The currency control offers every currency present; picking one keeps the counts.
    const options = await page.$$eval('[data-testid=filter-currency] option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value).filter(Boolean),
    );
    const rows = await page.$$eval('[data-testid=currency-row]', (els) => els.map((e) => e.getAttribute('data-currency')));
    expect(options.sort()).toEqual([...rows].sort());
    const other = options.find((c) => c !== view.currency)!;
    await page.selectOption('[data-testid=filter-currency]', other);
    await page.waitForURL((u) => u.searchParams.get('currency') === other, { timeout: 30_000 });
    await eventually(async () => expect(await page.getAttribute('[data-testid=kpi-cards]', 'data-currency')).toBe(other));
    const after = await kpisMatchApi({});
    // Counts do not depend on the money currency shown (every event is inside the 24 h window).
    expect(after.count).toBe(view.kpis.count);
    expect((await page.$$eval('[data-testid=filter-currency] option', (os) => os.length)) - 1).toBe(rows.length);
    await screenshot('08-all-currencies');
  }, 180_000);

  it('honest chart: the bucket in progress is marked, the previous period is drawn, and the KPIs say what they compare with', async () => {
    await page.goto(cloud.urls.dashboard!);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    await eventually(async () => {
      const chart = await page.$eval('[data-testid=timeseries-chart]', (el) => ({
        granularity: el.getAttribute('data-granularity'),
        points: Number(el.getAttribute('data-points')),
        incomplete: el.getAttribute('data-incomplete'),
        style: el.getAttribute('data-incomplete-style'),
        ghost: Number(el.getAttribute('data-ghost-points')),
      }));
      // 24 h defaults to hourly points, the last one (this hour) still filling and drawn dashed.
      expect(chart.granularity).toBe('hour');
      expect(chart.points).toBeGreaterThanOrEqual(24);
      const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      expect([new Date(hour).toISOString(), new Date(hour - 3_600_000).toISOString()]).toContain(chart.incomplete);
      expect(chart.style).toBe('dashed');
      // One line point per bucket (a live bucket past the fetched end may be the only one without).
      expect(chart.ghost).toBeGreaterThanOrEqual(chart.points - 1);
      expect(chart.ghost).toBeGreaterThan(0);
    });
    await page.click('.data-alt summary');
    const lastRow = await page.$eval('[data-testid=timeseries-table] tbody tr:last-child th', (el) => el.textContent ?? '');
    expect(lastRow).toContain('(en cours)');
    expect(await page.textContent('[data-testid=kpi-count-change]')).toContain('vs période précédente');
    expect(await page.textContent('[data-testid=tz-label]')).toBe('Heures en UTC');

    // 30 days in UTC+1: day buckets of the West-African business day, folded from the hour rollup.
    await page.goto(`${cloud.urls.dashboard!}?range=30d&tz=wat`);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    await eventually(async () => expect(await page.getAttribute('[data-testid=timeseries-chart]', 'data-granularity')).toBe('day'));
    expect(await page.textContent('[data-testid=tz-label]')).toContain('UTC+1');
    const requested = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => new URL(e.name))
        .filter((u) => u.pathname.endsWith('/timeseries'))
        .map((u) => u.searchParams.get('granularity')),
    );
    expect(requested).toContain('hour');
    expect(requested).not.toContain('day');
  }, 120_000);

  it('top merchants: every row equals /merchants (count, volume in its own currency, share, failures)', async () => {
    await page.goto(cloud.urls.dashboard!);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    const res = await merchantsMatchApi({});
    expect(res.rows.length).toBeGreaterThan(1);
    // Ranked by count, shares of every transaction in scope (all currencies), no money mixed.
    for (let i = 1; i < res.rows.length; i++) expect(res.rows[i - 1]!.count).toBeGreaterThanOrEqual(res.rows[i]!.count);
    const summary = await api<SummaryResponse>('/summary', { from: res.from, to: res.to });
    expect(res.total_count).toBe(summary.current.count);
    const cells = await page.$$eval('[data-testid=merchant-row] >> nth=0', (els) =>
      [...els[0]!.querySelectorAll('td')].map((td) => td.textContent),
    );
    expect(cells[0]).toBe(res.rows[0]!.currency);
    // The volume shows its own currency's ISO code (XOF and XAF never as "F CFA" / "FCFA").
    if (['XOF', 'XAF'].includes(res.rows[0]!.currency)) expect(cells[3]).toContain(res.rows[0]!.currency);

    // Ranked by failures instead: the URL says so and the rows follow the API's ranking.
    await page.selectOption('[data-testid=filter-merchant-sort]', 'failed');
    await page.waitForURL((u) => u.searchParams.get('msort') === 'failed', { timeout: 30_000 });
    await eventually(async () => {
      const view = await shown();
      const byFailed = await api<MerchantsResponse>('/merchants', { from: view.from, to: view.to, sort: 'failed', limit: '20' });
      expect((await merchantRowsShown()).map((r) => `${r.merchant}|${r.currency}|${r.failed}`)).toEqual(
        byFailed.rows.map((r) => `${r.merchant_id}|${r.currency}|${r.failed}`),
      );
      expect(byFailed.rows[0]!.failed).toBeGreaterThan(0);
    });
    await screenshot('10-merchants');
  }, 180_000);

  it('success rate over time: the chart and its table equal /timeseries success_rate and failed', async () => {
    await page.goto(cloud.urls.dashboard!);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=success-chart] canvas', { timeout: 60_000 });
    await eventually(async () => {
      const view = await shown();
      const params = { from: view.from, to: view.to, granularity: 'hour' };
      const [rate, failed] = await Promise.all([
        api<TimeseriesResponse>('/timeseries', { ...params, metric: 'success_rate' }),
        api<TimeseriesResponse>('/timeseries', { ...params, metric: 'failed' }),
      ]);
      const chart = await page.$eval('[data-testid=success-chart]', (el) => ({
        currencies: el.getAttribute('data-currencies') ?? '',
        points: Number(el.getAttribute('data-points')),
        failed: Number(el.getAttribute('data-failed')),
        incomplete: el.getAttribute('data-incomplete'),
      }));
      const withRate = rate.series.filter((s) => s.points.some((p) => p.value !== null)).map((s) => s.currency);
      expect(chart.currencies.split(',').sort()).toEqual([...new Set(withRate)].sort());
      expect(chart.points).toBe(rate.series[0]!.points.length);
      const failedSum = failed.series.reduce((n, s) => n + s.points.reduce((m, p) => m + Number(p.value), 0), 0);
      expect(chart.failed).toBe(failedSum);
      expect(failedSum).toBeGreaterThan(0);
      // The bucket in progress is marked, as on the main chart.
      expect(chart.incomplete).toBe(rate.series[0]!.points.at(-1)!.t);
      // The table: one row per bucket, each rate equal to the API's.
      const table = await page.$$eval('[data-testid=success-row]', (rows) =>
        rows.map((r) => ({
          t: r.getAttribute('data-t'),
          values: [...r.querySelectorAll('td[data-value]')].map((td) => td.getAttribute('data-value')),
        })),
      );
      expect(table.length).toBe(chart.points);
      const first = chart.currencies.split(',')[0]!;
      const series = rate.series.find((s) => s.currency === first)!;
      expect(table.map((r) => r.values[0])).toEqual(series.points.map((p) => (p.value === null ? '' : String(p.value))));
    }, 120_000);
    await page.click('[data-testid=success-panel] .data-alt summary');
    expect(await page.textContent('[data-testid=success-row]:last-child th')).toContain('(en cours)');
  }, 180_000);

  it('click-through: a breakdown row filters one level down, the URL and the breakdown follow', async () => {
    await page.goto(`${cloud.urls.dashboard!}?by=zone`);
    await page.waitForSelector('[data-testid=breakdown][data-by=zone]', { timeout: 60_000 });
    await page.click('[data-testid=breakdown-row][data-key=WAEMU] [data-testid=breakdown-drill]');
    await page.waitForURL((u) => u.searchParams.get('zone') === 'WAEMU', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=breakdown][data-by=country]', { timeout: 60_000 });
    const first = await page.getAttribute('[data-testid=breakdown-row] >> nth=0', 'data-key');
    expect(countriesOfZone('WAEMU')).toContain(first);
    await page.click(`[data-testid=breakdown-row][data-key=${first}] [data-testid=breakdown-drill]`);
    await page.waitForURL((u) => u.searchParams.get('country') === first, { timeout: 30_000 });
    await page.waitForSelector('[data-testid=breakdown][data-by=city]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=breadcrumbs]')).toContain('WAEMU');
    // A city row leads to that city's merchants, figures equal to /merchants for the city.
    const city = (await page.getAttribute('[data-testid=breakdown-row] >> nth=0', 'data-key'))!;
    await page.click(`[data-testid=breakdown-row][data-key="${city}"] [data-testid=breakdown-drill]`);
    await page.waitForURL((u) => u.searchParams.get('city') === city && u.searchParams.get('by') === 'merchant', { timeout: 30_000 });
    await page.waitForSelector(`[data-testid=merchants-panel][data-place="${city}"]`, { timeout: 60_000 });
    expect(await page.$('[data-testid=breakdown]')).toBeNull();
    expect(await page.textContent('[data-testid=breadcrumbs] [aria-current=page]')).toBe(city);
    const inCity = await merchantsMatchApi({ zone: 'WAEMU', country: first!, city });
    expect(inCity.rows.length).toBeGreaterThan(0);
    // Failures by merchant beside it, from /failures?by=merchant.
    await eventually(async () => {
      const view = await shown();
      const failures = await api<FailuresResponse>('/failures', {
        from: view.from,
        to: view.to,
        zone: 'WAEMU',
        country: first!,
        city,
        by: 'merchant',
        limit: '100',
      });
      const shownFailures = await page.$$eval('[data-testid=failure-row]', (rows) =>
        rows.map((r) => `${r.getAttribute('data-key')}:${r.getAttribute('data-failed')}`),
      );
      const expected = failures.rows.filter((r) => r.failed > 0).slice(0, 10);
      expect(shownFailures.sort()).toEqual(expected.map((r) => `${r.key}:${r.failed}`).sort());
    });
    await screenshot('11-city-merchants');
    // Back goes up one level at a time: the country's cities, then the zone's countries.
    await page.goBack();
    await page.waitForSelector('[data-testid=breakdown][data-by=city]', { timeout: 60_000 });
    expect(url().searchParams.get('city')).toBeNull();
    await page.goForward();
    await page.waitForSelector(`[data-testid=merchants-panel][data-place="${city}"]`, { timeout: 60_000 });
    expect(url().searchParams.get('city')).toBe(city);
    await page.goBack();
    await page.goBack();
    await page.waitForSelector('[data-testid=breakdown][data-by=country]', { timeout: 60_000 });
    expect(url().searchParams.get('country')).toBeNull();
  }, 120_000);

  it('API failure: the pill is not live and the error is in French; a closed past range is not live either', async () => {
    await page.route('**/api/analytics/overview**', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"internal error"}}' }),
    );
    try {
      await page.goto(`${cloud.urls.dashboard!}?range=1h`);
      await page.waitForSelector('[data-testid=error-state]', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=status-indicator][data-status=error]', { timeout: 30_000 });
      const text = await page.textContent('[data-testid=error-state]');
      expect(text).toContain('Le service d’analyse est en panne (erreur 500)');
      expect(text).not.toMatch(/internal error|failed|API/);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        expect(await axeViolations(page), `axe, error state, ${width} px`).toEqual([]);
        expect(await pageScrollsSideways(page), `horizontal scroll, error state, ${width} px`).toBe(false);
      }
    } finally {
      await page.unroute('**/api/analytics/overview**');
      await page.setViewportSize({ width: 1440, height: 900 });
    }
    // A refused second-phase request (failures) shows its error but keeps the KPIs on screen.
    await page.route('**/api/analytics/failures**', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"internal error"}}' }),
    );
    try {
      await page.goto(`${cloud.urls.dashboard!}?range=1h`);
      await page.waitForSelector('[data-testid=error-state]', { timeout: 60_000 });
      expect(await page.$('[data-testid=kpi-count]')).not.toBeNull();
      expect(await page.getAttribute('[data-testid=status-indicator]', 'data-status')).not.toBe('live');
    } finally {
      await page.unroute('**/api/analytics/failures**');
    }
    await page.goto(`${cloud.urls.dashboard!}?range=custom&from=2025-03-01T00:00:00.000Z&to=2025-03-02T00:00:00.000Z`);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid=empty-state]', { timeout: 60_000 });
    // Let the socket come up: the range is closed, so the pill must still not say live.
    await sleep(3000);
    expect(await page.getAttribute('[data-testid=status-indicator]', 'data-status')).toBe('paused');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await axeViolations(page), `axe, empty state, ${width} px`).toEqual([]);
      expect(await pageScrollsSideways(page), `horizontal scroll, empty state, ${width} px`).toBe(false);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  }, 180_000);

  it('accessibility: axe-core finds no violation at 1440, 1024, 768 and 390 px, and the page never scrolls sideways', async () => {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
      await page.goto(cloud.urls.dashboard!);
      await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=timeseries-chart] canvas', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=success-chart] canvas', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=merchant-row]', { timeout: 60_000 });
      expect(await axeViolations(page), `axe, default view, ${width} px`).toEqual([]);
      expect(await pageScrollsSideways(page), `horizontal scroll at ${width} px`).toBe(false);
      if (width === 390) {
        // Filters folded behind chips; opened, still no sideways scroll and no violation.
        expect(await page.isVisible('[data-testid=filters]')).toBe(false);
        await page.click('[data-testid=filters-toggle]');
        expect(await page.isVisible('[data-testid=filter-zone]')).toBe(true);
        expect(await pageScrollsSideways(page)).toBe(false);
        expect(await axeViolations(page), 'axe, filters open, 390 px').toEqual([]);
        await screenshot('09-phone');
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });

    // A closed select commits on Enter, not at every arrow step: one history entry, not three.
    await page.goto(cloud.urls.dashboard!);
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 60_000 });
    const before = await page.evaluate(() => history.length);
    await page.focus('[data-testid=filter-type]');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => history.length)).toBe(before);
    expect(url().searchParams.get('type')).toBeNull();
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.searchParams.get('type') !== null, { timeout: 30_000 });
    expect(await page.evaluate(() => history.length)).toBe(before + 1);
  }, 240_000);

  it('a WAEMU-only token sees WAEMU by default, is offered nothing else, subscribes only to WAEMU and is live', async () => {
    const token = await cloud.devToken(['WAEMU'], 3600);
    const scoped = await browser.context.newPage();
    const scopedSent: Array<{ action?: string; rooms?: string[] }> = [];
    scoped.on('websocket', (ws) => ws.on('framesent', (f) => scopedSent.push(JSON.parse(String(f.payload)) as never)));
    try {
      await scoped.goto(`${cloud.urls.dashboard!}#token=${token}`);
      await scoped.waitForURL((u) => new URL(u).searchParams.get('zone') === 'WAEMU', { timeout: 60_000 });
      await scoped.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 60_000 });
      const zones = await scoped.$$eval('[data-testid=filter-zone] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(zones).toEqual(['WAEMU']);
      const countries = await scoped.$$eval('[data-testid=filter-country] option', (os) =>
        os.map((o) => (o as HTMLOptionElement).value).filter(Boolean),
      );
      expect(countries.sort()).toEqual(countriesOfZone('WAEMU').sort());
      expect(await scoped.textContent('[data-testid=breadcrumbs]')).not.toContain('Toutes les zones');
      const subscribed = scopedSent.filter((m) => m.action === 'subscribe').flatMap((m) => m.rooms ?? []);
      expect(subscribed.length).toBeGreaterThan(0);
      for (const r of subscribed) expect(r).toBe('zone:WAEMU');
      // A shared link to another zone opens the user's own zone instead of an error.
      await scoped.goto(`${cloud.urls.dashboard!}?zone=CEMAC&country=CM`);
      await scoped.waitForURL((u) => new URL(u).searchParams.get('zone') === 'WAEMU', { timeout: 60_000 });
      expect(new URL(scoped.url()).searchParams.get('country')).toBeNull();
      await scoped.waitForSelector('[data-testid=kpi-cards]', { timeout: 60_000 });
      expect(await scoped.$('[data-testid=error-state]')).toBeNull();
    } finally {
      await scoped.close();
    }
  }, 180_000);
});
