// The pieces of API Gateway WebSocket events and answers that need no connection: connection ids,
// the route handler's status, header and query maps as API Gateway passes them, and the HTTP
// answer to a refused upgrade. Pure (refuseUpgrade only writes the socket it is given).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

// The route keys are the contract's (contracts/ws.ts); re-exported for the gateway's modules.
export type { WsRouteKey } from '../../contracts/ws.js';

/** API Gateway connection ids look like `L0SM9cOFvHcCIhw=`: 15 base64 characters and a pad. */
export function newConnectionId(): string {
  return randomBytes(11).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

export function statusOf(result: unknown): number {
  if (result && typeof result === 'object' && 'statusCode' in result) {
    const code = Number((result as { statusCode: unknown }).statusCode);
    return Number.isFinite(code) ? code : 200;
  }
  return 200;
}

export function httpReason(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      500: 'Internal Server Error',
      503: 'Service Unavailable',
    }[status] ?? 'Error'
  );
}

function firstValues(multi: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]!]));
}

export function queryOf(url: URL): { single?: Record<string, string>; multi?: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multi[k] ??= []).push(v);
  return Object.keys(multi).length === 0 ? {} : { single: firstValues(multi), multi };
}

export function headersOf(req: Pick<IncomingMessage, 'rawHeaders'>): { single: Record<string, string>; multi: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // API Gateway passes header names as sent.
    (multi[req.rawHeaders[i]!] ??= []).push(req.rawHeaders[i + 1]!);
  }
  return { single: firstValues(multi), multi };
}

export function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  const payload = Buffer.from(body, 'utf8');
  socket.end(
    `HTTP/1.1 ${status} ${httpReason(status)}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${payload.length}\r\n\r\n${payload.toString('utf8')}`,
  );
}
