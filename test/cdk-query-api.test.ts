// The query API concern (cdk/lib/constructs/query-api.ts): function URLs, cache and origin-request policies.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { describe, expect, test } from 'vitest';
import { FUNCTIONS } from '../functions/catalog.js';
import { logicalId, synthUnit } from './cdk-support.js';

describe('REST behind CloudFront', () => {
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
      const urlId = Object.keys(urls).find((k) => JSON.stringify(urls[k]).includes(logicalId(s, s.stack.functions[def.id]!)))!;
      const origin = dist.Origins.find((o: any) => o.Id === behaviour.TargetOriginId);
      expect(JSON.stringify(origin.DomainName), path).toContain(urlId);
      expect(origin.OriginAccessControlId).toBeUndefined(); // OAC would overwrite Authorization
    }
  });

});
