// The Lambda `context` for local invocations (Powertools and middy read these fields). One
// definition for every local trigger: gateways, stream and Kafka emulation, `npm run invoke`.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Lambda's maximum timeout: locally a burst queues in one process, so the budget is generous. */
export const LOCAL_TIMEOUT_MS = 900_000;

export function lambdaContext(functionName: string, timeoutMs = LOCAL_TIMEOUT_MS): Context {
  const deadline = Date.now() + timeoutMs;
  const fail = (): never => {
    throw new Error('callback-style completion is not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}
