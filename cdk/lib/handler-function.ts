// One Lambda from one catalog entry: Node 22 on arm64, bundled to ESM by the local esbuild (no
// Docker), with source maps, its own log group with the environment's retention.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionDef } from '../../functions/catalog.js';

/** esbuild emits `require` calls for CJS dependencies; ESM on Lambda has no `require` of its own. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __molamCreateRequire } from 'node:module'; const require = __molamCreateRequire(import.meta.url);";

export interface HandlerFunctionProps {
  def: FunctionDef;
  repoRoot: string;
  environment: Record<string, string>;
  memorySize: number;
  timeout: Duration;
  logRetentionDays: number;
  removalPolicy: RemovalPolicy;
  reservedConcurrentExecutions?: number;
  tracing?: lambda.Tracing;
  vpc?: { vpc: ec2.IVpc; subnets: ec2.ISubnet[]; securityGroup: ec2.ISecurityGroup };
}

/**
 * NodejsFunction when the handler module exists. When it does not and this stack is not being
 * bundled (unit synths skip bundling), a placeholder inline function with the same runtime,
 * architecture, environment and role stands in, with a warning, so template tests do not depend on
 * the handlers' progress; a bundling synth (cdk synth / deploy) fails on a missing handler.
 */
export function createHandlerFunction(scope: Construct, props: HandlerFunctionProps): lambda.Function {
  const { def, repoRoot } = props;
  const entry = join(repoRoot, def.entry);
  const logGroup = new logs.LogGroup(scope, `${def.id}Logs`, {
    retention: props.logRetentionDays as logs.RetentionDays,
    removalPolicy: props.removalPolicy,
  });
  const common = {
    description: def.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize,
    timeout: props.timeout,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    ...(props.tracing ? { tracing: props.tracing } : {}),
    ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    ...(props.vpc ? { vpc: props.vpc.vpc, vpcSubnets: { subnets: props.vpc.subnets }, securityGroups: [props.vpc.securityGroup] } : {}),
  };

  if (existsSync(entry)) {
    return new NodejsFunction(scope, def.id, {
      ...common,
      entry,
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        sourceMap: true,
        sourcesContent: false,
        minify: true,
        // The Node 22 runtime ships AWS SDK v3.
        externalModules: ['@aws-sdk/*'],
      },
    });
  }
  if (Stack.of(scope).bundlingRequired) {
    throw new Error(`Handler ${def.entry} of ${def.id} does not exist; it is required to bundle the stack`);
  }
  const fn = new lambda.Function(scope, def.id, {
    ...common,
    handler: 'index.handler',
    code: lambda.Code.fromInline(`exports.handler = async () => { throw new Error('${def.id}: handler not built'); };`),
  });
  Annotations.of(fn).addWarningV2('molam:placeholderHandler', `${def.entry} does not exist yet: placeholder code (bundling skipped)`);
  return fn;
}
