// The ingest concern (cdk/lib/constructs/ingest.ts): one MSK event source per topic and its failure path.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { TOPICS } from '../contracts/index.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

describe('ingest: one MSK event source per topic', () => {
  test.each(ENVS)(
    '%s: batch size, batching window, starting position, consumer group, S3 on-failure destination with bounded retries',
    (env) => {
      const s = synthUnit(env);
      const c = s.stack.config;
      const mappings = Object.values(
        s.template.findResources('AWS::Lambda::EventSourceMapping', {
          Properties: { EventSourceArn: c.msk.clusterArn },
        }),
      ) as any[];
      expect(mappings.map((m) => m.Properties.Topics[0]).sort()).toEqual([...TOPICS].sort());
      for (const m of mappings) {
        const topic = m.Properties.Topics[0];
        expect(m.Properties).toMatchObject({
          FunctionName: { Ref: logicalId(s, s.stack.functions.Ingest!) },
          // Sized per environment: prod thousands of rows per ClickHouse insert.
          BatchSize: { dev: 100, staging: 1_000, prod: 5_000 }[env],
          MaximumBatchingWindowInSeconds: 1,
          StartingPosition: env === 'prod' ? 'TRIM_HORIZON' : 'LATEST',
          // Unique per mapping and per environment (two environments may share a cluster).
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: `analytics-consumer-${env}-${topic}` },
          // Failed batches go to S3, which (unlike SQS/SNS for Kafka sources) carries the records.
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(s, s.stack.ingestFailureBucket), 'Arn'] } } },
          MaximumRetryAttempts: 10,
          ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: env === 'prod' ? 10 : 2 },
        });
        // Records are never dropped for their age: they wait in Kafka or go to the bucket.
        expect(m.Properties.MaximumRecordAgeInSeconds).toBeUndefined();
        expect(m.Properties.SourceAccessConfigurations).toBeUndefined(); // IAM auth
      }
    },
  );

  test('batch settings and starting position come from context', () => {
    const s = synthUnit('staging', {
      batchSize: '400',
      maxBatchingWindowSeconds: '3',
      startingPosition: 'TRIM_HORIZON',
      topics: 'invoice.paid',
    });
    s.template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', { Topics: Match.anyValue() }, 1);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['invoice.paid'],
      BatchSize: 400,
      MaximumBatchingWindowInSeconds: 3,
      StartingPosition: 'TRIM_HORIZON',
    });
  });

  test('consumer group ids differ across every mapping of every environment', () => {
    const ids = ENVS.flatMap((env) =>
      Object.values(synthUnit(env).template.findResources('AWS::Lambda::EventSourceMapping'))
        .map((m: any) => m.Properties.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId)
        .filter(Boolean),
    );
    expect(ids).toHaveLength(ENVS.length * TOPICS.length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("AT_TIMESTAMP for a cut-over: the timestamp in Unix seconds; unset window falls back to Lambda's default", () => {
    const s = synthUnit('prod', { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: '2026-12-01T00:00:00Z' });
    s.template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      {
        Topics: Match.anyValue(),
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: Date.UTC(2026, 11, 1) / 1000,
      },
      TOPICS.length,
    );
    expect(() => synthUnit('prod', { startingPosition: 'AT_TIMESTAMP' })).toThrow(/go together/);
    const noWindow = synthUnit('dev', { maxBatchingWindowSeconds: 'none' });
    s.template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', { Topics: Match.anyValue() }, TOPICS.length);
    for (const m of Object.values(noWindow.template.findResources('AWS::Lambda::EventSourceMapping')) as any[]) {
      if (m.Properties.Topics) expect(m.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
    }
  });

  test('SASL/SCRAM: every mapping carries the secret', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:AmazonMSK_molam-Ab12Cd';
    const s = synthUnit('prod', { mskAuth: 'scram', mskScramSecretArn: secretArn });
    s.template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      {
        Topics: Match.anyValue(),
        SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: secretArn }],
      },
      TOPICS.length,
    );
  });

  test.each(ENVS)('%s: no MSK mapping has an SQS or SNS (offsets-only) destination, and none is without one', (env) => {
    const s = synthUnit(env);
    const bucketArn = { 'Fn::GetAtt': [logicalId(s, s.stack.ingestFailureBucket), 'Arn'] };
    const kafka = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping'))
      .map((m: any) => m.Properties)
      .filter((p) => p.Topics !== undefined);
    expect(kafka).toHaveLength(s.stack.config.msk.topics.length);
    for (const p of kafka) expect(p.DestinationConfig.OnFailure.Destination).toEqual(bucketArn);
    // The only SQS queue left is the fan-out's (DynamoDB stream records are small and re-readable).
    const queues = Object.keys(s.template.findResources('AWS::SQS::Queue'));
    expect(queues).toEqual([logicalId(s, s.stack.fanoutDlq)]);
  });

  test('retry attempts and pollers come from context; impossible values are refused', () => {
    const s = synthUnit('dev', { mskRetryAttempts: '3', mskMinimumPollers: '2', mskMaximumPollers: '4' });
    s.template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      {
        Topics: Match.anyValue(),
        MaximumRetryAttempts: 3,
        ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 4 },
      },
      TOPICS.length,
    );
    expect(() => synthUnit('dev', { mskMinimumPollers: '5', mskMaximumPollers: '4' })).toThrow(/mskMaximumPollers/);
    expect(() => synthUnit('dev', { mskRetryAttempts: '20000' })).toThrow(/mskRetryAttempts/);
  });

  test('the on-failure bucket: encrypted, private, TLS-only, access-logged, expiring, with the request metrics the alarm reads', () => {
    const s = synthUnit('prod');
    const res = s.template.toJSON().Resources[logicalId(s, s.stack.ingestFailureBucket)];
    expect(res.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
      LoggingConfiguration: { LogFilePrefix: 'ingest-failure-bucket/' },
      MetricsConfigurations: [{ Id: 'OnFailureWrites' }],
    });
    expect(res.DeletionPolicy).toBe('Retain');
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(s, s.stack.ingestFailureBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    expect(s.template.toJSON().Outputs.IngestFailureBucketName.Value).toEqual({ Ref: logicalId(s, s.stack.ingestFailureBucket) });
  });
});
