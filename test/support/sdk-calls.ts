// What a handler's code really calls, derived from the code: esbuild bundles the handler entry
// (tree-shaken, not minified, packages external) and the bundle is scanned for AWS SDK command
// constructions and for the table definitions it reads. Only code reachable from the entry counts,
// so a shared module a handler imports but never uses does not show.
import { build } from 'esbuild';
import { join } from 'node:path';

export interface SdkCalls {
  /** SDK command classes constructed, e.g. QueryCommand, PostToConnectionCommand. */
  commands: string[];
  /** Table ids (connections, memberships, deltas) whose definition the code reads. */
  tables: string[];
}

const TABLE_CONSTANTS: Record<string, string> = {
  CONNECTIONS_TABLE: 'connections',
  MEMBERSHIPS_TABLE: 'memberships',
  DELTAS_TABLE: 'deltas',
};

export async function sdkCallsOf(repoRoot: string, entry: string): Promise<SdkCalls> {
  const out = await build({
    entryPoints: [join(repoRoot, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    treeShaking: true,
    minify: false,
    packages: 'external',
    logLevel: 'silent',
  });
  const code = out.outputFiles.map((f) => f.text).join('\n');
  const commands = new Set<string>();
  for (const m of code.matchAll(/new\s+([A-Z]\w*Command)\d*\s*\(/g)) commands.add(m[1]!);
  const tables = new Set<string>();
  for (const [constant, id] of Object.entries(TABLE_CONSTANTS)) {
    if (new RegExp(`\\b${constant}\\d*\\b`).test(code)) tables.add(id);
  }
  return { commands: [...commands].sort(), tables: [...tables].sort() };
}
