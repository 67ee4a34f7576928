// The chdb engine behind the local ClickHouse endpoint: one data directory, one native
// connection, every call serialized on a promise chain and run on chdb's async (libuv worker)
// entry points so the event loop stays free.
//
// Why the native addon directly: chdb 3.4's Session.queryBindAsync TSV-escapes string values a
// second time, but HTTP `param_*` values already arrive in ClickHouse's escaped text form (that
// is what @clickhouse/client sends). The addon's QueryAsyncConnection(conn, sql, format, params)
// binds them unchanged, exactly like a ClickHouse server does.
//
// chdb binds ONE data directory per process (a second Session at another path throws "only one
// active data directory per process"); further connections to the same directory are allowed.
// So a process can host servers for one data directory only.
import { createRequire } from 'node:module';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';

export interface EngineResult {
  bytes: Buffer;
  rowsRead: number;
  bytesRead: number;
  rowsWritten: number;
  bytesWritten: number;
  elapsedSeconds: number;
}

interface NativeQueryResult {
  bytes: Uint8Array;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}
interface NativeInsertResult {
  elapsed: number;
  rowsWritten: number;
  bytesWritten: number;
  rowsSent?: number;
}
interface ChdbNative {
  QueryAsyncConnection(conn: unknown, sql: string, format: string, params?: Record<string, string>): Promise<NativeQueryResult>;
  InsertRawAsyncConnection(conn: unknown, prefix: string, payload: Buffer, countLines: boolean): Promise<NativeInsertResult>;
}

const require = createRequire(import.meta.url);
// The package's `exports` map hides dist/loader.js; resolving it by absolute path loads the very
// same (cached) addon instance that chdb's Session uses.
const native: ChdbNative = require(path.join(path.dirname(require.resolve('chdb')), 'dist', 'loader.js')).loadNative();

export class ChdbEngine {
  private readonly session: Session;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Engine calls executed (statements sent to chdb, internal setting resets excluded). */
  queries = 0;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.session = new Session(dataDir);
  }

  /** Run `fn` when every earlier engine call has finished (one call at a time). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('Code: 210. DB::Exception: Local ClickHouse engine is closed. (NETWORK_ERROR)'));
    const run = this.tail.then(fn, fn);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Not serialized by itself: call inside exclusive(). */
  async query(sql: string, format: string, params?: Record<string, string>, internal = false): Promise<EngineResult> {
    if (!internal) this.queries++;
    const conn = this.session.connection;
    const r =
      params && Object.keys(params).length > 0
        ? await native.QueryAsyncConnection(conn, sql, format, params)
        : await native.QueryAsyncConnection(conn, sql, format);
    return {
      bytes: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
      rowsRead: r.rowsRead,
      bytesRead: r.bytesRead,
      rowsWritten: 0,
      bytesWritten: 0,
      elapsedSeconds: r.elapsed,
    };
  }

  /** `prefix` is the INSERT statement (may be preceded by SET/USE); `payload` its data. Call inside exclusive(). */
  async insertRaw(prefix: string, payload: Buffer): Promise<EngineResult> {
    this.queries++;
    const r = await native.InsertRawAsyncConnection(this.session.connection, prefix, payload, false);
    return {
      bytes: Buffer.alloc(0),
      rowsRead: 0,
      bytesRead: payload.length,
      rowsWritten: r.rowsWritten,
      bytesWritten: r.bytesWritten,
      elapsedSeconds: r.elapsed,
    };
  }

  /** Waits for the running call, then releases the connection (and the directory lock). */
  async close(): Promise<void> {
    if (this.closed) return;
    const drained = this.tail;
    this.closed = true;
    await drained;
    this.session.close();
  }
}
