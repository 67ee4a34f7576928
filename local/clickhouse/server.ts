// Local ClickHouse endpoint: enough of the ClickHouse HTTP interface over the in-process chdb
// engine for the real @clickhouse/client (and curl) to work unchanged.
//
// Per request: `USE <database>; SET <url settings>; <statement>` runs as one engine call, then
// the request's settings are reset with `SET x = DEFAULT` so nothing leaks into the next request
// (the chdb connection is session-like: a SET would otherwise persist). Everything goes through
// one serialized queue; the engine is called only through its async entry points.
//
// Known differences from a real server (none matter to @clickhouse/client):
// - one data directory per process (chdb's rule); a second server in the same process must use
//   the same dataDir;
// - results are produced whole by the engine, then sent (gzip'd when asked); no mid-stream
//   exceptions, no progress headers;
// - a `SET` sent as a query persists on the connection (no HTTP sessions here); `readonly` and
//   the HTTP-only parameters are ignored; credentials are ignored;
// - X-ClickHouse-Summary: read/written rows and bytes as the engine reports them
//   (result_rows = rows read).
import { listen } from '../listen.js';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Transform, Writable } from 'node:stream';
import { BodyTooLargeError, declaredTooLarge } from '../lib/body.js';
import { foreignOrigin, jsonBody, sendAndClose, type AllowedOrigins } from '../origin-guard.js';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { ChdbEngine, type EngineResult } from './engine.js';
import {
  classifyParams,
  contentTypeFor,
  httpStatusFor,
  isInsertStatement,
  parseMultipart,
  resetStatement,
  setStatement,
  sqlIdentifier,
  toClickHouseError,
  trailingFormat,
} from './protocol.js';

export interface ClickHouseServerOptions {
  host?: string;
  /** 0 = ephemeral. */
  port?: number;
  /** chdb data directory, owned by this process while the server runs. */
  dataDir: string;
  /** Created at start if missing; the database of requests that name none. Default 'default'. */
  database?: string;
  /** Origins whose browser requests are served (default none: only clients that send no Origin). */
  allowedOrigins?: AllowedOrigins;
  /** Largest request body, compressed and decompressed (default MAX_CLICKHOUSE_BODY_BYTES). */
  maxBodyBytes?: number;
}

/**
 * 128 MiB: a 100,000-row TabSeparated insert of analytics events is tens of MB; more than that is
 * not a real use of the local engine, and nothing bigger is ever buffered.
 */
export const MAX_CLICKHOUSE_BODY_BYTES = 128 * 1024 * 1024;

export interface ClickHouseServer {
  url: string;
  port: number;
  /**
   * Live counters; `queries` = engine calls made for HTTP requests (ping and internal resets
   * excluded); `engineMs` = the engine's own elapsed time over them (benchmarks print it beside
   * the caller's time); `busyMs` = wall time the one engine slot was held (statements and their
   * setting resets): busyMs / wall time near 1 means callers queue on the engine.
   */
  stats: { readonly queries: number; readonly engineMs: number; readonly busyMs: number };
  close(): Promise<void>;
}

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotli = promisify(zlib.brotliCompress);

/** http_zlib_compression_level as ClickHouse reads it: 1–9, default 3. */
export function zlibLevel(value: string | undefined): number {
  const n = Number(value ?? 3);
  return Number.isInteger(n) && n >= 1 && n <= 9 ? n : 3;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(`Code: ${code}. DB::Exception: ${message}. (${type})`);
  }
}

function decoderFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      throw new HttpError(48, 'NOT_IMPLEMENTED', `Unknown Content-Encoding: ${encoding}`);
  }
}

/** Passes bytes through, failing once more than `limit` went by. */
function byteLimit(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(size > limit ? new BodyTooLargeError(limit) : null, chunk);
    },
  });
}

/**
 * Streams the request body (decompressed on the fly) into one Buffer, refusing more than `limit`
 * bytes on the wire or after decompression (a small gzip body can inflate without bound).
 */
