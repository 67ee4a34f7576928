// npm run invoke -- <function> <event.json>: runs one handler once against the running local cloud
// (like `sam local invoke`) and prints its result. <function> is a catalog id (Ingest, Fanout,
// ApiOverview, …) or the handler's folder (ingest, fanout, …).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FUNCTIONS } from '../functions/catalog.js';
import { ensureDevKeys, devAuthEnv } from '../devkit/dev-keys.js';
import { lambdaContext } from '../local/lambda-context.js';
import { importHandler } from '../local/lib/catalog.js';
import { applyEnvDefaults, localDir, localFunctionEnv, localPorts } from '../local/config.js';
import { parseArgs, runCli, UsageError } from './lib/args.js';

const USAGE = `usage: npm run invoke -- <function> <event.json>\n  functions: ${FUNCTIONS.map((f) => f.id).join(', ')}`;

/** Reads an event file; tolerates the banner `npm run` prints before the JSON when stdout was redirected. */
async function readEvent(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  const start = text.search(/^[{[]/m);
  if (start < 0) throw new UsageError(`${file} holds no JSON event`);
  return JSON.parse(text.slice(start));
}

await runCli(async () => {
  const { positionals } = parseArgs();
  const [name, file] = positionals;
  if (!name || !file) throw new UsageError('need a function and an event file');
  const def = FUNCTIONS.find((f) => f.id.toLowerCase() === name.toLowerCase() || path.basename(path.dirname(f.entry)) === name);
  if (!def) throw new UsageError(`unknown function ${JSON.stringify(name)}`);
  const keys = await ensureDevKeys(path.join(localDir(), 'keys'));
  applyEnvDefaults(localFunctionEnv(localPorts(), devAuthEnv(keys)));
  const event = await readEvent(file);
  const handler = await importHandler<(e: unknown, c: unknown) => Promise<unknown>>(def.entry);
  const started = performance.now();
  const result = await handler(event, lambdaContext(def.id));
  console.log(JSON.stringify({ function: def.id, durationMs: Math.round(performance.now() - started), result }, null, 2));
  process.exit(0);
}, USAGE);
