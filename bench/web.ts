// npm run bench:web — the dashboard's two figures from issue 6 (figures only, no assertions):
//  1. the production bundle's initial JavaScript + CSS, gzipped (what index.html loads before any
//     lazy chunk; target ≤ 250 KB);
//  2. navigation → first KPI rendered, in headless Chromium against the local cloud (target < 1 s):
//     the first navigation of a fresh browser on a just-started cloud (cold), then the median over
//     fresh pages with a warm server (browser cache on, and with the browser cache disabled).
// The time is the page's own clock: performance.now() is measured from the navigation start, taken
// at the first animation frame after the count KPI appears with a value.
//  3. navigation → charts drawn (the time-series canvas present and the view loaded), and the bytes
//     of API data the default view transferred (every /api/analytics/ response, encoded body);
//  4. long tasks while live: the default view open for BENCH_WEB_LIVE_SECONDS (20) while batches go
//     through the real ingest handler every second; the page's PerformanceObserver('longtask')
//     counts them and their longest;
//  5. Lighthouse performance, mobile and desktop presets (median of BENCH_WEB_LIGHTHOUSE_RUNS, 3),
//     with its CLS, against the same default view;
//  6. with BENCH_WEB_BEFORE_REF=<git ref>: that commit's dashboard, built from `git archive`, served
//     from the same server under /before/ against the same API, navigated alternately with this
//     one (first KPI, charts, complete), so the ratio comes from one run on one machine state.
// Each navigation waits for its whole view before the next: a page closed earlier would leave its
// remaining requests queued on the one-at-a-time local engine, and the next run would measure them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { startLocalCloud } from '../local/cloud.js';
import { EventGenerator, toMskEvent } from '../devkit/generator.js';
import { launchChromium } from '../devkit/browser.js';
import { generateDataset, insertRawEvents } from '../devkit/api-dataset.js';
import { median, report, type BenchRow } from './lib.js';
import { lighthouseScores, type LighthouseScores } from './lighthouse.js';
import { isMain } from '../local/lib/is-main.js';
import { REPO_ROOT, repoPath } from '../local/lib/repo-root.js';
import { sleep } from '../local/lib/sleep.js';

const WEB_DIR = repoPath('web');
const ROOT = REPO_ROOT;

