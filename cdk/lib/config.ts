// Typed per-environment configuration of the stack. Defaults are safe placeholders (documentation
// account 111111111111, fake ids) so `cdk synth -c env=prod --no-lookups` runs offline in CI; a real
// deployment overrides them through context: the `molam:<env>` object in cdk.json and/or flat
// `-c key=value` flags (flags win). Every placeholder still in use is reported as a synth warning.
import { TOPICS } from '../../contracts/index.js';

export const ENV_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvName = (typeof ENV_NAMES)[number];

export type MskAuth =
  | { kind: 'iam' }
  /** SASL/SCRAM-512: the AmazonMSK_* secret and the customer-managed KMS key that encrypts it. */
  | { kind: 'scram'; secretArn: string; kmsKeyArn?: string };

export const STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'] as const;
export type StartingPosition = (typeof STARTING_POSITIONS)[number];

export interface EnvConfig {
  envName: EnvName;
  stackName: string;
  account: string;
  region: string;
  msk: {
    /** arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> */
    clusterArn: string;
    auth: MskAuth;
    topics: readonly string[];
    /**
     * Consumer group of a topic's mapping is `<prefix>-<env>-<topic>`: unique per mapping and
     * environment (two environments may share a cluster). Fixed once the mapping exists.
     */
    consumerGroupPrefix: string;
    /** Records per invocation; prod is sized for ClickHouse (thousands of rows per insert). */
    batchSize: number;
    /**
     * Seconds Lambda gathers records (about one insert per second per partition). Undefined = Lambda's
     * 500 ms default; once set in whole seconds a mapping cannot return to 500 ms without being recreated.
     */
    maxBatchingWindowSeconds?: number;
    /** Where a NEW mapping starts reading (fixed once it exists); AT_TIMESTAMP for a cut-over. */
    startingPosition: StartingPosition;
    /** With AT_TIMESTAMP: Unix seconds. */
    startingPositionTimestamp?: number;
    /**
     * Failure path of a batch the ingest function keeps failing on (ClickHouse down): Lambda retries
     * it `retryAttempts` times, then writes it WITH its payload to the S3 on-failure bucket and
     * moves on; `npm run redrive` stores it from there. Retry settings exist in provisioned mode only.
     */
    retryAttempts: number;
    /** Event pollers per mapping (provisioned mode, required for the retry settings). */
    provisionedPollers: { minimum: number; maximum: number };
    /** Days the on-failure bucket keeps a failed batch (time to re-drive it). */
    onFailureRetentionDays: number;
  };
  network: {
    vpcId: string;
    availabilityZones: readonly string[];
    /** One private subnet per availability zone, same order. */
    privateSubnetIds: readonly string[];
    securityGroupId: string;
  };
  clickhouse: {
    /** Complete Secrets Manager ARN (with the 6-character suffix) of the ClickHouse Cloud secret. */
    secretArn: string;
    database: string;
  };
  auth: {
    /** PEM public key of Molam ID (one of publicKeyPem / jwksUrl). */
    publicKeyPem?: string;
    jwksUrl?: string;
    audience?: string;
    issuer?: string;
    /** Where the dashboard sends users without a token. */
    loginUrl: string;
  };
  fanout: {
    batchSize: number;
    maxBatchingWindowSeconds: number;
    retryAttempts: number;
    parallelizationFactor: number;
    maxRecordAgeSeconds: number;
  };
  api: {
    /** Reserved concurrency of each REST function (a flood cannot take the account's concurrency). */
    reservedConcurrency: number;
  };
  webSocketStageName: string;
  logRetentionDays: number;
  /** E-mail subscribed to the alarm topic (this or alarmTopicArn is required for prod). */
  alarmEmail?: string;
  /** An existing SNS topic (pager, chat) every alarm also notifies. */
  alarmTopicArn?: string;
  /** X-Ray active tracing of the ingest, fan-out and API functions. */
  tracing: boolean;
  /** 'retain' keeps tables and buckets when the stack is deleted (prod). */
  removalPolicy: 'retain' | 'destroy';
  pointInTimeRecovery: boolean;
  alarms: {
    offsetLag: number;
    clickhouseInsertP95Seconds: number;
    apiP95Seconds: number;
    /** Rejected WebSocket connections per 5 minutes. */
    rejectedWsConnectionsPer5Min: number;
    /** Fan-out stream IteratorAge (oldest record not yet processed), seconds. */
    fanoutIteratorAgeSeconds: number;
    /** analytics_streaming_latency_seconds P95 (Kafka record -> delta posted), seconds. */
    freshnessP95Seconds: number;
    /** Prod: no data from lag / insert latency is an alarm (the pipeline went quiet). */
    missingDataBreaches: boolean;
  };
}

