// One definition of the DynamoDB tables: the CDK stack (TableV2) and the local cloud (CreateTable
// on dynalite) are both built from this, so key schemas and indexes cannot drift apart.

export type AttributeType = 'S' | 'N';

export interface KeyDef {
  name: string;
  type: AttributeType;
}

export interface TableDef {
  /** Logical id, also the default physical name locally. */
  id: 'connections' | 'memberships' | 'deltas';
  /** Environment variable that carries the physical table name to the functions. */
  envVar: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /** Epoch-seconds attribute DynamoDB TTL deletes on. */
  ttlAttribute: string;
  /** Stream view type when the table feeds a Lambda. */
  stream?: 'NEW_IMAGE';
}

/** Open WebSocket connections: who is connected, with which zone scope and rooms. */
export const CONNECTIONS_TABLE: TableDef = {
  id: 'connections',
  envVar: 'CONNECTIONS_TABLE',
  partitionKey: { name: 'connectionId', type: 'S' },
  ttlAttribute: 'expiresAt',
};

/** Room index: the connections of one room are found with one Query on the room. */
export const MEMBERSHIPS_TABLE: TableDef = {
  id: 'memberships',
  envVar: 'MEMBERSHIPS_TABLE',
  partitionKey: { name: 'room', type: 'S' },
  sortKey: { name: 'connectionId', type: 'S' },
  ttlAttribute: 'expiresAt',
};

/**
 * Snapshots of (room, minute) aggregates. The sort key is `<version, zero-padded>#<bucket>`, so
 * "everything recorded since version v" is one Query on the room (used by `resume`). Items are
 * append-only and expire after an hour; the stream feeds the fan-out function.
 */
export const DELTAS_TABLE: TableDef = {
  id: 'deltas',
  envVar: 'DELTAS_TABLE',
  partitionKey: { name: 'room', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  ttlAttribute: 'expiresAt',
  stream: 'NEW_IMAGE',
};

export const TABLES: readonly TableDef[] = [CONNECTIONS_TABLE, MEMBERSHIPS_TABLE, DELTAS_TABLE];

/** Physical name of a table in this process: its env var, else the logical id. */
export function tableName(def: TableDef, env: NodeJS.ProcessEnv = process.env): string {
  return env[def.envVar] ?? def.id;
}

export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;
export const DELTA_TTL_SECONDS = 60 * 60;

/** Sort key of a snapshot: versions are padded to 16 digits so string order is numeric order. */
export function deltaSortKey(version: number, bucket: string): string {
  return `${String(version).padStart(16, '0')}#${bucket}`;
}
