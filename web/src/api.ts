// REST client for /api/analytics: bearer token, one retry with a fresh token after a 401, and errors
// that carry the API's own code and message.
import { bearerHeaders, type ApiError } from '../../contracts/index.js';
import type { Auth } from './auth.js';

export class ApiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
  }
}

/** Query parameters: QueryFilters plus route options (string values; undefined ones are left out). */
export type QueryParams = object;

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly auth: Pick<Auth, 'token' | 'renew'>,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  url(path: string, params: QueryParams): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params) as Array<[string, unknown]>)
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ''}`;
  }

  async get<T>(path: string, params: QueryParams, signal?: AbortSignal): Promise<T> {
    const url = this.url(path, params);
    let res = await this.send(url, await this.auth.token(), signal);
    if (res.status === 401) res = await this.send(url, await this.auth.renew(), signal);
    if (!res.ok) throw await toError(res);
    return (await res.json()) as T;
  }

  private send(url: string, token: string, signal?: AbortSignal): Promise<Response> {
    return this.fetchImpl(url, { headers: { ...bearerHeaders(token), accept: 'application/json' }, signal });
  }
}

async function toError(res: Response): Promise<ApiHttpError> {
  try {
    const body = (await res.json()) as Partial<ApiError>;
    if (body.error?.message) return new ApiHttpError(res.status, body.error.code ?? 'error', body.error.message, body.error.parameter);
  } catch {
    // not JSON: fall through
  }
  return new ApiHttpError(res.status, 'http_error', `The API answered ${res.status} ${res.statusText}`.trim());
}

/** A sentence for the error state. */
export function describeError(err: unknown): string {
  if (err instanceof ApiHttpError) {
    if (err.status === 403) return `Access denied: ${err.message}`;
    if (err.status === 400) return `The API refused the request: ${err.message}`;
    if (err.status >= 500) return `The analytics API failed (${err.status}): ${err.message}`;
    return err.message;
  }
  if (err instanceof TypeError) return 'The analytics API cannot be reached (network error or CORS).';
  return err instanceof Error ? err.message : String(err);
}