/** Placeholders: documentation account and zero ids, valid in shape so templates validate. */
export const PLACEHOLDER_ACCOUNT = '111111111111';

export const DEFAULT_REGION = 'eu-west-1';

function defaults(envName: EnvName, account: string, region: string): EnvConfig {
  const prod = envName === 'prod';
  return {
    envName,
    stackName: `MolamAnalytics-${envName}`,
    account,
    region,
    msk: {
      clusterArn: `arn:aws:kafka:${region}:${account}:cluster/molam-${envName}/00000000-0000-0000-0000-000000000000-1`,
      auth: { kind: 'iam' },
      topics: [...TOPICS],
      consumerGroupPrefix: 'analytics-consumer',
      batchSize: prod ? 5_000 : envName === 'staging' ? 1_000 : 100,
      maxBatchingWindowSeconds: 1,
      startingPosition: prod ? 'TRIM_HORIZON' : 'LATEST',
      retryAttempts: 10,
      provisionedPollers: prod ? { minimum: 1, maximum: 10 } : { minimum: 1, maximum: 2 },
      onFailureRetentionDays: prod ? 30 : 14,
    },
    network: {
      vpcId: 'vpc-00000000000000000',
      availabilityZones: [`${region}a`, `${region}b`],
      privateSubnetIds: ['subnet-00000000000000001', 'subnet-00000000000000002'],
      securityGroupId: 'sg-00000000000000000',
    },
    clickhouse: {
      secretArn: `arn:aws:secretsmanager:${region}:${account}:secret:molam-analytics/${envName}/clickhouse-AbCdEf`,
      database: 'default',
    },
    auth: {
      jwksUrl: 'https://id.molam.example/.well-known/jwks.json',
      audience: 'molam-analytics',
      issuer: 'https://id.molam.example',
      loginUrl: 'https://id.molam.example/login',
    },
    // One lane per shard: the fan-out paces each lane to one frame per connection per interval.
    fanout: { batchSize: 100, maxBatchingWindowSeconds: 0, retryAttempts: 3, parallelizationFactor: 1, maxRecordAgeSeconds: 600 },
    api: { reservedConcurrency: prod ? 50 : envName === 'staging' ? 10 : 5 },
    webSocketStageName: envName,
    logRetentionDays: prod ? 90 : envName === 'staging' ? 30 : 7,
    removalPolicy: prod ? 'retain' : 'destroy',
    pointInTimeRecovery: prod,
    tracing: true,
    alarms: {
      offsetLag: 10_000,
      clickhouseInsertP95Seconds: 2,
      apiP95Seconds: 0.5,
      rejectedWsConnectionsPer5Min: 50,
      fanoutIteratorAgeSeconds: 60,
      freshnessP95Seconds: 5,
      missingDataBreaches: prod,
    },
  };
}

