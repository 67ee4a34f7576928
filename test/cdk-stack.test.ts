// The stack as wiring (cdk/lib/analytics-stack.ts): outputs, and rules every concern follows.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { cdkJsonContext, REPO_ROOT } from '../cdk/lib/app.js';
import { CONTEXT_KEYS } from '../cdk/lib/config.js';
import { ESM_REQUIRE_BANNER } from '../cdk/lib/handler-function.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

test.each(ENVS)('%s: outputs: dashboard URL, API URL, WebSocket URL', (env) => {
  const s = synthUnit(env);
  const dist = logicalId(s, s.stack.distribution);
  const outputs = s.template.toJSON().Outputs;
  expect(outputs.DashboardUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [dist, 'DomainName'] }]] });
  expect(outputs.ApiUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [dist, 'DomainName'] }, '/api/analytics']] });
  expect(outputs.WebSocketUrl.Value).toEqual({
    'Fn::Join': [
      '',
      ['wss://', { Ref: logicalId(s, s.stack.webSocketApi) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, `/${env}`],
    ],
  });
  for (const def of TABLES)
    expect(outputs[`${def.envVar.replace(/_/g, '')}Name`].Value).toEqual({ Ref: logicalId(s, s.stack.tables[def.id]) });
});

test('every acknowledged cdk-nag finding carries a written reason', () => {
  const s = synthUnit('prod');
  const acks: { path: string; id: string; reason: string }[] = [];
  for (const c of s.app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [ruleId, reason] of Object.entries(m.data as Record<string, string>)) acks.push({ path: c.node.path, id: ruleId, reason });
    }
  }
  expect(acks.filter((a) => a.id.includes('AwsSolutions')).length).toBeGreaterThan(10);
  for (const a of acks) expect(a.reason.trim().length, `${a.path} ${a.id}`).toBeGreaterThan(30);
});

test('the ESM banner gives bundled CommonJS dependencies a require()', () => {
  expect(ESM_REQUIRE_BANNER).toMatch(/createRequire.*import\.meta\.url/);
});

describe('deploys fail early', () => {
  const errorsOf = (s: ReturnType<typeof synthUnit>) =>
    Annotations.fromStack(s.stack)
      .findError('*', Match.anyValue())
      .map((e) => String(e.entry.data));
  const warningsOf = (s: ReturnType<typeof synthUnit>) =>
    Annotations.fromStack(s.stack)
      .findWarning('*', Match.anyValue())
      .map((e) => String(e.entry.data));

  const deployFailure = (env: 'dev' | 'prod', context: Record<string, unknown>): string => {
    try {
      synthUnit(env, { ...context, deploy: 'true' });
      return '';
    } catch (err) {
      return String((err as Error).message);
    }
  };

  test('synth warns about each placeholder; a deploy (-c deploy=true, as npm run deploy passes) refuses them', () => {
    expect(errorsOf(synthUnit('prod'))).toEqual([]);
    const warned = warningsOf(synthUnit('prod')).filter((w) => /placeholder|required for prod/.test(w));
    expect(warned).toHaveLength(8);
    const failure = deployFailure('prod', {});
    for (const name of [
      'account',
      'mskClusterArn',
      'vpcId',
      'privateSubnetIds',
      'securityGroupId',
      'clickhouseSecretArn',
      'molamIdJwksUrl',
    ]) {
      expect(failure).toContain(`ERROR ${name} is a placeholder; pass -c ${name}=`);
    }
    expect(failure).toContain('ERROR alarmEmail (or alarmTopicArn) is required for prod');
    expect(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts.deploy).toContain('-c deploy=true');
  });

  test('a deploy with every required key set synthesizes', () => {
    const real = {
      account: '123456789012',
      mskClusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/payments/6a7b8c9d-1111-2222-3333-444455556666-3',
      vpcId: 'vpc-0123abcd',
      privateSubnetIds: 'subnet-0aa11,subnet-0bb22',
      securityGroupId: 'sg-0123abcd',
      clickhouseSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:molam/clickhouse-Zx81Qp',
      molamIdJwksUrl: 'https://id.molam.com/.well-known/jwks.json',
    };
    const failure = deployFailure('prod', real);
    expect(failure).toContain('alarmEmail (or alarmTopicArn) is required for prod');
    expect(failure).not.toContain('is a placeholder');
    expect(deployFailure('prod', { ...real, alarmEmail: 'oncall@molam.example' })).toBe('');
    expect(deployFailure('dev', real)).toBe('');
  });

  test('cdk.json documents every required key for each environment', () => {
    const context = cdkJsonContext();
    const required = [
      'account',
      'region',
      'mskClusterArn',
      'vpcId',
      'availabilityZones',
      'privateSubnetIds',
      'securityGroupId',
      'clickhouseSecretArn',
      'molamIdJwksUrl',
      'molamIdAudience',
      'molamIdIssuer',
      'loginUrl',
      'alarmEmail',
    ];
    for (const env of ENVS) {
      const entry = context[`molam:${env}`] as Record<string, unknown>;
      expect(entry, env).toBeDefined();
      for (const key of required) expect(Object.keys(entry), `${env} ${key}`).toContain(key);
      for (const key of Object.keys(entry)) expect([...CONTEXT_KEYS, '_doc'], `${env} ${key}`).toContain(key);
    }
  });

  test.each(['dev', 'staging'] as const)('%s can be destroyed: tables and buckets are deleted, buckets emptied first', (env) => {
    const s = synthUnit(env);
    const res = s.template.toJSON().Resources as Record<string, any>;
    const buckets = Object.entries(res).filter(([, r]) => r.Type === 'AWS::S3::Bucket');
    expect(buckets.length).toBeGreaterThanOrEqual(3);
    const emptied = Object.values(res)
      .filter((r) => r.Type === 'Custom::S3AutoDeleteObjects')
      .map((r) => JSON.stringify(r.Properties.BucketName));
    for (const [id, b] of buckets) {
      expect(b.DeletionPolicy, id).toBe('Delete');
      expect(emptied, id).toContain(JSON.stringify({ Ref: id }));
    }
    for (const r of Object.values(res).filter((x) => x.Type === 'AWS::DynamoDB::GlobalTable')) {
      expect(r.DeletionPolicy).toBe('Delete');
      expect(r.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    }
    // prod keeps them, and never empties a bucket.
    expect(Object.values(synthUnit('prod').template.toJSON().Resources).some((r: any) => r.Type === 'Custom::S3AutoDeleteObjects')).toBe(
      false,
    );
  });
});
