// Template assertions for every resource of the stack and its key properties, per environment.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { buildApp, cdkJsonContext } from '../cdk/lib/app.js';
import { ESM_REQUIRE_BANNER } from '../cdk/lib/handler-function.js';
import { FUNCTIONS } from '../functions/catalog.js';
import { TOPICS } from '../functions/shared/contracts/index.js';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { ALARM_DIMENSIONS, METRIC, METRICS_NAMESPACE } from '../functions/shared/observability-names.js';
import { synthUnit, tempDir } from './cdk-support.js';

const ENVS = ['dev', 'staging', 'prod'] as const;
const id = (s: { stack: { getLogicalId: (e: any) => string } }, c: IConstruct) => s.stack.getLogicalId(c.node.defaultChild as any);

describe('DynamoDB tables come from TABLES', () => {
  test.each(ENVS)('%s: key schema, TTL, stream, PITR and removal policy', (env) => {
    const s = synthUnit(env);
    const prod = env === 'prod';
    s.template.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
    for (const def of TABLES) {
      const logicalId = id(s, s.stack.tables[def.id]);
      const keySchema = [
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      const res = s.template.toJSON().Resources[logicalId];
      expect(res.Type).toBe('AWS::DynamoDB::GlobalTable');
      expect(res.Properties.KeySchema).toEqual(keySchema);
      expect(res.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(res.Properties.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
      if (def.stream) expect(res.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
      else expect(res.Properties.StreamSpecification).toBeUndefined();
      expect(res.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: prod });
      expect(res.Properties.Replicas[0].DeletionProtectionEnabled).toBe(prod);
      expect(res.DeletionPolicy).toBe(prod ? 'Retain' : 'Delete');
      expect(res.UpdateReplacePolicy).toBe(prod ? 'Retain' : 'Delete');
    }
  });

  test('the deltas table streams NEW_IMAGE', () => {
    const deltas = TABLES.find((t) => t.id === 'deltas')!;
    synthUnit('prod').template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: Match.arrayWith([{ AttributeName: deltas.partitionKey.name, KeyType: 'HASH' }]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });
});

describe('functions come from the catalog', () => {
  test('every catalog function: Node 22, arm64, JSON logs, table names via envVar, service name', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS) {
      const fn = s.stack.functions[def.id]!;
      const res = s.template.toJSON().Resources[id(s, fn)];
      expect(res.Properties.Runtime, def.id).toBe('nodejs22.x');
      expect(res.Properties.Architectures).toEqual(['arm64']);
      expect(res.Properties.LoggingConfig.LogFormat).toBe('JSON');
      const vars = res.Properties.Environment.Variables;
      for (const t of TABLES) expect(vars[t.envVar], `${def.id} ${t.envVar}`).toEqual({ Ref: id(s, s.stack.tables[t.id]) });
      expect(vars.POWERTOOLS_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
      expect(vars.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(vars.POWERTOOLS_SERVICE_NAME).toBe(
        { msk: 'ingest', 'dynamodb-stream': 'fanout', invoke: 'fanout', websocket: 'websocket', http: 'api' }[def.trigger.kind],
      );
    }
    // 14 catalog functions + the BucketDeployment provider.
    s.template.resourceCountIs('AWS::Lambda::Function', FUNCTIONS.length + 1);
  });

  test('auth, ClickHouse and management-endpoint variables reach the functions that need them', () => {
    const s = synthUnit('prod');
    const vars = (fid: string) => s.template.toJSON().Resources[id(s, s.stack.functions[fid]!)].Properties.Environment.Variables;
    const c = s.stack.config;
    for (const fid of ['WsConnect', 'ApiOverview']) {
      expect(vars(fid)).toMatchObject({ MOLAM_ID_JWKS_URL: c.auth.jwksUrl, MOLAM_ID_AUDIENCE: c.auth.audience, MOLAM_ID_ISSUER: c.auth.issuer });
    }
    for (const fid of ['Ingest', 'ApiOverview', 'ApiHealth']) {
      expect(vars(fid)).toMatchObject({ CLICKHOUSE_SECRET_ARN: c.clickhouse.secretArn, CLICKHOUSE_DATABASE: c.clickhouse.database });
    }
    expect(vars('Fanout').CLICKHOUSE_SECRET_ARN).toBeUndefined();
    expect(vars('Ingest').MOLAM_ID_JWKS_URL).toBeUndefined();
    const endpoint = {
      'Fn::Join': ['', ['https://', { Ref: id(s, s.stack.webSocketApi) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/prod']],
    };
    for (const fid of ['Fanout', 'WsSubscribe', 'WsConnect', 'WsResume']) expect(vars(fid).WS_MANAGEMENT_ENDPOINT, fid).toEqual(endpoint);
  });

  test('a PEM public key goes to MOLAM_ID_PUBLIC_KEY', () => {
    const pem = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----';
    const s = synthUnit('dev', { molamIdPublicKey: pem });
    const vars = s.template.toJSON().Resources[id(s, s.stack.functions.WsConnect!)].Properties.Environment.Variables;
    expect(vars.MOLAM_ID_PUBLIC_KEY).toBe(pem);
    expect(vars.MOLAM_ID_JWKS_URL).toBeUndefined();
  });

  test('only the ingest function runs in the VPC, in the given subnets and security group', () => {
    const s = synthUnit('prod');
    const c = s.stack.config;
    const res = s.template.toJSON().Resources;
    expect(res[id(s, s.stack.functions.Ingest!)].Properties.VpcConfig).toEqual({
      SubnetIds: [...c.network.privateSubnetIds],
      SecurityGroupIds: [c.network.securityGroupId],
    });
    for (const def of FUNCTIONS.filter((f) => f.id !== 'Ingest')) {
      expect(res[id(s, s.stack.functions[def.id]!)].Properties.VpcConfig, def.id).toBeUndefined();
    }
  });

  test.each([['dev', 7], ['staging', 30], ['prod', 90]] as const)('%s: every function log group keeps %i days', (env, days) => {
    const s = synthUnit(env);
    const res = s.template.toJSON().Resources;
    for (const def of FUNCTIONS) {
      const fn = res[id(s, s.stack.functions[def.id]!)];
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
      expect(res[logGroupId].Properties.RetentionInDays, def.id).toBe(days);
      expect(res[logGroupId].DeletionPolicy).toBe(env === 'prod' ? 'Retain' : 'Delete');
    }
  });
});

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
        FunctionName: { Ref: id(s, s.stack.functions.Ingest!) },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        StartingPosition: env === 'prod' ? 'TRIM_HORIZON' : 'LATEST',
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: `analytics-consumer-${topic}` },
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(s, s.stack.ingestFailureQueue), 'Arn'] } } },
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

describe('real-time: WebSocket API and fan-out', () => {
  test('API routes by $request.body.action; one route per catalog entry, each integrated with its function', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    const wsDefs = FUNCTIONS.filter((f) => f.trigger.kind === 'websocket');
    const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')) as any[];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(wsDefs.map((d) => (d.trigger as { routeKey: string }).routeKey).sort());
    const integrations = s.template.findResources('AWS::ApiGatewayV2::Integration');
    for (const def of wsDefs) {
      const route = routes.find((r) => r.Properties.RouteKey === (def.trigger as { routeKey: string }).routeKey);
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
      expect(JSON.stringify(integrations[integrationId]), def.id).toContain(id(s, s.stack.functions[def.id]!));
    }
    s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod', AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  test('fan-out consumes the deltas stream: batch size, bisect, retries, partial failures, DLQ', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(s, s.stack.tables.deltas), 'StreamArn'] },
      FunctionName: { Ref: id(s, s.stack.functions.Fanout!) },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(s, s.stack.fanoutDlq), 'Arn'] } } },
    });
  });
});

