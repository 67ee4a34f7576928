// Local stand-in for the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), so a
// function that invokes another (the fan-out and its workers) uses the real @aws-sdk/client-lambda
// locally with only an endpoint override (LAMBDA_ENDPOINT). RequestResponse runs the handler and
// answers its JSON result; a throw answers 200 with X-Amz-Function-Error: Unhandled and the error,
// as Lambda does; Event (async) answers 202 and runs it in the background.
import { createServer, type ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import { readCappedBody } from './lib/body.js';
import { catalogFunctions, importHandler } from './lib/catalog.js';
import { REPO_ROOT } from './lib/repo-root.js';
import { sandboxLimit, startSandboxPool } from './lambda-sandbox.js';
import { closeServer, listen } from './listen.js';

/** `close` when the handler owns sandbox processes (the server's close ends them). */
export type InvokeHandler = ((event: unknown, context: Context) => Promise<unknown>) & { close?: () => Promise<void> };

export interface LambdaInvokeServer {
  /** http://host:port — LAMBDA_ENDPOINT for the callers. */
  endpoint: string;
  /** Invocations by function name. */
  readonly invocations: Record<string, number>;
  close(): Promise<void>;
}

/**
 * The functions of the catalog another function invokes (`invoke` triggers), by id. Each runs in
 * its own sandbox processes (lambda-sandbox.ts), so parallel invocations use every core like
 * separate Lambda environments; `sandboxes: 0` (or LOCAL_LAMBDA_SANDBOXES=0) runs them inline.
 */
export async function invokeHandlersFromCatalog(
  root: string = REPO_ROOT,
  options: { sandboxes?: number } = {},
): Promise<Record<string, InvokeHandler>> {
  const out: Record<string, InvokeHandler> = {};
  const sandboxes = options.sandboxes ?? sandboxLimit();
  for (const def of catalogFunctions('invoke')) {
    if (sandboxes > 0) {
      const pool = startSandboxPool({ entry: def.entry, functionName: def.id, root, max: sandboxes });
      out[def.id] = Object.assign((event: unknown) => pool.invoke(event), { close: () => pool.close() });
      continue;
    }
    out[def.id] = await importHandler<InvokeHandler>(def.entry, root);
  }
  return out;
}

/** The environment callers need: LAMBDA_ENDPOINT and each invoked function's name variable. */
export function invokeEnv(endpoint: string): Record<string, string> {
  const env: Record<string, string> = { LAMBDA_ENDPOINT: endpoint };
  for (const def of catalogFunctions('invoke')) env[def.trigger.envVar] = def.id;
  return env;
}

function json(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = payload === undefined ? 'null' : JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startLambdaInvokeServer(options: {
  handlers: Record<string, InvokeHandler>;
  host?: string;
  port?: number;
}): Promise<LambdaInvokeServer> {
  const invocations: Record<string, number> = {};
  const running = new Set<Promise<unknown>>();
  const server = createServer((req, res) => {
    void (async () => {
      const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?(?:\?.*)?$/.exec(req.url ?? '');
      const payload = await readCappedBody(req);
      if (req.method !== 'POST' || !m) return json(res, 404, { message: 'Not Found' }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      // A name, or an ARN whose last part is the name.
      const name = decodeURIComponent(m[1]!)
        .split(':')
        .filter((p) => p !== '$LATEST')
        .pop()!;
      const handler = options.handlers[name];
      if (!handler) return json(res, 404, { message: `Function not found: ${name}` }, { 'x-amzn-errortype': 'ResourceNotFoundException' });
      invocations[name] = (invocations[name] ?? 0) + 1;
      const event: unknown = payload.length > 0 ? JSON.parse(payload.toString('utf8')) : {};
      const run = handler(event, lambdaContext(name));
      running.add(run);
      run.finally(() => running.delete(run)).catch(() => undefined);
      if (req.headers['x-amz-invocation-type'] === 'Event') {
        run.catch((err: unknown) => console.error(`lambda-invoke: ${name} failed:`, err));
        return json(res, 202, undefined);
      }
      try {
        json(res, 200, await run, { 'x-amz-executed-version': '$LATEST' });
      } catch (err) {
        const e = err as Error;
        json(res, 200, { errorType: e?.name ?? 'Error', errorMessage: e?.message ?? String(err) }, { 'x-amz-function-error': 'Unhandled' });
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { message: String(err) }, { 'x-amzn-errortype': 'ServiceException' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const { hostPort } = await listen(server, options.port ?? 0, options.host);
  return {
    endpoint: `http://${hostPort}`,
    invocations,
    async close() {
      await Promise.allSettled([...running]);
      await Promise.all(Object.values(options.handlers).map((h) => h.close?.()));
      await closeServer(server);
    },
  };
}
