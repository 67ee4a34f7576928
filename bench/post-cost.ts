// bench:realtime part `post`: what one postToConnection costs the caller's CPU, side by side in one
// run against a sink in another process (answers 200, like @connections): the real SDK client as
// the fan-out configures it (managementClient), the same without the cached middleware stack, and
// a bare node:http request with the same keep-alive agent (the floor any HTTP client pays here).
// Run as a child (`--sink`), this file is the sink.
import { fork } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { LOCAL_DUMMY_CREDENTIALS } from '../functions/shared/dynamo/client.js';
import { MANAGEMENT_MAX_SOCKETS, managementClient, postData, resetManagementClients } from '../functions/shared/ws-management.js';
import { runPool } from '../functions/shared/pool.js';

export interface PostCost {
  variant: string;
  /** Caller CPU per post, µs (median over the rounds). */
  clientMicros: number;
  /** Sink CPU per post, µs (median): what the receiving side pays for this client's requests. */
  sinkMicros: number;
  postsPerSecond: number;
}

const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export async function measurePostCost(options: { posts: number; concurrency: number; rounds: number; frame: string }): Promise<PostCost[]> {
  const sink = fork(fileURLToPath(import.meta.url), ['--sink'], { execArgv: ['--import', 'tsx'] });
  const ask = <T>(m: string): Promise<T> =>
    new Promise((r) => {
      sink.once('message', (x: T) => r(x));
      sink.send(m);
    });
  const { port } = await ask<{ port: number }>('port');
  const endpoint = `http://127.0.0.1:${port}/local`;
  const ids = Array.from({ length: 64 }, (_, i) => `L0SM9cOFvHc${String(i).padStart(4, '0')}=`);
  const agent = new Agent({ keepAlive: true, maxSockets: MANAGEMENT_MAX_SOCKETS });
  const uncached = new ApiGatewayManagementApiClient({
    endpoint,
    maxAttempts: 1,
    region: 'us-east-1',
    credentials: LOCAL_DUMMY_CREDENTIALS,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: MANAGEMENT_MAX_SOCKETS }) },
  });
  const variants: Record<string, (i: number) => Promise<unknown>> = {
    'SDK postToConnection (managementClient: cached middleware, keep-alive)': (i) =>
      postData(managementClient(endpoint), ids[i % ids.length]!, options.frame),
    'SDK postToConnection, middleware resolved per send (SDK default)': (i) =>
      uncached.send(new PostToConnectionCommand({ ConnectionId: ids[i % ids.length]!, Data: options.frame })),
    'bare node:http POST, same keep-alive agent (no SDK)': (i) =>
      new Promise<void>((resolve, reject) => {
        const req = request(
          `${endpoint}/@connections/${encodeURIComponent(ids[i % ids.length]!)}`,
          { method: 'POST', agent, headers: { 'content-length': Buffer.byteLength(options.frame) } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(options.frame);
      }),
  };
  const samples = new Map<string, { client: number[]; sink: number[]; rate: number[] }>();
  const run = (fn: (i: number) => Promise<unknown>) =>
    runPool(
      Array.from({ length: options.posts }, (_, i) => async () => {
        await fn(i);
      }),
      options.concurrency,
    );
  for (const fn of Object.values(variants)) await run(fn); // warm: sockets, JIT
  for (let round = 0; round < options.rounds; round++) {
    // Interleaved rounds: the machine's load drifts alike for every variant.
    for (const [name, fn] of Object.entries(variants)) {
      const s0 = await ask<{ cpu: number }>('cpu');
      const c0 = cpu();
      const t0 = performance.now();
      await run(fn);
      const ms = performance.now() - t0;
      const c = cpu() - c0;
      const s1 = await ask<{ cpu: number }>('cpu');
      const e = samples.get(name) ?? samples.set(name, { client: [], sink: [], rate: [] }).get(name)!;
      e.client.push(c / options.posts);
      e.sink.push((s1.cpu - s0.cpu) / options.posts);
      e.rate.push(options.posts / (ms / 1000));
    }
  }
  sink.send('exit');
  uncached.destroy();
  agent.destroy();
  resetManagementClients();
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return [...samples].map(([variant, e]) => ({
    variant,
    clientMicros: med(e.client),
    sinkMicros: med(e.sink),
    postsPerSecond: med(e.rate),
  }));
}

function runSink(): void {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1');
  process.on('message', (m: string) => {
    if (m === 'port') process.send?.({ port: (server.address() as { port: number }).port });
    else if (m === 'cpu') process.send?.({ cpu: cpu() });
    else process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--sink')) runSink();
