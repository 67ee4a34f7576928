// $disconnect: best effort by API Gateway's contract (it may never come); the TTL and the fan-out's
// 410 pruning clean up whatever this misses.
import { wsStoreFromEnv } from '../shared/ws-store.js';
import { OK, wsHandler } from './common.js';

export const handler = wsHandler(async (event) => {
  await wsStoreFromEnv().removeConnection(event.requestContext.connectionId);
  return OK;
});
