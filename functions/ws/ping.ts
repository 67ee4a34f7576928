// ping: keep-alive under API Gateway's 10-minute idle timeout; with `resume` it also returns the
// snapshots recorded since the versions given.
import { OK, admit, isErrorMessage, parseBody, reply, versionsField, wsHandler } from './common.js';
import { sendResume } from './resume-core.js';

export const handler = wsHandler(async (event) => {
  const connection = await admit(event);
  if (!connection) return OK;
  const body = parseBody(event);
  if ((await reply(event, { type: 'pong', at: new Date().toISOString() })) === 'gone') return OK;
  if (body?.resume !== undefined) {
    const versions = versionsField(body.resume, 'resume');
    if (isErrorMessage(versions)) await reply(event, versions);
    else await sendResume(event, connection, versions);
  }
  return OK;
});
