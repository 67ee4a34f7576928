// Verification of Molam ID bearer tokens (JWT) for the REST and WebSocket functions.
// The key is imported once per verifier (and verifiers from the environment are cached per
// container), so the hot path is one signature check plus a few claim checks.
import { createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, errors, importSPKI, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { AUTH_HEADER } from '../../contracts/api.js';
import { FIELD_MAX_LENGTH, withinLength } from '../../contracts/fields.js';
import { parseRoom, roomInScope } from '../../contracts/rooms.js';
import { zoneInScope } from '../../contracts/scope.js';

/** Only asymmetric algorithms Molam ID signs with; anything else (none, HS*) is refused. */
export const ALLOWED_ALGORITHMS = ['RS256', 'ES256'] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export type AuthRejectCode =
  | 'missing_token'
  | 'malformed'
  | 'expired'
  | 'missing_exp'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'unsupported_alg'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'missing_subject'
  | 'missing_zones'
  | 'invalid_zones'
  | 'no_key_configured'
  | 'key_unavailable';

export interface Principal {
  /** Subject (user or service id) from `sub`. */
  sub: string;
  /** Zones the holder may see; `["*"]` = every zone. */
  zones: string[];
  /** Token expiry, epoch seconds. */
  exp: number;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthRejectCode; message: string };

export type Verifier = (token: string | undefined) => Promise<AuthResult>;

export interface VerifierConfig {
  /** SPKI public key, PEM (`\n`-escaped values accepted, as env vars often carry them). */
  publicKeyPem?: string;
  /** JWKS endpoint of Molam ID; used when no PEM is given. */
  jwksUrl?: string;
  /** Expected `aud` (any of, when a list); not checked when undefined. */
  audience?: string | string[];
  /** Expected `iss` (any of, when a list); not checked when undefined. */
  issuer?: string | string[];
  /** Leeway for exp/nbf, seconds. Default 0 so a token with a past exp is always refused. */
  clockToleranceSeconds?: number;
  /** JWKS fetch timeout, ms (default 3000). */
  jwksTimeoutMs?: number;
}

/** A configuration that cannot work (bad PEM, unsupported key type, bad URL). */
export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

/** Tokens above this size are refused before any parsing (cheap DoS guard). */
export const MAX_TOKEN_LENGTH = 8192;
const ZONE_MAX_LENGTH = FIELD_MAX_LENGTH.zone;

function reject(reason: AuthRejectCode, message: string): AuthResult {
  return { ok: false, reason, message };
}

/** Env values often carry PEM newlines as literal `\n`; a bare base64 body is wrapped. */
export function normalizePem(value: string): string {
  let pem = value.trim().replace(/\\n/g, '\n');
  if (!pem.includes('-----BEGIN')) {
    const body = pem.replace(/\s+/g, '');
    pem = `-----BEGIN PUBLIC KEY-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END PUBLIC KEY-----`;
  }
  return pem;
}

/** The one algorithm a public key can verify: RSA → RS256, EC P-256 → ES256. */
export function algorithmOfPublicKey(pem: string): AllowedAlgorithm {
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: normalizePem(pem), format: 'pem' });
  } catch (err) {
    throw new AuthConfigError(`public key is not a valid PEM (SPKI) key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new AuthConfigError(
    `unsupported public key type ${key.asymmetricKeyType}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}; expected RSA or EC P-256`,
  );
}

function mapJoseError(err: unknown, remote: boolean): AuthResult {
  if (err instanceof errors.JWTExpired) return reject('expired', 'token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'exp':
        return err.reason === 'missing'
          ? reject('missing_exp', 'token has no "exp" claim')
          : reject('malformed', `invalid "exp" claim: ${err.message}`);
      case 'nbf':
        return err.reason === 'check_failed'
          ? reject('not_yet_valid', 'token is not valid yet (nbf)')
          : reject('malformed', `invalid "nbf" claim: ${err.message}`);
      case 'aud':
        return reject('wrong_audience', 'token audience is not accepted');
      case 'iss':
        return reject('wrong_issuer', 'token issuer is not accepted');
      default:
        return reject('malformed', `invalid "${err.claim}" claim: ${err.message}`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return reject('unsupported_alg', 'token algorithm is not accepted (RS256 or ES256 with the configured key)');
  if (err instanceof errors.JWSSignatureVerificationFailed) return reject('bad_signature', 'token signature does not verify');
  if (err instanceof errors.JWKSNoMatchingKey) return reject('bad_signature', 'no key of the JWKS matches the token');
  if (err instanceof errors.JWKSTimeout) return reject('key_unavailable', 'timed out fetching the JWKS');
  if (err instanceof errors.JWKSInvalid) return reject('key_unavailable', 'the JWKS endpoint returned an invalid key set');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return reject('malformed', `malformed token: ${err.message}`);
  if (err instanceof errors.JOSENotSupported) return reject('unsupported_alg', `unsupported token: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  // With a JWKS, a generic jose error (non-200, unparsable body) or a network TypeError
  // ("fetch failed") means the key set could not be had: our fault, not the token's.
  if (remote && (!(err instanceof errors.JOSEError) || err.code === 'ERR_JOSE_GENERIC')) {
    return reject('key_unavailable', `could not fetch the JWKS: ${message}`);
  }
  if (err instanceof errors.JOSEError) return reject('malformed', `invalid token: ${message}`);
  return reject('bad_signature', `token cannot be verified with the configured key: ${message}`);
}

