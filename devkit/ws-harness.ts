// Test and benchmark helpers for the real-time path: a WebSocket client that records every server
// message, and the environment the handlers need (dev keys, quiet Powertools).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createDynamoClients, resetDynamoClients, type DynamoClients } from '../functions/shared/dynamo/client.js';
import { resetManagementClients } from '../functions/shared/ws-management.js';
import { resetLambdaClient } from '../functions/fanout/workers.js';
import { ensureTables, startDynamo, type LocalDynamo } from '../local/dynamo.js';
import { devAuthEnv, ensureDevKeys, signDevToken, type DevKeys } from './dev-keys.js';
import { startRealtime, type Realtime, type StartRealtimeOptions } from '../local/realtime.js';
import type { ServerMessage } from '../contracts/ws.js';

/** Quiet logs and no EMF lines on stdout; must run before the handlers are imported. */
export function quietPowertools(): void {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // WS_TEST_LOG_LEVEL=DEBUG shows the handlers' logs when a test needs explaining.
  process.env.LOG_LEVEL = process.env.WS_TEST_LOG_LEVEL ?? 'SILENT';
  process.env.POWERTOOLS_LOG_LEVEL = process.env.LOG_LEVEL;
}

export class UpgradeRefused extends Error {
  constructor(
    public status: number,
    public body: string,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
  }
}

type Msg = ServerMessage | { message: string; [k: string]: unknown };

export class WsClient {
  readonly messages: Msg[] = [];
  closed?: { code: number; reason: string };
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Msg);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Opens a connection; rejects with UpgradeRefused when the gateway answers the upgrade with an HTTP error. */
  static connect(url: string, token?: string): Promise<WsClient> {
    const target = token === undefined ? url : `${url}/?token=${encodeURIComponent(token)}`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(target);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
        res.on('error', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => undefined);
        resolve(new WsClient(ws));
      });
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits for the first message (from index `from`) matching `pred`. */
  async next<T extends Msg = Msg>(pred: (m: Msg) => boolean, timeoutMs = 10_000, from = 0): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(pred);
      if (found) return found as T;
      if (this.closed) throw new Error(`connection closed (${this.closed.code}) while waiting; got ${JSON.stringify(this.messages)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a message; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  ofType<T extends Msg = Msg>(type: string): T[] {
    return this.messages.filter((m) => (m as { type?: string }).type === type) as T[];
  }

  /** Sends a ping and resolves at its pong: every message pushed before the ping has arrived by then. */
  async roundTrip(timeoutMs = 10_000): Promise<void> {
    const from = this.messages.length;
    this.send({ action: 'ping' });
    await this.next((m) => (m as { type?: string }).type === 'pong', timeoutMs, from);
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The real-time half of the local cloud for one test file: dev keys (and the auth environment),
 * dynalite with the tables, the stream proxy + WebSocket gateway (startRealtime), and DynamoDB
 * clients that write through the proxy like every writer does.
 */
export interface TestRealtime {
  tmp: string;
  keys: DevKeys;
  dynamo: LocalDynamo;
  rt: Realtime;
  db: DynamoClients;
  token(zones: string[], ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startTestRealtime(options: Omit<StartRealtimeOptions, 'dynaliteEndpoint'> = {}): Promise<TestRealtime> {
  const tmp = await mkdtemp(join(tmpdir(), 'molam-rt-'));
  const keys = await ensureDevKeys(join(tmp, 'keys'));
  Object.assign(process.env, devAuthEnv(keys));
  const dynamo = await startDynamo({ port: 0 });
  const direct = createDynamoClients({ endpoint: dynamo.endpoint });
  await ensureTables(direct.client);
  direct.client.destroy();
  const rt = await startRealtime({ ...options, dynaliteEndpoint: dynamo.endpoint });
  const db = createDynamoClients({ endpoint: rt.dynamoEndpoint });
  return {
    tmp,
    keys,
    dynamo,
    rt,
    db,
    token: (zones, ttlSeconds = 600) => signDevToken({ zones, ttlSeconds }, keys),
    async close() {
      await rt.close();
      resetManagementClients();
      resetLambdaClient();
      db.client.destroy();
      resetDynamoClients();
      await dynamo.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
