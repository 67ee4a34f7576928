// Least privilege across every inline policy of the stack: the ingest role writes `deltas` and
// nothing else in DynamoDB, connection management is scoped to this API's stage, Kafka access to
// this cluster's topics and groups, and no statement uses `*` where AWS offers a narrower resource.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import type { AnalyticsStack } from '../cdk/lib/analytics-stack.js';
import { REPO_ROOT } from '../cdk/lib/app.js';
import { FUNCTIONS, type FunctionDef, type TableAction } from '../functions/catalog.js';
import { TOPICS } from '../contracts/index.js';
import { asArray, ENVS, policyStatements, statementsOfFunction, synthUnit } from './cdk-support.js';
import { sdkCallsOf, type SdkCalls } from './support/sdk-calls.js';

const idOf = (s: ReturnType<typeof synthUnit>, c: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(c.node.defaultChild as any);
const actionsOf = (st: any): string[] => asArray(st.Action);

describe('ingest role', () => {
  test('DynamoDB: only BatchWriteItem (what its code calls), only on the deltas table ARN', () => {
    const s = synthUnit('prod');
    const statements = statementsOfFunction(s.template, idOf(s, s.stack.functions.Ingest!));
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]).sort()).toEqual(['dynamodb:BatchWriteItem']);
    expect(dynamo[0]!.Resource).toEqual({ 'Fn::GetAtt': [idOf(s, s.stack.tables.deltas), 'Arn'] });
    // ...and no other service than Kafka, the ClickHouse secret and its on-failure bucket.
    const services = new Set(statements.flatMap((st) => actionsOf(st).map((a) => a.split(':')[0])));
    expect([...services].sort()).toEqual(['dynamodb', 'kafka', 'kafka-cluster', 's3', 'secretsmanager', 'xray']);
    // S3: exactly what Lambda documents for an S3 on-failure destination, on that bucket only.
    const bucketArn = { 'Fn::GetAtt': [idOf(s, s.stack.ingestFailureBucket), 'Arn'] };
    const s3 = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(s3.map((st) => [actionsOf(st), st.Resource])).toEqual([
      [['s3:PutObject'], { 'Fn::Join': ['', [bucketArn, '/*']] }],
      [['s3:ListBucket'], bucketArn],
    ]);
  });

  test('IAM auth: kafka-cluster actions on this cluster, its topics and its consumer groups only', () => {
    const s = synthUnit('prod');
    const c = s.stack.config;
    const [, , , , , resource] = c.msk.clusterArn.split(':');
    const clusterPath = resource!.replace(/^cluster\//, '');
    const prefix = c.msk.clusterArn.replace(/:cluster\/.*$/, '');
    const statements = statementsOfFunction(s.template, idOf(s, s.stack.functions.Ingest!));
    const kc = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kafka-cluster:')));
    const byAction = (a: string) => kc.filter((st) => actionsOf(st).includes(a)).flatMap((st) => asArray(st.Resource));
    for (const a of ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'])
      expect(byAction(a)).toEqual([c.msk.clusterArn]);
    const topicArns = TOPICS.map((t) => `${prefix}:topic/${clusterPath}/${t}`).sort();
    for (const a of ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']) expect(byAction(a).sort()).toEqual(topicArns);
    const groupArns = TOPICS.map((t) => `${prefix}:group/${clusterPath}/analytics-consumer-prod-${t}`).sort();
    for (const a of ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']) expect(byAction(a).sort()).toEqual(groupArns);
    expect(kc.flatMap((st) => actionsOf(st)).some((a) => a.includes('*'))).toBe(false);
    expect(
      statements.some((st) => actionsOf(st).includes('secretsmanager:GetSecretValue') && String(st.Resource).includes('AmazonMSK')),
    ).toBe(false);
  });

  test('SCRAM auth: reads the SCRAM secret and decrypts with its key; no kafka-cluster actions', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:AmazonMSK_molam-Ab12Cd';
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555';
    const s = synthUnit('prod', { mskAuth: 'scram', mskScramSecretArn: secretArn, mskScramKmsKeyArn: keyArn });
    const statements = statementsOfFunction(s.template, idOf(s, s.stack.functions.Ingest!));
    expect(statements.some((st) => actionsOf(st).some((a) => a.startsWith('kafka-cluster:')))).toBe(false);
    const secretRead = statements.find((st) => asArray(st.Resource).includes(secretArn));
    expect(actionsOf(secretRead).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    const kms = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')));
    expect(kms).toEqual([
      {
        Sid: 'DecryptScramSecret',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      },
    ]);
  });
});

describe('fan-out and WebSocket roles', () => {
  test("execute-api:ManageConnections only on this API stage's @connections, only for functions that post", () => {
    const s = synthUnit('prod');
    const expected = {
      'Fn::Join': ['', ['arn:aws:execute-api:eu-west-1:111111111111:', { Ref: idOf(s, s.stack.webSocketApi) }, '/prod/*/@connections/*']],
    };
    const holders = new Set<string>();
    for (const def of FUNCTIONS) {
      const statements = statementsOfFunction(s.template, idOf(s, s.stack.functions[def.id]!));
      const manage = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('execute-api:')));
      if (manage.length === 0) continue;
      holders.add(def.id);
      for (const st of manage) {
        expect(actionsOf(st), def.id).toEqual(['execute-api:ManageConnections']);
        expect(st.Resource, def.id).toEqual(expected);
      }
    }
    expect([...holders].sort()).toEqual(['Fanout', 'FanoutWorker', 'WsDefault', 'WsPing', 'WsResume', 'WsSubscribe', 'WsUnsubscribe']);
  });

  test('fan-out: reads the deltas stream, reads/writes connections and memberships, never writes deltas', () => {
    const s = synthUnit('prod');
    const statements = statementsOfFunction(s.template, idOf(s, s.stack.functions.Fanout!));
    const deltasArn = { 'Fn::GetAtt': [idOf(s, s.stack.tables.deltas), 'Arn'] };
    const streamArn = { 'Fn::GetAtt': [idOf(s, s.stack.tables.deltas), 'StreamArn'] };
    for (const st of statements.filter((x) => actionsOf(x).some((a) => a.startsWith('dynamodb:')))) {
      const resources = asArray(st.Resource).map((r) => JSON.stringify(r));
      expect(resources).not.toContain(JSON.stringify(deltasArn));
      if (resources.includes(JSON.stringify(streamArn))) {
        expect(actionsOf(st).sort()).toEqual([
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ]);
      } else {
        expect([
          JSON.stringify({ 'Fn::GetAtt': [idOf(s, s.stack.tables.connections), 'Arn'] }),
          JSON.stringify({ 'Fn::GetAtt': [idOf(s, s.stack.tables.memberships), 'Arn'] }),
        ]).toEqual(expect.arrayContaining(resources));
      }
    }
  });

  test('the fan-out may invoke its worker and nothing else; the worker gets the function name', () => {
    const s = synthUnit('prod');
    const worker = { 'Fn::GetAtt': [idOf(s, s.stack.functions.FanoutWorker!), 'Arn'] };
    const invokers = new Set<string>();
    for (const def of FUNCTIONS) {
      for (const st of statementsOfFunction(s.template, idOf(s, s.stack.functions[def.id]!))) {
        if (!actionsOf(st).includes('lambda:InvokeFunction')) continue;
        invokers.add(def.id);
        expect(asArray(st.Resource)).toEqual([worker]);
      }
    }
    expect([...invokers]).toEqual(['Fanout']);
    const vars = s.template.toJSON().Resources[idOf(s, s.stack.functions.Fanout!)].Properties.Environment.Variables;
    expect(vars.FANOUT_WORKER_FUNCTION).toEqual({ Ref: idOf(s, s.stack.functions.FanoutWorker!) });
  });

  test('only ClickHouse users read the ClickHouse secret', () => {
    const s = synthUnit('prod');
    const secretArn = s.stack.config.clickhouse.secretArn;
    for (const def of FUNCTIONS) {
      const reads = statementsOfFunction(s.template, idOf(s, s.stack.functions[def.id]!)).some((st) =>
        asArray(st.Resource).includes(secretArn),
      );
      expect(reads, def.id).toBe(def.uses?.clickhouse === true);
    }
    // The OpenAPI document is static: no secret.
    expect(FUNCTIONS.find((f) => f.id === 'ApiOpenapi')!.uses?.clickhouse).toBeFalsy();
    for (const def of FUNCTIONS.filter((f) => f.trigger.kind === 'msk' || (f.trigger.kind === 'http' && f.id !== 'ApiOpenapi'))) {
      expect(def.uses?.clickhouse, def.id).toBe(true);
    }
  });

  test('REST functions hold no DynamoDB or execute-api permission', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS.filter((f) => f.trigger.kind === 'http')) {
      const actions = statementsOfFunction(s.template, idOf(s, s.stack.functions[def.id]!)).flatMap(actionsOf);
      expect(
        actions.filter((a) => a.startsWith('dynamodb:') || a.startsWith('execute-api:')),
        def.id,
      ).toEqual([]);
    }
  });
});

