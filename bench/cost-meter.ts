// Meters for `npm run bench:cost`: what each paid operation of the design would be in AWS, counted
// on the local cloud. Thin counting proxies in front of the local DynamoDB endpoint and the
// WebSocket management API, and wrappers that time every Lambda invocation.
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../local/listen.js';

type AV = Record<string, unknown>;

/** DynamoDB's item size: attribute names plus values (strings/binary by bytes, numbers ~ digits/2 + 1). */
export function itemBytes(item: Record<string, AV>): number {
  let n = 0;
  for (const [name, value] of Object.entries(item)) n += Buffer.byteLength(name) + valueBytes(value);
  return n;
}

function valueBytes(v: AV): number {
  if ('S' in v) return Buffer.byteLength(String(v.S));
  if ('N' in v) return Math.ceil(String(v.N).replace(/^-|\./g, '').length / 2) + 1;
  if ('B' in v) return Buffer.from(String(v.B), 'base64').length;
  if ('BOOL' in v || 'NULL' in v) return 1;
  if ('SS' in v) return (v.SS as string[]).reduce((a, s) => a + Buffer.byteLength(s), 0);
  if ('NS' in v) return (v.NS as string[]).reduce((a, s) => a + Math.ceil(s.length / 2) + 1, 0);
  if ('L' in v) return 3 + (v.L as AV[]).reduce((a, x) => a + 1 + valueBytes(x), 0);
  if ('M' in v) return 3 + Object.entries(v.M as Record<string, AV>).reduce((a, [k, x]) => a + Buffer.byteLength(k) + 1 + valueBytes(x), 0);
  return 0;
}

export interface DynamoCounts {
  writeUnits: Record<string, number>;
  writeItems: Record<string, number>;
  readUnits: Record<string, number>;
  requests: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function forwardTo(
  target: URL,
  agent: Agent,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const up = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    up.on('error', reject);
    up.end(body);
  });
}

function reply(res: ServerResponse, f: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): void {
  const headers = { ...f.headers };
  delete headers['transfer-encoding'];
  delete headers.connection;
  res.writeHead(f.status, headers);
  res.end(f.body);
}

type Forwarded = Awaited<ReturnType<typeof forwardTo>>;

/** A counting proxy: every request is forwarded to `target`, `count` sees it with its answer. */
async function startMeterProxy<C>(
  target: string,
  maxSockets: number,
  counts: C,
  count: (req: IncomingMessage, body: Buffer, f: Forwarded) => void,
): Promise<{ endpoint: string; counts: C; close(): Promise<void> }> {
  const url = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const f = await forwardTo(url, agent, req, body);
      count(req, body, f);
      reply(res, f);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  server.keepAliveTimeout = 65_000;
  const { hostPort } = await listen(server, 0);
  return {
    endpoint: `http://${hostPort}`,
    counts,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/** A proxy in front of a DynamoDB endpoint that counts request units per table (on-demand rules). */
export async function startDynamoMeter(target: string): Promise<{ endpoint: string; counts: DynamoCounts; close(): Promise<void> }> {
  const counts: DynamoCounts = { writeUnits: {}, writeItems: {}, readUnits: {}, requests: 0 };
  const add = (m: Record<string, number>, table: string, n: number) => (m[table] = (m[table] ?? 0) + n);
  const wcu = (item: Record<string, AV> | undefined) => Math.max(1, Math.ceil((item ? itemBytes(item) : 0) / 1024));
  return startMeterProxy(target, 64, counts, (req, body, f) => {
    counts.requests++;
    if (f.status === 200) {
      const op = String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop();
      const q = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const out = JSON.parse(f.body.toString('utf8') || '{}') as Record<string, unknown>;
      const table = String(q.TableName ?? '');
      if (op === 'PutItem') {
        add(counts.writeUnits, table, wcu(q.Item as Record<string, AV>));
        add(counts.writeItems, table, 1);
      } else if (op === 'UpdateItem' || op === 'DeleteItem') {
        add(counts.writeUnits, table, 1);
        add(counts.writeItems, table, 1);
      } else if (op === 'BatchWriteItem') {
        const unprocessed = (out.UnprocessedItems ?? {}) as Record<string, unknown[]>;
        for (const [t, list] of Object.entries(q.RequestItems as Record<string, Array<{ PutRequest?: { Item: Record<string, AV> } }>>)) {
          const done = list.length - (unprocessed[t]?.length ?? 0);
          // Unprocessed ones are rare locally; count the processed share at the average size.
          const units = list.reduce((a, r) => a + wcu(r.PutRequest?.Item), 0);
          add(counts.writeUnits, t, Math.round((units * done) / Math.max(1, list.length)));
          add(counts.writeItems, t, done);
        }
      } else if (op === 'GetItem') {
        const bytes = out.Item ? itemBytes(out.Item as Record<string, AV>) : 0;
        add(counts.readUnits, table, Math.max(1, Math.ceil(bytes / 4096)) * (q.ConsistentRead ? 1 : 0.5));
      } else if (op === 'Query' || op === 'Scan') {
        const bytes = ((out.Items ?? []) as Record<string, AV>[]).reduce((a, i) => a + itemBytes(i), 0);
        add(counts.readUnits, table, Math.max(1, Math.ceil(bytes / 4096)) * (q.ConsistentRead ? 1 : 0.5));
      } else if (op === 'BatchGetItem') {
        for (const [t, items] of Object.entries((out.Responses ?? {}) as Record<string, Record<string, AV>[]>)) {
          for (const i of items) add(counts.readUnits, t, Math.max(1, Math.ceil(itemBytes(i) / 4096)));
        }
      }
    }
  });
}

export interface ManagementCounts {
  posts: number;
  /** API Gateway meters messages per 32 KB. */
  messageUnits: number;
  bytes: number;
}

/** A proxy in front of the WebSocket management API counting posted messages (32 KB units). */
export async function startManagementMeter(
  target: string,
): Promise<{ endpoint: string; counts: ManagementCounts; close(): Promise<void> }> {
  const counts: ManagementCounts = { posts: 0, messageUnits: 0, bytes: 0 };
  return startMeterProxy(target, 256, counts, (req, body, f) => {
    if (req.method === 'POST' && f.status === 200) {
      counts.posts++;
      counts.bytes += body.length;
      counts.messageUnits += Math.max(1, Math.ceil(body.length / (32 * 1024)));
    }
  });
}

export interface InvocationCounts {
  invocations: number;
  ms: number;
}

/** Wraps a handler: counts invocations and their wall time. */
export function metered<A extends unknown[], R>(
  counts: Record<string, InvocationCounts>,
  id: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const c = (counts[id] ??= { invocations: 0, ms: 0 });
    const start = performance.now();
    try {
      return await fn(...args);
    } finally {
      c.invocations++;
      c.ms += performance.now() - start;
    }
  };
}
