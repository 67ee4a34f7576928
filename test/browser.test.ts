// The browser the end-to-end tests use can always be had from npm: the Chromium packaged in
// @sparticuz/chromium unpacks and renders a page served on loopback, and the resolution order
// (CHROMIUM_PATH, then the system's, then the packaged one) holds.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { PACKAGED_CHROMIUM, resolveChromium } from '../devkit/browser.js';

let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>t</title><p id="p"></p><script>document.getElementById("p").textContent = String(6 * 7)</script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('Chromium for the browser tests', () => {
  it('the npm-packaged Chromium runs a page on loopback', async () => {
    const packaged = await resolveChromium({ CHROMIUM_PATH: PACKAGED_CHROMIUM });
    expect(packaged.source).toBe('npm');
    const browser = await chromium.launch({ executablePath: packaged.executablePath, args: packaged.args, headless: true });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      expect(await page.textContent('#p')).toBe('42');
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('an explicit CHROMIUM_PATH wins and a wrong one is an error, not a fallback', async () => {
    const packaged = await resolveChromium({ CHROMIUM_PATH: PACKAGED_CHROMIUM });
    expect(await resolveChromium({ CHROMIUM_PATH: packaged.executablePath })).toMatchObject({
      source: 'CHROMIUM_PATH',
      executablePath: packaged.executablePath,
    });
    await expect(resolveChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).rejects.toThrow(
      /CHROMIUM_PATH=\/nonexistent\/chromium does not exist/,
    );
  }, 120_000);
});
