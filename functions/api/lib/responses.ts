// Response headers shared by every API function.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AUTH_HEADER, type ApiError } from '../../../contracts/api.js';

/**
 * Successful query answers: CloudFront (shared cache, s-maxage) keeps them 10 s; browsers
 * (max-age=0) revalidate every time, so a tab never shows figures older than the edge's.
 * `public` and not `private`: the CloudFront cache policy puts the token header (AUTH_HEADER) in
 * the cache key, so one holder's answer is never served to another; `private` would stop CloudFront
 * from caching at all. `Vary: <token header>` says the same to any other shared cache on the way.
 */
export const QUERY_CACHE_CONTROL = 'public, max-age=0, s-maxage=10';
/** Errors, health: never cached (a 401/403 must not outlive a fixed token, health must be live). */
export const NO_STORE = 'no-store';
/** The OpenAPI document changes only with a deployment. */
export const DOCUMENT_CACHE_CONTROL = 'public, max-age=300, s-maxage=300';

/**
 * CORS for the dashboard origin (CORS_ALLOW_ORIGIN; `*` locally). The function URL's own CORS
 * setting stays off so these are the only CORS headers.
 */
export function corsHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const origin = env.CORS_ALLOW_ORIGIN || '*';
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'x-cache, age',
  };
  return headers;
}

export function jsonResponse(
  status: number,
  body: unknown,
  cacheControl: string,
  extra: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': cacheControl,
      vary: AUTH_HEADER,
      ...corsHeaders(),
      ...extra,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

export function errorResponse(status: number, body: ApiError, extra: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(status, body, NO_STORE, extra);
}
