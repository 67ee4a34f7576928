// Metric flushing for the real-time functions (ws routes and fan-out).
import type middy from '@middy/core';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Publishes stored metrics after each invocation, only when there are some (Powertools' logMetrics
 * warns on every empty flush, and most invocations emit single metrics that are flushed at once).
 */
export function flushMetrics(m: Metrics): middy.MiddlewareObj {
  const flush = async () => {
    if (m.hasStoredMetrics()) m.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
