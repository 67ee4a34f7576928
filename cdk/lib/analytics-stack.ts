// The whole system for one environment: DynamoDB tables from the shared table definitions, every
// Lambda from the function catalog (MSK ingest, stream fan-out, WebSocket routes, REST function
// URLs), the WebSocket API, CloudFront in front of the REST functions and the dashboard bucket,
// alarms to SNS. Nothing here re-declares a table key or a route: both come from functions/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, ManagedKafkaEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { FUNCTIONS, type FunctionDef } from '../../functions/catalog.js';
import { TABLES, type TableDef } from '../../functions/shared/dynamo/tables.js';
import { METRICS_NAMESPACE, SERVICE } from '../../functions/shared/observability-names.js';
import { createAlarms } from './alarms.js';
import { type EnvConfig, parseClusterArn, placeholdersInUse } from './config.js';
import { createHandlerFunction } from './handler-function.js';
import { OUTPUT, tableOutputName } from './outputs.js';

export interface AnalyticsStackProps extends StackProps {
  config: EnvConfig;
  /** Repository root (handlers, package-lock.json, web/dist). */
  repoRoot: string;
}

/** Prefix of the REST routes behind CloudFront (the catalog paths start with it). */
export const API_PREFIX = '/api/analytics';

/** Acknowledge one cdk-nag finding on a construct, always with its reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

const SERVICE_OF: Record<FunctionDef['trigger']['kind'], string> = {
  msk: SERVICE.ingest,
  'dynamodb-stream': SERVICE.fanout,
  invoke: SERVICE.fanout,
  websocket: SERVICE.websocket,
  http: SERVICE.api,
};

export class AnalyticsStack extends Stack {
  readonly config: EnvConfig;
  readonly tables: Record<TableDef['id'], dynamodb.TableV2>;
  readonly functions: Record<string, lambda.Function>;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;
  readonly distribution: cloudfront.Distribution;
  readonly alarmTopic: sns.Topic;
  readonly ingestFailureQueue: sqs.Queue;
  readonly fanoutDlq: sqs.Queue;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { config, repoRoot } = props;
    this.config = config;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    for (const name of placeholdersInUse(config)) {
      Annotations.of(this).addWarningV2(
        `molam:placeholder:${name}`,
        `${name} is a placeholder; pass -c ${name}=... (or set it in cdk.json under molam:${config.envName}) before deploying`,
      );
    }

    // ---- DynamoDB, from the shared definitions ------------------------------------------------
    const tables = {} as Record<TableDef['id'], dynamodb.TableV2>;
    for (const def of TABLES) {
      tables[def.id] = new dynamodb.TableV2(this, `Table-${def.id}`, {
        partitionKey: { name: def.partitionKey.name, type: attributeType(def.partitionKey.type) },
        ...(def.sortKey ? { sortKey: { name: def.sortKey.name, type: attributeType(def.sortKey.type) } } : {}),
        billing: dynamodb.Billing.onDemand(),
        timeToLiveAttribute: def.ttlAttribute,
        ...(def.stream ? { dynamoStream: dynamodb.StreamViewType[def.stream] } : {}),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
        deletionProtection: config.removalPolicy === 'retain',
        removalPolicy,
      });
      if (!config.pointInTimeRecovery) {
        acknowledge(tables[def.id], 'AwsSolutions-DDB3', `PITR is enabled in prod only; ${config.envName} data is short-lived (TTL) and rebuilt from Kafka/ClickHouse`);
      }
    }
    this.tables = tables;
    const tableEnv = Object.fromEntries(TABLES.map((def) => [def.envVar, tables[def.id].tableName]));

    // ---- Shared inputs: secrets, network -------------------------------------------------------
    const clickhouseSecret = secretsmanager.Secret.fromSecretCompleteArn(this, 'ClickHouseSecret', config.clickhouse.secretArn);
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: config.network.vpcId,
      availabilityZones: [...config.network.availabilityZones],
      privateSubnetIds: [...config.network.privateSubnetIds],
    });
    for (const subnet of vpc.privateSubnets) {
      Validations.of(subnet).acknowledge({ id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
        reason: 'The stack only places functions in these subnets; it never reads or changes their route tables' });
    }
    const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'IngestSecurityGroup', config.network.securityGroupId, {
      mutable: false,
    });

    const authEnv: Record<string, string> = {
      ...(config.auth.publicKeyPem ? { MOLAM_ID_PUBLIC_KEY: config.auth.publicKeyPem } : {}),
      ...(config.auth.jwksUrl ? { MOLAM_ID_JWKS_URL: config.auth.jwksUrl } : {}),
      ...(config.auth.audience ? { MOLAM_ID_AUDIENCE: config.auth.audience } : {}),
      ...(config.auth.issuer ? { MOLAM_ID_ISSUER: config.auth.issuer } : {}),
    };
    const clickhouseEnv = { CLICKHOUSE_SECRET_ARN: clickhouseSecret.secretArn, CLICKHOUSE_DATABASE: config.clickhouse.database };

    // ---- Functions, from the catalog -----------------------------------------------------------
    const functions: Record<string, lambda.Function> = {};
    for (const def of FUNCTIONS) {
      const kind = def.trigger.kind;
      const usesClickHouse = kind === 'msk' || kind === 'http';
      const fn = createHandlerFunction(this, {
        def,
        repoRoot,
        environment: {
          POWERTOOLS_SERVICE_NAME: SERVICE_OF[kind],
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          LOG_LEVEL: config.envName === 'prod' ? 'INFO' : 'DEBUG',
          ...tableEnv,
          ...(kind === 'websocket' || kind === 'http' ? authEnv : {}),
          ...(usesClickHouse ? clickhouseEnv : {}),
        },
        ...sizing(kind),
        logRetentionDays: config.logRetentionDays,
        removalPolicy,
        ...(kind === 'msk' ? { vpc: { vpc, subnets: vpc.privateSubnets, securityGroup } } : {}),
      });
      if (usesClickHouse) clickhouseSecret.grantRead(fn);
      functions[def.id] = fn;
      acknowledge(fn, 'AwsSolutions-L1', 'Node.js 22 is pinned on purpose: the handlers, their dependencies and the CI toolchain are tested on it');
      acknowledge(fn.role!, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AWS managed basic execution policy only grants writing to the function\'s own log streams');
    }
    this.functions = functions;
    const byKind = (kind: FunctionDef['trigger']['kind']) => FUNCTIONS.filter((f) => f.trigger.kind === kind);

    // ---- Ingest: MSK -> ClickHouse, snapshots -> deltas ----------------------------------------
    this.ingestFailureQueue = dlq(this, 'IngestFailureQueue', 'MSK batches the ingest function failed on (records metadata: topic, partition, offsets)');
    this.fanoutDlq = dlq(this, 'FanoutDlq', 'deltas stream batches the fan-out function failed on');
    const cluster = parseClusterArn(config.msk.clusterArn);
    const scramSecret =
      config.msk.auth.kind === 'scram'
        ? secretsmanager.Secret.fromSecretAttributes(this, 'MskScramSecret', {
            secretCompleteArn: config.msk.auth.secretArn,
          })
        : undefined;
    for (const def of byKind('msk')) {
      const fn = functions[def.id]!;
      for (const topic of config.msk.topics) {
        fn.addEventSource(
          new ManagedKafkaEventSource({
            clusterArn: config.msk.clusterArn,
            topic,
            consumerGroupId: consumerGroupId(config, topic),
            batchSize: config.msk.batchSize,
            maxBatchingWindow: Duration.seconds(config.msk.maxBatchingWindowSeconds),
            startingPosition: lambda.StartingPosition[config.msk.startingPosition],
            onFailure: new SqsDlq(this.ingestFailureQueue),
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
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
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
        resources: [tables.deltas.tableArn],
      }));
      acknowledge(fn.role!, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        'Required for a function in the VPC (ENI management); the actions have no resource-level scoping');
      acknowledge(fn.role!, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole]',
        'Added by the MSK event source: the poller needs kafka:DescribeClusterV2/GetBootstrapBrokers and VPC describe actions, which AWS scopes this way');
    }

    // ---- Real-time: WebSocket API and the fan-out on the deltas stream -------------------------
    const wsApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `molam-analytics-${config.envName}`,
      routeSelectionExpression: '$request.body.action',
    });
    for (const def of byKind('websocket')) {
      if (def.trigger.kind !== 'websocket') continue;
      const route = wsApi.addRoute(def.trigger.routeKey, {
        integration: new WebSocketLambdaIntegration(`${def.id}Integration`, functions[def.id]!),
      });
      acknowledge(route, 'AwsSolutions-APIG4',
        'Auth is a Molam ID JWT verified with jose in the $connect function (token query parameter); other routes only exist on an accepted connection');
    }
    const wsAccessLogs = new logs.LogGroup(this, 'WebSocketAccessLogs', { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy });
    const stage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: wsApi,
      stageName: config.webSocketStageName,
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: { destination: new apigwv2.LogGroupLogDestination(wsAccessLogs) },
    });
    this.webSocketApi = wsApi;
    this.webSocketStage = stage;
    const managementEndpoint = `https://${wsApi.apiId}.execute-api.${this.region}.${this.urlSuffix}/${stage.stageName}`;
    // Only this API's stage: POST (send), GET (info), DELETE (close) on @connections.
    const manageConnections = new iam.PolicyStatement({
      sid: 'ManageConnectionsOfThisStage',
      actions: ['execute-api:ManageConnections'],
      resources: [this.formatArn({ service: 'execute-api', resource: wsApi.apiId, resourceName: `${stage.stageName}/*/@connections/*` })],
    });
    // cdk-nag v3 acknowledges wildcard findings one by one, by the resource as it renders it.
    const connectionsFinding = `AwsSolutions-IAM5[Resource::arn:${this.nagText(this.partition)}:execute-api:${this.nagText(this.region)}:${this.nagText(this.account)}:<${logicalIdOf(wsApi)}>/${stage.stageName}/*/@connections/*]`;
    const connectionsReason = 'Connection ids are only known at runtime; the resource is already narrowed to this API\'s own stage (@connections of one stage)';

    for (const def of byKind('websocket')) {
      if (def.trigger.kind !== 'websocket') continue;
      const fn = functions[def.id]!;
      fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', managementEndpoint);
      tables.connections.grantReadWriteData(fn);
      tables.memberships.grantReadWriteData(fn);
      if (def.trigger.routeKey === 'resume') tables.deltas.grantReadData(fn);
      // $connect/$disconnect cannot post (the connection is not open yet / is gone).
      if (def.trigger.routeKey !== '$connect' && def.trigger.routeKey !== '$disconnect') {
        fn.addToRolePolicy(manageConnections);
        acknowledge(fn.role!, connectionsFinding, connectionsReason);
      }
    }
    for (const def of byKind('dynamodb-stream')) {
      const fn = functions[def.id]!;
      fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', managementEndpoint);
      fn.addEventSource(new DynamoEventSource(tables.deltas, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: config.fanout.batchSize,
        maxBatchingWindow: Duration.seconds(config.fanout.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        retryAttempts: config.fanout.retryAttempts,
        reportBatchItemFailures: true,
        parallelizationFactor: config.fanout.parallelizationFactor,
        maxRecordAge: Duration.seconds(config.fanout.maxRecordAgeSeconds),
        onFailure: new SqsDlq(this.fanoutDlq),
      }));
      tables.connections.grantReadWriteData(fn);
      tables.memberships.grantReadWriteData(fn);
      fn.addToRolePolicy(manageConnections);
      acknowledge(fn.role!, connectionsFinding, connectionsReason);
    }
    // Workers a function invokes synchronously (the fan-out's per-chunk workers): they post and prune.
    for (const def of byKind('invoke')) {
      if (def.trigger.kind !== 'invoke') continue;
      const fn = functions[def.id]!;
      const caller = functions[def.trigger.by]!;
      fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', managementEndpoint);
      tables.connections.grantReadWriteData(fn);
      tables.memberships.grantReadWriteData(fn);
      fn.addToRolePolicy(manageConnections);
      acknowledge(fn.role!, connectionsFinding, connectionsReason);
      caller.addEnvironment(def.trigger.envVar, fn.functionName);
      caller.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    }

    // ---- Web: access logs, dashboard bucket, CloudFront with the REST function URLs ------------
    const logBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logging writes with ACLs.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(config.envName === 'prod' ? 365 : 30) }],
      removalPolicy,
    });
    acknowledge(logBucket, 'AwsSolutions-S1', 'This is the access-log bucket itself; logging it into itself would loop');
    const siteBucket = new s3.Bucket(this, 'DashboardBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: config.envName === 'prod',
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'dashboard-bucket/',
      removalPolicy,
    });

    const apiCachePolicy = new cloudfront.CachePolicy(this, 'ApiCachePolicy', {
      comment: 'REST: 10 s shared cache keyed by token and query string',
      defaultTtl: Duration.seconds(10),
      maxTtl: Duration.seconds(10),
      minTtl: Duration.seconds(0),
      // Authorization in the key: responses depend on the token's zone scope. Being in the cache
      // policy is also what makes CloudFront forward it to the origin.
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // Not Host (a function URL needs its own) and not Authorization (it travels via the cache key).
    const apiOriginRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'ApiOriginRequestPolicy', {
      comment: 'REST: query strings and a few content-negotiation headers',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Accept', 'Accept-Language', 'Origin'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    const apiBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
    for (const def of byKind('http')) {
      if (def.trigger.kind !== 'http') continue;
      const url = functions[def.id]!.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
      apiBehaviors[def.trigger.path] = {
        origin: new origins.FunctionUrlOrigin(url),
        cachePolicy: apiCachePolicy,
        originRequestPolicy: apiOriginRequestPolicy,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        compress: true,
      };
    }
    // SPA fallback without distribution-wide error pages (those would also rewrite API 403/404s):
    // extension-less paths get index.html; an unknown API path gets a JSON 404 at the edge.
    const spaRouter = new cloudfront.Function(this, 'SpaRouter', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'SPA fallback to /index.html; JSON 404 for unknown API paths',
      code: cloudfront.FunctionCode.fromInline(`function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('${API_PREFIX}/') === 0) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'content-type': { value: 'application/json' } },
      body: { encoding: 'text', data: '{"error":{"code":"not_found","message":"no such API route"}}' } };
  }
  if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) request.uri = '/index.html';
  return request;
}`),
    });
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Molam Analytics ${config.envName}: dashboard and REST API`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        functionAssociations: [{ function: spaRouter, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      additionalBehaviors: apiBehaviors,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
    });
    this.distribution = distribution;
    acknowledge(distribution, 'AwsSolutions-CFR1', 'Merchants and operators are across many countries; access is controlled by Molam ID tokens, not geography');
    acknowledge(distribution, 'AwsSolutions-CFR2', 'No WAF web ACL yet: the API is read-only, token-gated and cached 10 s at the edge; add one with the account-wide WAF when it exists');
    acknowledge(distribution, 'AwsSolutions-CFR4', 'Uses the default *.cloudfront.net certificate, for which CloudFront fixes the TLS policy; a custom domain gets TLSv1.2_2021 ; set minimumProtocolVersion TLSv1.2_2021 with it');

    const dashboardUrl = `https://${distribution.distributionDomainName}`;
    const apiUrl = `${dashboardUrl}${API_PREFIX}`;
    const runtimeConfig = { apiBaseUrl: apiUrl, wsUrl: stage.url, loginUrl: config.auth.loginUrl, env: config.envName };
    const webDist = join(repoRoot, 'web', 'dist');
    const hasWebBuild = existsSync(join(webDist, 'index.html'));
    if (!hasWebBuild) {
      Annotations.of(this).addWarningV2('molam:noWebBuild', 'web/dist does not exist: only config.json is deployed (run the web build before deploying)');
    }
    const deployment = new s3deploy.BucketDeployment(this, 'DashboardDeployment', {
      sources: [
        // The build's own config.json (local URLs) is replaced by the generated one.
        ...(hasWebBuild ? [s3deploy.Source.asset(webDist, { exclude: ['config.json'] })] : []),
        s3deploy.Source.jsonData('config.json', runtimeConfig),
      ],
      destinationBucket: siteBucket,
      distribution,
      distributionPaths: hasWebBuild ? ['/index.html', '/config.json'] : ['/config.json'],
      // Without a build, keep whatever build the bucket already holds.
      prune: hasWebBuild,
      memoryLimit: 512,
    });
    this.acknowledgeBucketDeployment(deployment, siteBucket);

    // ---- Alarms --------------------------------------------------------------------------------
    this.alarmTopic = createAlarms(this, {
      config,
      removalPolicy,
      functions,
      ingestFunction: functions[byKind('msk')[0]!.id]!,
      deadLetterQueues: [this.ingestFailureQueue, this.fanoutDlq],
    });

    // ---- Outputs -------------------------------------------------------------------------------
    new CfnOutput(this, OUTPUT.dashboardUrl, { value: dashboardUrl, description: 'The dashboard (CloudFront, S3 origin)' });
    new CfnOutput(this, OUTPUT.apiUrl, { value: apiUrl, description: 'REST API base URL (CloudFront, 10 s cache)' });
    new CfnOutput(this, OUTPUT.webSocketUrl, { value: stage.url, description: 'WebSocket URL (wss://…/<stage>?token=<jwt>)' });
    new CfnOutput(this, OUTPUT.managementEndpoint, { value: managementEndpoint, description: 'API Gateway @connections endpoint' });
    new CfnOutput(this, OUTPUT.alarmTopicArn, { value: this.alarmTopic.topicArn, description: 'SNS topic the alarms publish to' });
    for (const def of TABLES) {
      new CfnOutput(this, tableOutputName(def.envVar), { value: tables[def.id].tableName, description: `DynamoDB ${def.id} table (${def.envVar})` });
    }
  }

  /** The BucketDeployment's provider Lambda is CDK's own singleton; its findings are about that code. */
  private acknowledgeBucketDeployment(deployment: s3deploy.BucketDeployment, siteBucket: s3.Bucket): void {
    const qualifier = String(this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ?? 'hnb659fds');
    const wildcards = [
      'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*', 'Action::s3:Abort*', 'Action::s3:DeleteObject*',
      `Resource::arn:${this.nagText(this.partition)}:s3:::cdk-${qualifier}-assets-${this.nagText(this.account)}-${this.nagText(this.region)}/*`,
      `Resource::<${logicalIdOf(siteBucket)}.Arn>/*`,
      'Resource::*',
    ];
    for (const child of this.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      acknowledge(child, 'AwsSolutions-L1', 'CDK-managed BucketDeployment provider; its runtime is chosen by aws-cdk-lib');
      acknowledge(child, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK-managed BucketDeployment provider: basic execution (its own logs) only');
      for (const w of wildcards) {
        acknowledge(child, `AwsSolutions-IAM5[${w}]`,
          'CDK-managed BucketDeployment provider: copies the build from the CDK asset bucket into the dashboard bucket objects (bucket/*) and invalidates CloudFront (cloudfront:CreateInvalidation has no resource-level scoping)');
      }
    }
    void deployment;
  }

  /** How cdk-nag renders a value in a finding id: the literal, or <AWS::Pseudo> for a token. */
  private nagText(value: string): string {
    if (!Token.isUnresolved(value)) return value;
    if (value === this.partition) return '<AWS::Partition>';
    if (value === this.region) return '<AWS::Region>';
    return '<AWS::AccountId>';
  }
}

