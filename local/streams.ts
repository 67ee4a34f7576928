// DynamoDB Streams for the local cloud. dynalite has no Streams API, so a thin proxy sits in front
// of it: every DynamoDB JSON request is forwarded unchanged, and a write to a stream-enabled table
// that dynalite accepted becomes stream records (INSERT / MODIFY / REMOVE, Keys, NewImage,
// increasing SequenceNumber), derived from the request and what dynalite reports back. Records are
// delivered as real DynamoDBStreamEvent batches to a handler with the event source mapping's
// behaviour: batch size, batching window, order per key, retries with backoff on a throw, and
// ReportBatchItemFailures (retry from the first failed record), with optional bisection.
// Nothing in the writers knows about this: they just talk to DYNAMODB_ENDPOINT = the proxy.
import { listen } from './listen.js';
import { createServer, request as httpRequest, Agent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { TABLES, tableName, type TableDef } from '../functions/shared/dynamo/tables.js';
import { MAX_DYNAMO_BODY_BYTES, type TableNames } from './dynamo.js';
import { BodyTooLargeError, guardServer, jsonBody, readCappedBody, sendAndClose, type AllowedOrigins } from './origin-guard.js';

type AttributeMap = Record<string, Record<string, unknown>>;

export interface StartStreamProxyOptions {
  /** Origins whose browser requests are served (default none: the SDK sends no Origin). */
  allowedOrigins?: AllowedOrigins;
  /** The dynalite endpoint every request is forwarded to. */
  dynaliteEndpoint: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral); the local cloud points DYNAMODB_ENDPOINT here. */
  port?: number;
  /** Table definitions; those with a `stream` produce records. Default TABLES. */
  tables?: readonly TableDef[];
  /** Physical names by logical id (default tableName(def)). */
  names?: TableNames;
  /** The consumer (the fan-out handler). May return batchItemFailures. */
  onBatch: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /** Most records per batch (event source mapping BatchSize). Default 100. */
  batchSize?: number;
  /** Batching window: how long a partial batch waits for more records. Default 10 ms. */
  windowMs?: number;
  /** Concurrent batches per table, records spread by partition key (ParallelizationFactor). Default 4. */
  parallelism?: number;
  /** Retries of a failing batch before its records are discarded. Default 10. */
  maxRetries?: number;
  /** First retry delay, doubled per retry, capped at 5 s. Default 50 ms. */
  retryBaseMs?: number;
  /** On a thrown error, split the batch in two and retry each half. Default false. */
  bisectOnError?: boolean;
  /** Region in records and ARNs. Default us-east-1. */
  region?: string;
  /**
   * The event source mapping's filter on `eventName` (FilterCriteria): records of other kinds are
   * dropped before batching and never invoke the consumer, as in Lambda. Default: every record.
   */
  eventNames?: readonly string[];
  /** Called with records given up on after maxRetries (default: logged). */
  onDiscard?: (records: DynamoDBRecord[], reason: unknown) => void;
}

export interface StreamProxy {
  /** http://host:port — the DynamoDB endpoint writers use. */
  endpoint: string;
  port: number;
  /** Resolves once every record produced so far has been delivered (or discarded). */
  flush(): Promise<void>;
  /** Records waiting or in delivery. */
  readonly pending: number;
  /** Total records produced (filtered ones included). */
  readonly produced: number;
  /** Records the eventName filter dropped. */
  readonly filtered: number;
  /** Consumer invocations so far (retries included). */
  readonly invocations: number;
  close(): Promise<void>;
}

interface StreamTable {
  def: TableDef;
  name: string;
  keyNames: string[];
  arn: string;
  lanes: Lane[];
  /** Serializes writes to this table through the proxy, so old/new images are exact. */
  lock: Promise<void>;
}

interface Lane {
  queue: DynamoDBRecord[];
  busy: boolean;
  timer?: NodeJS.Timeout;
  /** Oldest queued record's arrival, for the batching window. */
  firstAt: number;
  attempts: number;
  /** After a bisection, the next batch is limited to this size. */
  limit?: number;
}

interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const WRITE_OPS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

function keyString(keys: AttributeMap): string {
  return JSON.stringify(
    Object.keys(keys)
      .sort()
      .map((k) => [k, keys[k]]),
  );
}

function pick(item: AttributeMap, names: string[]): AttributeMap {
  const out: AttributeMap = {};
  for (const n of names) if (item[n] !== undefined) out[n] = item[n]!;
  return out;
}

