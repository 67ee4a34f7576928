// Large rooms are pushed by parallel workers: the fan-out keeps one chunk of connections for
// itself and invokes the worker function synchronously (RequestResponse) for each other chunk, all
// at once. Waiting keeps the stream's order and push rate per lane, and lets a worker's failed
// rooms come back as batchItemFailures. One Lambda client per container (keep-alive sockets).
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { LOCAL_DUMMY_CREDENTIALS } from '../shared/dynamo/client.js';
import type { DeliveryOutcome } from './deliver.js';
import type { DeliveryChunk } from './plan.js';

/** What the worker function receives and answers. */
export interface WorkerRequest {
  chunk: DeliveryChunk;
}
export type WorkerResponse = DeliveryOutcome;

let cached: { endpoint: string | undefined; client: LambdaClient } | undefined;

/** LAMBDA_ENDPOINT points the client at the local cloud's Invoke stand-in. */
export function lambdaClient(env: NodeJS.ProcessEnv = process.env): LambdaClient {
  const endpoint = env.LAMBDA_ENDPOINT?.trim() || undefined;
  if (cached && cached.endpoint === endpoint) return cached.client;
  cached?.client.destroy();
  const agent = { keepAlive: true, maxSockets: 64 };
  const config: LambdaClientConfig = {
    maxAttempts: 3,
    cacheMiddleware: true,
    requestHandler: { httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent) },
  };
  if (endpoint) {
    config.endpoint = endpoint;
    config.credentials = LOCAL_DUMMY_CREDENTIALS;
    config.region = env.AWS_REGION ?? 'us-east-1';
  }
  cached = { endpoint, client: new LambdaClient(config) };
  return cached.client;
}

export function resetLambdaClient(): void {
  cached?.client.destroy();
  cached = undefined;
}

/** Invokes the worker for one chunk; throws when the invocation or the worker fails. */
export async function invokeWorker(
  functionName: string,
  chunk: DeliveryChunk,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DeliveryOutcome> {
  const request: WorkerRequest = { chunk };
  const out = await lambdaClient(env).send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(request)) }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) throw new Error(`fan-out worker failed (${out.FunctionError}): ${text.slice(0, 500)}`);
  return JSON.parse(text) as DeliveryOutcome;
}
