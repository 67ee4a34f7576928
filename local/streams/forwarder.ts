// Forwards DynamoDB JSON requests to dynalite unchanged and answers with what it said, plus the few
// reads of its own the stream tap needs (the item before an update, which keys of a batch exist).
import { Agent, request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { type AttributeMap, keyString, pick } from './record-deriver.js';

export const TARGET_PREFIX = 'DynamoDB_20120810.';

export interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Forwarder {
  forward(headers: IncomingHttpHeaders, body: Buffer, method?: string, path?: string): Promise<Forwarded>;
  /** A DynamoDB call of our own, reusing the caller's auth headers (dynalite checks their shape only). */
  call(headers: IncomingHttpHeaders, op: string, payload: unknown): Promise<Record<string, unknown>>;
  getItem(headers: IncomingHttpHeaders, table: string, key: AttributeMap): Promise<AttributeMap | undefined>;
  /** The keyString of each of `keys` that exists now (BatchGetItem, keys only). */
  existingKeys(headers: IncomingHttpHeaders, table: string, keyNames: readonly string[], keys: AttributeMap[]): Promise<Set<string>>;
  close(): void;
}

/** Sends dynalite's answer on, with `body` in place of its own when given. */
export function respond(res: ServerResponse, f: Forwarded, body?: Buffer): void {
  const headers = { ...f.headers };
  const payload = body ?? f.body;
  if (body) {
    headers['content-length'] = String(body.length);
    // The SDK checks x-amz-crc32 against the body it receives.
    if (headers['x-amz-crc32'] !== undefined) headers['x-amz-crc32'] = String(crc32(body));
  }
  delete headers.connection;
  delete headers['transfer-encoding'];
  res.writeHead(f.status, headers);
  res.end(payload);
}

export function createForwarder(dynaliteEndpoint: string): Forwarder {
  const target = new URL(dynaliteEndpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  function forwardOnce(headers: IncomingHttpHeaders, body: Buffer, method: string, path: string): Promise<Forwarded> {
    return new Promise((resolve, reject) => {
      const out = { ...headers, host: target.host, 'content-length': String(body.length) };
      delete out['transfer-encoding'];
      const req = httpRequest(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method, path, headers: out, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
        err.reusedSocket = req.reusedSocket;
        reject(err);
      });
      req.end(body);
    });
  }

  /**
   * A pooled socket the server closed while idle (its keep-alive timeout) fails with ECONNRESET
   * before anything was processed; that case is retried on a fresh socket, as Node's documentation
   * recommends.
   */
  async function forward(headers: IncomingHttpHeaders, body: Buffer, method = 'POST', path = '/'): Promise<Forwarded> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await forwardOnce(headers, body, method, path);
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
        if (!(e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) || attempt >= 3) throw err;
      }
    }
  }

  async function call(headers: IncomingHttpHeaders, op: string, payload: unknown): Promise<Record<string, unknown>> {
    const res = await forward({ ...headers, 'x-amz-target': TARGET_PREFIX + op }, Buffer.from(JSON.stringify(payload)));
    const json = JSON.parse(res.body.toString('utf8') || '{}') as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`stream proxy: ${op} failed (${res.status}): ${res.body.toString('utf8')}`);
    return json;
  }

  return {
    forward,
    call,
    async getItem(headers, table, key) {
      const out = await call(headers, 'GetItem', { TableName: table, Key: key, ConsistentRead: true });
      return out.Item as AttributeMap | undefined;
    },
    async existingKeys(headers, table, keyNames, keys) {
      const found = new Set<string>();
      const names = Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k]));
      for (let i = 0; i < keys.length; i += 100) {
        let request: Record<string, unknown> = {
          [table]: {
            Keys: keys.slice(i, i + 100),
            ConsistentRead: true,
            ProjectionExpression: Object.keys(names).join(', '),
            ExpressionAttributeNames: names,
          },
        };
        while (Object.keys(request).length > 0) {
          const out = await call(headers, 'BatchGetItem', { RequestItems: request });
          for (const item of (out.Responses as Record<string, AttributeMap[]>)?.[table] ?? []) found.add(keyString(pick(item, keyNames)));
          request = (out.UnprocessedKeys as Record<string, unknown>) ?? {};
        }
      }
      return found;
    },
    close: () => agent.destroy(),
  };
}
