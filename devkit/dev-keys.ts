// The local stand-in for Molam ID: a key pair generated on first start under .local/keys, and
// tokens signed with it. The local cloud hands the public key to the handlers through the same
// MOLAM_ID_* variables production uses, so the verification path is the real one.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, importPKCS8 } from 'jose';
import type { JWK } from 'jose';
import { algorithmOfPublicKey, type AllowedAlgorithm } from '../functions/shared/auth.js';

export const DEV_AUDIENCE = 'molam-analytics';
export const DEV_ISSUER = 'molam-id-local';
export const DEV_SUBJECT = 'dev-user';

export const PRIVATE_KEY_FILE = 'molam-id-private.pem';
export const PUBLIC_KEY_FILE = 'molam-id-public.pem';

export interface DevKeys {
  privateKeyPem: string;
  publicKeyPem: string;
  alg: AllowedAlgorithm;
  /** RFC 7638 thumbprint, used as `kid` in tokens and in the JWKS. */
  kid: string;
  dir: string;
}

/** `$MOLAM_LOCAL_DIR/keys` when set, else `.local/keys` under the working directory. */
export function defaultKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOLAM_LOCAL_DIR ? join(resolve(env.MOLAM_LOCAL_DIR), 'keys') : resolve('.local', 'keys');
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Returns the dev key pair in `dir`, generating an ES256 (P-256) pair on first use. The private
 * key is published with link(), which fails if the file exists, so concurrent first starts agree
 * on one key; the public key is always derived from the private one.
 */
export async function ensureDevKeys(dir: string = defaultKeysDir()): Promise<DevKeys> {
  dir = resolve(dir);
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  let privateKeyPem = await readIfExists(privatePath);
  if (privateKeyPem === undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const tmp = join(dir, `.${PRIVATE_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, pem, { mode: 0o600 });
    try {
      await link(tmp, privatePath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    privateKeyPem = await readFile(privatePath, 'utf8');
  }
  await chmod(privatePath, 0o600);
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  if ((await readIfExists(publicPath)) !== publicKeyPem) await writeFile(publicPath, publicKeyPem, { mode: 0o644 });
  const alg = algorithmOfPublicKey(publicKeyPem);
  const kid = await calculateJwkThumbprint(await publicJwkOf(publicKeyPem));
  return { privateKeyPem, publicKeyPem, alg, kid, dir };
}

async function publicJwkOf(publicKeyPem: string): Promise<JWK> {
  return exportJWK(createPublicKey(publicKeyPem));
}

/** The MOLAM_ID_* environment that makes the handlers accept dev tokens. */
export function devAuthEnv(
  keys: Pick<DevKeys, 'publicKeyPem'>,
): Record<'MOLAM_ID_PUBLIC_KEY' | 'MOLAM_ID_AUDIENCE' | 'MOLAM_ID_ISSUER', string> {
  return { MOLAM_ID_PUBLIC_KEY: keys.publicKeyPem, MOLAM_ID_AUDIENCE: DEV_AUDIENCE, MOLAM_ID_ISSUER: DEV_ISSUER };
}

export interface DevTokenOptions {
  /** Zones the token grants; `['*']` for all. */
  zones: string[];
  /** Lifetime from now; negative gives an already expired token (for tests). */
  ttlSeconds: number;
  sub?: string;
  /** Defaults to DEV_AUDIENCE; `null` omits the claim. */
  audience?: string | null;
  /** Defaults to DEV_ISSUER; `null` omits the claim. */
  issuer?: string | null;
  /** `nbf` as seconds from now (e.g. 60 = valid in a minute). */
  notBeforeSeconds?: number;
  /** Extra claims merged into the payload. */
  claims?: Record<string, unknown>;
}

const importedKeys = new Map<string, Promise<CryptoKey>>();

/** Signs a Molam ID-shaped token with the dev private key. */
export async function signDevToken(options: DevTokenOptions, keys: Pick<DevKeys, 'privateKeyPem' | 'alg' | 'kid'>): Promise<string> {
  let key = importedKeys.get(keys.privateKeyPem);
  if (!key) {
    key = importPKCS8(keys.privateKeyPem, keys.alg);
    importedKeys.set(keys.privateKeyPem, key);
  }
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...options.claims, zones: options.zones })
    .setProtectedHeader({ alg: keys.alg, typ: 'JWT', kid: keys.kid })
    .setSubject(options.sub ?? DEV_SUBJECT)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.trunc(options.ttlSeconds));
  const audience = options.audience === undefined ? DEV_AUDIENCE : options.audience;
  const issuer = options.issuer === undefined ? DEV_ISSUER : options.issuer;
  if (audience !== null) jwt.setAudience(audience);
  if (issuer !== null) jwt.setIssuer(issuer);
  if (options.notBeforeSeconds !== undefined) jwt.setNotBefore(now + Math.trunc(options.notBeforeSeconds));
  return jwt.sign(await key);
}

/** `30s`, `15m`, `1h`, `2d` or a bare number of seconds → seconds; undefined when unparsable. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : undefined;
}
