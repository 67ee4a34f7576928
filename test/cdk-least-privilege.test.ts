// Least privilege across every inline policy of the stack: the ingest role writes `deltas` and
// nothing else in DynamoDB, connection management is scoped to this API's stage, Kafka access to
// this cluster's topics and groups, and no statement uses `*` where AWS offers a narrower resource.
import { describe, expect, test } from 'vitest';
import { FUNCTIONS } from '../functions/catalog.js';
import { TOPICS } from '../functions/shared/contracts/index.js';
import { asArray, policyStatements, statementsOfFunction, synthUnit } from './cdk-support.js';

const idOf = (s: ReturnType<typeof synthUnit>, c: { node: { defaultChild?: unknown } }) => s.stack.getLogicalId(c.node.defaultChild as any);
const actionsOf = (st: any): string[] => asArray(st.Action);

describe('ingest role', () => {
  test('DynamoDB: only BatchWriteItem/PutItem, only on the deltas table ARN', () => {
    const s = synthUnit('prod');
    const statements = statementsOfFunction(s.template, idOf(s, s.stack.functions.Ingest!));
    const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0]).sort()).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem']);
    expect(dynamo[0]!.Resource).toEqual({ 'Fn::GetAtt': [idOf(s, s.stack.tables.deltas), 'Arn'] });
    // ...and no other service than Kafka, the ClickHouse secret and its on-failure queue.
    const services = new Set(statements.flatMap((st) => actionsOf(st).map((a) => a.split(':')[0])));
    expect([...services].sort()).toEqual(['dynamodb', 'kafka', 'kafka-cluster', 'secretsmanager', 'sqs']);
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
    for (const a of ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration']) expect(byAction(a)).toEqual([c.msk.clusterArn]);
    const topicArns = TOPICS.map((t) => `${prefix}:topic/${clusterPath}/${t}`).sort();
    for (const a of ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData']) expect(byAction(a).sort()).toEqual(topicArns);
    const groupArns = TOPICS.map((t) => `${prefix}:group/${clusterPath}/analytics-consumer-${t}`).sort();
    for (const a of ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup']) expect(byAction(a).sort()).toEqual(groupArns);
    expect(kc.flatMap((st) => actionsOf(st)).some((a) => a.includes('*'))).toBe(false);
    expect(statements.some((st) => actionsOf(st).includes('secretsmanager:GetSecretValue') && String(st.Resource).includes('AmazonMSK'))).toBe(false);
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
    expect(kms).toEqual([{
      Sid: 'DecryptScramSecret', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn,
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    }]);
  });
});

describe('fan-out and WebSocket roles', () => {
  test('execute-api:ManageConnections only on this API stage\'s @connections, only for functions that post', () => {
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
        expect(actionsOf(st).sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
      } else {
        expect(resources.sort()).toEqual([
          JSON.stringify({ 'Fn::GetAtt': [idOf(s, s.stack.tables.connections), 'Arn'] }),
          JSON.stringify({ 'Fn::GetAtt': [idOf(s, s.stack.tables.memberships), 'Arn'] }),
        ].sort());
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
      const reads = statementsOfFunction(s.template, idOf(s, s.stack.functions[def.id]!)).some((st) => asArray(st.Resource).includes(secretArn));
      expect(reads, def.id).toBe(def.trigger.kind === 'msk' || def.trigger.kind === 'http');
    }
  });

  test('REST functions hold no DynamoDB or execute-api permission', () => {
    const s = synthUnit('prod');
    for (const def of FUNCTIONS.filter((f) => f.trigger.kind === 'http')) {
      const actions = statementsOfFunction(s.template, idOf(s, s.stack.functions[def.id]!)).flatMap(actionsOf);
      expect(actions.filter((a) => a.startsWith('dynamodb:') || a.startsWith('execute-api:')), def.id).toEqual([]);
    }
  });
});

test.each(['dev', 'staging', 'prod'] as const)('%s: no inline policy uses Resource "*" where a narrower resource exists', (env) => {
  const s = synthUnit(env);
  // AWS offers no resource-level scoping for these (service authorization reference).
  const onlyStar = new Set(['cloudfront:GetInvalidation', 'cloudfront:CreateInvalidation']);
  const offenders = policyStatements(s.template)
    .filter(({ statement }) => asArray(statement.Resource).includes('*'))
    .filter(({ statement }) => actionsOf(statement).some((a) => !onlyStar.has(a)))
    .map(({ policy, statement }) => `${policy}: ${actionsOf(statement).join(',')}`);
  expect(offenders).toEqual([]);
  // And no wildcard actions like dynamodb:* or s3:* in our own (non-CDK-provider) policies.
  const ours = policyStatements(s.template).filter(({ policy }) => !policy.startsWith('CustomCDKBucketDeployment'));
  expect(ours.flatMap(({ statement }) => actionsOf(statement)).filter((a) => /:\*$/.test(a))).toEqual([]);
});