function validateZones(payload: JWTPayload): AuthResult | string[] {
  const zones = payload.zones;
  if (zones === undefined || (Array.isArray(zones) && zones.length === 0)) {
    return reject('missing_zones', 'token has no "zones" scope claim (a non-empty array)');
  }
  if (!Array.isArray(zones) || !zones.every((z) => typeof z === 'string' && withinLength(z, ZONE_MAX_LENGTH))) {
    return reject('invalid_zones', `"zones" must be an array of zone names (1-${ZONE_MAX_LENGTH} characters) or ["*"]`);
  }
  return zones as string[];
}

/**
 * Builds a verifier. A PEM key wins over a JWKS URL when both are given. Throws AuthConfigError
 * for a configuration that can never verify anything (bad PEM, unsupported key, bad URL).
 */
export function createVerifier(config: VerifierConfig): Verifier {
  let key: ReturnType<typeof importSPKI> | JWTVerifyGetKey | undefined;
  let algorithms: string[] = [...ALLOWED_ALGORITHMS];
  if (config.publicKeyPem && config.publicKeyPem.trim() !== '') {
    const pem = normalizePem(config.publicKeyPem);
    const alg = algorithmOfPublicKey(pem);
    // A PEM key verifies exactly one algorithm; the other allowed one is refused as unsupported.
    algorithms = [alg];
    key = importSPKI(pem, alg);
    key.catch(() => undefined); // surfaced at first use, never as an unhandled rejection
  } else if (config.jwksUrl && config.jwksUrl.trim() !== '') {
    let url: URL;
    try {
      url = new URL(config.jwksUrl.trim());
    } catch {
      throw new AuthConfigError(`JWKS URL is not a valid URL: ${config.jwksUrl}`);
    }
    key = createRemoteJWKSet(url, { timeoutDuration: config.jwksTimeoutMs ?? 3000 });
  }
  const options: JWTVerifyOptions = {
    algorithms,
    requiredClaims: ['exp'],
    clockTolerance: config.clockToleranceSeconds ?? 0,
    ...(config.audience !== undefined ? { audience: config.audience } : {}),
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
  };

  return async (token) => {
    if (token === undefined || token.trim() === '') return reject('missing_token', 'no bearer token');
    if (token.length > MAX_TOKEN_LENGTH) return reject('malformed', 'token is too long');
    if (key === undefined) return reject('no_key_configured', 'no Molam ID key configured (MOLAM_ID_PUBLIC_KEY or MOLAM_ID_JWKS_URL)');
    let payload: JWTPayload;
    try {
      const result =
        typeof key === 'function' ? await jwtVerify(token.trim(), key, options) : await jwtVerify(token.trim(), await key, options);
      payload = result.payload;
    } catch (err) {
      return mapJoseError(err, typeof key === 'function');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') return reject('missing_subject', 'token has no "sub" claim');
    const zones = validateZones(payload);
    if (!Array.isArray(zones)) return zones;
    return { ok: true, principal: { sub: payload.sub, zones, exp: payload.exp! } };
  };
}

function listOrSingle(value: string | undefined): string | string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.length === 1 ? parts[0] : parts;
}

