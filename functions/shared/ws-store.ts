// The one place for the DynamoDB access patterns of WebSocket connections: the connection item
// (who, which zones, which rooms) and the membership index (the connections of one room with one
// Query). Used by the ws route handlers and by the fan-out function.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient } from './dynamo/client.js';
import { batchWriteAll, type WriteRequest } from './dynamo/batch-write.js';
import { CONNECTIONS_TABLE, MEMBERSHIPS_TABLE, tableName } from './dynamo/tables.js';
import type { LimitState } from './ws-limits.js';
import { backoffMs } from './backoff.js';

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
  /** Epoch seconds: the token's `exp`. Past it the connection is refused work and closed (0: unknown). */
  tokenExpiresAt: number;
  /** Rooms held (a string set in DynamoDB; absent when empty). */
  rooms: string[];
  /** Rate and resume limit state (ws-limits.ts); absent until the first message. */
  limits?: LimitState;
}

/** Whether the connection's token has expired at `nowMs`. */
export function tokenExpired(connection: Pick<ConnectionRecord, 'tokenExpiresAt'>, nowMs: number): boolean {
  return connection.tokenExpiresAt > 0 && connection.tokenExpiresAt * 1000 <= nowMs;
}

/** Too many concurrent updates of one connection's limits: the caller refuses the message. */
export class LimitContention extends Error {
  constructor(connectionId: string) {
    super(`limits of connection ${connectionId} kept changing under concurrent messages`);
    this.name = 'LimitContention';
  }
}

export type JoinResult =
  | { ok: true; held: string[] }
  /** Joining would pass the room limit: nothing was joined. */
  | { ok: false; held: string[]; refused: string[] };

export interface Membership {
  room: string;
  connectionId: string;
  /** Epoch seconds, copied from the connection so the fan-out can skip aged-out ones without a read. */
  expiresAt: number;
  /** Epoch seconds, the token's `exp` (copied likewise: the fan-out closes such connections). 0: unknown. */
  tokenExpiresAt: number;
}

export interface WsStore {
  putConnection(connection: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | undefined>;
  /**
   * Adds rooms unless that would pass `maxRooms` (default MAX_ROOMS_PER_CONNECTION), atomically: a
   * conditional write on the set's size, so concurrent joins never pass it. `connection.rooms` is
   * the first guess of what is held (re-read on a conflict). Undefined when the connection is unknown.
   */
  join(
    connection: Pick<ConnectionRecord, 'connectionId' | 'expiresAt' | 'tokenExpiresAt' | 'rooms'>,
    rooms: string[],
    maxRooms?: number,
  ): Promise<JoinResult | undefined>;
  /**
   * Reads the connection, lets `decide` compute new limit state from it and writes that back only
   * if no one changed the limits meanwhile (optimistic; retried). `limits: undefined` writes
   * nothing. Undefined when the connection is unknown; LimitContention after `maxAttempts`
   * conflicts (default 8) with the connection's other messages.
   */
  updateLimits<T>(
    connectionId: string,
    decide: (connection: ConnectionRecord) => { limits: LimitState | undefined; result: T },
    maxAttempts?: number,
  ): Promise<{ connection: ConnectionRecord; result: T } | undefined>;
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
    tokenExpiresAt: Number(item.tokenExpiresAt ?? 0),
    rooms: roomsOf(item.rooms),
    ...(item.limits && typeof item.limits === 'object' ? { limits: item.limits as LimitState } : {}),
  };
}

