// The alarms concern (cdk/lib/constructs/alarms.ts): CloudWatch alarms on one encrypted SNS topic.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { FUNCTIONS } from '../functions/catalog.js';
import { ALARM_DIMENSIONS, METRIC, METRICS_NAMESPACE } from '../functions/shared/observability-names.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

describe('alarms to SNS', () => {
  const alarms = (env: (typeof ENVS)[number] = 'prod') =>
    Object.values(synthUnit(env).template.findResources('AWS::CloudWatch::Alarm')) as any[];
  const topicRef = () => ({ Ref: logicalId(synthUnit('prod'), synthUnit('prod').stack.alarmTopic) });

  test.each(ENVS)('%s: lag and insert latency treat missing data as breaching in prod only (a quiet pipeline alarms)', (env) => {
    const byMetric = (name: string) => alarms(env).find((a) => a.Properties.MetricName === name)!.Properties.TreatMissingData;
    const expected = env === 'prod' ? 'breaching' : 'notBreaching';
    expect(byMetric('OffsetLag')).toBe(expected);
    expect(byMetric(METRIC.clickhouseInsertDuration)).toBe(expected);
    // Errors, throttles, dead letters: no data means nothing happened.
    expect(byMetric('Errors')).toBe('notBreaching');
  });

  test('the fan-out stream IteratorAge above 60 s', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(s, s.stack.functions.Fanout!) } }],
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicRef()],
    });
  });

  test('an external topic ARN receives every alarm too', () => {
    const arn = 'arn:aws:sns:eu-west-1:111111111111:oncall-pager';
    const s = synthUnit('prod', { alarmTopicArn: arn });
    const all = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as any[];
    for (const a of all)
      expect(a.Properties.AlarmActions, a.Properties.AlarmDescription).toEqual([{ Ref: logicalId(s, s.stack.alarmTopic) }, arn]);
  });

  test('MSK OffsetLag of the ingest function > 10,000', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'OffsetLag',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(s, s.stack.functions.Ingest!) } }],
      Threshold: 10_000,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicRef()],
    });
  });

  test.each([
    [METRIC.clickhouseInsertDuration, ALARM_DIMENSIONS.clickhouseInsertDuration, 2, 'p95'],
    [METRIC.httpRequestDuration, ALARM_DIMENSIONS.httpRequestDuration, 0.5, 'p95'],
    [METRIC.wsConnections, ALARM_DIMENSIONS.wsConnectionsRejected, 50, undefined],
    [METRIC.streamingLatency, ALARM_DIMENSIONS.streamingLatency, 5, 'p95'],
  ])('%s %j above %d', (metricName, dims, threshold, extended) => {
    const a = alarms().find((x) => x.Properties.MetricName === metricName)!;
    expect(a.Properties).toMatchObject({ Namespace: METRICS_NAMESPACE, Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold' });
    expect(a.Properties.Dimensions).toEqual(Object.entries(dims).map(([Name, Value]) => ({ Name, Value })));
    if (extended) expect(a.Properties.ExtendedStatistic).toBe(extended);
    else expect(a.Properties.Statistic).toBe('Sum');
    expect(a.Properties.AlarmActions).toEqual([topicRef()]);
  });

  test('a batch written to the MSK on-failure bucket, and a batch Lambda could not write there', () => {
    const s = synthUnit('prod');
    const bucket = { Ref: logicalId(s, s.stack.ingestFailureBucket) };
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
      Statistic: 'Sum',
      Dimensions: Match.arrayWith([
        { Name: 'BucketName', Value: bucket },
        { Name: 'FilterId', Value: 'OnFailureWrites' },
      ]),
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicRef()],
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'DestinationDeliveryFailures',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(s, s.stack.functions.Ingest!) } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef()],
    });
  });

  test('any visible message in the fan-out dead-letter queue', () => {
    const s = synthUnit('prod');
    for (const q of [s.stack.fanoutDlq]) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(s, q), 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  test('Lambda Errors and Throttles per catalog function', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS) {
      for (const metric of ['Errors', 'Throttles']) {
        s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(s, s.stack.functions[def.id]!) } }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    }
    // 4 latency/lag/connection alarms, 1 dead-letter queue, 2 on the MSK failure path, IteratorAge, freshness.
    expect(alarms()).toHaveLength(FUNCTIONS.length * 2 + 4 + 1 + 2 + 2);
    for (const a of alarms()) expect(a.Properties.AlarmActions, a.Properties.AlarmDescription).toEqual([topicRef()]);
  });

  test('topic: KMS-encrypted (CloudWatch may use the key), TLS-only, e-mail subscription from config', () => {
    const s = synthUnit('prod', { alarmEmail: 'oncall@molam.example' });
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@molam.example' });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': '111111111111' },
              ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*' },
            },
          }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    synthUnit('prod').template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
