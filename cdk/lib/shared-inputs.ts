// What the stack imports rather than creates, shared by several concerns: the ClickHouse Cloud
// secret, the VPC subnets and security group of the functions that run in it, the Molam ID
// verification settings.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { EnvConfig } from './config.js';
import { acknowledge } from './nag.js';

export interface SharedInputs {
  clickhouseSecret: secretsmanager.ISecret;
  vpc: ec2.IVpc;
  securityGroup: ec2.ISecurityGroup;
  /** MOLAM_ID_* for the functions that verify tokens. */
  authEnv: Record<string, string>;
  /** CLICKHOUSE_* for the functions that query or insert. */
  clickhouseEnv: Record<string, string>;
}

export function importSharedInputs(scope: Construct, config: EnvConfig): SharedInputs {
  const clickhouseSecret = secretsmanager.Secret.fromSecretCompleteArn(scope, 'ClickHouseSecret', config.clickhouse.secretArn);
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: config.network.vpcId,
    availabilityZones: [...config.network.availabilityZones],
    privateSubnetIds: [...config.network.privateSubnetIds],
  });
  for (const subnet of vpc.privateSubnets) {
    acknowledge(
      subnet,
      'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      'The stack only places functions in these subnets; it never reads or changes their route tables',
    );
  }
  const securityGroup = ec2.SecurityGroup.fromSecurityGroupId(scope, 'IngestSecurityGroup', config.network.securityGroupId, {
    mutable: false,
  });
  const authEnv: Record<string, string> = {
    ...(config.auth.publicKeyPem ? { MOLAM_ID_PUBLIC_KEY: config.auth.publicKeyPem } : {}),
    ...(config.auth.jwksUrl ? { MOLAM_ID_JWKS_URL: config.auth.jwksUrl } : {}),
    ...(config.auth.audience ? { MOLAM_ID_AUDIENCE: config.auth.audience } : {}),
    ...(config.auth.issuer ? { MOLAM_ID_ISSUER: config.auth.issuer } : {}),
  };
  const clickhouseEnv = { CLICKHOUSE_SECRET_ARN: clickhouseSecret.secretArn, CLICKHOUSE_DATABASE: config.clickhouse.database };
  return { clickhouseSecret, vpc, securityGroup, authEnv, clickhouseEnv };
}