test.each(['dev', 'staging', 'prod'] as const)('%s: no inline policy uses Resource "*" where a narrower resource exists', (env) => {
  const s = synthUnit(env);
  // AWS offers no resource-level scoping for these (service authorization reference).
  const onlyStar = new Set([
    'cloudfront:GetInvalidation',
    'cloudfront:CreateInvalidation',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
  ]);
  const offenders = policyStatements(s.template)
    .filter(({ statement }) => asArray(statement.Resource).includes('*'))
    .filter(({ statement }) => actionsOf(statement).some((a) => !onlyStar.has(a)))
    .map(({ policy, statement }) => `${policy}: ${actionsOf(statement).join(',')}`);
  expect(offenders).toEqual([]);
  // And no wildcard actions like dynamodb:* or s3:* in our own (non-CDK-provider) policies.
  const ours = policyStatements(s.template).filter(({ policy }) => !policy.startsWith('CustomCDKBucketDeployment'));
  expect(ours.flatMap(({ statement }) => actionsOf(statement)).filter((a) => /:\*$/.test(a))).toEqual([]);
});

// ---- What each handler's code calls must be granted, and nothing more ----------------------
// The catalog declares per entry what its code calls (`uses`); the code is checked against the
// declaration (SDK commands and table definitions reachable from the entry, via esbuild), and the
// synthesized role against both. This is the check that catches `ping`, which answers through
// the resume path and so queries deltas.