/** Builds the dashboard of git `ref` (its web/ and the contracts it imports, with this tree's node_modules) into `outDir`. */
async function buildWebBundleAt(ref: string, work: string, outDir: string): Promise<void> {
  const src = path.join(work, 'before-src');
  mkdirSync(src, { recursive: true });
  // The contracts moved from functions/shared/ to contracts/: take whichever the ref has.
  const tree = execFileSync('git', ['-C', ROOT, 'ls-tree', '--name-only', ref], { encoding: 'utf8' }).split('\n');
  const paths = ['package.json', 'web', ...(tree.includes('contracts') ? ['contracts', 'tsconfig.base.json'] : ['functions/shared'])];
  const archive = execFileSync('git', ['-C', ROOT, 'archive', ref, ...paths], {
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', src], { input: archive });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules'));
  await build({ configFile: path.join(src, 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export interface BundleFigures {
  initialGzipBytes: number;
  lazyGzipBytes: number;
  files: Array<{ file: string; bytes: number; gzipBytes: number; initial: boolean }>;
}

/** Builds the dashboard for production into `outDir` (default web/dist). */
export async function buildWebBundle(outDir = path.join(WEB_DIR, 'dist')): Promise<string> {
  await build({ configFile: path.join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** Gzipped sizes of a build: the entry script, stylesheets and module preloads named in index.html count as initial. */
export function measureWebBundle(distDir: string): BundleFigures {
  const html = readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const initial = new Set<string>();
  for (const m of html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="\.?\/?([^"]+\.(?:js|css))"/g)) initial.add(m[1]!);
  const files = readdirSync(path.join(distDir, 'assets'))
    .filter((f) => /\.(js|css)$/.test(f))
    .map((f) => {
      const body = readFileSync(path.join(distDir, 'assets', f));
      const file = `assets/${f}`;
      return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length, initial: initial.has(file) };
    })
    .sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzipBytes - a.gzipBytes);
  const sum = (initialOnly: boolean) => files.filter((f) => f.initial === initialOnly).reduce((s, f) => s + f.gzipBytes, 0);
  return { initialGzipBytes: sum(true), lazyGzipBytes: sum(false), files };
}

/**
 * Installed before the page's scripts: resolves with the page-clock time of the first frame showing
 * a KPI value. Kept as source text: tsx's keep-names helper would not exist inside the page.
 */
const FIRST_KPI_PROBE = `
window.__firstKpi = new Promise((resolve) => {
  const observer = new MutationObserver(() => {
    if (!document.querySelector('[data-testid=kpi-count]')?.getAttribute('data-value')) return;
    observer.disconnect();
    requestAnimationFrame(() => resolve(performance.now()));
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-value'] });
});`;

/** Page-clock times of the first frame with the chart drawn, and with the whole view loaded. */
const CHARTS_PROBE = `
const frameWhen = (ready) => new Promise((resolve) => {
  const observer = new MutationObserver(() => {
    if (!ready()) return;
    observer.disconnect();
    requestAnimationFrame(() => resolve(performance.now()));
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true });
});
window.__kpi = frameWhen(() => document.querySelector('[data-testid=kpi-count]')?.getAttribute('data-value'));
window.__charts = frameWhen(() => document.querySelector('[data-testid=timeseries-chart] canvas'));
window.__success = frameWhen(() => document.querySelector('[data-testid=success-chart] canvas'));
window.__complete = frameWhen(() => document.querySelector('[data-testid=timeseries-chart] canvas') && document.querySelector('[data-testid=dashboard][data-loading=false]'));
window.__longTasks = [];
try {
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });
} catch {}`;

interface ChartsNavigation {
  firstKpi: number;
  charts: number;
  /** The success-rate chart drawn (NaN for a dashboard without one). */
  success: number;
  complete: number;
  apiBytes: number;
  apiRequests: number;
  /** Every request of the page until the view was complete (start–end, page clock, ms). */
  timeline: string;
}

/** "name start–end" per resource entry (API routes without their prefix, assets without their hash). */
function timelineOf(entries: Array<{ name: string; start: number; end: number }>, until: number): string {
  return entries
    .filter((e) => e.end <= until)
    .sort((a, b) => a.start - b.start)
    .map((e) => {
      const u = new URL(e.name);
      const name = u.pathname.replace(/^\/api\/analytics/, '').replace(/^\/assets\/(.*)-[\w-]{8}\./, '$1.') || '/';
      const detail = u.searchParams.get('by') ?? u.searchParams.get('metric') ?? '';
      return `${name}${detail ? `?${detail}` : ''} ${e.start.toFixed(0)}–${e.end.toFixed(0)}`;
    })
    .join(', ');
}

/** The page's navigation and resource entries (Resource Timing gives start and end even cross-origin). */
const resourceEntries = () =>
  [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].map((e) => ({
    name: e.name,
    start: e.startTime,
    end: (e as PerformanceResourceTiming).responseEnd,
  }));

/** One navigation to the charts, with the API bytes it took. */
async function navigateToCharts(context: BrowserContext, url: string): Promise<ChartsNavigation> {
  const page = await context.newPage();
  // The API is another origin (no Timing-Allow-Origin), so Resource Timing hides its sizes: count
  // the bytes on the wire from the browser's own network events instead.
  const sizes: Array<Promise<number>> = [];
  page.on('requestfinished', (req) => {
    if (req.url().includes('/api/analytics/')) sizes.push(req.sizes().then((s) => s.responseBodySize + s.responseHeadersSize));
  });
  try {
    await page.addInitScript({ content: CHARTS_PROBE });
    await page.goto(url);
    const firstKpi = await page.evaluate(() => (window as unknown as { __kpi: Promise<number> }).__kpi);
    const charts = await page.evaluate(() => (window as unknown as { __charts: Promise<number> }).__charts);
    const complete = await page.evaluate(() => (window as unknown as { __complete: Promise<number> }).__complete);
    // Drawn before the view completes, or never (a dashboard without it).
    const success = await page.evaluate(() =>
      Promise.race([
        (window as unknown as { __success: Promise<number> }).__success,
        new Promise<number>((r) => setTimeout(() => r(Number.NaN), 0)),
      ]),
    );
    const api = await Promise.all(sizes);
    const timeline = timelineOf(await page.evaluate(resourceEntries), complete);
    return { firstKpi, charts, success, complete, apiBytes: api.reduce((a, b) => a + b, 0), apiRequests: api.length, timeline };
  } finally {
    await page.close();
  }
}

/** Long tasks in the default view while live batches arrive every second for `seconds`. */
async function longTasksWhileLive(
  context: BrowserContext,
  url: string,
  seconds: number,
  ingestBatch: (i: number) => Promise<void>,
): Promise<{ count: number; longest: number; total: number; deltas: number }> {
  const page = await context.newPage();
  let deltas = 0;
  // Server frames carrying values: the coalesced `deltas` message (and the single `delta` of v0).
  const VALUES_FRAME = /"type":"deltas?"/;
  page.on('websocket', (ws) => ws.on('framereceived', (f) => (deltas += VALUES_FRAME.test(String(f.payload)) ? 1 : 0)));
  try {
    await page.addInitScript({ content: CHARTS_PROBE });
    await page.goto(url);
    await page.evaluate(() => (window as unknown as { __complete: Promise<number> }).__complete);
    await page.waitForSelector('[data-testid=status-indicator][data-status=live]', { timeout: 60_000 });
    const t0 = await page.evaluate(() => performance.now());
    for (let i = 0; i < seconds; i++) {
      const started = Date.now();
      await ingestBatch(i);
      await sleep(Math.max(0, 1000 - (Date.now() - started)));
    }
    const tasks = await page.evaluate(
      (since) =>
        (window as unknown as { __longTasks: Array<{ start: number; duration: number }> }).__longTasks.filter((t) => t.start >= since),
      t0,
    );
    return {
      count: tasks.length,
      longest: Math.max(0, ...tasks.map((t) => t.duration)),
      total: tasks.reduce((s, t) => s + t.duration, 0),
      deltas,
    };
  } finally {
    await page.close();
  }
}

interface Navigation {
  /** Navigation start → first frame with a KPI value (ms). */
  firstKpi: number;
  /** Where the time went: the document and every request answered before that frame (start–end, ms). */
  timeline: string;
}

/** One navigation in a fresh page. */
async function navigateToFirstKpi(context: BrowserContext, url: string, opts: { disableCache?: boolean } = {}): Promise<Navigation> {
  const page = await context.newPage();
  try {
    if (opts.disableCache) {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    }
    await page.addInitScript({ content: FIRST_KPI_PROBE });
    await page.goto(url);
    const firstKpi = await page.evaluate(() => (window as unknown as { __firstKpi: Promise<number> }).__firstKpi);
    const timeline = timelineOf(await page.evaluate(resourceEntries), firstKpi);
    // Let the view finish before the page closes (see the header).
    await page.waitForSelector('[data-testid=dashboard][data-loading=false]', { timeout: 120_000 });
    return { firstKpi, timeline };
  } finally {
    await page.close();
  }
}

const kb = (n: number) => n / 1024;
const fmtKb = (n: number) => `${kb(n).toFixed(1)} KB`;

async function main(): Promise<void> {
  const WARM_RUNS = Number(process.env.BENCH_WEB_RUNS ?? 7);
  const EVENTS = Number(process.env.BENCH_WEB_EVENTS ?? 20_000);
  const LIVE_EVENTS = 500;
  const work = mkdtempSync(path.join(tmpdir(), 'bench-web-'));
  const rows: BenchRow[] = [];
  try {
    // 1. Bundle: a fresh production build (into a private directory; web/dist is left alone).
    const dist = await buildWebBundle(path.join(work, 'dist'));
    const bundle = measureWebBundle(dist);
    const BEFORE_REF = process.env.BENCH_WEB_BEFORE_REF;
    if (BEFORE_REF) await buildWebBundleAt(BEFORE_REF, work, path.join(dist, 'before'));
    console.log('web bundle (gzip -9)');
    for (const f of bundle.files) {
      console.log(
        `  ${f.initial ? 'initial' : 'lazy   '}  ${f.file.padEnd(36)} ${fmtKb(f.bytes).padStart(9)}  gzip ${fmtKb(f.gzipBytes).padStart(8)}`,
      );
    }
    rows.push({
      part: 'web',
      metric: 'initial JS+CSS, gzipped',
      value: kb(bundle.initialGzipBytes),
      unit: 'KB',
      target: '≤ 250 KB',
      note: `${bundle.files.filter((f) => f.initial).length} files; lazy chunks ${fmtKb(bundle.lazyGzipBytes)} more`,
    });

    // 2. First KPI: the local cloud without the generator, a day of known events, the default view (last 24 h).
    console.log(
      `starting the local cloud: ${EVENTS.toLocaleString('en-US')} events over the last 24 h, ${LIVE_EVENTS} more through the ingest handler…`,
    );
    const cloud = await startLocalCloud({
      dir: path.join(work, 'cloud'),
      ports: { clickhouse: 0, dynamodb: 0, httpGateway: 0, wsGateway: 0, dashboard: 0 },
      generatorRate: 0,
      dashboardDist: dist,
    });
    const browser = await launchChromium({ viewport: { width: 1440, height: 900 } }).catch(async (err: unknown) => {
      await cloud.stop();
      throw err;
    });
    try {
      // The day's history straight into the raw table (rollups fill through the views), as the API
      // benchmark does: the ingest handler's per-batch read-back is sized for live batches, not for
      // a day of minutes at once. The last 10 minutes go through the real ingest handler.
      const now = Date.now();
      await insertRawEvents(
        cloud.clickhouse,
        generateDataset({ seed: 6, count: EVENTS, end: now - 10 * 60_000, spanMs: 24 * 3_600_000 - 11 * 60_000 }),
      );
      const recent = new EventGenerator({ seed: 7, now: () => now, spreadMs: 10 * 60_000, lateShare: 0 });
      await cloud.ingest(toMskEvent(recent.records(LIVE_EVENTS)));
      await cloud.flushStreams();
      const url = cloud.urls.dashboard!;

      const runs = async (n: number, opts: { disableCache?: boolean } = {}) => {
        const navs: Navigation[] = [];
        for (let i = 0; i < n; i++) navs.push(await navigateToFirstKpi(browser.context, url, opts));
        return navs;
      };
      const show = (label: string, navs: Navigation[]) => {
        const sorted = [...navs].sort((a, b) => a.firstKpi - b.firstKpi);
        console.log(`${label}: ${navs.map((n) => n.firstKpi.toFixed(0)).join(', ')} ms`);
        console.log(`  median run: ${sorted[Math.floor(sorted.length / 2)]!.timeline}`);
        return navs.map((n) => n.firstKpi);
      };
      const [cold] = show('cold first navigation', await runs(1));
      const warm = show('warm, browser cache on', await runs(WARM_RUNS));
      const noCache = show('warm, browser cache off', await runs(WARM_RUNS, { disableCache: true }));

      const chartRuns: ChartsNavigation[] = [];
      for (let i = 0; i < WARM_RUNS; i++) chartRuns.push(await navigateToCharts(browser.context, url));
      console.log(
        `navigation → charts: ${chartRuns.map((r) => r.charts.toFixed(0)).join(', ')} ms; view complete ${chartRuns.map((r) => r.complete.toFixed(0)).join(', ')} ms; API bytes ${chartRuns.map((r) => r.apiBytes).join(', ')} in ${chartRuns[0]!.apiRequests} requests`,
      );
      console.log(`  success-rate chart drawn: ${chartRuns.map((r) => r.success.toFixed(0)).join(', ')} ms`);
      const medianChart = [...chartRuns].sort((a, b) => a.charts - b.charts)[Math.floor(chartRuns.length / 2)]!;
      console.log(`  median run (charts at ${medianChart.charts.toFixed(0)} ms): ${medianChart.timeline}`);
      if (BEFORE_REF) {
        // The server generates /config.json for its root only: the copy under /before/ gets the same.
        writeFileSync(path.join(dist, 'before', 'config.json'), await (await fetch(new URL('config.json', url))).text());
        const beforeUrl = new URL('before/index.html', url).toString();
        const after: ChartsNavigation[] = [];
        const before: ChartsNavigation[] = [];
        for (let i = 0; i < WARM_RUNS; i++) {
          before.push(await navigateToCharts(browser.context, beforeUrl));
          after.push(await navigateToCharts(browser.context, url));
        }
        const m = (xs: ChartsNavigation[], k: 'firstKpi' | 'charts' | 'complete') => median(xs.map((x) => x[k]));
        for (const k of ['firstKpi', 'charts', 'complete'] as const) {
          console.log(
            `A/B ${k}: before (${BEFORE_REF}) ${before.map((x) => x[k].toFixed(0)).join(', ')} ms; after ${after.map((x) => x[k].toFixed(0)).join(', ')} ms; median ${m(before, k).toFixed(0)} → ${m(after, k).toFixed(0)} ms (${(m(after, k) / m(before, k)).toFixed(2)}×)`,
          );
          rows.push({
            part: 'web',
            metric: `A/B navigation → ${k === 'firstKpi' ? 'first KPI' : k === 'charts' ? 'chart drawn' : 'whole view'}, after / before (${BEFORE_REF}), alternating, median of ${WARM_RUNS}`,
            value: m(after, k) / m(before, k),
            unit: '×',
            target: '—',
            note: `${m(before, k).toFixed(0)} → ${m(after, k).toFixed(0)} ms`,
          });
        }
        const medianBefore = [...before].sort((a, b) => a.charts - b.charts)[Math.floor(before.length / 2)]!;
        console.log(`  before, median run (charts at ${medianBefore.charts.toFixed(0)} ms): ${medianBefore.timeline}`);
      }
      const LIVE_SECONDS = Number(process.env.BENCH_WEB_LIVE_SECONDS ?? 20);
      const liveGen = new EventGenerator({ seed: 8, now: () => Date.now(), spreadMs: 30_000, lateShare: 0 });
      let offset = 1_000_000;
      const live = await longTasksWhileLive(browser.context, url, LIVE_SECONDS, async () => {
        await cloud.ingest(toMskEvent(liveGen.records(50), { startOffset: offset }));
        offset += 50;
        await cloud.flushStreams();
      });
      console.log(
        `live for ${LIVE_SECONDS} s: ${live.deltas} deltas received, ${live.count} long tasks, longest ${live.longest.toFixed(0)} ms, total ${live.total.toFixed(0)} ms`,
      );

      const spread = (xs: number[]) => `min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;
      const charts = chartRuns.map((r) => r.charts);
      rows.push(
        {
          part: 'web',
          metric: `navigation → chart drawn (median of ${WARM_RUNS})`,
          value: median(charts),
          unit: 'ms',
          target: '< 1,500 ms',
          note: `fresh page each, browser cache on; ${spread(charts)}`,
        },
        {
          part: 'web',
          metric: `navigation → success-rate chart drawn (median of ${WARM_RUNS})`,
          value: median(chartRuns.map((r) => r.success)),
          unit: 'ms',
          target: '< 1,500 ms',
          note: 'the second chart (wallet success rate, failed counts)',
        },
        {
          part: 'web',
          metric: `navigation → whole view loaded (median of ${WARM_RUNS})`,
          value: median(chartRuns.map((r) => r.complete)),
          unit: 'ms',
          target: '—',
          note: 'breakdown, failures, merchants, live baseline',
        },
        {
          part: 'web',
          metric: 'API data of the default view (24 h), bytes on the wire',
          value: kb(median(chartRuns.map((r) => r.apiBytes))),
          unit: 'KB',
          target: '—',
          note: `${chartRuns[0]!.apiRequests} requests, median of ${WARM_RUNS}`,
        },
        {
          part: 'web',
          metric: `long tasks while live (${LIVE_SECONDS} s, a batch per second)`,
          value: live.count,
          unit: 'tasks',
          target: 'none > 200 ms',
          note: `longest ${live.longest.toFixed(0)} ms, total ${live.total.toFixed(0)} ms; ${live.deltas} deltas received`,
        },
      );

      const LH_RUNS = Number(process.env.BENCH_WEB_LIGHTHOUSE_RUNS ?? 3);
      for (const formFactor of ['mobile', 'desktop'] as const) {
        if (LH_RUNS <= 0) break;
        const scores: LighthouseScores[] = [];
        for (let i = 0; i < LH_RUNS; i++) scores.push(await lighthouseScores(url, formFactor));
        console.log(
          `lighthouse ${formFactor}: ${scores.map((x) => `${x.performance} (CLS ${x.cls.toFixed(3)}, LCP ${x.lcpMs.toFixed(0)} ms, TBT ${x.tbtMs.toFixed(0)} ms)`).join('; ')}`,
        );
        rows.push({
          part: 'web',
          metric: `Lighthouse 12.8.2 performance, ${formFactor} (median of ${LH_RUNS})`,
          value: median(scores.map((x) => x.performance)),
          unit: 'score',
          target: formFactor === 'mobile' ? '≥ 75' : '≥ 90',
          note: `CLS ${median(scores.map((x) => x.cls)).toFixed(3)} (target < 0.1), LCP ${median(scores.map((x) => x.lcpMs)).toFixed(0)} ms, TBT ${median(scores.map((x) => x.tbtMs)).toFixed(0)} ms`,
        });
      }
      rows.push(
        {
          part: 'web',
          metric: 'navigation → first KPI, cold (first navigation)',
          value: cold!,
          unit: 'ms',
          target: '< 1,000 ms',
          note: 'fresh browser profile, cloud just started',
        },
        {
          part: 'web',
          metric: `navigation → first KPI, warm (median of ${WARM_RUNS})`,
          value: median(warm),
          unit: 'ms',
          target: '< 1,000 ms',
          note: `fresh page each, browser cache on; ${spread(warm)}`,
        },
        {
          part: 'web',
          metric: `navigation → first KPI, warm, no browser cache (median of ${WARM_RUNS})`,
          value: median(noCache),
          unit: 'ms',
          target: '< 1,000 ms',
          note: `fresh page each, every asset fetched; ${spread(noCache)}`,
        },
      );
    } finally {
      await browser.close();
      await cloud.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    `headless Chromium, local cloud on 127.0.0.1; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  report(rows);
}

if (isMain(import.meta.url)) {
  await main();
  process.exit(0);
}
