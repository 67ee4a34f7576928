// Loads the runtime config.json that sits beside index.html (one build, any environment).
import { parseWebConfig, type WebConfig } from '../../contracts/index.js';

/** index.html requests config.json before the bundle is even parsed (see there); used once. */
function takePrefetched(): Promise<Response> | undefined {
  const w = window as { __molamConfig?: Promise<Response> };
  const pre = w.__molamConfig;
  delete w.__molamConfig;
  return pre;
}

export async function loadConfig(base: string = document.baseURI): Promise<WebConfig> {
  const url = new URL('config.json', base);
  const res = await (takePrefetched() ?? fetch(url, { cache: 'no-store' }));
  if (!res.ok) throw new Error(`config.json could not be loaded (${res.status}) from ${url}`);
  return parseWebConfig(await res.json());
}
