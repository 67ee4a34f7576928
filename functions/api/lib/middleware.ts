// Middy middleware for the HTTP functions: turns errors into the JSON error shape (a 500 never
// carries internals; it is logged instead) and records the predecessor's two HTTP metrics per
// route with the status code as a (low-cardinality) dimension, plus the latency with the service
// dimension alone for the CDK alarm.
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createLogger, createMetrics } from '../../shared/observability.js';
import { METRIC, METRIC_SERVICE } from '../../shared/observability-names.js';
import { ApiHttpError } from './errors.js';
import { errorResponse } from './responses.js';

export type HttpRequest = Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

/** One logger and one metrics buffer for every API function in a process. */
export const apiLogger: Logger = createLogger(METRIC_SERVICE.api);
export const apiMetrics: Metrics = createMetrics(METRIC_SERVICE.api);

export function httpObservability(route: string): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context> {
  const started = new WeakMap<object, number>();

  const record = (request: HttpRequest): void => {
    const status = request.response?.statusCode ?? 500;
    const t0 = started.get(request) ?? performance.now();
    // add + publish in one synchronous stretch: concurrent invocations in one process (the local
    // cloud) cannot interleave their dimensions.
    apiMetrics.addDimensions({ route, status: String(status) });
    apiMetrics.addMetric(METRIC.httpRequests, MetricUnit.Count, 1);
    const seconds = (performance.now() - t0) / 1000;
    apiMetrics.addMetric(METRIC.httpRequestDuration, MetricUnit.Seconds, seconds);
    apiMetrics.publishStoredMetrics();
    // The latency alarm watches the metric with exactly ALARM_DIMENSIONS.httpRequestDuration
    // ({ service }): one more copy with the default dimensions only.
    apiMetrics.singleMetric().addMetric(METRIC.httpRequestDuration, MetricUnit.Seconds, seconds);
  };

  return {
    before: (request) => {
      started.set(request, performance.now());
    },
    after: (request) => {
      record(request);
    },
    onError: (request) => {
      const err = request.error;
      if (err instanceof ApiHttpError) {
        if (err.status >= 500) apiLogger.error('request failed', { route, status: err.status, message: err.message });
        request.response = errorResponse(err.status, err.toBody(), err.headers);
      } else {
        apiLogger.error('request failed', {
          route,
          requestId: request.event?.requestContext?.requestId,
          error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
        });
        request.response = errorResponse(500, { error: { code: 'internal', message: 'internal error; see the function logs' } });
      }
      record(request);
    },
  };
}
