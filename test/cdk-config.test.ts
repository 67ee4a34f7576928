// The typed per-environment configuration: defaults, overrides from cdk.json objects and -c flags,
// and the errors a wrong value raises before anything is synthesized.
import { describe, expect, test } from 'vitest';
import { loadConfig, parseClusterArn, placeholdersInUse } from '../cdk/lib/config.js';
import { TOPICS } from '../contracts/index.js';

const ctx = (values: Record<string, unknown>) => (k: string) => values[k];

describe('loadConfig', () => {
  test('defaults per environment: prod retains data with PITR; dev/staging do not', () => {
    const dev = loadConfig('dev', ctx({}));
    const staging = loadConfig('staging', ctx({}));
    const prod = loadConfig('prod', ctx({}));
    expect([dev.removalPolicy, staging.removalPolicy, prod.removalPolicy]).toEqual(['destroy', 'destroy', 'retain']);
    expect([dev.pointInTimeRecovery, staging.pointInTimeRecovery, prod.pointInTimeRecovery]).toEqual([false, false, true]);
    expect(prod.msk.startingPosition).toBe('TRIM_HORIZON');
    expect(dev.msk.startingPosition).toBe('LATEST');
    expect(prod.msk.topics).toEqual([...TOPICS]);
    expect(prod.stackName).toBe('MolamAnalytics-prod');
    expect(prod.logRetentionDays).toBeGreaterThan(dev.logRetentionDays);
    expect(prod.alarms).toEqual({
      offsetLag: 10_000,
      clickhouseInsertP95Seconds: 2,
      apiP95Seconds: 0.5,
      rejectedWsConnectionsPer5Min: 50,
      fanoutIteratorAgeSeconds: 60,
      freshnessP95Seconds: 5,
      missingDataBreaches: true,
    });
    expect(dev.alarms.missingDataBreaches).toBe(false);
  });

  test('flat -c values (strings) override the molam:<env> object, which overrides defaults', () => {
    const c = loadConfig(
      'prod',
      ctx({
        'molam:prod': {
          account: '222222222222',
          region: 'eu-central-1',
          batchSize: 500,
          alarmEmail: 'ops@molam.example',
          vpcId: 'vpc-0abc',
        },
        region: 'us-east-1',
        batchSize: '250',
        maxBatchingWindowSeconds: '5',
        startingPosition: 'LATEST',
        privateSubnetIds: 'subnet-0a,subnet-0b,subnet-0c',
        availabilityZones: 'us-east-1a,us-east-1b,us-east-1c',
        topics: 'wallet_txn_created',
        pointInTimeRecovery: 'false',
      }),
    );
    expect(c.account).toBe('222222222222');
    expect(c.region).toBe('us-east-1');
    expect(c.msk.batchSize).toBe(250);
    expect(c.msk.maxBatchingWindowSeconds).toBe(5);
    expect(c.msk.startingPosition).toBe('LATEST');
    expect(c.network.vpcId).toBe('vpc-0abc');
    expect(c.network.privateSubnetIds).toEqual(['subnet-0a', 'subnet-0b', 'subnet-0c']);
    expect(c.msk.topics).toEqual(['wallet_txn_created']);
    expect(c.alarmEmail).toBe('ops@molam.example');
    expect(c.pointInTimeRecovery).toBe(false);
    // Placeholder ARNs follow the account and region.
    expect(c.msk.clusterArn).toMatch(/^arn:aws:kafka:us-east-1:222222222222:cluster\//);
    expect(c.clickhouse.secretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:222222222222:secret:/);
  });

  test('SCRAM auth takes the secret (and optional KMS key); a PEM key replaces the JWKS default', () => {
    const c = loadConfig(
      'staging',
      ctx({
        mskAuth: 'scram',
        mskScramSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:AmazonMSK_molam-Ab12Cd',
        mskScramKmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0000',
        molamIdPublicKey: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----',
      }),
    );
    expect(c.msk.auth).toEqual({
      kind: 'scram',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:AmazonMSK_molam-Ab12Cd',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:111111111111:key/0000',
    });
    expect(c.auth.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    expect(c.auth.jwksUrl).toBeUndefined();
  });

  test.each([
    [{}, 'qa', /env=<dev\|staging\|prod> is required/],
    [{ mskAuth: 'scram' }, 'prod', /mskScramSecretArn/],
    [{ mskAuth: 'tls' }, 'prod', /iam or scram/],
    [{ privateSubnetIds: 'subnet-1' }, 'prod', /same length/],
    [{ mskClusterArn: 'arn:aws:kafka:eu-west-1:111111111111:topic/x/y/z' }, 'prod', /not an MSK cluster ARN/],
    [{ clickhouseSecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:clickhouse' }, 'prod', /complete secret ARN/],
    [{ startingPosition: 'AT_TIMESTAMP' }, 'prod', /go together/],
    [{ startingPosition: 'EARLIEST' }, 'prod', /TRIM_HORIZON, LATEST, AT_TIMESTAMP/],
    [{ startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '2026-12-01 10:00' }, 'prod', /with offset/],
    [{ batchSize: '-3' }, 'prod', /non-negative integer/],
    [{ account: '12' }, 'prod', /12 digits/],
    [{ removalPolicy: 'snapshot' }, 'prod', /retain or destroy/],
  ])('rejects %j for env %s', (values, env, message) => {
    expect(() => loadConfig(env, ctx(values))).toThrow(message);
  });

  test('placeholders in use are listed; real values clear them', () => {
    expect(placeholdersInUse(loadConfig('prod', ctx({})))).toEqual([
      'account',
      'mskClusterArn',
      'vpcId',
      'privateSubnetIds',
      'securityGroupId',
      'clickhouseSecretArn',
      'molamIdJwksUrl',
      'alarmEmail',
    ]);
    // Only prod requires an alarm destination.
    expect(placeholdersInUse(loadConfig('dev', ctx({})))).not.toContain('alarmEmail');
    const real = loadConfig(
      'prod',
      ctx({
        account: '123456789012',
        mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/payments/6a7b8c9d-1111-2222-3333-444455556666-3',
        vpcId: 'vpc-0123abcd',
        privateSubnetIds: 'subnet-0aa11,subnet-0bb22',
        securityGroupId: 'sg-0123abcd',
        clickhouseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:molam/clickhouse-Zx81Qp',
        molamIdJwksUrl: 'https://id.molam.com/.well-known/jwks.json',
        alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall',
      }),
    );
    expect(placeholdersInUse(real)).toEqual([]);
  });

  test('empty strings (cdk.json lists every key, empty until known) leave the defaults', () => {
    const c = loadConfig('prod', ctx({ 'molam:prod': { account: '', privateSubnetIds: '', batchSize: '', alarmEmail: '' } }));
    expect(c).toEqual(loadConfig('prod', ctx({})));
  });
});

test('parseClusterArn splits the parts the kafka-cluster ARNs are built from', () => {
  expect(parseClusterArn('arn:aws:kafka:eu-west-1:123456789012:cluster/payments/6a7b8c9d-1111-2222-3333-444455556666-3')).toEqual({
    partition: 'aws',
    region: 'eu-west-1',
    account: '123456789012',
    clusterName: 'payments',
    clusterUuid: '6a7b8c9d-1111-2222-3333-444455556666-3',
  });
});
