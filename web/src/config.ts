// Loads the runtime config.json that sits beside index.html (one build, any environment).
import { parseWebConfig, type WebConfig } from '../../contracts/index.js';

export async function loadConfig(base: string = document.baseURI): Promise<WebConfig> {
  const url = new URL('config.json', base);
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json could not be loaded (${res.status}) from ${url}`);
  return parseWebConfig(await res.json());
}
