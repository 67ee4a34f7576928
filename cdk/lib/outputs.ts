// Names of the stack outputs, and how they become the integration suite's targets when the stack
// runs somewhere else than the local cloud (a LocalStack deployment: scripts/localstack.ts).
import { TABLES } from '../../functions/shared/dynamo/tables.js';

export const OUTPUT = {
  dashboardUrl: 'DashboardUrl',
  apiUrl: 'ApiUrl',
  webSocketUrl: 'WebSocketUrl',
  managementEndpoint: 'WebSocketManagementEndpoint',
  alarmTopicArn: 'AlarmTopicArn',
  ingestFailureBucket: 'IngestFailureBucketName',
} as const;

/** Output carrying a table's physical name: `<envVar without underscores>Name`, e.g. DELTASTABLEName. */
export const tableOutputName = (envVar: string): string => `${envVar.replace(/_/g, '')}Name`;

/**
 * Environment for the integration suite from `cdk deploy --outputs-file` content: REST and
 * WebSocket URLs, the management endpoint, and the table names under the handlers' own env vars;
 * every AWS SDK client goes to `endpoint` (AWS_ENDPOINT_URL, DYNAMODB_ENDPOINT).
 */
export function integrationTargets(
  outputsFile: Record<string, Record<string, string>>,
  stackName: string,
  endpoint: string,
): Record<string, string> {
  const outputs = outputsFile[stackName];
  if (!outputs) throw new Error(`no outputs for stack ${stackName} (have: ${Object.keys(outputsFile).join(', ') || 'none'})`);
  const need = (key: string): string => {
    const v = outputs[key];
    if (!v) throw new Error(`stack ${stackName} has no output ${key}`);
    return v;
  };
  return {
    ANALYTICS_TARGET: 'localstack',
    ANALYTICS_API_URL: need(OUTPUT.apiUrl),
    ANALYTICS_WS_URL: need(OUTPUT.webSocketUrl),
    ANALYTICS_DASHBOARD_URL: need(OUTPUT.dashboardUrl),
    WS_MANAGEMENT_ENDPOINT: need(OUTPUT.managementEndpoint),
    AWS_ENDPOINT_URL: endpoint,
    DYNAMODB_ENDPOINT: endpoint,
    ...Object.fromEntries(TABLES.map((t) => [t.envVar, need(tableOutputName(t.envVar))])),
  };
}
