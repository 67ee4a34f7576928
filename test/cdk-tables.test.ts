// The tables concern (cdk/lib/constructs/tables.ts): every table from TABLES, per environment.
// Unit synths: bundling skipped, built-in validation off (cdk-strict-synth.test.ts has both on).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { TABLES } from '../functions/shared/dynamo/tables.js';
import { ENVS, logicalId, synthUnit } from './cdk-support.js';

describe('DynamoDB tables come from TABLES', () => {
  test.each(ENVS)('%s: key schema, TTL, stream, PITR and removal policy', (env) => {
    const s = synthUnit(env);
    const prod = env === 'prod';
    s.template.resourceCountIs('AWS::DynamoDB::GlobalTable', TABLES.length);
    for (const def of TABLES) {
      const tableId = logicalId(s, s.stack.tables[def.id]);
      const keySchema = [
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      const res = s.template.toJSON().Resources[tableId];
      expect(res.Type).toBe('AWS::DynamoDB::GlobalTable');
      expect(res.Properties.KeySchema).toEqual(keySchema);
      expect(res.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(res.Properties.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
      if (def.stream) expect(res.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
      else expect(res.Properties.StreamSpecification).toBeUndefined();
      expect(res.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: prod });
      expect(res.Properties.Replicas[0].DeletionProtectionEnabled).toBe(prod);
      expect(res.DeletionPolicy).toBe(prod ? 'Retain' : 'Delete');
      expect(res.UpdateReplacePolicy).toBe(prod ? 'Retain' : 'Delete');
    }
  });

  test('the deltas table streams NEW_IMAGE', () => {
    const deltas = TABLES.find((t) => t.id === 'deltas')!;
    synthUnit('prod').template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: Match.arrayWith([{ AttributeName: deltas.partitionKey.name, KeyType: 'HASH' }]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
  });
});
