import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** True when the module at `metaUrl` (its import.meta.url) is the script node was started with. */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && metaUrl === pathToFileURL(path.resolve(process.argv[1])).href;
}
