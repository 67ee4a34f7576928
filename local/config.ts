// The local cloud's ports, directories and the environment its functions run with. One place, so
// `npm start`, `npm run invoke` and the tools agree on where everything is.
import path from 'node:path';

export interface LocalPorts {
  clickhouse: number;
  dynamodb: number;
  httpGateway: number;
  wsGateway: number;
  dashboard: number;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  return n;
}

export function localPorts(env: NodeJS.ProcessEnv = process.env): LocalPorts {
  return {
    clickhouse: port(env, 'CLICKHOUSE_PORT', 8123),
    dynamodb: port(env, 'DYNAMODB_PORT', 8000),
    httpGateway: port(env, 'HTTP_GATEWAY_PORT', 3002),
    wsGateway: port(env, 'WS_GATEWAY_PORT', 3003),
    dashboard: port(env, 'DASHBOARD_PORT', 3004),
  };
}

/** A number from the environment; unset, empty or not a number: the fallback. */
export function envNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return env[name] !== undefined && env[name] !== '' && Number.isFinite(n) ? n : fallback;
}

/** Everything local lives here (git-ignored); `npm run local:reset` removes it. */
export function localDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.MOLAM_LOCAL_DIR ?? '.local');
}

export const LOCAL_HOST = '127.0.0.1';

/**
 * Environment the handlers see locally: the same variables CDK sets in AWS, pointed at the local
 * stand-ins. Auth variables come from the dev key pair (devAuthEnv).
 */
export function localFunctionEnv(ports: LocalPorts, auth: Record<string, string>): Record<string, string> {
  return {
    CLICKHOUSE_URL: `http://${LOCAL_HOST}:${ports.clickhouse}`,
    DYNAMODB_ENDPOINT: `http://${LOCAL_HOST}:${ports.dynamodb}`,
    AWS_REGION: 'eu-west-1',
    WS_MANAGEMENT_ENDPOINT: `http://${LOCAL_HOST}:${ports.wsGateway}`,
    CORS_ALLOW_ORIGIN: '*',
    // EMF metrics are for CloudWatch; locally they would flood the console.
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'WARN',
    ...auth,
  };
}

/** Sets variables that are not set yet (explicit environment wins). */
export function applyEnvDefaults(values: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(values)) if (env[k] === undefined) env[k] = v;
}
