// Lighthouse (pinned 12.8.2, the last line that runs on Node 20) against the tests' Chromium: the
// browser is started here with a DevTools port and a throwaway profile, Lighthouse drives it over
// that port. Performance category only; mobile = Lighthouse's default (Moto G power, slow 4G
// simulated), desktop = its desktop preset.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { resolveChromium } from '../devkit/browser.js';
import { sleep } from '../local/lib/sleep.js';

export interface LighthouseScores {
  performance: number;
  cls: number;
  lcpMs: number;
  tbtMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForDevTools(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/version`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Chromium's DevTools port ${port} did not open`);
    await sleep(200);
  }
}

/** One Lighthouse run of `url` per form factor, in a fresh Chromium each. */
export async function lighthouseScores(url: string, formFactor: 'mobile' | 'desktop'): Promise<LighthouseScores> {
  const port = await freePort();
  const profile = await mkdtemp(path.join(tmpdir(), 'molam-lighthouse-'));
  const browser = await resolveChromium();
  const chrome = spawn(
    browser.executablePath,
    [...browser.args, `--remote-debugging-port=${port}`, `--user-data-dir=${profile}`, 'about:blank'],
    { stdio: 'ignore' },
  );
  try {
    await waitForDevTools(port);
    const result = await lighthouse(
      url,
      { port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] },
      formFactor === 'desktop' ? desktopConfig : undefined,
    );
    const lhr = result?.lhr;
    if (!lhr) throw new Error('Lighthouse returned no result');
    const audit = (id: string) => Number(lhr.audits[id]?.numericValue ?? NaN);
    return {
      performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
      cls: audit('cumulative-layout-shift'),
      lcpMs: audit('largest-contentful-paint'),
      tbtMs: audit('total-blocking-time'),
    };
  } finally {
    if (chrome.exitCode === null && chrome.signalCode === null) {
      const exited = new Promise((r) => chrome.once('exit', r));
      chrome.kill('SIGTERM');
      await exited;
    }
    await rm(profile, { recursive: true, force: true });
  }
}
