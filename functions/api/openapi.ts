// GET /api/analytics/openapi.json (no auth): the OpenAPI 3.1 document of this API.
import { OPENAPI_DOCUMENT } from './openapi-document.js';
import { apiHandler } from './lib/handler.js';
import { DOCUMENT_CACHE_CONTROL } from './lib/responses.js';

export const handler = apiHandler({
  route: 'openapi',
  run: async () => ({ body: OPENAPI_DOCUMENT, cacheControl: DOCUMENT_CACHE_CONTROL }),
});
