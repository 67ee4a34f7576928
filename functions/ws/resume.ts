// resume: `{"action":"resume","versions":{"zone:WAEMU":41}}` -> the snapshots recorded since.
import { OK, admit, isErrorMessage, parseBody, reply, versionsField, wsHandler } from './common.js';
import { sendResume } from './resume-core.js';

export const handler = wsHandler(async (event) => {
  const connection = await admit(event);
  if (!connection) return OK;
  const versions = versionsField(parseBody(event)?.versions, 'versions');
  if (isErrorMessage(versions)) {
    await reply(event, versions);
    return OK;
  }
  await sendResume(event, connection, versions);
  return OK;
});
