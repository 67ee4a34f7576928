// The query API concern (cdk/lib/constructs/query-api.ts): function URLs, cache and origin-request policies.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { describe, expect, test } from 'vitest';
import { FUNCTIONS } from '../functions/catalog.js';
import { AUTH_HEADER } from '../contracts/api.js';
import { logicalId, synthUnit } from './cdk-support.js';

describe('REST behind CloudFront', () => {
  test('cache policy: 10 s default and max, 0 min, the token header and all query strings in the key, gzip and brotli', () => {
    synthUnit('prod').template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        DefaultTTL: 10,
        MaxTTL: 10,
        MinTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: [AUTH_HEADER] },
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
    expect(headers).not.toContain(AUTH_HEADER.toLowerCase());
    expect(headers).not.toContain('host');
  });

  test('each REST route is an AWS_IAM function URL that only this distribution may invoke (OAC), behind its own cache behaviour', () => {
    const s = synthUnit('prod');
    const httpDefs = FUNCTIONS.filter((f) => f.trigger.kind === 'http');
    s.template.resourcePropertiesCountIs('AWS::Lambda::Url', { AuthType: 'AWS_IAM' }, httpDefs.length);
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
        CachePolicyId: cachePolicyId,
        OriginRequestPolicyId: orpId,
        ViewerProtocolPolicy: 'https-only',
        Compress: true,
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      });
      // The behaviour's origin is this function's URL.
      const urlId = Object.keys(urls).find((k) => JSON.stringify(urls[k]).includes(logicalId(s, s.stack.functions[def.id]!)))!;
      const origin = dist.Origins.find((o: any) => o.Id === behaviour.TargetOriginId);
      expect(JSON.stringify(origin.DomainName), path).toContain(urlId);
      // Signed by CloudFront (SigV4, always) with a lambda-type origin access control...
      const oacs = s.template.findResources('AWS::CloudFront::OriginAccessControl');
      const oacId = origin.OriginAccessControlId['Fn::GetAtt'][0];
      expect(oacs[oacId]!.Properties.OriginAccessControlConfig, path).toMatchObject({
        OriginAccessControlOriginType: 'lambda',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      // ...and the function may only be invoked through its URL by CloudFront from this distribution.
      const distArn = {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':cloudfront::',
            { Ref: 'AWS::AccountId' },
            ':distribution/',
            { Ref: logicalId(s, s.stack.distribution) },
          ],
        ],
      };
      const perms = Object.values(s.template.findResources('AWS::Lambda::Permission'))
        .map((p: any) => p.Properties)
        .filter((p) => p.Principal === 'cloudfront.amazonaws.com')
        .filter((p) => [urlId, logicalId(s, s.stack.functions[def.id]!)].some((x) => JSON.stringify(p.FunctionName).includes(x)));
      expect(perms.map((p) => [p.Action, p.Principal, p.SourceArn]).sort(), path).toEqual([
        ['lambda:InvokeFunction', 'cloudfront.amazonaws.com', distArn],
        ['lambda:InvokeFunctionUrl', 'cloudfront.amazonaws.com', distArn],
      ]);
    }
  });

  test.each([
    ['dev', 5],
    ['staging', 10],
    ['prod', 50],
  ] as const)('%s: every REST function has reserved concurrency %i', (env, n) => {
    const s = synthUnit(env);
    for (const def of FUNCTIONS.filter((f) => f.trigger.kind === 'http')) {
      const fn = s.template.toJSON().Resources[logicalId(s, s.stack.functions[def.id]!)];
      expect(fn.Properties.ReservedConcurrentExecutions, def.id).toBe(n);
    }
    // Ingest and fan-out stay unreserved: they draw on what the API functions cannot take.
    for (const fid of ['Ingest', 'Fanout']) {
      expect(s.template.toJSON().Resources[logicalId(s, s.stack.functions[fid]!)].Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
    expect(
      synthUnit('dev', { apiReservedConcurrency: '7' }).template.toJSON().Resources[logicalId(s, s.stack.functions.ApiOverview!)].Properties
        .ReservedConcurrentExecutions,
    ).toBe(7);
  });
});
