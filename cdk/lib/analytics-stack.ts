// The whole system for one environment, as wiring between one class per concern (constructs/):
// tables, ingest, real-time, query API, dashboard, alarms. Each owns its resources and their
// cdk-nag acknowledgements; this file passes what one concern needs from another and declares the
// outputs. Nothing here re-declares a table key or a route: both come from functions/.
//
// The concerns create their resources directly in the stack scope instead of below a grouping
// construct on purpose: CDK derives logical ids, event-source-mapping ids, CloudFront origin ids,
// cache-policy and OAC names and the BucketDeployment ownership tag from the construct path, so a
// grouping level would rename all of them, and CloudFormation would replace the tables, the MSK
// mappings (whose consumer groups cannot change) and the policies of a running environment.
import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { TABLES, type TableDef } from '../../functions/shared/dynamo/tables.js';
import type { FunctionContext } from './catalog-function.js';
import { type EnvConfig, placeholdersInUse } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { Dashboard } from './constructs/dashboard.js';
import { Ingest } from './constructs/ingest.js';
import { QueryApi } from './constructs/query-api.js';
import { Realtime } from './constructs/realtime.js';
import { Tables } from './constructs/tables.js';
import { OUTPUT, tableOutputName } from './outputs.js';
import { accessLogBucket } from './access-log-bucket.js';
import { importSharedInputs } from './shared-inputs.js';

/** Context key set by `npm run deploy`: placeholders become errors. */
export const DEPLOY_CONTEXT_KEY = 'deploy';
const isDeploy = (v: unknown): boolean => v === true || v === 'true';

export interface AnalyticsStackProps extends StackProps {
  config: EnvConfig;
  /** Repository root (handlers, package-lock.json, web/dist). */
  repoRoot: string;
}

export class AnalyticsStack extends Stack {
  readonly config: EnvConfig;
  readonly tablesConcern: Tables;
  readonly ingest: Ingest;
  readonly realtime: Realtime;
  readonly queryApi: QueryApi;
  readonly dashboard: Dashboard;
  readonly alarms: Alarms;
  // Shortcuts to what tests and outputs look at most.
  readonly tables: Record<TableDef['id'], dynamodb.TableV2>;
  readonly functions: Record<string, lambda.Function>;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;
  readonly distribution: cloudfront.Distribution;
  readonly alarmTopic: sns.Topic;
  readonly ingestFailureBucket: s3.Bucket;
  readonly fanoutDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { config, repoRoot } = props;
    this.config = config;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // A deploy (npm run deploy passes -c deploy=true) refuses placeholders; a synth only warns.
    const deploying = isDeploy(this.node.tryGetContext(DEPLOY_CONTEXT_KEY));
    for (const name of placeholdersInUse(config)) {
      const what = name === 'alarmEmail' ? 'alarmEmail (or alarmTopicArn) is required for prod' : `${name} is a placeholder`;
      const message = `${what}; pass -c ${name}=... (or set it in cdk.json under molam:${config.envName})${deploying ? '' : ' before deploying'}`;
      if (deploying) Annotations.of(this).addError(message);
      else Annotations.of(this).addWarningV2(`molam:placeholder:${name}`, message);
    }

    this.tablesConcern = new Tables(this, { config, removalPolicy });
    this.tables = this.tablesConcern.byId;
    const fnContext: FunctionContext = {
      config,
      repoRoot,
      removalPolicy,
      shared: importSharedInputs(this, config),
      tableEnv: this.tablesConcern.environment,
    };
    const logBucket = accessLogBucket(this, config, removalPolicy);
    this.ingest = new Ingest(this, { ...fnContext, deltas: this.tables.deltas, accessLogBucket: logBucket });
    this.realtime = new Realtime(this, { ...fnContext, tables: this.tables });
    this.queryApi = new QueryApi(this, fnContext);
    this.dashboard = new Dashboard(this, {
      config,
      repoRoot,
      removalPolicy,
      apiBehaviors: this.queryApi.behaviors,
      webSocketUrl: this.realtime.stage.url,
      accessLogBucket: logBucket,
    });
    this.functions = { ...this.ingest.functions, ...this.realtime.functions, ...this.queryApi.functions };
    this.webSocketApi = this.realtime.webSocketApi;
    this.webSocketStage = this.realtime.stage;
    this.distribution = this.dashboard.distribution;
    this.ingestFailureBucket = this.ingest.failureBucket;
    this.fanoutDlq = this.realtime.fanoutDlq;
    this.alarms = new Alarms(this, {
      config,
      removalPolicy,
      functions: this.functions,
      ingestFunction: this.ingest.ingestFunction,
      fanoutFunction: this.realtime.fanoutFunction,
      deadLetterQueues: [this.fanoutDlq],
      ingestFailureBucket: this.ingestFailureBucket,
    });
    this.alarmTopic = this.alarms.topic;

    new CfnOutput(this, OUTPUT.dashboardUrl, { value: this.dashboard.dashboardUrl, description: 'The dashboard (CloudFront, S3 origin)' });
    new CfnOutput(this, OUTPUT.apiUrl, { value: this.dashboard.apiUrl, description: 'REST API base URL (CloudFront, 10 s cache)' });
    new CfnOutput(this, OUTPUT.webSocketUrl, {
      value: this.webSocketStage.url,
      description: 'WebSocket URL (wss://…/<stage>?token=<jwt>)',
    });
    new CfnOutput(this, OUTPUT.managementEndpoint, {
      value: this.realtime.managementEndpoint,
      description: 'API Gateway @connections endpoint',
    });
    new CfnOutput(this, OUTPUT.ingestFailureBucket, {
      value: this.ingestFailureBucket.bucketName,
      description: 'S3 on-failure destination of the MSK mappings: failed batches with their payload (npm run redrive)',
    });
    new CfnOutput(this, OUTPUT.alarmTopicArn, { value: this.alarmTopic.topicArn, description: 'SNS topic the alarms publish to' });
    for (const def of TABLES) {
      new CfnOutput(this, tableOutputName(def.envVar), {
        value: this.tables[def.id].tableName,
        description: `DynamoDB ${def.id} table (${def.envVar})`,
      });
    }
  }
}
