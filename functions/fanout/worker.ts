// Fan-out worker: pushes one chunk of connections of a large room on behalf of the fan-out
// function (invoked synchronously, see workers.ts) and answers with the outcome.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createLogger, createMetrics } from '../shared/observability.js';
import { METRIC, SERVICE } from '../shared/observability-names.js';
import { managementClient, managementEndpoint } from '../shared/ws-management.js';
import { flushMetrics } from '../shared/ws-metrics.js';
import { wsStoreFromEnv } from '../shared/ws-store.js';
import { fanoutConfig } from './config.js';
import { deliverChunk, type DeliveryOutcome } from './deliver.js';
import type { WorkerRequest } from './workers.js';

const logger = createLogger(SERVICE.fanout);
const metrics = createMetrics(SERVICE.fanout);

export async function work(request: WorkerRequest, env: NodeJS.ProcessEnv = process.env): Promise<DeliveryOutcome> {
  const outcome = await deliverChunk(request.chunk, {
    client: managementClient(managementEndpoint(undefined, env), env),
    store: wsStoreFromEnv(env),
    concurrency: fanoutConfig(env).concurrency,
    onError: (connectionId, error) => logger.warn('push failed', { connectionId, error: error as Error }),
  });
  if (outcome.frames > 0) metrics.addMetric(METRIC.wsMessages, MetricUnit.Count, outcome.frames);
  if (outcome.gone > 0)
    metrics.singleMetric().addDimension('status', 'gone').addMetric(METRIC.wsConnections, MetricUnit.Count, outcome.gone);
  return outcome;
}

export const handler = middy<WorkerRequest, DeliveryOutcome, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(flushMetrics(metrics))
  .handler((request) => work(request));
