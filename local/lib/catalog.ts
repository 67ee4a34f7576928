// The one loader of the function catalog's handlers: every local trigger (gateways, stream and
// Kafka emulation, the Invoke API, `npm run invoke`) imports its handlers from their catalog
// entries through here, so they run exactly the code CDK bundles.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FUNCTIONS, type FunctionDef, type Trigger } from '../../functions/catalog.js';
import { REPO_ROOT } from './repo-root.js';

export type TriggerKind = Trigger['kind'];
export type CatalogFunction<K extends TriggerKind> = FunctionDef & { trigger: Extract<Trigger, { kind: K }> };

/** The catalog's functions with a trigger of this kind, in catalog order. */
export function catalogFunctions<K extends TriggerKind>(kind: K): CatalogFunction<K>[] {
  return FUNCTIONS.filter((f): f is CatalogFunction<K> => f.trigger.kind === kind);
}

/** The one function with a trigger of this kind (the ingest, the fan-out); throws when there is none. */
export function catalogFunction<K extends TriggerKind>(kind: K): CatalogFunction<K> {
  const def = catalogFunctions(kind)[0];
  if (!def) throw new Error(`catalog has no ${kind} function`);
  return def;
}

/** The `handler` an entry file exports (entries are relative to `root`, the repository root by default). */
export async function importHandler<H>(entry: string, root: string = REPO_ROOT): Promise<H> {
  const mod = (await import(pathToFileURL(path.resolve(root, entry)).href)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler`);
  return mod.handler as H;
}

/** Every function of this trigger kind with its handler imported. */
export async function catalogHandlers<K extends TriggerKind, H>(
  kind: K,
  root: string = REPO_ROOT,
): Promise<Array<{ def: CatalogFunction<K>; handler: H }>> {
  const out: Array<{ def: CatalogFunction<K>; handler: H }> = [];
  for (const def of catalogFunctions(kind)) out.push({ def, handler: await importHandler<H>(def.entry, root) });
  return out;
}
