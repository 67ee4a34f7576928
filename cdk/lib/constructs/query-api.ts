// Query API: the REST functions, their function URLs, and the CloudFront cache and origin-request
// policies and behaviours (one per route) that the dashboard's distribution serves them with.
//
// The origin cannot be bypassed: the function URLs are AWS_IAM and only CloudFront (origin access
// control, SigV4-signed, from this distribution) may invoke them. OAC overwrites Authorization, so
// the token travels in AUTH_HEADER, which is in the cache key (answers depend on its zone scope).
// Reserved concurrency caps each API function so a request flood cannot starve ingest or fan-out.
import { Duration } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../../../functions/catalog.js';
import { AUTH_HEADER } from '../../../contracts/api.js';
import { catalogFunction, defsOfKind, type FunctionContext } from '../catalog-function.js';

export class QueryApi {
  readonly functions: Record<string, lambda.Function> = {};
  /** CloudFront behaviours by path pattern (the catalog paths). */
  readonly behaviors: Record<string, cloudfront.BehaviorOptions> = {};

  constructor(scope: Construct, props: FunctionContext) {
    const httpDefs = defsOfKind(FUNCTIONS, 'http');
    for (const def of httpDefs) {
      this.functions[def.id] = catalogFunction(scope, def, props, { reservedConcurrentExecutions: props.config.api.reservedConcurrency });
    }

    const apiCachePolicy = new cloudfront.CachePolicy(scope, 'ApiCachePolicy', {
      comment: 'REST: 10 s shared cache keyed by token and query string',
      defaultTtl: Duration.seconds(10),
      maxTtl: Duration.seconds(10),
      minTtl: Duration.seconds(0),
      // The token header in the key: responses depend on the token's zone scope. Being in the
      // cache policy is also what makes CloudFront forward it to the origin.
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList(AUTH_HEADER),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // Not Host (a function URL needs its own), not the token header (it travels via the cache key)
    // and not Authorization (OAC signs the origin request itself).
    const apiOriginRequestPolicy = new cloudfront.OriginRequestPolicy(scope, 'ApiOriginRequestPolicy', {
      comment: 'REST: query strings and a few content-negotiation headers',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Accept', 'Accept-Language', 'Origin'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    const originAccessControl = new cloudfront.FunctionUrlOriginAccessControl(scope, 'ApiOriginAccessControl', {
      description: 'CloudFront signs every request to the REST function URLs (SigV4)',
      signing: cloudfront.Signing.SIGV4_ALWAYS,
    });
    for (const def of httpDefs) {
      const url = this.functions[def.id]!.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
      this.behaviors[def.trigger.path] = {
        origin: origins.FunctionUrlOrigin.withOriginAccessControl(url, { originAccessControl }),
        cachePolicy: apiCachePolicy,
        originRequestPolicy: apiOriginRequestPolicy,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        compress: true,
      };
    }
  }
}
