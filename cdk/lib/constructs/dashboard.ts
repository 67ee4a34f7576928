// Dashboard: the site bucket, the CloudFront distribution (S3 via OAC as default
// behaviour, the query API's behaviours, SPA routing), and the deployment of the build plus the
// generated config.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { API_BASE } from '../../../contracts/api.js';
import type { WebConfig } from '../../../contracts/web-config.js';
import type { EnvConfig } from '../config.js';
import { acknowledge, logicalIdOf, nagText } from '../nag.js';

export interface DashboardProps {
  config: EnvConfig;
  repoRoot: string;
  removalPolicy: RemovalPolicy;
  /** CloudFront behaviours of the query API, by path pattern. */
  apiBehaviors: Record<string, cloudfront.BehaviorOptions>;
  /** wss:// URL of the WebSocket stage, for config.json. */
  webSocketUrl: string;
  accessLogBucket: s3.IBucket;
}

export class Dashboard {
  readonly distribution: cloudfront.Distribution;
  readonly siteBucket: s3.Bucket;
  readonly dashboardUrl: string;
  readonly apiUrl: string;

  constructor(scope: Construct, props: DashboardProps) {
    const { config, repoRoot, removalPolicy } = props;
    const logBucket = props.accessLogBucket;
    const siteBucket = new s3.Bucket(scope, 'DashboardBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: config.envName === 'prod',
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'dashboard-bucket/',
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    this.siteBucket = siteBucket;

    // SPA fallback without distribution-wide error pages (those would also rewrite API 403/404s):
    // extension-less paths get index.html; an unknown API path gets a JSON 404 at the edge.
    const spaRouter = new cloudfront.Function(scope, 'SpaRouter', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'SPA fallback to /index.html; JSON 404 for unknown API paths',
      code: cloudfront.FunctionCode.fromInline(`function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('${API_BASE}/') === 0) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'content-type': { value: 'application/json' } },
      body: { encoding: 'text', data: '{"error":{"code":"not_found","message":"no such API route"}}' } };
  }
  if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) request.uri = '/index.html';
  return request;
}`),
    });
    const distribution = new cloudfront.Distribution(scope, 'Distribution', {
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
      additionalBehaviors: props.apiBehaviors,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'cloudfront/',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
    });
    this.distribution = distribution;
    acknowledge(
      distribution,
      'AwsSolutions-CFR1',
      'Merchants and operators are across many countries; access is controlled by Molam ID tokens, not geography',
    );
    acknowledge(
      distribution,
      'AwsSolutions-CFR2',
      'No WAF web ACL yet: the API is read-only, token-gated and cached 10 s at the edge; add one with the account-wide WAF when it exists',
    );
    acknowledge(
      distribution,
      'AwsSolutions-CFR4',
      'Uses the default *.cloudfront.net certificate, for which CloudFront fixes the TLS policy; a custom domain gets TLSv1.2_2021 ; set minimumProtocolVersion TLSv1.2_2021 with it',
    );

    this.dashboardUrl = `https://${distribution.distributionDomainName}`;
    this.apiUrl = `${this.dashboardUrl}${API_BASE}`;
    // The WebConfig contract the dashboard parses (parseWebConfig), nothing beside it.
    const runtimeConfig: WebConfig = {
      apiBaseUrl: this.apiUrl,
      wsUrl: props.webSocketUrl,
      loginUrl: config.auth.loginUrl,
      env: config.envName,
    };
    const webDist = join(repoRoot, 'web', 'dist');
    const hasWebBuild = existsSync(join(webDist, 'index.html'));
    if (!hasWebBuild) {
      Annotations.of(Stack.of(scope)).addWarningV2(
        'molam:noWebBuild',
        'web/dist does not exist: only config.json is deployed (run the web build before deploying)',
      );
    }
    new s3deploy.BucketDeployment(scope, 'DashboardDeployment', {
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
    acknowledgeBucketDeploymentProvider(scope, this.siteBucket);
  }
}

/** The BucketDeployment's provider Lambda is CDK's own singleton (a stack child); its findings are about that code. */
function acknowledgeBucketDeploymentProvider(scope: Construct, siteBucket: s3.Bucket): void {
  const stack = Stack.of(scope);
  const qualifier = String(scope.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ?? 'hnb659fds');
  const wildcards = [
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    `Resource::arn:${nagText(scope, stack.partition)}:s3:::cdk-${qualifier}-assets-${nagText(scope, stack.account)}-${nagText(scope, stack.region)}/*`,
    `Resource::<${logicalIdOf(siteBucket)}.Arn>/*`,
    'Resource::*',
  ];
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    acknowledge(child, 'AwsSolutions-L1', 'CDK-managed BucketDeployment provider; its runtime is chosen by aws-cdk-lib');
    acknowledge(
      child,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-managed BucketDeployment provider: basic execution (its own logs) only',
    );
    for (const w of wildcards) {
      acknowledge(
        child,
        `AwsSolutions-IAM5[${w}]`,
        'CDK-managed BucketDeployment provider: copies the build from the CDK asset bucket into the dashboard bucket objects (bucket/*) and invalidates CloudFront (cloudfront:CreateInvalidation has no resource-level scoping)',
      );
    }
  }
}
