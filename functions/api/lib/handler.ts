// The frame every API function shares: middy with the observability middleware, bearer-token
// verification (401 with the reason), the route's parameter whitelist, then the route's query.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { authFailureStatus, bearerFromHeaders, scopeAllows, verifierFromEnv, type Principal } from '../../shared/auth.js';
import { REST_ROUTES, type RouteKey } from '../../../contracts/rest.js';
import { ApiHttpError } from './errors.js';
import { httpObservability } from './middleware.js';
import { ROUTE_PARAMETERS, requireParameters, readQuery, type Filters } from './params.js';
import { QUERY_CACHE_CONTROL, jsonResponse } from './responses.js';

export interface RouteRequest {
  event: APIGatewayProxyEventV2;
  query: Map<string, string>;
  /** Present on authenticated routes. */
  principal?: Principal;
  /** Request time (ms), from the event so a replayed event is answered the same way. */
  now: number;
}

export interface RouteResult {
  status?: number;
  body: unknown;
  cacheControl?: string;
}

export type ApiLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** A route's Lambda: its path, parameter whitelist and whether it verifies a token come from the route table. */
export function apiHandler(options: { route: RouteKey; run: (req: RouteRequest) => Promise<RouteResult> }): ApiLambda {
  const { path, auth } = REST_ROUTES[options.route];
  const allowed = ROUTE_PARAMETERS[path];
  if (!allowed) throw new Error(`no parameter list for route ${path}`);
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(httpObservability(path))
    .handler(async (event) => {
      const req: RouteRequest = {
        event,
        query: new Map(),
        now: event.requestContext?.timeEpoch ?? Date.now(),
      };
      if (auth) req.principal = await authenticate(event);
      req.query = readQuery(event, allowed);
      requireParameters(req.query, path);
      const result = await options.run(req);
      return jsonResponse(result.status ?? 200, result.body, result.cacheControl ?? QUERY_CACHE_CONTROL);
    });
  return handler as unknown as ApiLambda;
}

async function authenticate(event: APIGatewayProxyEventV2): Promise<Principal> {
  const result = await verifierFromEnv()(bearerFromHeaders(event.headers));
  if (result.ok) return result.principal;
  const status = authFailureStatus(result.reason);
  if (status === 401) {
    throw new ApiHttpError(401, 'unauthorized', `${result.reason}: ${result.message}`, undefined, {
      'www-authenticate': `Bearer error="invalid_token", error_description="${result.reason}"`,
    });
  }
  // Our key configuration, not the caller's token: logged by the middleware as a 500/503.
  throw new ApiHttpError(status, 'internal', 'token verification is unavailable');
}

/** A zone filter outside the token's scope is a 403 (never an empty answer that hides the refusal). */
export function checkScope(filters: Pick<Filters, 'zone'>, principal: Principal): void {
  if (filters.zone !== undefined && !scopeAllows(principal, filters.zone)) {
    throw new ApiHttpError(403, 'forbidden', `zone ${JSON.stringify(filters.zone)} is outside the token's scope`, 'zone');
  }
}