function laneOf(keys: AttributeMap, partitionKey: string, lanes: number): number {
  // FNV-1a over the partition key value: the same key always lands in the same lane (order per key).
  const text = JSON.stringify(keys[partitionKey] ?? '');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

export async function startStreamProxy(options: StartStreamProxyOptions): Promise<StreamProxy> {
  const host = options.host ?? '127.0.0.1';
  const target = new URL(options.dynaliteEndpoint);
  const region = options.region ?? 'us-east-1';
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const windowMs = Math.max(0, options.windowMs ?? 10);
  const parallelism = Math.max(1, options.parallelism ?? 4);
  const maxRetries = options.maxRetries ?? 10;
  const retryBase = options.retryBaseMs ?? 50;
  const bisect = options.bisectOnError ?? false;
  const onDiscard =
    options.onDiscard ??
    ((records, reason) => console.error(`stream: discarded ${records.length} record(s) after ${maxRetries} retries:`, reason));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const label = new Date().toISOString().replace(/Z$/, '');

  const streamTables = new Map<string, StreamTable>();
  for (const def of options.tables ?? TABLES) {
    if (!def.stream) continue;
    const name = options.names?.[def.id] ?? tableName(def);
    streamTables.set(name, {
      def,
      name,
      keyNames: [def.partitionKey.name, ...(def.sortKey ? [def.sortKey.name] : [])],
      arn: `arn:aws:dynamodb:${region}:000000000000:table/${name}/stream/${label}`,
      lanes: Array.from({ length: parallelism }, () => ({ queue: [], busy: false, firstAt: 0, attempts: 0 })),
      lock: Promise.resolve(),
    });
  }

  let sequence = 10n ** 20n;
  let produced = 0;
  let filtered = 0;
  let invocations = 0;
  const eventNames = options.eventNames ? new Set(options.eventNames) : undefined;
  let pending = 0;
  let flushing = 0;
  let closed = false;
  const writesInFlight = new Set<Promise<unknown>>();
  // Fan-out invocations in flight: close() lets them finish, since they call DynamoDB through this proxy.
  const deliveriesInFlight = new Set<Promise<void>>();

  // ---- forwarding -------------------------------------------------------------------------

  /**
   * Forwards to dynalite. A pooled socket the server closed while idle (its keep-alive timeout)
   * fails with ECONNRESET before anything was processed; that case is retried on a fresh socket,
   * as Node's documentation recommends.
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

  /** A DynamoDB call of our own, reusing the caller's auth headers (dynalite checks their shape only). */
  async function call(headers: IncomingHttpHeaders, op: string, payload: unknown): Promise<Record<string, unknown>> {
    const res = await forward({ ...headers, 'x-amz-target': TARGET_PREFIX + op }, Buffer.from(JSON.stringify(payload)));
    const json = JSON.parse(res.body.toString('utf8') || '{}') as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`stream proxy: ${op} failed (${res.status}): ${res.body.toString('utf8')}`);
    return json;
  }

  async function getItem(headers: IncomingHttpHeaders, table: string, key: AttributeMap): Promise<AttributeMap | undefined> {
    const out = await call(headers, 'GetItem', { TableName: table, Key: key, ConsistentRead: true });
    return out.Item as AttributeMap | undefined;
  }

  /** Which of `keys` exist now (BatchGetItem, keys only). */
  async function existing(headers: IncomingHttpHeaders, st: StreamTable, keys: AttributeMap[]): Promise<Set<string>> {
    const found = new Set<string>();
    const names = Object.fromEntries(st.keyNames.map((k, i) => [`#k${i}`, k]));
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, unknown> = {
        [st.name]: {
          Keys: keys.slice(i, i + 100),
          ConsistentRead: true,
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
        },
      };
      while (Object.keys(request).length > 0) {
        const out = await call(headers, 'BatchGetItem', { RequestItems: request });
        for (const item of (out.Responses as Record<string, AttributeMap[]>)?.[st.name] ?? [])
          found.add(keyString(pick(item, st.keyNames)));
        request = (out.UnprocessedKeys as Record<string, unknown>) ?? {};
      }
    }
    return found;
  }

  function withLocks<T>(tables: StreamTable[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(tables)].sort((a, b) => a.name.localeCompare(b.name));
    const run = sorted.reduceRight<() => Promise<T>>(
      (inner, st) => () => {
        const prev = st.lock;
        let release!: () => void;
        st.lock = new Promise<void>((r) => (release = r));
        return prev.then(inner).finally(release);
      },
      fn,
    );
    return run();
  }

  function respond(res: import('node:http').ServerResponse, f: Forwarded, body?: Buffer): void {
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

  // ---- records ------------------------------------------------------------------------------

  function makeRecord(
    st: StreamTable,
    eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
    keys: AttributeMap,
    newImage?: AttributeMap,
  ): DynamoDBRecord {
    sequence += 1n;
    const view = st.def.stream ?? 'NEW_IMAGE';
    const image = eventName !== 'REMOVE' && view !== ('KEYS_ONLY' as string) ? newImage : undefined;
    const dynamodb = {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: keys,
      ...(image ? { NewImage: image } : {}),
      SequenceNumber: sequence.toString(),
      SizeBytes: Buffer.byteLength(JSON.stringify({ keys, image })),
      StreamViewType: view,
    };
    return {
      eventID: randomBytes(16).toString('hex'),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: region,
      dynamodb: dynamodb as DynamoDBRecord['dynamodb'],
      eventSourceARN: st.arn,
    };
  }

  function enqueue(st: StreamTable, records: DynamoDBRecord[]): void {
    for (const r of records) {
      if (eventNames && !eventNames.has(r.eventName ?? '')) {
        produced++;
        filtered++;
        continue;
      }
      const lane = st.lanes[laneOf(r.dynamodb!.Keys as AttributeMap, st.def.partitionKey.name, st.lanes.length)]!;
      if (lane.queue.length === 0) lane.firstAt = Date.now();
      lane.queue.push(r);
      produced++;
      pending++;
      schedule(st, lane);
    }
  }

  function schedule(st: StreamTable, lane: Lane, delayMs?: number): void {
    if (lane.busy || lane.timer || lane.queue.length === 0 || closed) return;
    const wait = delayMs ?? (lane.queue.length >= batchSize || flushing > 0 ? 0 : Math.max(0, lane.firstAt + windowMs - Date.now()));
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      const p = deliver(st, lane);
      deliveriesInFlight.add(p);
      void p.finally(() => deliveriesInFlight.delete(p));
    }, wait);
  }

  function backoff(attempts: number): number {
    return Math.min(5_000, retryBase * 2 ** (attempts - 1));
  }

  async function deliver(st: StreamTable, lane: Lane): Promise<void> {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    const size = Math.min(batchSize, lane.limit ?? batchSize);
    const batch = lane.queue.splice(0, size);
    let retryFrom = -1; // index of the first record to deliver again; -1 = all done
    let reason: unknown;
    let thrown = false;
    try {
      invocations++;
      const result = await options.onBatch({ Records: batch });
      const failures = result && Array.isArray(result.batchItemFailures) ? result.batchItemFailures : [];
      if (failures.length > 0) {
        reason = 'batchItemFailures';
        let first = batch.length;
        for (const f of failures) {
          const i = batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier);
          // An identifier that is not in the batch fails the whole batch, as Lambda does.
          first = Math.min(first, Math.max(i, 0));
        }
        retryFrom = first;
      }
    } catch (err) {
      thrown = true;
      reason = err;
      retryFrom = 0;
    }
    let delay: number | undefined;
    if (retryFrom < 0) {
      pending -= batch.length;
      lane.attempts = 0;
      lane.limit = undefined;
    } else {
      const done = batch.slice(0, retryFrom);
      const again = batch.slice(retryFrom);
      pending -= done.length;
      lane.attempts = done.length > 0 ? 1 : lane.attempts + 1;
      if (lane.attempts > maxRetries) {
        pending -= again.length;
        lane.attempts = 0;
        lane.limit = undefined;
        try {
          onDiscard(again, reason);
        } catch {
          /* a reporting hook must not stop the stream */
        }
      } else {
        lane.queue.unshift(...again);
        lane.firstAt = Date.now();
        if (thrown && bisect && again.length > 1) lane.limit = Math.ceil(again.length / 2);
        delay = backoff(lane.attempts);
      }
    }
    lane.busy = false;
    schedule(st, lane, delay);
  }

  // ---- write handling -----------------------------------------------------------------------

  async function handleWrite(
    op: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    let req: Record<string, unknown>;
    try {
      req = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      respond(res, await forward(headers, body));
      return;
    }
    if (op === 'BatchWriteItem') {
      const items = (req.RequestItems ?? {}) as Record<
        string,
        Array<{ PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }>
      >;
      const touched = Object.keys(items)
        .map((n) => streamTables.get(n))
        .filter((t): t is StreamTable => t !== undefined);
      if (touched.length === 0) {
        respond(res, await forward(headers, body));
        return;
      }
      await withLocks(touched, async () => {
        const before = new Map<string, Set<string>>();
        for (const st of touched) {
          const keys = items[st.name]!.map((r) => (r.PutRequest ? pick(r.PutRequest.Item, st.keyNames) : r.DeleteRequest!.Key));
          before.set(st.name, await existing(headers, st, keys));
        }
        const f = await forward(headers, body);
        if (f.status === 200) {
          const out = JSON.parse(f.body.toString('utf8') || '{}') as { UnprocessedItems?: typeof items };
          for (const st of touched) {
            const unprocessed = new Set(
              (out.UnprocessedItems?.[st.name] ?? []).map((r) =>
                keyString(r.PutRequest ? pick(r.PutRequest.Item, st.keyNames) : r.DeleteRequest!.Key),
              ),
            );
            const had = before.get(st.name)!;
            const records: DynamoDBRecord[] = [];
            for (const r of items[st.name]!) {
              const keys = r.PutRequest ? pick(r.PutRequest.Item, st.keyNames) : pick(r.DeleteRequest!.Key, st.keyNames);
              const k = keyString(keys);
              if (unprocessed.has(k)) continue;
              if (r.PutRequest) records.push(makeRecord(st, had.has(k) ? 'MODIFY' : 'INSERT', keys, r.PutRequest.Item));
              else if (had.has(k)) records.push(makeRecord(st, 'REMOVE', keys));
            }
            enqueue(st, records);
          }
        }
        respond(res, f);
      });
      return;
    }

    const st = streamTables.get(String(req.TableName));
    if (!st) {
      respond(res, await forward(headers, body));
      return;
    }
    await withLocks([st], async () => {
      if (op === 'PutItem' || op === 'DeleteItem') {
        // ALL_OLD tells INSERT from MODIFY (and whether a delete removed anything) atomically;
        // the caller gets the response it asked for.
        const asked = req.ReturnValues;
        const inject = asked !== 'ALL_OLD';
        const f = await forward(headers, inject ? Buffer.from(JSON.stringify({ ...req, ReturnValues: 'ALL_OLD' })) : body);
        if (f.status !== 200) {
          respond(res, f);
          return;
        }
        const out = JSON.parse(f.body.toString('utf8') || '{}') as Record<string, unknown>;
        const old = out.Attributes as AttributeMap | undefined;
        if (op === 'PutItem') {
          const item = req.Item as AttributeMap;
          enqueue(st, [makeRecord(st, old ? 'MODIFY' : 'INSERT', pick(item, st.keyNames), item)]);
        } else if (old) {
          enqueue(st, [makeRecord(st, 'REMOVE', pick(req.Key as AttributeMap, st.keyNames))]);
        }
        if (inject) {
          delete out.Attributes;
          respond(res, f, Buffer.from(JSON.stringify(out)));
        } else respond(res, f);
        return;
      }
      // UpdateItem: read before and after; the table lock keeps both exact.
      const key = pick(req.Key as AttributeMap, st.keyNames);
      const before = await getItem(headers, st.name, key);
      const f = await forward(headers, body);
      if (f.status === 200) {
        const after = await getItem(headers, st.name, key);
        if (after) enqueue(st, [makeRecord(st, before ? 'MODIFY' : 'INSERT', key, after)]);
      }
      respond(res, f);
    });
  }

  async function onRequest(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const body = await readCappedBody(req, MAX_DYNAMO_BODY_BYTES);
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const op = targetHeader.startsWith(TARGET_PREFIX) ? targetHeader.slice(TARGET_PREFIX.length) : '';
    if (req.method === 'POST' && WRITE_OPS.has(op) && streamTables.size > 0) {
      const p = handleWrite(op, req.headers, body, res);
      writesInFlight.add(p);
      try {
        await p;
      } finally {
        writesInFlight.delete(p);
      }
      return;
    }
    respond(res, await forward(req.headers, body, req.method ?? 'POST', req.url ?? '/'));
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) return sendAndClose(res, 413, 'application/json', jsonBody('payload_too_large', err.message));
      console.error('stream proxy:', err);
      if (!res.headersSent) {
        const body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(err) });
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  // The public DynamoDB endpoint: browsers on other origins are refused here, before dynalite.
  guardServer(server, options.allowedOrigins ?? (() => []), MAX_DYNAMO_BODY_BYTES);
  const { port, hostPort } = await listen(server, options.port, host);

  async function flush(): Promise<void> {
    flushing++;
    try {
      // Windows are skipped while flushing; retries keep their backoff.
      for (const st of streamTables.values()) {
        for (const lane of st.lanes) {
          if (lane.timer && lane.attempts === 0) {
            clearTimeout(lane.timer);
            lane.timer = undefined;
            schedule(st, lane, 0);
          }
        }
      }
      while (!closed && (pending > 0 || writesInFlight.size > 0)) {
        await Promise.allSettled([...writesInFlight]);
        await new Promise((r) => setTimeout(r, 2));
      }
    } finally {
      flushing--;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${hostPort}`,
    port,
    flush,
    get pending() {
      return pending;
    },
    get produced() {
      return produced;
    },
    get filtered() {
      return filtered;
    },
    get invocations() {
      return invocations;
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...writesInFlight]);
        closed = true;
        for (const st of streamTables.values()) for (const lane of st.lanes) clearTimeout(lane.timer);
        await Promise.allSettled([...deliveriesInFlight]);
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        agent.destroy();
      })();
      return closing;
    },
  };
}
