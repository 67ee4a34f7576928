// Runtime configuration of the dashboard: `config.json` deployed beside the build (never baked into
// the bundle), so one build serves every environment. The local cloud generates its own.

export interface WebConfig {
  /** REST base, e.g. `https://d123.cloudfront.net/api/analytics` or `http://127.0.0.1:3002/api/analytics`. */
  apiBaseUrl: string;
  /** WebSocket API URL; the token goes in the `token` query parameter. */
  wsUrl: string;
  /** Molam ID login page (AWS); a 401 sends the browser there with a return URL. */
  loginUrl?: string;
  /** Local cloud only: GET returns `{ "token": "..." }`. */
  devTokenUrl?: string;
  /** The deployment's environment name (dev, staging, prod), for whoever reads the file. */
  env?: string;
}

/** Validates a parsed `config.json`; throws an Error naming the bad field. */
export function parseWebConfig(value: unknown): WebConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('config.json must hold a JSON object');
  }
  const v = value as Record<string, unknown>;
  const url = (field: string, protocols: readonly string[], required: boolean): string | undefined => {
    const raw = v[field];
    if (raw === undefined || raw === null || raw === '') {
      if (required) throw new Error(`config.json: ${field} is required`);
      return undefined;
    }
    if (typeof raw !== 'string') throw new Error(`config.json: ${field} must be a string`);
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error(`config.json: ${field} is not an absolute URL`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new Error(`config.json: ${field} must use ${protocols.join(' or ')}`);
    }
    return raw.replace(/\/+$/, '');
  };
  const http = ['http:', 'https:'];
  const config: WebConfig = {
    apiBaseUrl: url('apiBaseUrl', http, true)!,
    wsUrl: url('wsUrl', ['ws:', 'wss:'], true)!,
  };
  const loginUrl = url('loginUrl', http, false);
  if (loginUrl) config.loginUrl = loginUrl;
  const devTokenUrl = url('devTokenUrl', http, false);
  if (devTokenUrl) config.devTokenUrl = devTokenUrl;
  if (v.env !== undefined && v.env !== null) {
    if (typeof v.env !== 'string') throw new Error('config.json: env must be a string');
    config.env = v.env;
  }
  return config;
}
