// Alarms: the predecessor's alerts as CloudWatch alarms on one KMS-encrypted SNS topic: consumer
// lag, ClickHouse insert latency, API latency, rejected WebSocket connections, dead letters, Lambda
// errors and throttles. Custom metrics are read with the namespace, names and dimensions the
// handlers emit with.
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ALARM_DIMENSIONS, METRIC, METRICS_NAMESPACE } from '../../../functions/shared/observability-names.js';
import type { EnvConfig } from '../config.js';
import { ON_FAILURE_METRICS_ID } from './ingest.js';

export interface AlarmProps {
  config: EnvConfig;
  removalPolicy: RemovalPolicy;
  functions: Record<string, lambda.Function>;
  ingestFunction: lambda.Function;
  fanoutFunction: lambda.Function;
  deadLetterQueues: sqs.Queue[];
  /** The MSK mappings' S3 on-failure destination. */
  ingestFailureBucket: s3.IBucket;
}

export class Alarms {
  readonly topic: sns.Topic;

  constructor(scope: Construct, props: AlarmProps) {
    this.topic = createAlarms(scope, props);
  }
}

function createAlarms(scope: Construct, props: AlarmProps): sns.Topic {
  const { config } = props;
  // SNS encryption with a customer key: CloudWatch cannot publish to a topic under the AWS-managed key.
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'Encrypts the Molam Analytics alarm topic',
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy,
  });
  // Only CloudWatch alarms of this account and region may use it (confused-deputy conditions).
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
      },
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: `Molam Analytics ${config.envName} alarms`,
    masterKey: key,
    enforceSSL: true,
  });
  if (config.alarmEmail) topic.addSubscription(new EmailSubscription(config.alarmEmail));
  const actions = [
    new SnsAction(topic),
    ...(config.alarmTopicArn ? [new SnsAction(sns.Topic.fromTopicArn(scope, 'ExternalAlarmTopic', config.alarmTopicArn))] : []),
  ];
  // Prod: lag and insert latency without data mean the pipeline went quiet, which is an alarm.
  const quiet = config.alarms.missingDataBreaches ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING;

  const alarm = (id: string, p: cloudwatch.AlarmProps) => {
    const a = new cloudwatch.Alarm(scope, id, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...p });
    a.addAlarmAction(...actions);
    a.addOkAction(...actions);
    return a;
  };
  const custom = (metricName: string, dimensionsMap: Record<string, string>, statistic: string, period = Duration.minutes(5)) =>
    new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic, period });

  alarm('KafkaOffsetLagAlarm', {
    alarmDescription: `MSK consumer lag of the ingest function above ${config.alarms.offsetLag} records for 5 minutes`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'OffsetLag',
      dimensionsMap: { FunctionName: props.ingestFunction.functionName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    }),
    threshold: config.alarms.offsetLag,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 5,
    treatMissingData: quiet,
  });
  alarm('ClickHouseInsertLatencyAlarm', {
    alarmDescription: `ClickHouse insert latency P95 above ${config.alarms.clickhouseInsertP95Seconds} s`,
    metric: custom(METRIC.clickhouseInsertDuration, { ...ALARM_DIMENSIONS.clickhouseInsertDuration }, 'p95'),
    threshold: config.alarms.clickhouseInsertP95Seconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 2,
    treatMissingData: quiet,
  });
  alarm('FanoutIteratorAgeAlarm', {
    alarmDescription: `The fan-out is more than ${config.alarms.fanoutIteratorAgeSeconds} s behind the deltas stream`,
    metric: new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'IteratorAge',
      dimensionsMap: { FunctionName: props.fanoutFunction.functionName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
    }),
    threshold: config.alarms.fanoutIteratorAgeSeconds * 1000, // IteratorAge is in milliseconds
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 5,
    datapointsToAlarm: 3,
  });
  alarm('FreshnessAlarm', {
    alarmDescription: `Freshness (Kafka record to delta posted) P95 above ${config.alarms.freshnessP95Seconds} s`,
    metric: custom(METRIC.streamingLatency, { ...ALARM_DIMENSIONS.streamingLatency }, 'p95'),
    threshold: config.alarms.freshnessP95Seconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 2,
  });
  alarm('ApiLatencyAlarm', {
    alarmDescription: `REST API P95 above ${config.alarms.apiP95Seconds * 1000} ms`,
    metric: custom(METRIC.httpRequestDuration, { ...ALARM_DIMENSIONS.httpRequestDuration }, 'p95'),
    threshold: config.alarms.apiP95Seconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 2,
  });
  alarm('WebSocketRejectedConnectionsAlarm', {
    alarmDescription: `More than ${config.alarms.rejectedWsConnectionsPer5Min} rejected WebSocket connections in 5 minutes`,
    metric: custom(METRIC.wsConnections, { ...ALARM_DIMENSIONS.wsConnectionsRejected }, cloudwatch.Stats.SUM),
    threshold: config.alarms.rejectedWsConnectionsPer5Min,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
  });
  for (const q of props.deadLetterQueues) {
    alarm(`${q.node.id}MessagesAlarm`, {
      alarmDescription: `A message is waiting in ${q.node.id}`,
      metric: q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }
  // The MSK failure path: a batch written to the on-failure bucket needs a re-drive; a batch Lambda
  // could not even write there is lost to the pipeline until replayed from Kafka.
  alarm('IngestOnFailureBatchesAlarm', {
    alarmDescription: 'The ingest function gave up on a batch: it is in the on-failure bucket, re-drive it (runbook: troubleshooting)',
    metric: new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName: 'PutRequests',
      dimensionsMap: { BucketName: props.ingestFailureBucket.bucketName, FilterId: ON_FAILURE_METRICS_ID },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
  });
  alarm('IngestDestinationDeliveryFailuresAlarm', {
    alarmDescription: 'Lambda could not write a failed MSK batch to the on-failure bucket: replay its offsets from Kafka',
    metric: new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName: 'DestinationDeliveryFailures',
      dimensionsMap: { FunctionName: props.ingestFunction.functionName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
  });
  for (const [id, fn] of Object.entries(props.functions)) {
    alarm(`${id}ErrorsAlarm`, {
      alarmDescription: `${id}: invocation errors`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm(`${id}ThrottlesAlarm`, {
      alarmDescription: `${id}: throttled invocations`,
      metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
  }
  return topic;
}