function attributeType(t: 'S' | 'N'): dynamodb.AttributeType {
  return t === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER;
}

/** Consumer group of one topic's event source mapping (unique per mapping, as Lambda requires). */
export function consumerGroupId(config: EnvConfig, topic: string): string {
  return `${config.msk.consumerGroupPrefix}-${topic}`;
}

export function sizing(kind: FunctionDef['trigger']['kind']): { memorySize: number; timeout: Duration } {
  switch (kind) {
    case 'msk': return { memorySize: 1024, timeout: Duration.seconds(120) };
    case 'dynamodb-stream': return { memorySize: 512, timeout: Duration.seconds(60) };
    // Fan-out workers: posting is CPU-bound SigV4 + TLS; 1 vCPU at 1,769 MB, 1,024 is a middle ground.
    case 'invoke': return { memorySize: 1024, timeout: Duration.seconds(60) };
    case 'websocket': return { memorySize: 256, timeout: Duration.seconds(10) };
    case 'http': return { memorySize: 512, timeout: Duration.seconds(15) };
  }
}

function dlq(scope: Construct, id: string, purpose: string): sqs.Queue {
  const q = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(q, 'AwsSolutions-SQS3', `This queue is itself a dead-letter / on-failure destination (${purpose}); it is alarmed on, not redriven automatically`);
  return q;
}

function logicalIdOf(c: IConstruct): string {
  return Stack.of(c).getLogicalId(c.node.defaultChild as import('aws-cdk-lib').CfnElement);
}
