// Bearer token handling. In AWS the token comes from Molam ID: the login page sends the browser
// back with `#token=…` in the fragment (never sent to servers, unlike a query string); it is kept in
// sessionStorage for the tab's life. Locally, `devTokenUrl` hands out a dev token.
import type { WebConfig } from '../../contracts/index.js';

export const TOKEN_KEY = 'molam.analytics.token';

export interface AuthEnv {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  fetch: typeof fetch;
  /** Current page URL. */
  href(): string;
  /** Replace the page URL without navigation (to drop the fragment). */
  replaceUrl(url: string): void;
  /** Leave for another page. */
  navigate(url: string): void;
}

export function browserAuthEnv(): AuthEnv {
  return {
    storage: window.sessionStorage,
    fetch: window.fetch.bind(window),
    href: () => window.location.href,
    replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
    navigate: (url) => window.location.assign(url),
  };
}

/** Takes `token=` out of a URL fragment; returns the token and the URL without it. */
export function tokenFromFragment(href: string): { token?: string; url: string } {
  const url = new URL(href);
  const params = new URLSearchParams(url.hash.replace(/^#/, ''));
  const token = params.get('token') ?? undefined;
  if (!token) return { url: href };
  params.delete('token');
  const rest = params.toString();
  url.hash = rest ? `#${rest}` : '';
  return { token, url: url.toString() };
}

/**
 * The Molam ID login URL with the page to come back to. `{returnUrl}` in the configured URL is
 * replaced; otherwise a `return_to` parameter is added.
 */
export function loginRedirectUrl(loginUrl: string, returnUrl: string): string {
  if (loginUrl.includes('{returnUrl}')) return loginUrl.replace('{returnUrl}', encodeURIComponent(returnUrl));
  const url = new URL(loginUrl);
  url.searchParams.set('return_to', returnUrl);
  return url.toString();
}

export class AuthError extends Error {}

export class Auth {
  constructor(
    private readonly config: WebConfig,
    private readonly env: AuthEnv,
  ) {
    const { token, url } = tokenFromFragment(env.href());
    if (token) {
      env.storage.setItem(TOKEN_KEY, token);
      env.replaceUrl(url);
    }
  }

  private pending: Promise<string> | undefined;

  /** A usable token: the stored one, else a dev token, else a redirect to the login page. */
  token(): Promise<string> {
    const stored = this.env.storage.getItem(TOKEN_KEY);
    if (stored) return Promise.resolve(stored);
    this.pending ??= this.obtain().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** After a 401: forget the token and get a new one (dev) or go to the login page. */
  renew(): Promise<string> {
    this.env.storage.removeItem(TOKEN_KEY);
    return this.token();
  }

  private async obtain(): Promise<string> {
    if (this.config.devTokenUrl) {
      const res = await this.env.fetch(this.config.devTokenUrl, { headers: { accept: 'application/json' } });
      if (!res.ok) throw new AuthError(`The local dev token service answered ${res.status}.`);
      const body = (await res.json()) as { token?: unknown };
      if (typeof body.token !== 'string' || !body.token) throw new AuthError('The local dev token service returned no token.');
      this.env.storage.setItem(TOKEN_KEY, body.token);
      return body.token;
    }
    if (this.config.loginUrl) {
      this.env.navigate(loginRedirectUrl(this.config.loginUrl, this.env.href()));
      // The page is leaving; never resolve so nothing renders an error meanwhile.
      return new Promise<string>(() => {});
    }
    throw new AuthError('No token: config.json names neither a loginUrl nor a devTokenUrl.');
  }
}
