// An on-failure destination / dead-letter queue: encrypted, TLS-only, 14 days, alarmed on.
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.js';

export function deadLetterQueue(scope: Construct, id: string, purpose: string): sqs.Queue {
  const q = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(
    q,
    'AwsSolutions-SQS3',
    `This queue is itself a dead-letter / on-failure destination (${purpose}); it is alarmed on, not redriven automatically`,
  );
  return q;
}