/** Flat context keys accepted with `-c key=value` (strings from the CLI, typed values from cdk.json). */
export const CONTEXT_KEYS = [
  'account',
  'region',
  'mskClusterArn',
  'mskAuth',
  'mskScramSecretArn',
  'mskScramKmsKeyArn',
  'topics',
  'consumerGroupPrefix',
  'batchSize',
  'maxBatchingWindowSeconds',
  'startingPosition',
  'vpcId',
  'availabilityZones',
  'privateSubnetIds',
  'securityGroupId',
  'clickhouseSecretArn',
  'clickhouseDatabase',
  'molamIdPublicKey',
  'molamIdJwksUrl',
  'molamIdAudience',
  'molamIdIssuer',
  'loginUrl',
  'logRetentionDays',
  'alarmEmail',
  'removalPolicy',
  'pointInTimeRecovery',
  'webSocketStageName',
  'startingPositionTimestamp',
  'mskRetryAttempts',
  'mskMinimumPollers',
  'mskMaximumPollers',
  'mskOnFailureRetentionDays',
  'apiReservedConcurrency',
  'alarmTopicArn',
  'tracing',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

export type ContextReader = (key: string) => unknown;

const list = (v: unknown): string[] =>
  Array.isArray(v)
    ? v.map(String)
    : String(v)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const int = (key: string, v: unknown): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`context ${key} must be a non-negative integer, got ${String(v)}`);
  return n;
};
const bool = (v: unknown): boolean => v === true || v === 'true';
/** Unix seconds from a number of seconds or an ISO-8601 date-time with offset. */
const timestamp = (v: unknown): number => {
  const text = String(v).trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : Date.parse(text) / 1000;
  if (!Number.isFinite(seconds) || !/^\d+$|[zZ]$|[+-]\d\d:\d\d$/.test(text)) {
    throw new Error(`startingPositionTimestamp must be Unix seconds or an ISO-8601 date-time with offset, got ${text}`);
  }
  return Math.floor(seconds);
};

export function isEnvName(v: unknown): v is EnvName {
  return typeof v === 'string' && (ENV_NAMES as readonly string[]).includes(v);
}

/**
 * The configuration of one environment: defaults, then the `molam:<env>` context object, then flat
 * context keys. Throws on an unknown env or a malformed value, before any construct exists.
 */
