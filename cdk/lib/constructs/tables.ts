// DynamoDB tables from the shared table definitions (functions/shared/dynamo/tables.ts): keys,
// TTL, stream, PITR and deletion protection per environment.
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { TABLES, type TableDef } from '../../../functions/shared/dynamo/tables.js';
import type { EnvConfig } from '../config.js';
import { acknowledge } from '../nag.js';

export interface TablesProps {
  config: EnvConfig;
  removalPolicy: RemovalPolicy;
}

export class Tables {
  readonly byId: Record<TableDef['id'], dynamodb.TableV2>;
  /** The handlers' table-name variables (envVar -> physical name). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, props: TablesProps) {
    const { config, removalPolicy } = props;
    const tables = {} as Record<TableDef['id'], dynamodb.TableV2>;
    for (const def of TABLES) {
      tables[def.id] = new dynamodb.TableV2(scope, `Table-${def.id}`, {
        partitionKey: { name: def.partitionKey.name, type: attributeType(def.partitionKey.type) },
        ...(def.sortKey ? { sortKey: { name: def.sortKey.name, type: attributeType(def.sortKey.type) } } : {}),
        billing: dynamodb.Billing.onDemand(),
        timeToLiveAttribute: def.ttlAttribute,
        ...(def.stream ? { dynamoStream: dynamodb.StreamViewType[def.stream] } : {}),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
        deletionProtection: config.removalPolicy === 'retain',
        removalPolicy,
      });
      if (!config.pointInTimeRecovery) {
        acknowledge(
          tables[def.id],
          'AwsSolutions-DDB3',
          `PITR is enabled in prod only; ${config.envName} data is short-lived (TTL) and rebuilt from Kafka/ClickHouse`,
        );
      }
    }
    this.byId = tables;
    this.environment = Object.fromEntries(TABLES.map((def) => [def.envVar, tables[def.id].tableName]));
  }
}

function attributeType(t: 'S' | 'N'): dynamodb.AttributeType {
  return t === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER;
}
