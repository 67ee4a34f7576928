// $default: anything that is not JSON with a known `action` lands here.
import { WS_ACTIONS } from '../shared/contracts/ws.js';
import { OK, admit, errorMessage, parseBody, reply, wsHandler } from './common.js';

export const handler = wsHandler(async (event) => {
  if (!(await admit(event))) return OK;
  const body = parseBody(event);
  const action = body?.action;
  const what = body === undefined ? 'message is not a JSON object' : typeof action === 'string' ? `unknown action "${action.slice(0, 64)}"` : 'message has no "action"';
  await reply(event, errorMessage('unknown_action', `${what}; valid actions: ${WS_ACTIONS.join(', ')}`));
  return OK;
});
