// Ingest: the MSK-triggered function(s), one event source mapping per topic, Kafka IAM (or SCRAM)
// access, its failure handling, and its only DynamoDB access (writing snapshots to deltas).
//
// Failure handling never moves past a batch without storing it: a batch the function keeps
// failing on (ClickHouse down) is retried `retryAttempts` times (provisioned mode: the only mode
// with Kafka retry settings), then Lambda writes it to an S3 on-failure destination. For Kafka
// sources only S3 carries the records themselves (SQS/SNS get offsets only), so `npm run redrive`
// stores the batch straight from the object. Writes to the bucket and failed deliveries are alarmed.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../../../functions/catalog.js';
import { catalogFunction, defsOfKind, grantTableUses, type FunctionContext } from '../catalog-function.js';
import { type EnvConfig, parseClusterArn } from '../config.js';
import { acknowledge, logicalIdOf } from '../nag.js';

export interface IngestProps extends FunctionContext {
  deltas: dynamodb.TableV2;
  accessLogBucket: s3.IBucket;
}

/** S3 request-metrics filter id on the on-failure bucket (the alarm on written batches reads it). */
export const ON_FAILURE_METRICS_ID = 'OnFailureWrites';

/**
 * The bucket as a Kafka on-failure destination. Unlike CDK's S3OnFailureDestination (which grants
 * read-write on the whole bucket), the role gets exactly what Lambda documents for an S3
 * destination: s3:PutObject on its objects and s3:ListBucket, granted once by the construct.
 */
class S3BatchDestination implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}
  bind(): lambda.DlqDestinationConfig {
    return { destination: this.bucket.bucketArn };
  }
}

/** Consumer group of one topic's mapping: unique per mapping (Lambda requires it) and per environment. */
export function consumerGroupId(config: EnvConfig, topic: string): string {
  return `${config.msk.consumerGroupPrefix}-${config.envName}-${topic}`;
}

export class Ingest {
  readonly functions: Record<string, lambda.Function> = {};
  /** The function whose consumer lag the alarms watch. */
  readonly ingestFunction: lambda.Function;
  /** Failed batches, with their payload, one object per batch. */
  readonly failureBucket: s3.Bucket;

  constructor(scope: Construct, props: IngestProps) {
    const { config } = props;
    this.failureBucket = new s3.Bucket(scope, 'IngestFailureBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'ingest-failure-bucket/',
      lifecycleRules: [{ expiration: Duration.days(config.msk.onFailureRetentionDays) }],
      metrics: [{ id: ON_FAILURE_METRICS_ID }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });
    const onFailure = new S3BatchDestination(this.failureBucket);
    const cluster = parseClusterArn(config.msk.clusterArn);
    const scramSecret =
      config.msk.auth.kind === 'scram'
        ? secretsmanager.Secret.fromSecretAttributes(scope, 'MskScramSecret', { secretCompleteArn: config.msk.auth.secretArn })
        : undefined;
    const defs = defsOfKind(FUNCTIONS, 'msk');
    for (const def of defs) {
      const fn = catalogFunction(scope, def, props);
      this.functions[def.id] = fn;
      for (const topic of config.msk.topics) {
        fn.addEventSource(
          new ManagedKafkaEventSource({
            clusterArn: config.msk.clusterArn,
            topic,
            consumerGroupId: consumerGroupId(config, topic),
            batchSize: config.msk.batchSize,
            ...(config.msk.maxBatchingWindowSeconds !== undefined
              ? { maxBatchingWindow: Duration.seconds(config.msk.maxBatchingWindowSeconds) }
              : {}),
            startingPosition: lambda.StartingPosition[config.msk.startingPosition],
            ...(config.msk.startingPositionTimestamp !== undefined
              ? { startingPositionTimestamp: config.msk.startingPositionTimestamp }
              : {}),
            onFailure,
            retryAttempts: config.msk.retryAttempts,
            provisionedPollerConfig: {
              minimumPollers: config.msk.provisionedPollers.minimum,
              maximumPollers: config.msk.provisionedPollers.maximum,
            },
            ...(scramSecret ? { secret: scramSecret } : {}),
          }),
        );
      }
      if (config.msk.auth.kind === 'scram' && config.msk.auth.kmsKeyArn) {
        // MSK SCRAM secrets are encrypted with a customer key; decrypt only through Secrets Manager.
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'DecryptScramSecret',
            actions: ['kms:Decrypt'],
            resources: [config.msk.auth.kmsKeyArn],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` } },
          }),
        );
      }
      if (config.msk.auth.kind === 'iam') {
        const arn = (type: 'topic' | 'group', name: string) =>
          `arn:${cluster.partition}:kafka:${cluster.region}:${cluster.account}:${type}/${cluster.clusterName}/${cluster.clusterUuid}/${name}`;
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'MskIamConnect',
            actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
            resources: [config.msk.clusterArn],
          }),
        );
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'MskIamReadTopics',
            actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
            resources: config.msk.topics.map((t) => arn('topic', t)),
          }),
        );
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            sid: 'MskIamConsumerGroups',
            actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
            resources: config.msk.topics.map((t) => arn('group', consumerGroupId(config, t))),
          }),
        );
      }
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'WriteFailedBatches',
          actions: ['s3:PutObject'],
          resources: [this.failureBucket.arnForObjects('*')],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ListFailedBatches',
          actions: ['s3:ListBucket'],
          resources: [this.failureBucket.bucketArn],
        }),
      );
      acknowledge(
        fn.role!,
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.failureBucket)}.Arn>/*]`,
        'Lambda names each failed-batch object itself (one key per batch); the role may only put objects into this one bucket',
      );
      // The only DynamoDB access of the ingest role: writing snapshots to deltas (catalog `uses`).
      grantTableUses(fn, def, { deltas: props.deltas });
      acknowledge(
        fn.role!,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        'Added by the MSK event source: the poller needs kafka:DescribeClusterV2/GetBootstrapBrokers and VPC describe actions, which AWS scopes this way',
      );
    }
    this.ingestFunction = this.functions[defs[0]!.id]!;
  }
}
