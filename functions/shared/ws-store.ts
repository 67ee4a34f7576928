// The one place for the DynamoDB access patterns of WebSocket connections: the connection item
// (who, which zones, which rooms) and the membership index (the connections of one room with one
// Query). Used by the ws route handlers and by the fan-out function.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient } from './dynamo/client.js';
import { batchWriteAll, type WriteRequest } from './dynamo/batch-write.js';
import { CONNECTIONS_TABLE, MEMBERSHIPS_TABLE, tableName } from './dynamo/tables.js';

/** Most rooms one connection may hold at once (bounds the fan-out work per connection). */
export const MAX_ROOMS_PER_CONNECTION = 50;

export interface ConnectionRecord {
  connectionId: string;
  /** Token subject. */
  sub: string;
  /** Zone scope from the token; `["*"]` = all. */
  zones: string[];
  /** Epoch ms, as API Gateway reports it. */
  connectedAt: number;
  /** Epoch seconds: the 2-hour maximum connection age; also the DynamoDB TTL attribute. */
  expiresAt: number;
  /** Rooms held (a string set in DynamoDB; absent when empty). */
  rooms: string[];
}

export interface Membership {
  room: string;
  connectionId: string;
  /** Epoch seconds, copied from the connection so the fan-out can skip aged-out ones without a read. */
  expiresAt: number;
}

export interface WsStore {
  putConnection(connection: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Adds rooms; resolves to the rooms held afterwards, undefined when the connection is unknown. */
  join(connection: Pick<ConnectionRecord, 'connectionId' | 'expiresAt'>, rooms: string[]): Promise<string[] | undefined>;
  /** Removes rooms; resolves to the rooms held afterwards, undefined when the connection is unknown. */
  leave(connectionId: string, rooms: string[]): Promise<string[] | undefined>;
  /**
   * Deletes a connection and its memberships (those recorded on the item plus `alsoRooms`, for
   * memberships found without their connection). Resolves to the rooms cleaned up.
   */
  removeConnection(connectionId: string, alsoRooms?: string[]): Promise<string[]>;
  /** Every membership of a room (one paginated Query). */
  membersOf(room: string): Promise<Membership[]>;
}

export interface WsStoreTables {
  connections: string;
  memberships: string;
}

function roomsOf(value: unknown): string[] {
  if (value instanceof Set) return [...(value as Set<string>)].sort();
  if (Array.isArray(value)) return [...(value as string[])].sort();
  return [];
}

function toRecord(item: Record<string, unknown>): ConnectionRecord {
  return {
    connectionId: String(item.connectionId),
    sub: String(item.sub ?? ''),
    zones: Array.isArray(item.zones) ? (item.zones as string[]) : [],
    connectedAt: Number(item.connectedAt ?? 0),
    expiresAt: Number(item.expiresAt ?? 0),
    rooms: roomsOf(item.rooms),
  };
}

function batchWrite(doc: DynamoDBDocumentClient, table: string, requests: WriteRequest[]): Promise<void> {
  return batchWriteAll(doc, table, requests, { concurrency: 4, baseDelayMs: 20 });
}

export function createWsStore(doc: DynamoDBDocumentClient, tables: WsStoreTables): WsStore {
  const { connections, memberships } = tables;

  const deleteMemberships = (connectionId: string, rooms: string[]) =>
    batchWrite(
      doc,
      memberships,
      rooms.map((room) => ({ DeleteRequest: { Key: { room, connectionId } } })),
    );

  /** Adds or removes rooms on the connection item; the rooms now held, or undefined if it is gone. */
  const updateRooms = async (connectionId: string, op: 'ADD' | 'DELETE', rooms: string[]): Promise<string[] | undefined> => {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: connections,
          Key: { connectionId },
          UpdateExpression: `${op} #rooms :rooms`,
          ConditionExpression: 'attribute_exists(connectionId)',
          ExpressionAttributeNames: { '#rooms': 'rooms' },
          ExpressionAttributeValues: { ':rooms': new Set(rooms) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return roomsOf(out.Attributes?.rooms);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  };

  return {
    async putConnection(c) {
      await doc.send(
        new PutCommand({
          TableName: connections,
          Item: {
            connectionId: c.connectionId,
            sub: c.sub,
            zones: c.zones,
            connectedAt: c.connectedAt,
            expiresAt: c.expiresAt,
            ...(c.rooms.length > 0 ? { rooms: new Set(c.rooms) } : {}),
          },
        }),
      );
    },

    async getConnection(connectionId) {
      const out = await doc.send(new GetCommand({ TableName: connections, Key: { connectionId }, ConsistentRead: true }));
      return out.Item ? toRecord(out.Item) : undefined;
    },

    async join(connection, rooms) {
      if (rooms.length === 0) return (await this.getConnection(connection.connectionId))?.rooms;
      // The connection item first: its condition tells a vanished connection apart, and
      // $disconnect reads the rooms from it to remove the memberships.
      const held = await updateRooms(connection.connectionId, 'ADD', rooms);
      if (held === undefined) return undefined;
      await batchWrite(
        doc,
        memberships,
        rooms.map((room) => ({
          PutRequest: { Item: { room, connectionId: connection.connectionId, expiresAt: connection.expiresAt } },
        })),
      );
      return held;
    },

    async leave(connectionId, rooms) {
      if (rooms.length === 0) return (await this.getConnection(connectionId))?.rooms;
      const held = await updateRooms(connectionId, 'DELETE', rooms);
      // Memberships go even when the connection item is gone already.
      await deleteMemberships(connectionId, rooms);
      return held;
    },

    async removeConnection(connectionId, alsoRooms = []) {
      const out = await doc.send(
        new DeleteCommand({ TableName: connections, Key: { connectionId }, ReturnValues: 'ALL_OLD' }),
      );
      const rooms = [...new Set([...roomsOf(out.Attributes?.rooms), ...alsoRooms])].sort();
      await deleteMemberships(connectionId, rooms);
      return rooms;
    },

    async membersOf(room) {
      const out: Membership[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: memberships,
            KeyConditionExpression: '#room = :room',
            ExpressionAttributeNames: { '#room': 'room', '#c': 'connectionId', '#e': 'expiresAt' },
            ExpressionAttributeValues: { ':room': room },
            ProjectionExpression: '#c, #e',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          out.push({ room, connectionId: String(item.connectionId), expiresAt: Number(item.expiresAt ?? 0) });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return out;
    },
  };
}

/** The store for this process's environment (DYNAMODB_ENDPOINT, table name variables). */
export function wsStoreFromEnv(env: NodeJS.ProcessEnv = process.env): WsStore {
  return createWsStore(documentClient(env), {
    connections: tableName(CONNECTIONS_TABLE, env),
    memberships: tableName(MEMBERSHIPS_TABLE, env),
  });
}
