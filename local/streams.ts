// DynamoDB Streams for the local cloud. dynalite has no Streams API, so a thin proxy sits in front
// of it: every DynamoDB JSON request is forwarded unchanged (streams/forwarder.ts), and a write to
// a stream-enabled table that dynalite accepted becomes stream records (streams/write-tap.ts finds
// the old image, streams/record-deriver.ts derives INSERT / MODIFY / REMOVE), delivered as real
// DynamoDBStreamEvent batches by the event source mapping (streams/esm-engine.ts: batch size,
// window, order per key, retries, ReportBatchItemFailures, bisection, the eventName filter).
// Nothing in the writers knows about this: they just talk to DYNAMODB_ENDPOINT = the proxy.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { TABLES, tableName, type TableDef } from '../functions/shared/dynamo/tables.js';
import { MAX_DYNAMO_BODY_BYTES, type TableNames } from './dynamo.js';
import { BodyTooLargeError, readCappedBody } from './lib/body.js';
import { liveView } from './lib/live-view.js';
import { closeServer, listen } from './listen.js';
import { guardServer, jsonBody, sendAndClose, type AllowedOrigins } from './origin-guard.js';
import { startStreamMapping, type StreamMappingOptions } from './streams/esm-engine.js';
import { createForwarder, respond, TARGET_PREFIX } from './streams/forwarder.js';
import { streamRecord } from './streams/record-deriver.js';
import { createWriteTap, type StreamTable, WRITE_OPS } from './streams/write-tap.js';

export interface StartStreamProxyOptions extends StreamMappingOptions {
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
  /** Region in records and ARNs. Default us-east-1. */
  region?: string;
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

export async function startStreamProxy(options: StartStreamProxyOptions): Promise<StreamProxy> {
  const region = options.region ?? 'us-east-1';
  const label = new Date().toISOString().replace(/Z$/, '');
  const streamTables = new Map<string, StreamTable>();
  for (const def of options.tables ?? TABLES) {
    if (!def.stream) continue;
    const name = options.names?.[def.id] ?? tableName(def);
    const keyNames = [def.partitionKey.name, ...(def.sortKey ? [def.sortKey.name] : [])];
    const arn = `arn:aws:dynamodb:${region}:000000000000:table/${name}/stream/${label}`;
    streamTables.set(name, { def, name, keyNames, arn, lock: Promise.resolve() });
  }

  const mapping = startStreamMapping(options);
  const forwarder = createForwarder(options.dynaliteEndpoint);
  let sequence = 10n ** 20n;
  const handleWrite = createWriteTap(forwarder, streamTables, (st, changes) => {
    const source = { view: st.def.stream, region, arn: st.arn };
    mapping.enqueue(
      st.name,
      st.def.partitionKey.name,
      changes.map((c) => streamRecord(c, (sequence += 1n), source)),
    );
  });
  const writesInFlight = new Set<Promise<unknown>>();

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    respond(res, await forwarder.forward(req.headers, body, req.method ?? 'POST', req.url ?? '/'));
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
  const { port, hostPort } = await listen(server, options.port, options.host);

  let closing: Promise<void> | undefined;
  return Object.assign(liveView(mapping, ['pending', 'produced', 'filtered', 'invocations']), {
    endpoint: `http://${hostPort}`,
    port,
    flush: () => mapping.flush(() => [...writesInFlight]),
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...writesInFlight]);
        await mapping.close();
        await closeServer(server);
        forwarder.close();
      })();
      return closing;
    },
  });
}
