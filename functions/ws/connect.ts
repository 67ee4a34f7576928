// $connect: the token comes in the `token` query parameter (browsers cannot set headers on a
// WebSocket upgrade). A non-2xx answer makes API Gateway (and the local gateway) refuse the upgrade.
import { authFailureStatus, verifierFromEnv } from '../shared/auth.js';
import { CONNECTION_TTL_SECONDS } from '../shared/dynamo/tables.js';
import { wsStoreFromEnv } from '../shared/ws-store.js';
import { OK, countConnection, logger, wsHandler } from './common.js';

export const handler = wsHandler(async (event) => {
  const { connectionId, connectedAt } = event.requestContext;
  const result = await verifierFromEnv()(event.queryStringParameters?.token);
  if (!result.ok) {
    countConnection('rejected');
    logger.info('connection refused', { connectionId, reason: result.reason });
    return { statusCode: authFailureStatus(result.reason), body: result.message };
  }
  const since = connectedAt || Date.now();
  await wsStoreFromEnv().putConnection({
    connectionId,
    sub: result.principal.sub,
    zones: result.principal.zones,
    connectedAt: since,
    // API Gateway closes every connection after 2 hours; the item (and its memberships) expire then.
    expiresAt: Math.floor(since / 1000) + CONNECTION_TTL_SECONDS,
    // Past the token's own expiry the connection gets no more work: subscribes are refused and the
    // fan-out closes it (token_expired), so a connection never outlives its token.
    tokenExpiresAt: result.principal.exp,
    rooms: [],
  });
  countConnection('accepted');
  return OK;
});
