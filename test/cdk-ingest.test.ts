// The ingest concern (cdk/lib/constructs/ingest.ts): one MSK event source per topic and its failure path.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { TOPICS } from '../functions/shared/contracts/index.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

describe('ingest: one MSK event source per topic', () => {
  test.each(ENVS)('%s: batch size, batching window, starting position, consumer group, on-failure queue', (env) => {
    const s = synthUnit(env);
    const c = s.stack.config;
    const mappings = Object.values(s.template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { EventSourceArn: c.msk.clusterArn },
    })) as any[];
    expect(mappings.map((m) => m.Properties.Topics[0]).sort()).toEqual([...TOPICS].sort());
    for (const m of mappings) {
      const topic = m.Properties.Topics[0];
      expect(m.Properties).toMatchObject({
        FunctionName: { Ref: logicalId(s, s.stack.functions.Ingest!) },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        StartingPosition: env === 'prod' ? 'TRIM_HORIZON' : 'LATEST',
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: `analytics-consumer-${topic}` },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(s, s.stack.ingestFailureQueue), 'Arn'] } } },
      });
      expect(m.Properties.SourceAccessConfigurations).toBeUndefined(); // IAM auth
    }
  });

  test('batch settings and starting position come from context', () => {
    const s = synthUnit('staging', { batchSize: '400', maxBatchingWindowSeconds: '3', startingPosition: 'TRIM_HORIZON', topics: 'invoice.paid' });
    s.template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', { Topics: Match.anyValue() }, 1);
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['invoice.paid'], BatchSize: 400, MaximumBatchingWindowInSeconds: 3, StartingPosition: 'TRIM_HORIZON',
    });
  });

  test('SASL/SCRAM: every mapping carries the secret', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:AmazonMSK_molam-Ab12Cd';
    const s = synthUnit('prod', { mskAuth: 'scram', mskScramSecretArn: secretArn });
    s.template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', {
      Topics: Match.anyValue(),
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: secretArn }],
    }, TOPICS.length);
  });

  test('the on-failure queues are encrypted, TLS-only and keep messages 14 days', () => {
    const s = synthUnit('prod');
    s.template.resourceCountIs('AWS::SQS::Queue', 2);
    s.template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    s.template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    }, 2);
  });
});
