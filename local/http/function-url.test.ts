import { describe, expect, test } from 'vitest';
import { buildHttpEvent, toHttpResponse } from './function-url.js';

describe('buildHttpEvent', () => {
  test('payload 2.0: lower-cased headers, cookies apart, repeated query names joined, no body when empty', () => {
    const e = buildHttpEvent({
      method: 'get',
      path: '/api/analytics/summary',
      rawQueryString: 'zone=A&zone=B&city=Dakar%20Plateau',
      headers: { 'X-Molam-Authorization': 't', Cookie: 'a=1; b=2', 'User-Agent': 'ua', skipped: undefined },
      body: '',
      timeEpoch: 1_700_000_000_000,
    });
    expect(e.headers).toEqual({ 'x-molam-authorization': 't', 'user-agent': 'ua' });
    expect(e.cookies).toEqual(['a=1', 'b=2']);
    expect(e.queryStringParameters).toEqual({ zone: 'A,B', city: 'Dakar Plateau' });
    expect(e.requestContext.http).toMatchObject({ method: 'GET', path: '/api/analytics/summary', userAgent: 'ua' });
    expect(e.requestContext.timeEpoch).toBe(1_700_000_000_000);
    expect(e).not.toHaveProperty('body');
  });
  test('no query string: no queryStringParameters', () => {
    expect(buildHttpEvent({ method: 'GET', path: '/' })).not.toHaveProperty('queryStringParameters');
  });
});

describe('toHttpResponse', () => {
  test('a structured result keeps its status, lower-cased headers, cookies and base64 body', () => {
    const r = toHttpResponse({
      statusCode: 201,
      headers: { 'Cache-Control': 'max-age=10' },
      cookies: ['c=1'],
      body: 'aGk=',
      isBase64Encoded: true,
    });
    expect(r).toEqual({ status: 201, headers: { 'cache-control': 'max-age=10', 'set-cookie': ['c=1'] }, body: Buffer.from('hi') });
  });
  test('any other value is a 200 JSON answer', () => {
    expect(toHttpResponse({ a: 1 })).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{"a":1}'),
    });
    expect(toHttpResponse(undefined).body.toString()).toBe('null');
    expect(toHttpResponse('text').body.toString()).toBe('text');
  });
});
