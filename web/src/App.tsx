import { useEffect, useState } from 'react';
import type { WebConfig } from '../../contracts/index.js';
import { ApiClient } from './api.js';
import { Auth, browserAuthEnv } from './auth.js';
import { loadConfig } from './config.js';
import { Dashboard } from './components/Dashboard.js';
import { ErrorState, Skeleton } from './components/States.js';
import { defaultLocale } from './format.js';
import { type Scope, scopeOf, zonesFromToken } from './scope/zones.js';

interface Boot {
  config: WebConfig;
  auth: Auth;
  api: ApiClient;
  /** The token's zones: what the page offers and defaults to. */
  scope: Scope;
}

/** Loads config.json, sets up auth and the API client, then shows the dashboard. */
export function App() {
  const [boot, setBoot] = useState<Boot>();
  const [error, setError] = useState<unknown>();
  const [locale] = useState(() => defaultLocale());
  useEffect(() => {
    loadConfig()
      .then(async (config) => {
        const auth = new Auth(config, browserAuthEnv());
        const scope = scopeOf(zonesFromToken(await auth.token()));
        setBoot({ config, auth, api: new ApiClient(config.apiBaseUrl, auth), scope });
      })
      .catch(setError);
  }, []);
  if (error) return <ErrorState error={error} onRetry={() => window.location.reload()} />;
  if (!boot) return <Skeleton lines={4} testId="boot-skeleton" />;
  return <Dashboard config={boot.config} auth={boot.auth} api={boot.api} scope={boot.scope} locale={locale} />;
}
