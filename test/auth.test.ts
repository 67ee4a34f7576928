// The auth library against real signed tokens: PEM and JWKS (served over HTTP), RS256 and ES256,
// and every rejection with its reason code.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload } from 'jose';
import {
  authFailureStatus,
  bearerFromHeaders,
  bearerToken,
  createVerifier,
  roomAllowed,
  scopeAllows,
  verifierFromEnv,
  type AuthResult,
  type Verifier,
} from '../functions/shared/auth.js';
import { AUTH_HEADER } from '../contracts/api.js';

type Alg = 'RS256' | 'ES256';
interface Pair {
  alg: Alg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  pem: string;
  kid: string;
}

const AUD = 'molam-analytics';
const ISS = 'https://id.molam.test';
const now = () => Math.floor(Date.now() / 1000);

async function pair(alg: Alg, kid: string): Promise<Pair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, privateKey, publicKey, pem: await exportSPKI(publicKey), kid };
}

interface TokenOpts {
  claims?: JWTPayload & Record<string, unknown>;
  exp?: number | null;
  nbf?: number;
  aud?: string | null;
  iss?: string | null;
  sub?: string | null;
  kid?: string;
}

async function sign(p: Pair, opts: TokenOpts = {}): Promise<string> {
  const payload: Record<string, unknown> = { zones: ['WAEMU'], ...opts.claims };
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: p.alg, typ: 'JWT', kid: opts.kid ?? p.kid }).setIssuedAt();
  if (opts.sub !== null) jwt.setSubject(opts.sub ?? 'user-42');
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now() + 600);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  if (opts.aud !== null) jwt.setAudience(opts.aud ?? AUD);
  if (opts.iss !== null) jwt.setIssuer(opts.iss ?? ISS);
  return jwt.sign(p.privateKey);
}

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

function expectReject(result: AuthResult, reason: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.reason).toBe(reason);
    expect(result.message.length).toBeGreaterThan(0);
  }
}

let rsa: Pair;
let ec: Pair;
let otherRsa: Pair;
let otherEc: Pair;
let jwksServer: Server;
let jwksUrl: string;
let jwksHits = 0;

