// Headless Chromium for end-to-end tests and benchmarks: Debian's /usr/bin/chromium (the test set-up
// installs it with apt) driven by playwright-core, with a fresh user-data directory per launch.
// Missing Chromium is an error, never a skip: the browser tests are part of the suite.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export function assertChromium(executablePath = CHROMIUM_PATH): void {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
}

/** Launches Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchChromium(opts: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedBrowser> {
  assertChromium();
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'molam-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1440, height: 900 },
      locale: 'fr-FR',
      timezoneId: 'UTC',
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
}
