// The dashboard's live connection (web/src/live/connection.ts) against the real gateway, handlers
// and fan-out: when its token expires on an open connection, the server says token_expired and
// closes it, and the dashboard reconnects with a fresh token (not the stored, expired one) and
// receives deltas again. Browser globals are the `ws` client and two small stand-ins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeSnapshots } from '../functions/shared/dynamo/deltas-store.js';
import type { DeltaMessage } from '../contracts/index.js';
import type { DeltaSnapshot } from '../contracts/delta.js';
import { signDevToken } from '../devkit/dev-keys.js';
import { LiveConnection } from '../web/src/live/connection.js';
import type { LiveStatus } from '../web/src/live/reconnect.js';
import { eventually, quietPowertools, startTestRealtime, type TestRealtime } from '../devkit/ws-harness.js';

quietPowertools();

let t: TestRealtime;

beforeAll(async () => {
  t = await startTestRealtime({ stream: { windowMs: 5 } });
  Object.assign(globalThis, { WebSocket, window: { addEventListener: () => undefined, removeEventListener: () => undefined } });
  Object.defineProperty(globalThis, 'navigator', { value: { onLine: true }, configurable: true, writable: true });
});

afterAll(async () => {
  await t?.close();
});

function snapshot(room: string, version: number): DeltaSnapshot {
  return {
    room,
    bucket: '2026-11-27T10:15:00.000Z',
    version,
    values: [{ type: 'invoice.paid', currency: 'XOF', count: version, volume: `${version}.00`, fees: '0.00', merchants: 1, succeeded: 1 }],
    recorded_at: new Date().toISOString(),
    source_ts: Date.now(),
  };
}

describe('dashboard live connection', () => {
  it('reconnects with a fresh token after token_expired and receives deltas again', async () => {
    const room = 'zone:WAEMU';
    const renewals: boolean[] = [];
    const deltas: number[] = [];
    const statuses: LiveStatus[] = [];
    const errors: string[] = [];
    const live = new LiveConnection(
      t.rt.gateway.url,
      async (renew) => {
        renewals.push(renew);
        return signDevToken({ zones: ['WAEMU'], ttlSeconds: renew ? 600 : 3 }, t.keys);
      },
      room,
      {
        delta: (m: DeltaMessage) => deltas.push(m.version),
        status: (s) => statuses.push(s),
        refetch: () => undefined,
        serverError: (message) => errors.push(message),
      },
      { baseDelayMs: 50, maxDelayMs: 200 },
    );
    live.start();
    try {
      await eventually(async () => statuses.at(-1) === 'live');
      await writeSnapshots(t.db.doc, 'deltas', [snapshot(room, 1)]);
      await eventually(async () => deltas.includes(1));
      await new Promise((r) => setTimeout(r, 4_200));
      // The next delta finds the token expired: the server tells the client and closes it.
      await writeSnapshots(t.db.doc, 'deltas', [snapshot(room, 2)]);
      await eventually(async () => errors.some((e) => e.includes('token has expired')), 15_000);
      await eventually(async () => renewals.length === 2 && statuses.at(-1) === 'live', 15_000);
      expect(renewals).toEqual([false, true]);
      expect(deltas).not.toContain(2);
      await writeSnapshots(t.db.doc, 'deltas', [snapshot(room, 3)]);
      await eventually(async () => deltas.includes(3), 15_000);
    } finally {
      live.stop();
    }
  }, 60_000);
});