/** Verifier configuration read from the environment (MOLAM_ID_*). */
export function verifierConfigFromEnv(env: NodeJS.ProcessEnv = process.env): VerifierConfig {
  const tolerance = Number(env.MOLAM_ID_CLOCK_TOLERANCE_SECONDS ?? '0');
  return {
    publicKeyPem: env.MOLAM_ID_PUBLIC_KEY,
    jwksUrl: env.MOLAM_ID_JWKS_URL,
    audience: listOrSingle(env.MOLAM_ID_AUDIENCE),
    issuer: listOrSingle(env.MOLAM_ID_ISSUER),
    clockToleranceSeconds: Number.isFinite(tolerance) && tolerance >= 0 ? tolerance : 0,
  };
}

const envVerifiers = new Map<string, Verifier>();

/**
 * The verifier for this container's environment, built once (keyed by the MOLAM_ID_* values so a
 * changed environment, as in tests, gets its own). A broken configuration yields a verifier that
 * refuses every token with `no_key_configured` and the reason, instead of crashing the init.
 */
export function verifierFromEnv(env: NodeJS.ProcessEnv = process.env): Verifier {
  const config = verifierConfigFromEnv(env);
  const cacheKey = JSON.stringify(config);
  let verifier = envVerifiers.get(cacheKey);
  if (!verifier) {
    try {
      verifier = createVerifier(config);
    } catch (err) {
      const message = `Molam ID key misconfigured: ${(err as Error).message}`;
      verifier = async (token) =>
        token === undefined || token.trim() === '' ? reject('missing_token', 'no bearer token') : reject('no_key_configured', message);
    }
    envVerifiers.set(cacheKey, verifier);
  }
  return verifier;
}

/** Token from a `Bearer <token>` header value (scheme case-insensitive). */
export function bearerToken(headerValue: string | undefined | null): string | undefined {
  if (!headerValue) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(headerValue);
  return m ? m[1] : undefined;
}

/**
 * The bearer token of a Lambda event's headers, from the API's token header (AUTH_HEADER, whatever
 * its case). `Authorization` is never read: behind CloudFront it carries the OAC signature.
 */
export function bearerFromHeaders(
  headers: Record<string, string | undefined> | null | undefined,
  name: string = AUTH_HEADER,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return bearerToken(value);
  }
  return undefined;
}

/** HTTP status for a rejection: token problems are 401, our own key problems are not the caller's fault. */
export function authFailureStatus(reason: AuthRejectCode): 401 | 500 | 503 {
  if (reason === 'no_key_configured') return 500;
  if (reason === 'key_unavailable') return 503;
  return 401;
}

/** Whether a principal may see one zone (the one scope rule, contracts/scope.ts). */
export function scopeAllows(principal: Pick<Principal, 'zones'>, zone: string): boolean {
  return zoneInScope(principal.zones, zone);
}

/** Whether a principal may subscribe to a room (false for a room that does not parse). */
export function roomAllowed(principal: Pick<Principal, 'zones'>, room: string): boolean {
  const parsed = parseRoom(room);
  return parsed !== undefined && roomInScope(parsed, principal.zones);
}
