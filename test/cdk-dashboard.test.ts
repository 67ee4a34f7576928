// The dashboard concern (cdk/lib/constructs/dashboard.ts): buckets, distribution, deployment of the build.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { buildApp, cdkJsonContext } from '../cdk/lib/app.js';
import { logicalId, synthUnit, tempDir } from './cdk-support.js';

describe('dashboard behind CloudFront', () => {
  test('dashboard: private encrypted TLS-only bucket via OAC as the default behaviour, SPA routing, logging', () => {
    const s = synthUnit('prod');
    const t = s.template;
    t.allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    t.resourcePropertiesCountIs(
      'AWS::S3::BucketPolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      },
      Object.keys(t.findResources('AWS::S3::Bucket')).length,
    ); // every bucket is TLS-only
    t.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' }),
    });
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
      apiBaseUrl: `https://{${JSON.stringify({ 'Fn::GetAtt': [logicalId(s, s.stack.distribution), 'DomainName'] })}}/api/analytics`,
      wsUrl: `wss://{${JSON.stringify({ Ref: logicalId(s, s.stack.webSocketApi) })}}.execute-api.eu-west-1.{${JSON.stringify({ Ref: 'AWS::URLSuffix' })}}/prod`,
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
});
