// Starts the real engines a test file needs (chdb ClickHouse endpoint, dynalite with the tables)
// on ephemeral ports with private temp directories, and stops them afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { startClickHouseServer, type ClickHouseServer } from '../local/clickhouse/server.js';
import { startDynamo, ensureTables, type LocalDynamo } from '../local/dynamo.js';
import { createClickHouseClient, clickhouseConfigFromEnv } from '../functions/shared/clickhouse.js';
import { createDynamoClients, type DynamoClients } from '../functions/shared/dynamo/client.js';
import { migrate } from '../sql/migrations.js';

export interface TestClickHouse {
  server: ClickHouseServer;
  client: ClickHouseClient;
  dataDir: string;
  /** A fresh client for the same server (e.g. after a restart). */
  newClient(): ClickHouseClient;
  /** Stops the server, keeping its data (to simulate an outage). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestClickHouse(opts: { migrate?: boolean } = {}): Promise<TestClickHouse> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'molam-ch-'));
  let server = await startClickHouseServer({ port: 0, dataDir });
  const port = server.port;
  const newClient = () => createClickHouseClient({ ...clickhouseConfigFromEnv({}), url: server.url, compression: false });
  const client = newClient();
  if (opts.migrate !== false) await migrate(client);
  let stopped = false;
  const handle: TestClickHouse = {
    get server() {
      return server;
    },
    client,
    dataDir,
    newClient,
    async stop() {
      if (!stopped) await server.close();
      stopped = true;
    },
    async restart() {
      if (!stopped) await server.close();
      server = await startClickHouseServer({ port, dataDir });
      stopped = false;
    },
    async close() {
      await client.close();
      if (!stopped) await server.close();
      stopped = true;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface TestDynamo {
  dynamo: LocalDynamo;
  clients: DynamoClients;
  close(): Promise<void>;
}

export async function startTestDynamo(): Promise<TestDynamo> {
  const dynamo = await startDynamo({ port: 0 });
  const clients = createDynamoClients({ endpoint: dynamo.endpoint });
  await ensureTables(clients.client);
  return {
    dynamo,
    clients,
    async close() {
      clients.client.destroy();
      await dynamo.close();
    },
  };
}

/** Every table the ingest path writes (raw, rollups, quarantine, offset marks, event ids). */
export const INGEST_TABLES = [
  'analytics_events_raw',
  'analytics_agg_minute',
  'analytics_agg_hour',
  'analytics_agg_day',
  'analytics_merchant_hour',
  'analytics_merchant_day',
  'analytics_merchant_month',
  'analytics_merchant_span',
  'analytics_events_rejected',
  'analytics_ingest_offsets',
  'analytics_event_ids',
] as const;

/** Empties every table the ingest path writes, so a test starts from nothing stored. */
export async function truncateIngestTables(client: ClickHouseClient): Promise<void> {
  for (const t of INGEST_TABLES) await client.command({ query: `TRUNCATE TABLE ${t}` });
}
