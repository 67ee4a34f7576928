// An error the API reports to the caller as-is: status, code and (for 400s) the parameter at fault.
import type { ApiError, ErrorCode } from '../../../contracts/api.js';

export class ApiHttpError extends Error {
  override name = 'ApiHttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly parameter?: string,
    /** Extra response headers (e.g. WWW-Authenticate on 401). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): ApiError {
    return { error: { code: this.code, message: this.message, ...(this.parameter !== undefined ? { parameter: this.parameter } : {}) } };
  }
}

export function badRequest(parameter: string, message: string): ApiHttpError {
  return new ApiHttpError(400, 'bad_request', message, parameter);
}