describe('REST and dashboard behind CloudFront', () => {
  test('cache policy: 10 s default and max, 0 min, Authorization and all query strings in the key, gzip and brotli', () => {
    synthUnit('prod').template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        DefaultTTL: 10, MaxTTL: 10, MinTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          CookiesConfig: { CookieBehavior: 'none' },
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        },
      },
    });
  });

  test('origin request policy forwards query strings but neither Authorization (cache key) nor Host', () => {
    const policies = Object.values(synthUnit('prod').template.findResources('AWS::CloudFront::OriginRequestPolicy')) as any[];
    expect(policies).toHaveLength(1);
    const cfg = policies[0].Properties.OriginRequestPolicyConfig;
    expect(cfg.QueryStringsConfig.QueryStringBehavior).toBe('all');
    expect(cfg.HeadersConfig.HeaderBehavior).toBe('whitelist');
    const headers = (cfg.HeadersConfig.Headers as string[]).map((h) => h.toLowerCase());
    expect(headers).not.toContain('authorization');
    expect(headers).not.toContain('host');
  });

  test('each REST route is a function URL (auth NONE) behind its own cache behaviour', () => {
    const s = synthUnit('prod');
    const httpDefs = FUNCTIONS.filter((f) => f.trigger.kind === 'http');
    s.template.resourcePropertiesCountIs('AWS::Lambda::Url', { AuthType: 'NONE' }, httpDefs.length);
    s.template.resourceCountIs('AWS::Lambda::Url', httpDefs.length);
    const dist = (Object.values(s.template.findResources('AWS::CloudFront::Distribution'))[0] as any).Properties.DistributionConfig;
    const cachePolicyId = { Ref: Object.keys(s.template.findResources('AWS::CloudFront::CachePolicy'))[0] };
    const orpId = { Ref: Object.keys(s.template.findResources('AWS::CloudFront::OriginRequestPolicy'))[0] };
    const urls = s.template.findResources('AWS::Lambda::Url');
    for (const def of httpDefs) {
      const path = (def.trigger as { path: string }).path;
      expect(path.startsWith('/api/analytics/')).toBe(true);
      const behaviour = dist.CacheBehaviors.find((b: any) => b.PathPattern === path);
      expect(behaviour, path).toMatchObject({
        CachePolicyId: cachePolicyId, OriginRequestPolicyId: orpId, ViewerProtocolPolicy: 'https-only', Compress: true,
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      });
      // The behaviour's origin is this function's URL.
      const urlId = Object.keys(urls).find((k) => JSON.stringify(urls[k]).includes(id(s, s.stack.functions[def.id]!)))!;
      const origin = dist.Origins.find((o: any) => o.Id === behaviour.TargetOriginId);
      expect(JSON.stringify(origin.DomainName), path).toContain(urlId);
      expect(origin.OriginAccessControlId).toBeUndefined(); // OAC would overwrite Authorization
    }
  });

  test('dashboard: private encrypted TLS-only bucket via OAC as the default behaviour, SPA routing, logging', () => {
    const s = synthUnit('prod');
    const t = s.template;
    t.allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
    t.resourcePropertiesCountIs('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    }, 2);
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }) });
    const dist = (Object.values(t.findResources('AWS::CloudFront::Distribution'))[0] as any).Properties.DistributionConfig;
    const defaultOrigin = dist.Origins.find((o: any) => o.Id === dist.DefaultCacheBehavior.TargetOriginId);
    expect(JSON.stringify(defaultOrigin.DomainName)).toContain('DashboardBucket');
    expect(defaultOrigin.OriginAccessControlId).toBeDefined();
    expect(dist.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(dist.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe('viewer-request');
    expect(dist.DefaultRootObject).toBe('index.html');
    expect(dist.CustomErrorResponses).toBeUndefined(); // would rewrite API 403/404 too
    expect(dist.Logging.Bucket).toBeDefined();
    const fnCode = (Object.values(t.findResources('AWS::CloudFront::Function'))[0] as any).Properties.FunctionCode as string;
    expect(fnCode).toContain("'/index.html'");
    expect(fnCode).toContain('/api/analytics/');
  });

  test('config.json for the dashboard: API base URL on the distribution, WebSocket stage URL, login URL', () => {
    const s = synthUnit('prod');
    const deployments = Object.values(s.template.findResources('Custom::CDKBucketDeployment')) as any[];
    expect(deployments).toHaveLength(1);
    const props = deployments[0].Properties;
    expect(props.DistributionPaths).toEqual(expect.arrayContaining(['/config.json']));
    // Source.jsonData stages config.json with markers that the deployment replaces by the tokens' values.
    const markers: Record<string, unknown> = Object.assign({}, ...props.SourceMarkers);
    const staged = readdirSync(s.app.outdir)
      .map((d) => join(s.app.outdir, d, 'config.json'))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .filter((text) => text.includes('<<marker:'));
    expect(staged).toHaveLength(1);
    const resolve = (v: string) => v.replace(/<<marker:0xbaba:\d+>>/g, (m) => `{${JSON.stringify(markers[m])}}`);
    const resolved = Object.fromEntries(Object.entries(JSON.parse(staged[0]!) as Record<string, string>).map(([k, v]) => [k, resolve(v)]));
    expect(resolved).toEqual({
      apiBaseUrl: `https://{${JSON.stringify({ 'Fn::GetAtt': [id(s, s.stack.distribution), 'DomainName'] })}}/api/analytics`,
      wsUrl: `wss://{${JSON.stringify({ Ref: id(s, s.stack.webSocketApi) })}}.execute-api.eu-west-1.{${JSON.stringify({ Ref: 'AWS::URLSuffix' })}}/prod`,
      loginUrl: s.stack.config.auth.loginUrl,
      env: 'prod',
    });
  });

  test('with a web build, the build and config.json are deployed (prune on); without, config.json only and a warning', () => {
    const root = tempDir('cdk-root-');
    const synth = (withBuild: boolean) => {
      if (withBuild) {
        mkdirSync(join(root, 'web', 'dist'), { recursive: true });
        writeFileSync(join(root, 'web', 'dist', 'index.html'), '<!doctype html><title>dash</title>');
      }
      const app = new App({
        outdir: tempDir('cdk-unit-'),
        context: { ...cdkJsonContext(), env: 'dev', 'aws:cdk:bundling-stacks': [] },
        builtinCloudFormationValidation: false,
      });
      const { stack } = buildApp({ app, nag: false, repoRoot: root });
      return { stack, t: Template.fromStack(stack) };
    };
    const without = synth(false);
    const p0 = (Object.values(without.t.findResources('Custom::CDKBucketDeployment'))[0] as any).Properties;
    expect(p0.SourceObjectKeys).toHaveLength(1);
    expect(p0.Prune).toBe(false);
    Annotations.fromStack(without.stack).hasWarning('*', Match.stringLikeRegexp('web/dist does not exist'));
    // Handlers are absent in this root and bundling is skipped: placeholders stand in, with a warning.
    Annotations.fromStack(without.stack).hasWarning('*', Match.stringLikeRegexp('functions/ingest/handler.ts does not exist yet'));

    const withBuild = synth(true);
    const p1 = (Object.values(withBuild.t.findResources('Custom::CDKBucketDeployment'))[0] as any).Properties;
    expect(p1.SourceObjectKeys).toHaveLength(2);
    expect(p1.Prune).toBe(true);
    expect(p1.DistributionPaths).toEqual(['/index.html', '/config.json']);
  });

  test('a missing handler fails a bundling synth with a clear message', () => {
    const root = tempDir('cdk-root-');
    const app = new App({ outdir: tempDir('cdk-unit-'), context: { ...cdkJsonContext(), env: 'dev' } });
    expect(() => buildApp({ app, nag: false, repoRoot: root })).toThrow(/functions\/ingest\/handler\.ts of Ingest does not exist/);
  });
});

