// Headless Chromium for end-to-end tests and benchmarks, driven by playwright-core with a fresh
// user-data directory per launch. Which Chromium: CHROMIUM_PATH when set (the value
// `@sparticuz/chromium` forces the packaged one), else the system's (Debian's /usr/bin/chromium,
// which .ci/run installs), else the Chromium shipped inside the @sparticuz/chromium npm package, so
// `npm ci && npm test` needs no browser on the machine. Missing Chromium is an error, never a skip.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The CHROMIUM_PATH value that selects the npm-packaged Chromium. */
export const PACKAGED_CHROMIUM = '@sparticuz/chromium';
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface ResolvedChromium {
  executablePath: string;
  args: string[];
  source: 'CHROMIUM_PATH' | 'system' | 'npm';
}

export interface LaunchedBrowser {
  context: BrowserContext;
  chromium: ResolvedChromium;
  close(): Promise<void>;
}

async function packagedChromium(): Promise<ResolvedChromium> {
  // Unpacks once into the temp directory (~4 s), then reuses it. Its flags suit headless-shell.
  const { default: packaged } = await import('@sparticuz/chromium');
  packaged.setGraphicsMode = false;
  const executablePath = await packaged.executablePath();
  const args = [...packaged.args, ...CHROMIUM_ARGS.filter((a) => a !== '--headless')];
  return { executablePath, args, source: 'npm' };
}

/** Picks the Chromium to launch; throws with what to do when an explicit CHROMIUM_PATH is wrong. */
export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedChromium> {
  const explicit = env.CHROMIUM_PATH;
  if (explicit === PACKAGED_CHROMIUM) return packagedChromium();
  if (explicit) {
    if (!existsSync(explicit))
      throw new Error(`CHROMIUM_PATH=${explicit} does not exist (unset it to use the system or the packaged Chromium).`);
    return { executablePath: explicit, args: CHROMIUM_ARGS, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM_CHROMIUM.find((p) => existsSync(p));
  if (system) return { executablePath: system, args: CHROMIUM_ARGS, source: 'system' };
  return packagedChromium();
}

/** Launches Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchChromium(opts: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedBrowser> {
  const resolved = await resolveChromium();
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'molam-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: resolved.executablePath,
      headless: true,
      args: resolved.args,
      viewport: opts.viewport ?? { width: 1440, height: 900 },
      locale: 'fr-FR',
      timezoneId: 'UTC',
    });
    return {
      context,
      chromium: resolved,
      async close() {
        await context.close().catch(() => undefined);
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw new Error(`Chromium (${resolved.source}: ${resolved.executablePath}) did not start: ${(err as Error).message}`);
  }
}