const COMMAND_OF: Record<TableAction, string> = {
  GetItem: 'GetCommand',
  PutItem: 'PutCommand',
  UpdateItem: 'UpdateCommand',
  DeleteItem: 'DeleteCommand',
  Query: 'QueryCommand',
  BatchWriteItem: 'BatchWriteCommand',
};
const DYNAMO_COMMANDS = new Set(Object.values(COMMAND_OF));

/** Declared uses the role of `def` lacks, and grants it holds beyond them ([] = exact). */
function grantProblems(template: Template, stack: AnalyticsStack, def: FunctionDef): string[] {
  const statements = statementsOfFunction(template, stack.getLogicalId(stack.functions[def.id]!.node.defaultChild as any));
  const tableArn = (id: string) =>
    JSON.stringify({ 'Fn::GetAtt': [stack.getLogicalId((stack.tables as any)[id].node.defaultChild), 'Arn'] });
  const granted = (action: string, resource: string) =>
    statements.some(
      (st) => st.Effect === 'Allow' && actionsOf(st).includes(action) && asArray(st.Resource).some((r) => JSON.stringify(r) === resource),
    );
  const problems: string[] = [];
  const declared = def.uses?.tables ?? {};
  for (const [table, actions] of Object.entries(declared)) {
    for (const a of actions!) if (!granted(`dynamodb:${a}`, tableArn(table))) problems.push(`missing dynamodb:${a} on ${table}`);
  }
  for (const table of ['connections', 'memberships', 'deltas']) {
    const extra = statements
      .filter((st) => asArray(st.Resource).some((r) => JSON.stringify(r) === tableArn(table)))
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:') && !(declared as any)[table]?.includes(a.slice('dynamodb:'.length)));
    for (const a of extra) problems.push(`extra ${a} on ${table}`);
  }
  const posts = statements.some((st) => actionsOf(st).includes('execute-api:ManageConnections'));
  if (posts !== (def.uses?.postToConnection === true)) problems.push(`execute-api:ManageConnections ${posts ? 'extra' : 'missing'}`);
  return problems;
}

