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
  type BreakdownResponse,
  type OverviewResponse,
  type TimeseriesResponse,
} from '../functions/shared/contracts/index.js';
import { EventGenerator, toMskEvent, type GeneratedRecord } from '../functions/shared/generator.js';
import { launchChromium, resolveChromium, type LaunchedBrowser } from './support/browser.js';
import { bearerHeaders } from '../functions/shared/contracts/api.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SHOTS = path.join(ROOT, 'test-results', 'dashboard-e2e');
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** The KPIs of one currency as the API gives them for the same range and filters. */
async function apiKpis(params: Record<string, string>, currency: string): Promise<Kpis> {
  const [overview, merchants] = await Promise.all([
    api<OverviewResponse>('/overview', params),
    api<BreakdownResponse>('/breakdown', { ...params, by: 'currency', metric: 'merchants', limit: '100' }),
  ]);
  const rows = overview.totals.filter((r) => r.currency === currency);
  const count = rows.reduce((s, r) => s + r.count, 0);
  const volume = rows.reduce((s, r) => s + toUnits(r.volume), 0n);
  const fees = rows.reduce((s, r) => s + toUnits(r.fees), 0n);
  const wallet = rows.find((r) => r.type === 'wallet_txn_created');
  const m = merchants.rows.find((r) => r.currency === currency || r.key === currency);
  return {
    count: String(count),
    volume: volume.toString(),
    fees: fees.toString(),
    avgTicket: units(divideDecimal(fromUnits(volume), count)),
    merchants: m ? String(m.merchants) : '0',
    successRate: wallet && wallet.success_rate !== null ? String(wallet.success_rate) : '',
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

// ---------------------------------------------------------------- set-up

beforeAll(async () => {
  await resolveChromium(); // fail fast, before starting the cloud
  mkdirSync(SHOTS, { recursive: true });
  workDir = mkdtempSync(path.join(tmpdir(), 'dashboard-e2e-'));
  // The dashboard as built from the current sources (web/dist may be stale or being rebuilt).
  const dist = path.join(workDir, 'dist');
  await build({ configFile: path.join(ROOT, 'web/vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
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

  it('first load: the six KPIs equal the API for the range the page shows', async () => {
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

    // Country: one breakdown row, the room moves to country:SN and the server acknowledges it.
    await page.selectOption('[data-testid=filter-country]', 'SN');
    await page.waitForURL((u) => u.searchParams.get('country') === 'SN', { timeout: 30_000 });
    expect(url().searchParams.get('zone')).toBe('WAEMU');
    await eventually(async () => {
      const keys = await page.$$eval('[data-testid=breakdown-row]', (rows) => rows.map((r) => r.getAttribute('data-key')));
      expect(keys).toEqual(['SN']);
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
    expect(sent.filter((m) => m.action === 'subscribe').slice(subscribesBefore)).toContainEqual({ action: 'subscribe', rooms: ['country:SN'] });

    // The refetch after the reconnect makes every figure consistent, the missed batch included.
    const after = await kpisMatchApi(filters, ALL, 120_000);
    expect(Number(after.count)).toBeGreaterThan(Number(before.count));
    expect(await page.getAttribute('[data-testid=status-indicator]', 'data-status')).toBe('live');
    expect(await page.getAttribute('[data-testid=status-age]', 'data-newest')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    await screenshot('07-live-again');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
