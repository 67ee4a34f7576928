import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { headersOf, httpReason, newConnectionId, queryOf, refuseUpgrade, statusOf } from './events.js';

describe('WebSocket event pieces', () => {
  test('connection ids have API Gateway shape: 15 base64 characters without + or /, and a pad', () => {
    const ids = new Set(Array.from({ length: 200 }, newConnectionId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{15}=$/);
  });
  test("a handler's status: its statusCode when numeric, else 200", () => {
    expect(statusOf({ statusCode: 401 })).toBe(401);
    expect(statusOf({ statusCode: 'x' })).toBe(200);
    expect(statusOf(undefined)).toBe(200);
    expect(httpReason(403)).toBe('Forbidden');
    expect(httpReason(418)).toBe('Error');
  });
  test('query and headers: the last value singly, every value in the multi map, header names as sent', () => {
    expect(queryOf(new URL('http://h/?token=a&x=1&x=2'))).toEqual({
      single: { token: 'a', x: '2' },
      multi: { token: ['a'], x: ['1', '2'] },
    });
    expect(queryOf(new URL('http://h/'))).toEqual({});
    expect(headersOf({ rawHeaders: ['Host', 'h', 'X-A', '1', 'X-A', '2'] })).toEqual({
      single: { Host: 'h', 'X-A': '2' },
      multi: { Host: ['h'], 'X-A': ['1', '2'] },
    });
  });
  test('a refused upgrade is a complete HTTP answer with the body and its length', async () => {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    refuseUpgrade(socket, 401, 'token expired');
    await new Promise((r) => socket.on('end', r));
    expect(Buffer.concat(chunks).toString()).toBe(
      'HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\ntoken expired',
    );
  });
});