export function loadConfig(envName: unknown, ctx: ContextReader): EnvConfig {
  if (!isEnvName(envName)) throw new Error(`-c env=<${ENV_NAMES.join('|')}> is required (got ${String(envName)})`);
  const fromObject = (ctx(`molam:${envName}`) ?? {}) as Record<string, unknown>;
  // An empty string is unset: cdk.json lists every key of an environment, empty until known.
  const get = (key: ContextKey): unknown => {
    const flat = ctx(key);
    const v = flat !== undefined ? flat : fromObject[key];
    return v === '' ? undefined : v;
  };
  const str = (key: ContextKey, current: string): string => {
    const v = get(key);
    return v === undefined || v === '' ? current : String(v);
  };
  // Placeholder ARNs and AZs follow the account and region, so they stay coherent when only those are set.
  const c = defaults(envName, str('account', PLACEHOLDER_ACCOUNT), str('region', DEFAULT_REGION));

  c.msk.clusterArn = str('mskClusterArn', c.msk.clusterArn);
  c.clickhouse.secretArn = str('clickhouseSecretArn', c.clickhouse.secretArn);
  c.clickhouse.database = str('clickhouseDatabase', c.clickhouse.database);

  const authKind = str('mskAuth', c.msk.auth.kind);
  if (authKind === 'scram') {
    const secretArn = get('mskScramSecretArn');
    if (!secretArn) throw new Error('mskAuth=scram needs -c mskScramSecretArn=<AmazonMSK_... secret ARN>');
    const kmsKeyArn = get('mskScramKmsKeyArn');
    c.msk.auth = { kind: 'scram', secretArn: String(secretArn), ...(kmsKeyArn ? { kmsKeyArn: String(kmsKeyArn) } : {}) };
  } else if (authKind !== 'iam') {
    throw new Error(`mskAuth must be iam or scram, got ${authKind}`);
  }
  if (get('topics') !== undefined) c.msk.topics = list(get('topics'));
  c.msk.consumerGroupPrefix = str('consumerGroupPrefix', c.msk.consumerGroupPrefix);
  if (get('batchSize') !== undefined) c.msk.batchSize = int('batchSize', get('batchSize'));
  const window = get('maxBatchingWindowSeconds');
  // `none`: leave the window to Lambda's 500 ms default (only for a mapping that never had one).
  if (window === 'none') delete c.msk.maxBatchingWindowSeconds;
  else if (window !== undefined) c.msk.maxBatchingWindowSeconds = int('maxBatchingWindowSeconds', window);
  const sp = str('startingPosition', c.msk.startingPosition);
  if (!(STARTING_POSITIONS as readonly string[]).includes(sp)) {
    throw new Error(`startingPosition must be ${STARTING_POSITIONS.join(', ')}, got ${sp}`);
  }
  c.msk.startingPosition = sp as StartingPosition;
  const ts = get('startingPositionTimestamp');
  if (ts !== undefined) c.msk.startingPositionTimestamp = timestamp(ts);
  if ((c.msk.startingPosition === 'AT_TIMESTAMP') !== (c.msk.startingPositionTimestamp !== undefined)) {
    throw new Error('startingPosition=AT_TIMESTAMP and startingPositionTimestamp (ISO-8601 or Unix seconds) go together');
  }
  if (get('mskRetryAttempts') !== undefined) c.msk.retryAttempts = int('mskRetryAttempts', get('mskRetryAttempts'));
  if (get('mskMinimumPollers') !== undefined) c.msk.provisionedPollers.minimum = int('mskMinimumPollers', get('mskMinimumPollers'));
  if (get('mskMaximumPollers') !== undefined) c.msk.provisionedPollers.maximum = int('mskMaximumPollers', get('mskMaximumPollers'));
  if (get('mskOnFailureRetentionDays') !== undefined) {
    c.msk.onFailureRetentionDays = int('mskOnFailureRetentionDays', get('mskOnFailureRetentionDays'));
  }

  c.network.vpcId = str('vpcId', c.network.vpcId);
  if (get('availabilityZones') !== undefined) c.network.availabilityZones = list(get('availabilityZones'));
  if (get('privateSubnetIds') !== undefined) c.network.privateSubnetIds = list(get('privateSubnetIds'));
  c.network.securityGroupId = str('securityGroupId', c.network.securityGroupId);

  const pem = get('molamIdPublicKey');
  const jwks = get('molamIdJwksUrl');
  if (pem !== undefined) {
    c.auth.publicKeyPem = String(pem);
    if (jwks === undefined) delete c.auth.jwksUrl;
  }
  if (jwks !== undefined) c.auth.jwksUrl = String(jwks);
  c.auth.audience = str('molamIdAudience', c.auth.audience ?? '');
  c.auth.issuer = str('molamIdIssuer', c.auth.issuer ?? '');
  c.auth.loginUrl = str('loginUrl', c.auth.loginUrl);

  if (get('logRetentionDays') !== undefined) c.logRetentionDays = int('logRetentionDays', get('logRetentionDays'));
  if (get('alarmEmail')) c.alarmEmail = String(get('alarmEmail'));
  if (get('alarmTopicArn')) c.alarmTopicArn = String(get('alarmTopicArn'));
  if (get('tracing') !== undefined) c.tracing = bool(get('tracing'));
  const rp = str('removalPolicy', c.removalPolicy);
  if (rp !== 'retain' && rp !== 'destroy') throw new Error(`removalPolicy must be retain or destroy, got ${rp}`);
  c.removalPolicy = rp;
  if (get('pointInTimeRecovery') !== undefined) c.pointInTimeRecovery = bool(get('pointInTimeRecovery'));
  c.webSocketStageName = str('webSocketStageName', c.webSocketStageName);
  if (get('apiReservedConcurrency') !== undefined) c.api.reservedConcurrency = int('apiReservedConcurrency', get('apiReservedConcurrency'));

  validate(c);
  return c;
}