beforeAll(async () => {
  [rsa, ec, otherRsa, otherEc] = await Promise.all([
    pair('RS256', 'rsa-1'),
    pair('ES256', 'ec-1'),
    pair('RS256', 'rsa-x'),
    pair('ES256', 'ec-x'),
  ]);
  const keys = await Promise.all([rsa, ec].map(async (p) => ({ ...(await exportJWK(p.publicKey)), kid: p.kid, alg: p.alg, use: 'sig' })));
  jwksServer = createServer((req, res) => {
    jwksHits++;
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  jwksServer.closeAllConnections();
  await new Promise((r) => jwksServer.close(r));
});

describe.each(['RS256', 'ES256'] as const)('PEM key, %s', (alg) => {
  const keyOf = () => (alg === 'RS256' ? rsa : ec);
  const otherOf = () => (alg === 'RS256' ? otherRsa : otherEc);
  let verify: Verifier;
  beforeAll(() => {
    verify = createVerifier({ publicKeyPem: keyOf().pem, audience: AUD, issuer: ISS });
  });

  it('accepts a valid token with its subject and zone scope', async () => {
    const result = await verify(await sign(keyOf(), { claims: { zones: ['WAEMU', 'CEMAC'] } }));
    expect(result).toEqual({ ok: true, principal: { sub: 'user-42', zones: ['WAEMU', 'CEMAC'], exp: expect.any(Number) } });
  });

  it('accepts ["*"] as every zone', async () => {
    const result = await verify(await sign(keyOf(), { claims: { zones: ['*'] } }));
    expect(result.ok && result.principal.zones).toEqual(['*']);
    if (result.ok) {
      expect(scopeAllows(result.principal, 'CEMAC')).toBe(true);
      expect(roomAllowed(result.principal, 'global')).toBe(true);
    }
  });

  it('rejects an expired token', async () => {
    expectReject(await verify(await sign(keyOf(), { exp: now() - 60 })), 'expired');
  });

  it('rejects a token that is not valid yet (nbf)', async () => {
    expectReject(await verify(await sign(keyOf(), { nbf: now() + 300 })), 'not_yet_valid');
  });

  it('rejects a token signed by another key', async () => {
    expectReject(await verify(await sign(otherOf())), 'bad_signature');
  });

  it('rejects a token with a tampered payload', async () => {
    const [h, , s] = (await sign(keyOf())).split('.');
    const forged = b64url({ zones: ['*'], sub: 'user-42', exp: now() + 600, aud: AUD, iss: ISS });
    expectReject(await verify(`${h}.${forged}.${s}`), 'bad_signature');
  });

  it('rejects the wrong audience and the wrong issuer', async () => {
    expectReject(await verify(await sign(keyOf(), { aud: 'someone-else' })), 'wrong_audience');
    expectReject(await verify(await sign(keyOf(), { aud: null })), 'wrong_audience');
    expectReject(await verify(await sign(keyOf(), { iss: 'https://evil.example' })), 'wrong_issuer');
    expectReject(await verify(await sign(keyOf(), { iss: null })), 'wrong_issuer');
  });

  it('rejects a token without exp', async () => {
    expectReject(await verify(await sign(keyOf(), { exp: null })), 'missing_exp');
  });

  it('rejects missing, empty and ill-typed zones', async () => {
    expectReject(await verify(await sign(keyOf(), { claims: { zones: undefined } })), 'missing_zones');
    expectReject(await verify(await sign(keyOf(), { claims: { zones: [] } })), 'missing_zones');
    expectReject(await verify(await sign(keyOf(), { claims: { zones: 'WAEMU' } })), 'invalid_zones');
    expectReject(await verify(await sign(keyOf(), { claims: { zones: ['WAEMU', 7] } })), 'invalid_zones');
    expectReject(await verify(await sign(keyOf(), { claims: { zones: [''] } })), 'invalid_zones');
  });

  it('rejects a token without subject', async () => {
    expectReject(await verify(await sign(keyOf(), { sub: null })), 'missing_subject');
  });

  it('rejects alg "none"', async () => {
    const header = b64url({ alg: 'none', typ: 'JWT' });
    const payload = b64url({ sub: 'user-42', zones: ['*'], exp: now() + 600, aud: AUD, iss: ISS });
    expectReject(await verify(`${header}.${payload}.`), 'unsupported_alg');
  });

  it('rejects HS256 signed with the public key as the shared secret', async () => {
    const token = await new SignJWT({ zones: ['*'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('user-42')
      .setAudience(AUD)
      .setIssuer(ISS)
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(keyOf().pem));
    expectReject(await verify(token), 'unsupported_alg');
  });

  it('rejects a token of the other allowed algorithm (key type mismatch)', async () => {
    expectReject(await verify(await sign(alg === 'RS256' ? ec : rsa)), 'unsupported_alg');
  });

  it('rejects malformed tokens and no token', async () => {
    for (const bad of ['abc', 'a.b.c', 'a.b', `${b64url('{"alg":')}.${b64url('{}')}.sig`, 'x'.repeat(9000)]) {
      expectReject(await verify(bad), 'malformed');
    }
    expectReject(await verify(undefined), 'missing_token');
    expectReject(await verify(''), 'missing_token');
  });
});

describe('JWKS', () => {
  it('accepts RS256 and ES256 tokens by kid, fetching the key set once', async () => {
    const verify = createVerifier({ jwksUrl, audience: AUD, issuer: ISS });
    const before = jwksHits;
    const r1 = await verify(await sign(rsa, { claims: { zones: ['CEMAC'] } }));
    const r2 = await verify(await sign(ec, { claims: { zones: ['WAEMU'] } }));
    expect(r1).toMatchObject({ ok: true, principal: { sub: 'user-42', zones: ['CEMAC'] } });
    expect(r2).toMatchObject({ ok: true, principal: { sub: 'user-42', zones: ['WAEMU'] } });
    expect(jwksHits - before).toBe(1);
  });

  it('rejects a key that is not in the set, expired tokens and alg none', async () => {
    const verify = createVerifier({ jwksUrl, audience: AUD, issuer: ISS });
    expectReject(await verify(await sign(otherRsa)), 'bad_signature');
    expectReject(await verify(await sign(otherEc, { kid: 'ec-1' })), 'bad_signature');
    expectReject(await verify(await sign(rsa, { exp: now() - 60 })), 'expired');
    const none = `${b64url({ alg: 'none' })}.${b64url({ sub: 'u', zones: ['*'], exp: now() + 60 })}.`;
    expectReject(await verify(none), 'unsupported_alg');
  });

  it('reports an unreachable or broken key set as key_unavailable (a 503, not the caller’s fault)', async () => {
    const broken = createVerifier({ jwksUrl: jwksUrl.replace('/.well-known/jwks.json', '/missing') });
    const result = await broken(await sign(rsa));
    expectReject(result, 'key_unavailable');
    if (!result.ok) expect(authFailureStatus(result.reason)).toBe(503);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const unreachable = createVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks.json`, jwksTimeoutMs: 2000 });
    expectReject(await unreachable(await sign(ec)), 'key_unavailable');
  });
});

describe('configuration from the environment', () => {
  it('reads a \\n-escaped PEM, audience and issuer, and caches the verifier', async () => {
    const env = { MOLAM_ID_PUBLIC_KEY: ec.pem.trim().replace(/\n/g, '\\n'), MOLAM_ID_AUDIENCE: AUD, MOLAM_ID_ISSUER: ISS };
    const verify = verifierFromEnv(env);
    expect(verifierFromEnv({ ...env })).toBe(verify);
    expect(await verify(await sign(ec))).toMatchObject({ ok: true, principal: { zones: ['WAEMU'] } });
    expectReject(await verify(await sign(ec, { aud: 'other' })), 'wrong_audience');
  });

  it('skips aud/iss checks when they are not configured', async () => {
    const verify = verifierFromEnv({ MOLAM_ID_PUBLIC_KEY: rsa.pem });
    expect((await verify(await sign(rsa, { aud: 'anything', iss: null }))).ok).toBe(true);
  });

  it('refuses everything with no_key_configured when no key is set or the key is unusable', async () => {
    const token = await sign(rsa);
    const none = await verifierFromEnv({})(token);
    expectReject(none, 'no_key_configured');
    if (!none.ok) expect(authFailureStatus(none.reason)).toBe(500);
    expectReject(await verifierFromEnv({ MOLAM_ID_PUBLIC_KEY: 'not a key' })(token), 'no_key_configured');
    expectReject(await verifierFromEnv({})(undefined), 'missing_token');
    expect(() => createVerifier({ publicKeyPem: 'garbage' })).toThrow(/PEM/);
  });

  it('uses the PEM key when both PEM and JWKS URL are set', async () => {
    const verify = verifierFromEnv({ MOLAM_ID_PUBLIC_KEY: ec.pem, MOLAM_ID_JWKS_URL: 'http://127.0.0.1:1/never' });
    expect((await verify(await sign(ec))).ok).toBe(true);
  });
});

describe('helpers', () => {
  it('extracts bearer tokens case-insensitively', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    expect(bearerToken('BEARER abc')).toBe('abc');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerFromHeaders({ [AUTH_HEADER]: 'Bearer t1' })).toBe('t1');
    expect(bearerFromHeaders({ [AUTH_HEADER.toLowerCase()]: 'Bearer t2' })).toBe('t2');
    // Behind CloudFront, Authorization carries the OAC signature: it is never read as the token.
    expect(bearerFromHeaders({ authorization: 'Bearer t3' })).toBeUndefined();
    expect(bearerFromHeaders({ host: 'x' })).toBeUndefined();
  });

  it('checks zones and rooms against the scope', () => {
    const p = { zones: ['WAEMU'] };
    expect(scopeAllows(p, 'WAEMU')).toBe(true);
    expect(scopeAllows(p, 'CEMAC')).toBe(false);
    expect(roomAllowed(p, 'zone:WAEMU')).toBe(true);
    expect(roomAllowed(p, 'zone:CEMAC')).toBe(false);
    expect(roomAllowed(p, 'global')).toBe(false);
    expect(roomAllowed(p, 'not a room')).toBe(false);
  });
});
