// One factory for the DynamoDB clients, cached per process (per Lambda container). With
// DYNAMODB_ENDPOINT set (the local cloud, dynalite) it talks to that endpoint with dummy
// credentials, so no AWS account or profile is ever needed locally.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

export interface DynamoClientOptions {
  /** Endpoint override (dynalite); real AWS when undefined. */
  endpoint?: string;
  /** Region; defaults to AWS_REGION, or us-east-1 against a local endpoint. */
  region?: string;
}

export const LOCAL_DUMMY_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Builds a fresh pair (callers that need their own lifecycle, e.g. tests, destroy it themselves). */
export function createDynamoClients(options: DynamoClientOptions = {}): DynamoClients {
  const config: DynamoDBClientConfig = {};
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.region = options.region ?? 'us-east-1';
    config.credentials = LOCAL_DUMMY_CREDENTIALS;
  } else if (options.region) {
    config.region = options.region;
  }
  const client = new DynamoDBClient(config);
  // removeUndefinedValues: optional fields of our records are simply absent from the item.
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
}

export function dynamoOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoClientOptions {
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined;
  return { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
}

const cache = new Map<string, DynamoClients>();

/** The process-wide clients for this environment (DYNAMODB_ENDPOINT, AWS_REGION). */
export function dynamoClients(env: NodeJS.ProcessEnv = process.env): DynamoClients {
  const options = dynamoOptionsFromEnv(env);
  const key = `${options.endpoint ?? ''}|${options.region ?? ''}`;
  let clients = cache.get(key);
  if (!clients) {
    clients = createDynamoClients(options);
    cache.set(key, clients);
  }
  return clients;
}

export function documentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  return dynamoClients(env).doc;
}

/** Destroys the cached clients (end of a test file or local-cloud shutdown). */
export function resetDynamoClients(): void {
  for (const { client } of cache.values()) client.destroy();
  cache.clear();
}
