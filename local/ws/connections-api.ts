// API Gateway's `@connections` management API for the local WebSocket gateway: POST sends to a
// connection, GET describes it, DELETE closes it; a gone connection answers 410 (GoneException),
// as the real @aws-sdk/client-apigatewaymanagementapi expects. A connection that stopped reading
// (more than maxBuffered bytes waiting in its socket) is cut and answers 410, instead of
// buffering without end.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocket } from 'ws';
import { BodyTooLargeError, readCappedBody } from '../lib/body.js';
import type { Conn } from './client-server.js';

/** API Gateway's largest message to a connection (128 KB). */
export const MAX_POST_BYTES = 128 * 1024;

export function sendError(res: ServerResponse, status: number, type: string, message: string | null): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function createConnectionsApi(conns: ReadonlyMap<string, Conn>, maxBuffered: number) {
  return async function onManagement(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    // `/@connections/{id}`, or `/{stage}/@connections/{id}` when the endpoint carries the stage.
    const m = /^(?:\/[^/@]+)?\/@connections\/([^/]+)\/?$/.exec(path);
    if (!m) {
      sendError(res, 404, 'NotFoundException', 'Not Found');
      return;
    }
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      sendError(res, 400, 'BadRequestException', 'Invalid connection id');
      return;
    }
    const conn = conns.get(id);
    const open = conn !== undefined && conn.ws.readyState === WebSocket.OPEN;
    switch (req.method) {
      case 'POST': {
        let data: Buffer;
        try {
          data = await readCappedBody(req, MAX_POST_BYTES);
        } catch (err) {
          if (!(err instanceof BodyTooLargeError)) throw err;
          sendError(res, 413, 'PayloadTooLargeException', 'Message too long');
          return;
        }
        if (!open) {
          sendError(res, 410, 'GoneException', null);
          return;
        }
        if (conn.ws.bufferedAmount > maxBuffered) {
          // The client stopped reading: cut it rather than buffer for it (it is gone to senders).
          console.error(`ws-gateway: connection ${conn.id} is not reading (${conn.ws.bufferedAmount} bytes waiting): closed`);
          conn.ws.terminate();
          sendError(res, 410, 'GoneException', null);
          return;
        }
        conn.ws.send(data.toString('utf8'));
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      }
      case 'GET': {
        if (!open) {
          sendError(res, 410, 'GoneException', null);
          return;
        }
        const body = JSON.stringify({
          connectedAt: new Date(conn.connectedAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'DELETE': {
        if (!open) {
          sendError(res, 410, 'GoneException', null);
          return;
        }
        conn.ws.close(1000, '');
        res.writeHead(204);
        res.end();
        return;
      }
      default:
        sendError(res, 405, 'MethodNotAllowedException', 'Method Not Allowed');
    }
  };
}
