// One catalog entry as a deployed Lambda, with what every function of its kind gets: service
// name, log level, table names, Molam ID and ClickHouse settings where used, sizing, and the
// acknowledgements every catalog function shares.
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { FunctionDef } from '../../functions/catalog.js';
import { METRICS_NAMESPACE, SERVICE } from '../../functions/shared/observability-names.js';
import type { EnvConfig } from './config.js';
import { createHandlerFunction } from './handler-function.js';
import { acknowledge } from './nag.js';
import type { SharedInputs } from './shared-inputs.js';

export type TriggerKind = FunctionDef['trigger']['kind'];

/** What every concern needs to create its catalog functions. */
export interface FunctionContext {
  config: EnvConfig;
  repoRoot: string;
  removalPolicy: RemovalPolicy;
  shared: SharedInputs;
  /** Table name variables (from the tables concern). */
  tableEnv: Record<string, string>;
}

const SERVICE_OF: Record<TriggerKind, string> = {
  msk: SERVICE.ingest,
  'dynamodb-stream': SERVICE.fanout,
  invoke: SERVICE.fanout,
  websocket: SERVICE.websocket,
  http: SERVICE.api,
};

export function sizing(kind: TriggerKind): { memorySize: number; timeout: Duration } {
  switch (kind) {
    case 'msk':
      return { memorySize: 1024, timeout: Duration.seconds(120) };
    case 'dynamodb-stream':
      return { memorySize: 512, timeout: Duration.seconds(60) };
    // Fan-out workers: posting is CPU-bound (SigV4 + TLS); a full vCPU is 1,769 MB, 1,024 a middle ground.
    case 'invoke':
      return { memorySize: 1024, timeout: Duration.seconds(60) };
    case 'websocket':
      return { memorySize: 256, timeout: Duration.seconds(10) };
    case 'http':
      return { memorySize: 512, timeout: Duration.seconds(15) };
  }
}

export function catalogFunction(
  scope: Construct,
  def: FunctionDef,
  ctx: FunctionContext,
  extra: { reservedConcurrentExecutions?: number } = {},
): lambda.Function {
  const { config, shared } = ctx;
  const kind = def.trigger.kind;
  const usesClickHouse = def.uses?.clickhouse === true;
  const inVpc = kind === 'msk' || kind === 'http';
  // X-Ray on the data path (ingest, fan-out, API); the WebSocket routes are short and many.
  const traced = config.tracing && kind !== 'websocket';
  const fn = createHandlerFunction(scope, {
    def,
    repoRoot: ctx.repoRoot,
    environment: {
      POWERTOOLS_SERVICE_NAME: SERVICE_OF[kind],
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: config.envName === 'prod' ? 'INFO' : 'DEBUG',
      ...ctx.tableEnv,
      ...(kind === 'websocket' || kind === 'http' ? shared.authEnv : {}),
      ...(usesClickHouse ? shared.clickhouseEnv : {}),
    },
    ...sizing(kind),
    logRetentionDays: config.logRetentionDays,
    removalPolicy: ctx.removalPolicy,
    ...extra,
    // Every function that calls ClickHouse Cloud runs in the private subnets, so its IP allow-list
    // (or PrivateLink) only needs the VPC's egress.
    ...(inVpc ? { vpc: { vpc: shared.vpc, subnets: shared.vpc.privateSubnets, securityGroup: shared.securityGroup } } : {}),
    ...(traced ? { tracing: lambda.Tracing.ACTIVE } : {}),
  });
  if (inVpc) {
    acknowledge(
      fn.role!,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'Required for a function in the VPC (ENI management); the actions have no resource-level scoping',
    );
  }
  if (traced) {
    acknowledge(
      fn.role!,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level scoping',
    );
  }
  if (usesClickHouse) shared.clickhouseSecret.grantRead(fn);
  acknowledge(
    fn,
    'AwsSolutions-L1',
    'Node.js 22 is pinned on purpose: the handlers, their dependencies and the CI toolchain are tested on it',
  );
  acknowledge(
    fn.role!,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "AWS managed basic execution policy only grants writing to the function's own log streams",
  );
  return fn;
}

/** DynamoDB grants from the catalog entry's `uses`: exactly the declared actions, per table. */
export function grantTableUses(fn: lambda.Function, def: FunctionDef, tables: Partial<Record<string, dynamodb.ITableV2>>): void {
  for (const [id, actions] of Object.entries(def.uses?.tables ?? {})) {
    const table = tables[id];
    if (!table) throw new Error(`${def.id} uses table ${id}, which this concern was not given`);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: `${id[0]!.toUpperCase()}${id.slice(1)}Table`,
        actions: [...actions!].sort().map((a) => `dynamodb:${a}`),
        resources: [table.tableArn],
      }),
    );
  }
}

/** Catalog entries of one trigger kind, narrowed. */
export function defsOfKind<K extends TriggerKind>(
  defs: readonly FunctionDef[],
  kind: K,
): (FunctionDef & { trigger: Extract<FunctionDef['trigger'], { kind: K }> })[] {
  return defs.filter((d): d is FunctionDef & { trigger: Extract<FunctionDef['trigger'], { kind: K }> } => d.trigger.kind === kind);
}
