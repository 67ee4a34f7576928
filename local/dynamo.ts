// Local DynamoDB: dynalite (the DynamoDB API over LevelDB) plus table creation from the one
// table definition the CDK stack also uses (functions/shared/dynamo/tables.ts).
import { listen } from './listen.js';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type AttributeDefinition,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../functions/shared/dynamo/batch-write.js';
import { TABLES, tableName, type TableDef } from '../functions/shared/dynamo/tables.js';
import { guardServer, type AllowedOrigins } from './origin-guard.js';
import { sleep } from './lib/sleep.js';

/** DynamoDB's own request limit (BatchWriteItem: 16 MB); the SDK never sends more. */
export const MAX_DYNAMO_BODY_BYTES = 16 * 1024 * 1024;

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
// dynalite is CommonJS without type declarations.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: DynaliteOptions) => Server;

export interface StartDynamoOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 = an ephemeral port (the local cloud passes 8000 or its override). */
  port?: number;
  /** LevelDB directory (e.g. .local/dynamo); in-memory when undefined. */
  dataDir?: string;
  /** Origins whose browser requests are served (default none: the SDK sends no Origin). */
  allowedOrigins?: AllowedOrigins;
}

export interface LocalDynamo {
  /** `http://host:port`, for DYNAMODB_ENDPOINT. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export async function startDynamo(options: StartDynamoOptions = {}): Promise<LocalDynamo> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  // Table state changes take 500 ms by default in dynalite; nothing here needs to observe CREATING.
  const server = dynalite({
    createTableMs: 10,
    deleteTableMs: 10,
    updateTableMs: 10,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  // SDK clients pool sockets for longer than Node's 5 s default: keep them, avoiding ECONNRESET.
  server.keepAliveTimeout = 65_000;
  // dynalite answers any origin with CORS `*`: a web page could write the tables. Refuse browsers.
  guardServer(server, options.allowedOrigins ?? (() => []), MAX_DYNAMO_BODY_BYTES);
  const { port, hostPort } = await listen(server, options.port, host);
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${hostPort}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
        // SDK clients keep sockets alive; without this close() waits for them to time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Physical table names by logical id; missing ids use tableName() (env var, else the id). */
export type TableNames = Partial<Record<TableDef['id'], string>>;

export function keySchemaOf(def: TableDef): KeySchemaElement[] {
  return [
    { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
    ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

export function attributeDefinitionsOf(def: TableDef): AttributeDefinition[] {
  return [
    { AttributeName: def.partitionKey.name, AttributeType: def.partitionKey.type },
    ...(def.sortKey ? [{ AttributeName: def.sortKey.name, AttributeType: def.sortKey.type }] : []),
  ];
}

function sameKeySchema(actual: TableDescription, def: TableDef): boolean {
  const want = keySchemaOf(def);
  const have = actual.KeySchema ?? [];
  return (
    have.length === want.length &&
    want.every((k, i) => have[i]?.AttributeName === k.AttributeName && have[i]?.KeyType === k.KeyType) &&
    attributeDefinitionsOf(def).every((a) =>
      actual.AttributeDefinitions?.some((b) => b.AttributeName === a.AttributeName && b.AttributeType === a.AttributeType),
    )
  );
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

export interface EnsuredTable {
  id: TableDef['id'];
  name: string;
  created: boolean;
}

/**
 * Creates the tables that do not exist yet (pay-per-request) and waits until each is ACTIVE.
 * Idempotent; an existing table with another key schema is an error, not silently reused.
 * The StreamSpecification is sent as AWS would get it, but dynalite drops it (no Streams API):
 * the stream emulation must read `def.stream` from tables.ts, not DescribeTable.
 * dynalite has no UpdateTimeToLive either: TTL expiry is emulated (startTtlSweeper / local cloud).
 */
export async function ensureTables(
  client: DynamoDBClient,
  defs: readonly TableDef[] = TABLES,
  names: TableNames = {},
  timeoutMs = 30_000,
): Promise<EnsuredTable[]> {
  return Promise.all(
    defs.map(async (def): Promise<EnsuredTable> => {
      const name = names[def.id] ?? tableName(def);
      let table = await describe(client, name);
      let created = false;
      if (!table) {
        try {
          await client.send(
            new CreateTableCommand({
              TableName: name,
              KeySchema: keySchemaOf(def),
              AttributeDefinitions: attributeDefinitionsOf(def),
              BillingMode: 'PAY_PER_REQUEST',
              ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
            }),
          );
          created = true;
        } catch (err) {
          // Another process created it between our describe and create.
          if (!(err instanceof ResourceInUseException)) throw err;
        }
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        table = await describe(client, name);
        if (table?.TableStatus === 'ACTIVE') break;
        if (Date.now() > deadline)
          throw new Error(`table ${name} not ACTIVE after ${timeoutMs} ms (status ${table?.TableStatus ?? 'missing'})`);
        await sleep(20);
      }
      if (!sameKeySchema(table, def)) {
        throw new Error(
          `table ${name} exists with a different key schema than functions/shared/dynamo/tables.ts (${def.id}); delete it (npm run local:reset)`,
        );
      }
      return { id: def.id, name, created };
    }),
  );
}

export interface TtlSweeper {
  /** One sweep now; resolves to the number of items deleted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Emulates DynamoDB TTL, which dynalite lacks: every interval, items whose TTL attribute (epoch
 * seconds, a number) is in the past are deleted with ordinary deletes, so anything watching the
 * writes (the stream emulation) sees them as REMOVEs like real TTL deletions.
 */
export function startTtlSweeper(
  doc: DynamoDBDocumentClient,
  defs: readonly TableDef[] = TABLES,
  intervalMs = 5_000,
  names: TableNames = {},
): TtlSweeper {
  let running: Promise<number> | undefined;
  let stopped = false;

  async function sweepTable(def: TableDef): Promise<number> {
    const name = names[def.id] ?? tableName(def);
    const keyNames = [def.partitionKey.name, ...(def.sortKey ? [def.sortKey.name] : [])];
    const now = Math.floor(Date.now() / 1000);
    let deleted = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': def.ttlAttribute, ...Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])) },
          ExpressionAttributeValues: { ':now': now },
          ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      await batchWriteAll(
        doc,
        name,
        items.map((item) => ({ DeleteRequest: { Key: item } })),
      );
      deleted += items.length;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }

  const sweep = (): Promise<number> => {
    running ??= Promise.all(defs.map(sweepTable))
      .then((counts) => counts.reduce((a, b) => a + b, 0))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) sweep().catch((err: unknown) => console.error('ttl sweeper:', err));
  }, intervalMs);
  timer.unref();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
