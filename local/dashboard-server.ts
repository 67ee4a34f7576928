// Serves the built dashboard (web/dist) like CloudFront + S3 would: static files with long cache
// for hashed assets, index.html for client-side routes, and the runtime config.json generated for
// this environment (the build never contains URLs).
import { existsSync } from 'node:fs';
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { WebConfig } from '../contracts/web-config.js';
import { repoPath } from './lib/repo-root.js';
import { closeServer, listen } from './listen.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export interface DashboardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDashboardServer(opts: {
  host?: string;
  port?: number;
  distDir: string;
  config: WebConfig;
}): Promise<DashboardServer> {
  const root = path.resolve(opts.distDir);
  const configJson = JSON.stringify(opts.config);
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname === '/config.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
        res.end(configJson);
        return;
      }
      let file = path.join(root, decodeURIComponent(url.pathname));
      if (!file.startsWith(root)) {
        res.writeHead(400).end();
        return;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) file = path.join(root, 'index.html');
      const body = await readFile(file);
      const hashed = file.includes(`${path.sep}assets${path.sep}`);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`dashboard server error: ${(err as Error).message}`);
    }
  });
  const { port, hostPort } = await listen(server, opts.port, opts.host);
  return {
    url: `http://${hostPort}`,
    port,
    close: () => closeServer(server),
  };
}

/** Builds the dashboard when `distDir` (default web/dist) has no index.html yet, then serves it. */
export async function serveDashboard(opts: {
  host?: string;
  port?: number;
  distDir?: string;
  config: WebConfig;
  log: (line: string) => void;
}): Promise<DashboardServer> {
  const distDir = opts.distDir ?? repoPath('web/dist');
  if (!existsSync(path.join(distDir, 'index.html'))) {
    opts.log('building the dashboard (web/dist is missing)…');
    const { build } = await import('vite');
    await build({ configFile: repoPath('web/vite.config.ts'), logLevel: 'warn' });
  }
  return startDashboardServer({ ...opts, distDir });
}
