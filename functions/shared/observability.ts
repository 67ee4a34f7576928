// Powertools logger and metrics, configured once per function family. Metrics go out as EMF in
// the function's log stream (no API calls on the hot path); locally they print to stdout unless
// POWERTOOLS_METRICS_DISABLED / POWERTOOLS_DEV say otherwise.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from './observability-names.js';

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
}

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}
