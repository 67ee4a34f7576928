// Lambda entry: MSK event source -> ingest pipeline. Throwing makes the event source redeliver
// the batch (nothing is acknowledged before ClickHouse and the deltas table have it).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MSKEvent } from 'aws-lambda';
import { getClickHouse } from '../shared/clickhouse.js';
import { documentClient } from '../shared/dynamo/client.js';
import { DELTAS_TABLE, tableName } from '../shared/dynamo/tables.js';
import { createLogger, createMetrics } from '../shared/observability.js';
import { SERVICE } from '../shared/observability-names.js';
import { createIngest } from './ingest.js';

const logger = createLogger(SERVICE.ingest);
const metrics = createMetrics(SERVICE.ingest);

const ingest = createIngest({
  clickhouse: getClickHouse,
  dynamo: () => documentClient(),
  deltasTable: tableName(DELTAS_TABLE),
  logger,
  metrics,
});

export const handler = middy((event: MSKEvent) => ingest(event))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
