// $default: anything that is not JSON with a known `action` lands here. It reads no table and does
// no work beyond the error reply, so it is not counted against the per-connection message rate
// (API Gateway's stage throttling bounds it; the local gateway's per-connection queue too).
import { WS_ACTIONS } from '../../contracts/ws.js';
import { OK, errorMessage, parseBody, reply, wsHandler } from './common.js';

export const handler = wsHandler(async (event) => {
  const body = parseBody(event);
  const action = body?.action;
  const what =
    body === undefined
      ? 'message is not a JSON object'
      : typeof action === 'string'
        ? `unknown action "${action.slice(0, 64)}"`
        : 'message has no "action"';
  await reply(event, errorMessage('unknown_action', `${what}; valid actions: ${WS_ACTIONS.join(', ')}`));
  return OK;
});