async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  if (declaredTooLarge(req.headers, limit)) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limit) return cb(new BodyTooLargeError(limit));
      chunks.push(chunk);
      cb();
    },
  });
  const decoder = decoderFor(req.headers['content-encoding']);
  // Piped, not in the pipeline itself: a failed pipeline destroys its source, and destroying the
  // request would cut the socket before the 413 is sent.
  const source = new PassThrough();
  req.pipe(source);
  try {
    if (decoder) await pipeline(source, byteLimit(limit), decoder, sink);
    else await pipeline(source, byteLimit(limit), sink);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw err;
    if (decoder) throw new HttpError(354, 'ZLIB_INFLATE_FAILED', `Cannot decompress request body: ${(err as Error).message}`);
    throw err;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function wantsCompression(flag: string | null, acceptEncoding: string | undefined): 'gzip' | 'deflate' | 'br' | undefined {
  if (flag !== '1' && flag !== 'true') return undefined;
  const accepted = (acceptEncoding ?? '').toLowerCase();
  if (/\bgzip\b/.test(accepted)) return 'gzip';
  if (/\bdeflate\b/.test(accepted)) return 'deflate';
  if (/\bbr\b/.test(accepted)) return 'br';
  return undefined;
}

function summaryHeader(r: EngineResult | undefined, resultRows: number): string {
  const s = (n: number) => String(Math.max(0, Math.trunc(n)));
  return JSON.stringify({
    read_rows: s(r?.rowsRead ?? 0),
    read_bytes: s(r?.bytesRead ?? 0),
    written_rows: s(r?.rowsWritten ?? 0),
    written_bytes: s(r?.bytesWritten ?? 0),
    total_rows_to_read: s(r?.rowsRead ?? 0),
    result_rows: s(resultRows),
    result_bytes: s(r?.bytes.length ?? 0),
    elapsed_ns: s((r?.elapsedSeconds ?? 0) * 1e9),
  });
}

export async function startClickHouseServer(opts: ClickHouseServerOptions): Promise<ClickHouseServer> {
  const host = opts.host ?? '127.0.0.1';
  const defaultDatabase = opts.database ?? 'default';
  const allowedOrigins = opts.allowedOrigins ?? (() => []);
  const maxBodyBytes = opts.maxBodyBytes ?? MAX_CLICKHOUSE_BODY_BYTES;
  const engine = new ChdbEngine(opts.dataDir);
  let engineMs = 0;
  let busyMs = 0;
  let version = 'unknown';
  try {
    version = await engine.exclusive(async () => {
      await engine.query(`CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(defaultDatabase)}`, 'TabSeparated', undefined, true);
      return (await engine.query('SELECT version()', 'TabSeparated', undefined, true)).bytes.toString('utf8').trim();
    });
  } catch (err) {
    await engine.close();
    throw err;
  }

  async function execute(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const queryId = url.searchParams.get('query_id') || randomUUID();
    res.setHeader('X-ClickHouse-Query-Id', queryId);
    res.setHeader('X-ClickHouse-Server-Display-Name', 'chdb-local');

    let body = await readBody(req, maxBodyBytes);
    let entries: Array<[string, string]> = [...url.searchParams];
    const contentType = req.headers['content-type'] ?? '';
    if (/^multipart\/form-data/i.test(contentType)) {
      entries = entries.concat(parseMultipart(body, contentType));
      body = Buffer.alloc(0);
    }
    const lookup = new Map(entries);
    const { settings, params } = classifyParams(entries);
    const urlQuery = lookup.get('query') ?? '';
    const database = lookup.get('database') || defaultDatabase;
    const defaultFormat = lookup.get('default_format') || settings.get('default_format') || 'TabSeparated';
    settings.delete('default_format');

    const insertWithData = urlQuery.trim() !== '' && body.length > 0 && isInsertStatement(urlQuery);
    const sql = insertWithData ? urlQuery : [urlQuery, body.toString('utf8')].filter((s) => s.trim() !== '').join('\n');
    if (sql.trim() === '') throw new HttpError(62, 'SYNTAX_ERROR', 'Empty query');
    const format = trailingFormat(sql) ?? defaultFormat;

    const preamble = `USE ${sqlIdentifier(database)}; ${settings.size > 0 ? `${setStatement(settings)}; ` : ''}`;
    const result = await engine.exclusive(async () => {
      const held = performance.now();
      try {
        return insertWithData ? await engine.insertRaw(preamble + sql, body) : await engine.query(preamble + sql, format, params);
      } finally {
        if (settings.size > 0) await resetSettings([...settings.keys()]);
        busyMs += performance.now() - held;
      }
    });

    engineMs += result.elapsedSeconds * 1000;
    const resultRows = insertWithData ? 0 : result.rowsRead;
    res.setHeader('X-ClickHouse-Format', format);
    res.setHeader('X-ClickHouse-Summary', summaryHeader(result, resultRows));
    res.setHeader('Content-Type', contentTypeFor(format));
    let out = result.bytes;
    const encoding = wantsCompression(lookup.get('enable_http_compression') ?? null, req.headers['accept-encoding']);
    if (encoding) {
      // ClickHouse's own default level (http_zlib_compression_level = 3), not zlib's 6.
      const level = zlibLevel(lookup.get('http_zlib_compression_level'));
      out = encoding === 'gzip' ? await gzip(out, { level }) : encoding === 'deflate' ? await deflate(out, { level }) : await brotli(out);
      res.setHeader('Content-Encoding', encoding);
    }
    res.setHeader('Content-Length', out.length);
    res.writeHead(200);
    res.end(out);
  }

  // Runs inside the engine slot. If the combined reset fails (e.g. one name was an unknown
  // setting) each name is reset on its own so the valid ones never survive the request.
  async function resetSettings(names: string[]): Promise<void> {
    try {
      await engine.query(resetStatement(names), 'TabSeparated', undefined, true);
    } catch {
      for (const name of names) {
        await engine.query(resetStatement([name]), 'TabSeparated', undefined, true).catch(() => undefined);
      }
    }
  }

  function sendError(res: http.ServerResponse, err: unknown): void {
    if (err instanceof BodyTooLargeError && !res.headersSent) {
      return sendAndClose(res, 413, 'text/plain; charset=UTF-8', `Code: 1001. DB::Exception: ${err.message}. (PAYLOAD_TOO_LARGE)\n`);
    }
    const e = toClickHouseError(err, version);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = httpStatusFor(e.type);
    res.setHeader('X-ClickHouse-Exception-Code', String(e.code));
    res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
    res.removeHeader('Content-Encoding');
    res.setHeader('Content-Length', Buffer.byteLength(e.text));
    res.end(e.text);
  }

  // ClickHouse accepts URIs up to http_max_uri_size (1 MiB): bound parameters travel in the URL.
  const server = http.createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Checked before anything runs: a cross-origin "simple" POST (no preflight) would otherwise
    // execute its DDL even though the page cannot read the answer.
    if (foreignOrigin(req.headers, allowedOrigins())) {
      return sendAndClose(res, 403, 'application/json', jsonBody('forbidden_origin', 'cross-origin browser requests are refused'));
    }
    // Basic auth / X-ClickHouse-User / X-ClickHouse-Key are accepted and ignored: one local user.
    const isPing = url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'));
    if (isPing || url.pathname === '/replicas_status') {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': 4 });
      res.end('Ok.\n');
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST')) {
      req.resume();
      const text = `There is no handle ${url.pathname}\n`;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    execute(url, req, res).catch((err) => {
      req.resume();
      sendError(res, err);
    });
  });
  server.keepAliveTimeout = 10_000;

  const { port, hostPort } = await listen(server, opts.port, host);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPort}`,
    port,
    stats: {
      get engineMs() {
        return engineMs;
      },
      get busyMs() {
        return busyMs;
      },
      get queries() {
        return engine.queries;
      },
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await engine.close();
      })();
      return closing;
    },
  };
}