describe('alarms to SNS', () => {
  const alarms = (env: (typeof ENVS)[number] = 'prod') => Object.values(synthUnit(env).template.findResources('AWS::CloudWatch::Alarm')) as any[];
  const topicRef = () => ({ Ref: id(synthUnit('prod'), synthUnit('prod').stack.alarmTopic) });

  test('MSK OffsetLag of the ingest function > 10,000', () => {
    const s = synthUnit('prod');
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda', MetricName: 'OffsetLag', Statistic: 'Maximum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(s, s.stack.functions.Ingest!) } }],
      Threshold: 10_000, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [topicRef()],
    });
  });

  test.each([
    [METRIC.clickhouseInsertDuration, ALARM_DIMENSIONS.clickhouseInsertDuration, 2, 'p95'],
    [METRIC.httpRequestDuration, ALARM_DIMENSIONS.httpRequestDuration, 0.5, 'p95'],
    [METRIC.wsConnections, ALARM_DIMENSIONS.wsConnectionsRejected, 50, undefined],
  ])('%s %j above %d', (metricName, dims, threshold, extended) => {
    const a = alarms().find((x) => x.Properties.MetricName === metricName)!;
    expect(a.Properties).toMatchObject({ Namespace: METRICS_NAMESPACE, Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold' });
    expect(a.Properties.Dimensions).toEqual(Object.entries(dims).map(([Name, Value]) => ({ Name, Value })));
    if (extended) expect(a.Properties.ExtendedStatistic).toBe(extended);
    else expect(a.Properties.Statistic).toBe('Sum');
    expect(a.Properties.AlarmActions).toEqual([topicRef()]);
  });

  test('any visible message in either dead-letter queue', () => {
    const s = synthUnit('prod');
    for (const q of [s.stack.ingestFailureQueue, s.stack.fanoutDlq]) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(s, q), 'QueueName'] } }],
        Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  test('Lambda Errors and Throttles per catalog function', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS) {
      for (const metric of ['Errors', 'Throttles']) {
        s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda', MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(s, s.stack.functions[def.id]!) } }],
          Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
      }
    }
    expect(alarms()).toHaveLength(FUNCTIONS.length * 2 + 4 + 2);
    for (const a of alarms()) expect(a.Properties.AlarmActions, a.Properties.AlarmDescription).toEqual([topicRef()]);
  });

  test('topic: KMS-encrypted (CloudWatch may use the key), TLS-only, e-mail subscription from config', () => {
    const s = synthUnit('prod', { alarmEmail: 'oncall@molam.example' });
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@molam.example' });
    s.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    synthUnit('prod').template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

test.each(ENVS)('%s: outputs: dashboard URL, API URL, WebSocket URL', (env) => {
  const s = synthUnit(env);
  const dist = id(s, s.stack.distribution);
  const outputs = s.template.toJSON().Outputs;
  expect(outputs.DashboardUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [dist, 'DomainName'] }]] });
  expect(outputs.ApiUrl.Value).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [dist, 'DomainName'] }, '/api/analytics']] });
  expect(outputs.WebSocketUrl.Value).toEqual({
    'Fn::Join': ['', ['wss://', { Ref: id(s, s.stack.webSocketApi) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, `/${env}`]],
  });
  for (const def of TABLES) expect(outputs[`${def.envVar.replace(/_/g, '')}Name`].Value).toEqual({ Ref: id(s, s.stack.tables[def.id]) });
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
