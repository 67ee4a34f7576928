// Shared setup for the query API tests: a private chdb ClickHouse with the schema and a seeded
// data set, dev keys with the MOLAM_ID_* environment, and helpers to invoke the handlers with
// real payload-2.0 events.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { devAuthEnv, ensureDevKeys, signDevToken, type DevKeys } from '../../devkit/dev-keys.js';
import { buildHttpEvent } from '../../local/http-gateway.js';
import { lambdaContext } from '../../local/lambda-context.js';
import type { PaymentEvent } from '../../contracts/event.js';
import { closeClickHouse } from '../../functions/shared/clickhouse.js';
import { startTestClickHouse, type TestClickHouse } from '../../devkit/engines.js';
import { generateDataset, insertRawEvents, type DatasetOptions } from '../../devkit/api-dataset.js';
import { bearerHeaders } from '../../contracts/api.js';

export type Lambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface ApiHarness {
  ch: TestClickHouse;
  keys: DevKeys;
  events: PaymentEvent[];
  handlers: { overview: Lambda; timeseries: Lambda; breakdown: Lambda; health: Lambda; openapi: Lambda };
  token(zones: string[], ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Invokes a handler as a function URL would, for `path?query` with an optional bearer token. */
export async function call<T = any>(
  handler: Lambda,
  urlPath: string,
  query: Record<string, string> | string = '',
  token?: string,
  headers: Record<string, string> = {},
): Promise<CallResult<T>> {
  const rawQueryString = typeof query === 'string' ? query : new URLSearchParams(query).toString();
  const event = buildHttpEvent({
    method: 'GET',
    path: urlPath,
    rawQueryString,
    headers: { ...(token !== undefined ? bearerHeaders(token) : {}), ...headers },
  });
  const result = (await handler(event, lambdaContext('test'))) as APIGatewayProxyStructuredResultV2;
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: JSON.parse(result.body ?? 'null') as T,
  };
}

export async function startApiHarness(dataset: DatasetOptions | undefined): Promise<ApiHarness> {
  const ch = await startTestClickHouse();
  const keyDir = await mkdtemp(path.join(os.tmpdir(), 'molam-api-keys-'));
  const keys = await ensureDevKeys(keyDir);
  // The handlers read their configuration from the environment, as in Lambda.
  Object.assign(process.env, devAuthEnv(keys), {
    CLICKHOUSE_URL: ch.server.url,
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'ERROR',
  });
  await closeClickHouse();
  const events = dataset ? generateDataset(dataset) : [];
  if (events.length) await insertRawEvents(ch.client, events);
  const handlers = {
    overview: (await import('../../functions/api/overview.js')).handler as Lambda,
    timeseries: (await import('../../functions/api/timeseries.js')).handler as Lambda,
    breakdown: (await import('../../functions/api/breakdown.js')).handler as Lambda,
    health: (await import('../../functions/api/health.js')).handler as Lambda,
    openapi: (await import('../../functions/api/openapi.js')).handler as Lambda,
  };
  return {
    ch,
    keys,
    events,
    handlers,
    token: (zones, ttlSeconds = 3600) => signDevToken({ zones, ttlSeconds }, keys),
    async close() {
      await closeClickHouse();
      await ch.close();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}
