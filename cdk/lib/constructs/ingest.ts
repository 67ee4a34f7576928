// Ingest: the MSK-triggered function(s), one event source mapping per topic, Kafka IAM (or SCRAM)
// access, its failure handling, and its only DynamoDB access (writing snapshots to deltas).
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../../../functions/catalog.js';
import { catalogFunction, defsOfKind, type FunctionContext } from '../catalog-function.js';
import { type EnvConfig, parseClusterArn } from '../config.js';
import { deadLetterQueue } from '../dead-letter-queue.js';
import { acknowledge } from '../nag.js';

export interface IngestProps extends FunctionContext {
  deltas: dynamodb.TableV2;
}

/** Consumer group of one topic's event source mapping (unique per mapping, as Lambda requires). */
export function consumerGroupId(config: EnvConfig, topic: string): string {
  return `${config.msk.consumerGroupPrefix}-${topic}`;
}

export class Ingest {
  readonly functions: Record<string, lambda.Function> = {};
  /** The function whose consumer lag the alarms watch. */
  readonly ingestFunction: lambda.Function;
  readonly failureQueue: sqs.Queue;

  constructor(scope: Construct, props: IngestProps) {
    const { config } = props;
    this.failureQueue = deadLetterQueue(scope, 'IngestFailureQueue', 'MSK batches the ingest function failed on (records metadata: topic, partition, offsets)');
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
            maxBatchingWindow: Duration.seconds(config.msk.maxBatchingWindowSeconds),
            startingPosition: lambda.StartingPosition[config.msk.startingPosition],
            onFailure: new SqsDlq(this.failureQueue),
            ...(scramSecret ? { secret: scramSecret } : {}),
          }),
        );
      }
      if (config.msk.auth.kind === 'scram' && config.msk.auth.kmsKeyArn) {
        // MSK SCRAM secrets are encrypted with a customer key; decrypt only through Secrets Manager.
        fn.addToRolePolicy(new iam.PolicyStatement({
          sid: 'DecryptScramSecret',
          actions: ['kms:Decrypt'],
          resources: [config.msk.auth.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(scope).region}.amazonaws.com` } },
        }));
      }
      if (config.msk.auth.kind === 'iam') {
        const arn = (type: 'topic' | 'group', name: string) =>
          `arn:${cluster.partition}:kafka:${cluster.region}:${cluster.account}:${type}/${cluster.clusterName}/${cluster.clusterUuid}/${name}`;
        fn.addToRolePolicy(new iam.PolicyStatement({
          sid: 'MskIamConnect',
          actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
          resources: [config.msk.clusterArn],
        }));
        fn.addToRolePolicy(new iam.PolicyStatement({
          sid: 'MskIamReadTopics',
          actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          resources: config.msk.topics.map((t) => arn('topic', t)),
        }));
        fn.addToRolePolicy(new iam.PolicyStatement({
          sid: 'MskIamConsumerGroups',
          actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          resources: config.msk.topics.map((t) => arn('group', consumerGroupId(config, t))),
        }));
      }
      // The only DynamoDB access of the ingest role: writing snapshots to deltas.
      fn.addToRolePolicy(new iam.PolicyStatement({
        sid: 'WriteDeltas',
        actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        resources: [props.deltas.tableArn],
      }));
      acknowledge(fn.role!, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        'Required for a function in the VPC (ENI management); the actions have no resource-level scoping');
      acknowledge(fn.role!, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        'Added by the MSK event source: the poller needs kafka:DescribeClusterV2/GetBootstrapBrokers and VPC describe actions, which AWS scopes this way');
    }
    this.ingestFunction = this.functions[defs[0]!.id]!;
  }
}