/** The document client refuses undefined attribute values; optional limit fields may be unset. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
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

  /** Removes rooms from the connection item; the rooms now held, or undefined if it is gone. */
  const removeRooms = async (connectionId: string, rooms: string[]): Promise<string[] | undefined> => {
    try {
      const out = await doc.send(
        new UpdateCommand({
          TableName: connections,
          Key: { connectionId },
          UpdateExpression: 'DELETE #rooms :rooms',
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
            tokenExpiresAt: c.tokenExpiresAt,
            ...(c.rooms.length > 0 ? { rooms: new Set(c.rooms) } : {}),
          },
        }),
      );
    },

    async getConnection(connectionId) {
      const out = await doc.send(new GetCommand({ TableName: connections, Key: { connectionId }, ConsistentRead: true }));
      return out.Item ? toRecord(out.Item) : undefined;
    },

    async join(connection, rooms, maxRooms = MAX_ROOMS_PER_CONNECTION) {
      const { connectionId } = connection;
      let held = connection.rooms;
      for (let attempt = 1; ; attempt++) {
        const fresh = rooms.filter((r) => !held.includes(r));
        if (held.length + fresh.length > maxRooms) return { ok: false, held, refused: fresh };
        if (fresh.length > 0) {
          try {
            // Atomic: the set may hold at most maxRooms - |fresh| before the ADD, whatever else
            // joined since we read it (a concurrent join of the same room only makes this stricter;
            // that conflict is re-read below).
            const out = await doc.send(
              new UpdateCommand({
                TableName: connections,
                Key: { connectionId },
                UpdateExpression: 'ADD #rooms :rooms',
                ConditionExpression: 'attribute_exists(connectionId) AND (attribute_not_exists(#rooms) OR size(#rooms) <= :room_budget)',
                ExpressionAttributeNames: { '#rooms': 'rooms' },
                ExpressionAttributeValues: { ':rooms': new Set(fresh), ':room_budget': maxRooms - fresh.length },
                ReturnValues: 'ALL_NEW',
              }),
            );
            held = roomsOf(out.Attributes?.rooms);
          } catch (err) {
            if (!(err instanceof ConditionalCheckFailedException)) throw err;
            const now = await this.getConnection(connectionId);
            if (!now) return undefined;
            held = now.rooms;
            if (attempt >= 5) return { ok: false, held, refused: rooms.filter((r) => !held.includes(r)) };
            continue;
          }
        }
        // The connection item first: $disconnect reads the rooms from it to remove the memberships.
        await batchWrite(
          doc,
          memberships,
          rooms.map((room) => ({
            PutRequest: { Item: { room, connectionId, expiresAt: connection.expiresAt, tokenExpiresAt: connection.tokenExpiresAt } },
          })),
        );
        return { ok: true, held };
      }
    },

    async updateLimits(connectionId, decide, maxAttempts = 8) {
      for (let attempt = 1; ; attempt++) {
        const out = await doc.send(new GetCommand({ TableName: connections, Key: { connectionId }, ConsistentRead: true }));
        if (!out.Item) return undefined;
        const connection = toRecord(out.Item);
        const { limits, result } = decide(connection);
        if (limits === undefined) return { connection, result };
        const version = Number(out.Item.limitsVersion ?? 0);
        try {
          await doc.send(
            new UpdateCommand({
              TableName: connections,
              Key: { connectionId },
              UpdateExpression: 'SET #l = :l, #v = :next',
              ConditionExpression: version === 0 ? 'attribute_exists(connectionId) AND attribute_not_exists(#v)' : '#v = :v',
              ExpressionAttributeNames: { '#l': 'limits', '#v': 'limitsVersion' },
              ExpressionAttributeValues: {
                ':l': withoutUndefined(limits),
                ':next': version + 1,
                ...(version === 0 ? {} : { ':v': version }),
              },
            }),
          );
          return { connection: { ...connection, limits }, result };
        } catch (err) {
          // Another message of this connection updated the limits first: decide again on its state.
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
          if (attempt >= maxAttempts) throw new LimitContention(connectionId);
          await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 5, maxMs: 40, jitter: 'full' })));
        }
      }
    },

    async leave(connectionId, rooms) {
      if (rooms.length === 0) return (await this.getConnection(connectionId))?.rooms;
      const held = await removeRooms(connectionId, rooms);
      // Memberships go even when the connection item is gone already.
      await deleteMemberships(connectionId, rooms);
      return held;
    },

    async removeConnection(connectionId, alsoRooms = []) {
      const out = await doc.send(new DeleteCommand({ TableName: connections, Key: { connectionId }, ReturnValues: 'ALL_OLD' }));
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
            ExpressionAttributeNames: { '#room': 'room', '#c': 'connectionId', '#e': 'expiresAt', '#t': 'tokenExpiresAt' },
            ExpressionAttributeValues: { ':room': room },
            ProjectionExpression: '#c, #e, #t',
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          out.push({
            room,
            connectionId: String(item.connectionId),
            expiresAt: Number(item.expiresAt ?? 0),
            tokenExpiresAt: Number(item.tokenExpiresAt ?? 0),
          });
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
