// Lambda function URLs, both ways: one HTTP request as a payload-format-2.0 event, and a handler's
// return value as the HTTP answer (a structured result, or any JSON value = 200). Pure.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpEventInput {
  method: string;
  path: string;
  rawQueryString?: string;
  /** Header names in any case; they are lower-cased as Lambda does. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  sourceIp?: string;
  timeEpoch?: number;
  domainName?: string;
}

/** An HTTP answer as the gateway holds it (and caches it). */
export interface StoredResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** gzip of body, computed once per stored response when it is worth compressing. */
  gzipped?: Promise<Buffer>;
}

/** A Lambda function URL (payload format 2.0) event for one HTTP request. */
export function buildHttpEvent(input: HttpEventInput): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  let cookies: string[] | undefined;
  if (headers.cookie !== undefined) {
    cookies = headers.cookie.split(/;\s*/).filter(Boolean);
    delete headers.cookie;
  }
  const rawQueryString = input.rawQueryString ?? '';
  // Payload 2.0: decoded values, a repeated name joined with commas, absent when there is no query.
  let queryStringParameters: Record<string, string> | undefined;
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    queryStringParameters ??= {};
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  }
  const timeEpoch = input.timeEpoch ?? Date.now();
  const domainName = input.domainName ?? headers.host ?? 'localhost';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: input.path,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: input.method.toUpperCase(),
        path: input.path,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (input.body !== undefined && input.body !== '') event.body = input.body;
  return event;
}

/** Function URL semantics for a handler's return value (structured result, or any JSON value = 200). */
export function toHttpResponse(result: unknown): StoredResponse {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const r = result as {
      statusCode: number;
      headers?: Record<string, unknown>;
      body?: string;
      isBase64Encoded?: boolean;
      cookies?: string[];
    };
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
    return { status: r.statusCode, headers, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
}

/** What a function URL answers when the function threw (the error stays in the logs). */
export function functionErrorResponse(): StoredResponse {
  return {
    status: 502,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: Buffer.from(JSON.stringify({ error: { code: 'internal', message: 'function error' } })),
  };
}
