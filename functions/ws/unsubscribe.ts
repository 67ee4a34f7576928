// unsubscribe: leaves rooms (unknown or never-held ones are simply not held); the ack lists the
// rooms still held.
import { wsStoreFromEnv } from '../shared/ws-store.js';
import { OK, admit, errorMessage, parseBody, reply, roomsField, wsHandler } from './common.js';

export const handler = wsHandler(async (event) => {
  if (!(await admit(event))) return OK;
  const rooms = roomsField(parseBody(event));
  if (!Array.isArray(rooms)) {
    await reply(event, rooms);
    return OK;
  }
  const held = await wsStoreFromEnv().leave(event.requestContext.connectionId, rooms);
  if (held === undefined) {
    await reply(event, errorMessage('internal', 'connection is not registered (expired?); reconnect'));
    return OK;
  }
  await reply(event, { type: 'ack', action: 'unsubscribe', rooms: held });
  return OK;
});
