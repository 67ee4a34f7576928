// Local Lambda sandboxes (local/lambda-sandbox.ts) behind the local Invoke API, called with the
// real @aws-sdk/client-lambda: concurrent invocations run at the same time in separate processes
// (not the caller's), each sees the environment of its invocation, and a crashed runtime fails
// only its invocation (Unhandled), the next one getting a fresh sandbox.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startSandboxPool, type SandboxPool } from '../local/lambda-sandbox.js';
import { startLambdaInvokeServer, type LambdaInvokeServer } from '../local/lambda-invoke.js';
import { LOCAL_DUMMY_CREDENTIALS } from '../functions/shared/dynamo/client.js';

let pool: SandboxPool;
let server: LambdaInvokeServer;
let lambda: LambdaClient;
let barrier: Server;
let barrierUrl: string;

beforeAll(async () => {
  pool = startSandboxPool({ entry: 'test/support/sandbox-probe.ts', functionName: 'Probe', root: process.cwd(), max: 2 });
  server = await startLambdaInvokeServer({
    handlers: { Probe: Object.assign((e: unknown) => pool.invoke(e), { close: () => pool.close() }) },
  });
  lambda = new LambdaClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: LOCAL_DUMMY_CREDENTIALS, maxAttempts: 1 });
  // Holds every request until two are waiting, then answers both.
  let held: Array<() => void> = [];
  barrier = createServer((_req, res) => {
    held.push(() => res.end('go'));
    if (held.length >= 2) {
      for (const release of held) release();
      held = [];
    }
  });
  await new Promise<void>((r) => barrier.listen(0, '127.0.0.1', () => r()));
  barrierUrl = `http://127.0.0.1:${(barrier.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  lambda?.destroy();
  await server?.close();
  await new Promise<void>((r) => (barrier ? barrier.close(() => r()) : r()));
});

async function invoke(event: unknown): Promise<{ status?: number; error?: string; body: unknown }> {
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'Probe', Payload: Buffer.from(JSON.stringify(event)) }));
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  return { status: out.StatusCode, error: out.FunctionError, body: text ? JSON.parse(text) : null };
}

describe('local Lambda sandboxes', () => {
  it('runs two concurrent invocations at once, each in its own process', async () => {
    // Each invocation blocks at the barrier until the other has arrived: run one after the
    // other (or on one event loop taking one invocation at a time) they would never return.
    const [a, b] = await Promise.all([invoke({ barrier: barrierUrl }), invoke({ barrier: barrierUrl })]);
    const pids = [a, b].map((r) => (r.body as { pid: number }).pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(process.pid);
    expect(pool.size).toBe(2);
    expect(pool.cpuMicros()).toBeGreaterThan(0);
  }, 120_000);

  it('reuses a warm sandbox and gives each invocation the environment of its moment', async () => {
    process.env.SANDBOX_PROBE = 'first';
    const one = (await invoke({})).body as { pid: number; probe: string };
    process.env.SANDBOX_PROBE = 'second';
    const two = (await invoke({})).body as { pid: number; probe: string };
    delete process.env.SANDBOX_PROBE;
    expect([one.probe, two.probe]).toEqual(['first', 'second']);
    expect(pool.size).toBe(2);
  }, 60_000);

  it('a crashed runtime fails its invocation as Unhandled; a new sandbox takes its place', async () => {
    const crashed = await invoke({ exit: 3 });
    expect(crashed.error).toBe('Unhandled');
    expect(crashed.body).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(pool.size).toBe(1);
    // Two at once again: only possible with a replacement process.
    const both = await Promise.all([invoke({ barrier: barrierUrl }), invoke({ barrier: barrierUrl })]);
    expect(both.map((r) => r.error)).toEqual([undefined, undefined]);
    expect(new Set(both.map((r) => (r.body as { pid: number }).pid)).size).toBe(2);
    expect(pool.size).toBe(2);
  }, 120_000);

  it('an invocation waiting for the only sandbox runs in a new one when that sandbox crashes', async () => {
    const single = startSandboxPool({ entry: 'test/support/sandbox-probe.ts', functionName: 'Probe', root: process.cwd(), max: 1 });
    try {
      const crash = single.invoke({ exit: 4 });
      const waiting = single.invoke({});
      await expect(crash).rejects.toMatchObject({ name: 'Runtime.ExitError' });
      const result = (await waiting) as { pid: number };
      expect(result.pid).toBeGreaterThan(0);
      expect(single.size).toBe(1);
    } finally {
      await single.close();
    }
  }, 120_000);
});
