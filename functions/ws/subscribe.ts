// subscribe: joins the rooms within the token's zone scope. Rooms outside the scope (or not rooms
// at all) are refused with an error naming them; the others are acknowledged, and the ack lists
// every room now held. The room limit is one conditional write (store.join), so concurrent
// subscribes of one connection cannot pass it; a connection whose token expired is closed (admit).
import { parseRoom, roomInScope } from '../../contracts/rooms.js';
import { MAX_ROOMS_PER_CONNECTION, wsStoreFromEnv } from '../shared/ws-store.js';
import { OK, admit, errorMessage, parseBody, reply, roomsField, wsHandler } from './common.js';

export const handler = wsHandler(async (event) => {
  const connection = await admit(event);
  if (!connection) return OK;
  const rooms = roomsField(parseBody(event));
  if (!Array.isArray(rooms)) {
    await reply(event, rooms);
    return OK;
  }
  const store = wsStoreFromEnv();
  const invalid: string[] = [];
  const forbidden: string[] = [];
  const allowed: string[] = [];
  for (const room of rooms) {
    const parsed = parseRoom(room);
    if (!parsed) invalid.push(room);
    else if (!roomInScope(parsed, connection.zones)) forbidden.push(room);
    else allowed.push(room);
  }
  if (invalid.length > 0) {
    await reply(
      event,
      errorMessage('invalid_room', `not a room: ${invalid.join(', ')} (global, zone:<ZONE>, country:<CC>, city:<CC>:<City>)`, invalid),
    );
  }
  if (forbidden.length > 0) {
    await reply(event, errorMessage('forbidden_room', `outside your zone scope: ${forbidden.join(', ')}`, forbidden));
  }
  const joined = await store.join(connection, allowed, MAX_ROOMS_PER_CONNECTION);
  if (joined === undefined) {
    await reply(event, errorMessage('internal', 'connection is not registered (expired?); reconnect'));
    return OK;
  }
  if (!joined.ok) {
    await reply(event, errorMessage('invalid_message', `at most ${MAX_ROOMS_PER_CONNECTION} rooms per connection`, joined.refused));
  }
  await reply(event, { type: 'ack', action: 'subscribe', rooms: joined.held });
  return OK;
});
