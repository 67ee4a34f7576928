// The local endpoints' origin and body rules (local/origin-guard.ts, local/lib/body.ts), as pure functions and on a
// real loopback server: a chunked upload past the cap is cut off with 413.
import { describe, expect, test } from 'vitest';
import http from 'node:http';
import { allowedOrigin, dashboardOrigins, foreignOrigin, sendAndClose } from '../local/origin-guard.js';
import { BodyTooLargeError, declaredTooLarge, readCappedBody } from '../local/lib/body.js';
import { listen } from '../local/listen.js';

describe('origins', () => {
  const allowed = dashboardOrigins('http://127.0.0.1:3004');
  test('the dashboard is allowed under 127.0.0.1 and localhost, on its port only', () => {
    expect(allowed).toEqual(['http://127.0.0.1:3004', 'http://localhost:3004']);
    expect(dashboardOrigins(undefined)).toEqual([]);
    expect(allowedOrigin({ origin: 'http://localhost:3004' }, allowed)).toBe('http://localhost:3004');
    expect(allowedOrigin({ origin: 'http://localhost:3005' }, allowed)).toBeUndefined();
  });
  test('a request without Origin is not a browser cross-origin request; any other Origin is', () => {
    expect(foreignOrigin({}, allowed)).toBe(false);
    expect(foreignOrigin({ origin: 'http://127.0.0.1:3004' }, allowed)).toBe(false);
    for (const o of ['null', 'http://evil.example', 'http://127.0.0.1:3004.evil.example', 'https://127.0.0.1:3004', '*']) {
      expect(foreignOrigin({ origin: o }, allowed), o).toBe(true);
    }
  });
  test('a declared Content-Length over the cap is refused up front', () => {
    expect(declaredTooLarge({ 'content-length': '11' }, 10)).toBe(true);
    expect(declaredTooLarge({ 'content-length': '10' }, 10)).toBe(false);
    expect(declaredTooLarge({}, 0)).toBe(false);
  });
});

test('a chunked body past the cap is cut off with 413 after at most the cap, not buffered whole', async () => {
  let read = -1;
  const server = http.createServer((req, res) => {
    readCappedBody(req, 1024).then(
      (body) => {
        read = body.length;
        res.end('ok');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(BodyTooLargeError);
        sendAndClose(res, 413, 'application/json', '{"error":{"code":"payload_too_large","message":"x"}}');
      },
    );
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      // Keeps sending (64 KiB per tick) until the answer arrives; never ends the body.
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        if (req.destroyed) return;
        req.write(chunk, () => setImmediate(pump));
      };
      pump();
    });
    expect(status).toBe(413);
    expect(read).toBe(-1);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('the local ClickHouse endpoint cuts a chunked upload past its cap with 413', async () => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { startClickHouseServer } = await import('../local/clickhouse/server.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'molam-ch-cap-'));
  const ch = await startClickHouseServer({ dataDir: dir, port: 0, maxBodyBytes: 256 * 1024 });
  try {
    const url = new URL(ch.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/?query=INSERT%20INTO%20t%20FORMAT%20TabSeparated',
          headers: { 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      const chunk = Buffer.alloc(64 * 1024, 49);
      const pump = () => {
        if (!req.destroyed) req.write(chunk, () => setImmediate(pump));
      };
      pump();
    });
    expect(status).toBe(413);
  } finally {
    await ch.close();
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
