// The server/standard access-log bucket every other bucket and the distribution log into.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { EnvConfig } from './config.js';
import { acknowledge } from './nag.js';

export function accessLogBucket(scope: Construct, config: EnvConfig, removalPolicy: RemovalPolicy): s3.Bucket {
  const logBucket = new s3.Bucket(scope, 'AccessLogBucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    // CloudFront standard logging writes with ACLs.
    objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    lifecycleRules: [{ expiration: Duration.days(config.envName === 'prod' ? 365 : 30) }],
    removalPolicy,
    // dev/staging are destroyable: a DESTROY bucket must be emptied first.
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  });
  acknowledge(logBucket, 'AwsSolutions-S1', 'This is the access-log bucket itself; logging it into itself would loop');
  return logBucket;
}
