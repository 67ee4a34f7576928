// The one factory for @clickhouse/client. Every function, script and the local cloud gets its
// client here, so connection settings and session defaults are identical everywhere.
//
// Configuration (environment):
//   CLICKHOUSE_URL         default http://127.0.0.1:8123 (ClickHouse Cloud: https://<host>:8443)
//   CLICKHOUSE_USER        default 'default'
//   CLICKHOUSE_PASSWORD    default ''
//   CLICKHOUSE_DATABASE    default 'default'
//   CLICKHOUSE_REQUEST_TIMEOUT_MS  default 30000
//   CLICKHOUSE_SECRET_ARN  in AWS: a Secrets Manager secret whose SecretString is JSON
//                            { "url": "https://abc.eu-west-1.aws.clickhouse.cloud:8443",
//                              "username": "default", "password": "…", "database": "analytics" }
//                          (`user` is accepted for `username`; every field is optional and falls
//                          back to the variables above). Read once per container.
//
// Session defaults sent with every request (documented choices):
//   session_timezone = 'UTC'             local chdb would otherwise use the host's zone while
//                                        ClickHouse Cloud uses UTC; buckets must not depend on it.
//   date_time_input_format = 'best_effort'  ISO-8601 event timestamps ('…T10:15:30.123Z') insert
//                                        as-is into DateTime64 columns.
//   date_time_output_format = 'iso'      DateTime/DateTime64 come back as ISO-8601 UTC
//                                        ('2026-11-27T10:15:00Z'), the API's timestamp format,
//                                        never a zone-less string that JS would read as local time.
//   output_format_json_quote_64bit_integers = 1  (U)Int64 and count()/uniq() results are JSON
//                                        strings, exact beyond 2^53; callers parse strings. Pinned
//                                        because the default differs by version (0 in 26.x, 1 before).
//   async_insert = 0                     an insert is a part when the call returns (read-back right
//                                        after, insert_deduplication_token on the block); 26.x engines
//                                        default to 1. A caller may still opt in per request.
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseConfig {
  url: string;
  username: string;
  password: string;
  database: string;
  requestTimeoutMs: number;
  /** gzip request bodies (inserts) and responses. */
  compression: boolean;
  /** Merged over DEFAULT_CLICKHOUSE_SETTINGS. */
  clickhouseSettings?: ClickHouseSettings;
  /** Shown in ClickHouse's query log (`http_user_agent`). */
  application?: string;
}

export const DEFAULT_CLICKHOUSE_SETTINGS: Readonly<ClickHouseSettings> = Object.freeze({
  session_timezone: 'UTC',
  date_time_input_format: 'best_effort',
  date_time_output_format: 'iso',
  output_format_json_quote_64bit_integers: 1,
  async_insert: 0,
});

type Env = Record<string, string | undefined>;

export function clickhouseConfigFromEnv(env: Env = process.env): ClickHouseConfig {
  const timeout = Number(env.CLICKHOUSE_REQUEST_TIMEOUT_MS ?? '');
  return {
    url: env.CLICKHOUSE_URL || 'http://127.0.0.1:8123',
    username: env.CLICKHOUSE_USER || 'default',
    password: env.CLICKHOUSE_PASSWORD ?? '',
    database: env.CLICKHOUSE_DATABASE || 'default',
    requestTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30_000,
    compression: true,
    application: env.AWS_LAMBDA_FUNCTION_NAME || 'molam-analytics',
  };
}

/** The secret's JSON, validated; fields absent from it are left undefined. */
export interface ClickHouseSecret {
  url?: string;
  username?: string;
  password?: string;
  database?: string;
}

export function parseClickHouseSecret(secretString: string): ClickHouseSecret {
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    throw new Error('ClickHouse secret is not JSON: expected {"url","username","password"}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('ClickHouse secret must be a JSON object: {"url","username","password"}');
  }
  const v = value as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const x = v[k];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'string') throw new Error(`ClickHouse secret field "${k}" must be a string`);
    return x;
  };
  const secret: ClickHouseSecret = {};
  const url = str('url');
  const username = str('username') ?? str('user');
  const password = str('password');
  const database = str('database');
  if (url !== undefined) secret.url = url;
  if (username !== undefined) secret.username = username;
  if (password !== undefined) secret.password = password;
  if (database !== undefined) secret.database = database;
  return secret;
}

export interface ResolveDeps {
  /** Injected in tests; otherwise one client per container. */
  secretsManager?: Pick<SecretsManagerClient, 'send'>;
}

// One read per container and ARN. A failed read is forgotten so the next invocation retries.
const secretCache = new Map<string, Promise<ClickHouseSecret>>();

function readSecret(arn: string, deps: ResolveDeps): Promise<ClickHouseSecret> {
  let pending = secretCache.get(arn);
  if (!pending) {
    const sm = deps.secretsManager ?? new SecretsManagerClient({});
    pending = sm.send(new GetSecretValueCommand({ SecretId: arn })).then((out) => {
      if (typeof out.SecretString !== 'string') throw new Error(`Secret ${arn} has no SecretString`);
      return parseClickHouseSecret(out.SecretString);
    });
    pending.catch(() => secretCache.delete(arn));
    secretCache.set(arn, pending);
  }
  return pending;
}

/** Env config, with url/credentials from CLICKHOUSE_SECRET_ARN when it is set. */
export async function resolveClickHouseConfig(env: Env = process.env, deps: ResolveDeps = {}): Promise<ClickHouseConfig> {
  const config = clickhouseConfigFromEnv(env);
  const arn = env.CLICKHOUSE_SECRET_ARN;
  if (!arn) return config;
  const secret = await readSecret(arn, deps);
  return {
    ...config,
    url: secret.url ?? config.url,
    username: secret.username ?? config.username,
    password: secret.password ?? config.password,
    database: secret.database ?? config.database,
  };
}

export function createClickHouseClient(config: ClickHouseConfig): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: config.database,
    application: config.application ?? 'molam-analytics',
    request_timeout: config.requestTimeoutMs,
    compression: { request: config.compression, response: config.compression },
    // Idle sockets are dropped before a server/load balancer would (ClickHouse: 3 s keep-alive).
    keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
    clickhouse_settings: { ...DEFAULT_CLICKHOUSE_SETTINGS, ...config.clickhouseSettings },
  });
}

let shared: Promise<ClickHouseClient> | undefined;

/** The process-wide client (created on first use from the environment / secret). */
export function getClickHouse(): Promise<ClickHouseClient> {
  if (!shared) {
    const p = resolveClickHouseConfig().then(createClickHouseClient);
    p.catch(() => {
      if (shared === p) shared = undefined;
    });
    shared = p;
  }
  return shared;
}

/** Closes the process-wide client; the next getClickHouse() builds a new one. */
export async function closeClickHouse(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await (await p.catch(() => undefined))?.close();
}

/** Test hook: forget cached secrets (a new container, as far as this module knows). */
export function resetClickHouseCaches(): void {
  secretCache.clear();
  shared = undefined;
}