function validate(c: EnvConfig): void {
  if (!/^\d{12}$/.test(c.account)) throw new Error(`account must be 12 digits, got ${c.account}`);
  parseClusterArn(c.msk.clusterArn);
  if (c.msk.topics.length === 0) throw new Error('at least one topic is required');
  if (c.msk.batchSize < 1 || c.msk.batchSize > 10_000) throw new Error('batchSize must be 1..10000');
  if (c.msk.maxBatchingWindowSeconds !== undefined && c.msk.maxBatchingWindowSeconds > 300)
    throw new Error('maxBatchingWindowSeconds must be 0..300');
  // -1 (infinite) is not offered: with an on-failure destination Lambda caps it at 10 anyway.
  if (c.msk.retryAttempts > 10_000) throw new Error('mskRetryAttempts must be 0..10000');
  const { minimum, maximum } = c.msk.provisionedPollers;
  if (minimum < 1 || minimum > 200 || maximum < minimum || maximum > 2000) {
    throw new Error('mskMinimumPollers must be 1..200 and mskMaximumPollers mskMinimumPollers..2000');
  }
  if (c.api.reservedConcurrency < 1) throw new Error('apiReservedConcurrency must be at least 1');
  if (c.msk.onFailureRetentionDays < 1) throw new Error('mskOnFailureRetentionDays must be at least 1');
  if (c.network.privateSubnetIds.length !== c.network.availabilityZones.length) {
    throw new Error('privateSubnetIds and availabilityZones must have the same length (one subnet per AZ)');
  }
  if (!/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(c.clickhouse.secretArn)) {
    throw new Error('clickhouseSecretArn must be the complete secret ARN (ending in -XXXXXX)');
  }
  if (!c.auth.publicKeyPem && !c.auth.jwksUrl) throw new Error('molamIdPublicKey or molamIdJwksUrl is required');
}

export interface ClusterArnParts {
  partition: string;
  region: string;
  account: string;
  clusterName: string;
  clusterUuid: string;
}

/** Split an MSK cluster ARN; topic and group ARNs for kafka-cluster:* are built from its parts. */
export function parseClusterArn(arn: string): ClusterArnParts {
  const m = /^arn:(aws[\w-]*):kafka:([\w-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/.exec(arn);
  if (!m) throw new Error(`mskClusterArn is not an MSK cluster ARN: ${arn}`);
  return { partition: m[1]!, region: m[2]!, account: m[3]!, clusterName: m[4]!, clusterUuid: m[5]! };
}

/** The placeholders a config still carries: synth warns about each, a deploy refuses them. */
export function placeholdersInUse(c: EnvConfig): string[] {
  const out: string[] = [];
  if (c.account === PLACEHOLDER_ACCOUNT) out.push('account');
  if (c.msk.clusterArn.includes('00000000-0000-0000-0000-000000000000')) out.push('mskClusterArn');
  if (c.network.vpcId === 'vpc-00000000000000000') out.push('vpcId');
  if (c.network.privateSubnetIds.some((s) => /^subnet-0+\d$/.test(s))) out.push('privateSubnetIds');
  if (c.network.securityGroupId === 'sg-00000000000000000') out.push('securityGroupId');
  if (c.clickhouse.secretArn.endsWith('-AbCdEf')) out.push('clickhouseSecretArn');
  if (c.auth.jwksUrl?.includes('molam.example') && !c.auth.publicKeyPem) out.push('molamIdJwksUrl');
  // Prod alarms must reach someone.
  if (c.envName === 'prod' && !c.alarmEmail && !c.alarmTopicArn) out.push('alarmEmail');
  return out;
}