describe('every handler is granted what its code calls', () => {
  const calls = new Map<string, SdkCalls>();
  beforeAll(async () => {
    for (const def of FUNCTIONS) calls.set(def.id, await sdkCallsOf(REPO_ROOT, def.entry));
  }, 120_000);

  test.each(FUNCTIONS.map((f) => [f.id, f] as const))('%s: the catalog declares exactly what the code calls', (_id, def) => {
    const code = calls.get(def.id)!;
    expect(Object.keys(def.uses?.tables ?? {}).sort(), 'tables read by the code').toEqual(code.tables);
    const declaredCommands = new Set(Object.values(def.uses?.tables ?? {}).flatMap((actions) => actions!.map((a) => COMMAND_OF[a])));
    expect([...declaredCommands].sort(), 'DynamoDB calls in the code').toEqual(code.commands.filter((c) => DYNAMO_COMMANDS.has(c)));
    expect(def.uses?.postToConnection === true, 'postToConnection').toBe(code.commands.includes('PostToConnectionCommand'));
    expect(def.uses?.clickhouse === true, 'ClickHouse secret').toBe(code.commands.includes('GetSecretValueCommand'));
    // A function that invokes another is named as that one's `invoke` trigger (`by`).
    const invokesWorker = FUNCTIONS.some((w) => w.trigger.kind === 'invoke' && w.trigger.by === def.id);
    expect(invokesWorker, 'lambda:InvokeFunction').toBe(code.commands.includes('InvokeCommand'));
  });

  test.each(ENVS)('%s: each role holds exactly the declared calls', (env) => {
    const s = synthUnit(env);
    for (const def of FUNCTIONS) expect(grantProblems(s.template, s.stack, def), def.id).toEqual([]);
  });

  test('ping reads deltas, and removing that grant is caught', () => {
    const s = synthUnit('prod');
    const ping = FUNCTIONS.find((f) => f.id === 'WsPing')!;
    expect(calls.get('WsPing')!.tables).toContain('deltas');
    // The same template with ping's deltas statement removed, as the stack had it before.
    const json = JSON.parse(JSON.stringify(s.template.toJSON()));
    const deltasArn = JSON.stringify({ 'Fn::GetAtt': [idOf(s, s.stack.tables.deltas), 'Arn'] });
    const pingRole = json.Resources[idOf(s, s.stack.functions.WsPing!)].Properties.Role['Fn::GetAtt'][0];
    for (const res of Object.values<any>(json.Resources)) {
      if (res.Type !== 'AWS::IAM::Policy' || !res.Properties.Roles.some((r: any) => r.Ref === pingRole)) continue;
      res.Properties.PolicyDocument.Statement = res.Properties.PolicyDocument.Statement.filter(
        (st: any) => !asArray(st.Resource).some((r) => JSON.stringify(r) === deltasArn),
      );
    }
    expect(grantProblems(Template.fromJSON(json), s.stack, ping)).toEqual(['missing dynamodb:Query on deltas']);
    expect(grantProblems(s.template, s.stack, ping)).toEqual([]);
  });

  test('a WebSocket function that never touches connections or memberships gets nothing there', () => {
    const s = synthUnit('prod');
    expect(calls.get('WsDefault')!.tables).toEqual([]);
    const dynamo = statementsOfFunction(s.template, idOf(s, s.stack.functions.WsDefault!))
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toEqual([]);
  });
});
