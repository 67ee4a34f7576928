// Where the integration suite runs: the embedded local cloud by default (started here on ephemeral
// ports), or a LocalStack deployment when `npm run test:localstack` hands over the stack's outputs
// (ANALYTICS_TARGET=localstack, ANALYTICS_API_URL, ANALYTICS_WS_URL, DYNAMODB_ENDPOINT, table names).
// Tests only see this interface, so both paths run the same assertions.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClients } from '../../functions/shared/dynamo/client.js';
import { ensureDevKeys, signDevToken } from '../../devkit/dev-keys.js';
import { localDir } from '../../local/config.js';

export interface Targets {
  kind: 'local' | 'localstack';
  /** REST base, …/api/analytics */
  apiUrl: string;
  /** WebSocket URL (clients add ?token=) */
  wsUrl: string;
  dynamo: DynamoDBClient;
  /** A token the deployment accepts (signed with the dev key its MOLAM_ID_PUBLIC_KEY matches). */
  token(zones: string[], ttlSeconds?: number): Promise<string>;
  close(): Promise<void>;
}

export async function integrationTargets(): Promise<Targets> {
  if (process.env.ANALYTICS_TARGET === 'localstack') {
    const need = (name: string) => {
      const v = process.env[name];
      if (!v) throw new Error(`${name} is not set (run through npm run test:localstack)`);
      return v;
    };
    const keys = await ensureDevKeys(path.join(localDir(), 'keys'));
    const { client } = createDynamoClients({ endpoint: need('DYNAMODB_ENDPOINT') });
    return {
      kind: 'localstack',
      apiUrl: need('ANALYTICS_API_URL'),
      wsUrl: need('ANALYTICS_WS_URL'),
      dynamo: client,
      token: (zones, ttlSeconds = 600) => signDevToken({ zones, ttlSeconds }, keys),
      close: async () => client.destroy(),
    };
  }
  const { startLocalCloud } = await import('../../local/cloud.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'molam-it-'));
  const cloud = await startLocalCloud({
    dir,
    ports: { clickhouse: 0, dynamodb: 0, httpGateway: 0, wsGateway: 0, dashboard: 0 },
    generatorRate: 0,
    dashboard: false,
  });
  const { client } = createDynamoClients({ endpoint: cloud.urls.dynamodb });
  return {
    kind: 'local',
    apiUrl: cloud.urls.api,
    wsUrl: cloud.urls.ws,
    dynamo: client,
    token: (zones, ttlSeconds = 600) => cloud.devToken(zones, ttlSeconds),
    async close() {
      client.destroy();
      await cloud.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
