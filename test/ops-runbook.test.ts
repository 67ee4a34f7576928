// The runbook's commands are real: every `npm run <script> [-- flags]` in runbook/**/*.md and
// README.md names a script of package.json, and every --flag it shows is accepted by that script;
// every `npx <bin>` exists; every SQL block (except ClickHouse Cloud-only ones) runs on a migrated
// ClickHouse.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestClickHouse, type TestClickHouse } from '../devkit/engines.js';
import { FLAGS as BACKFILL_FLAGS } from '../scripts/backfill.js';
import { FLAGS as REBUILD_FLAGS } from '../scripts/rollups-rebuild.js';
import { FLAGS as REPORT_FLAGS } from '../scripts/retention-report.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Flag lists exported by CLIs (exact); other tsx scripts are checked against their source. */
const EXPORTED_FLAGS: Record<string, readonly string[]> = {
  'scripts/backfill.ts': BACKFILL_FLAGS,
  'scripts/rollups-rebuild.ts': REBUILD_FLAGS,
  'scripts/retention-report.ts': REPORT_FLAGS,
};

function docFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(path.join(ROOT, 'runbook'));
  if (existsSync(path.join(ROOT, 'README.md'))) out.push(path.join(ROOT, 'README.md'));
  return out;
}

export interface DocCommand {
  file: string;
  line: number;
  script: string;
  flags: string[];
  text: string;
}

/** Every `npm run …` in a Markdown text (code blocks and inline code alike). */
export function extractNpmRuns(text: string, file = '<text>'): DocCommand[] {
  const out: DocCommand[] = [];
  text.split('\n').forEach((lineText, i) => {
    for (const m of lineText.matchAll(/npm run(?:\s+(?:-s|--silent))?\s+([\w:.-]+)([^`\n]*)/g)) {
      const rest = m[2] ?? '';
      const sep = rest.search(/(^|\s)--(\s|$)/);
      const args = sep >= 0 ? rest.slice(sep).replace(/^\s*--/, '') : '';
      const flags = args
        .split(/\s+/)
        .map((t) => t.replace(/^[[(]+|[\])]+$/g, ''))
        .filter((t) => /^--[a-z][\w-]*/.test(t))
        .map((t) => t.slice(2).split('=')[0]!);
      out.push({ file: path.relative(ROOT, file), line: i + 1, script: m[1]!, flags, text: m[0].trim() });
    }
  });
  return out;
}

/** Source of a TS entry point and the local modules it imports (transitively). */
function sourceClosure(entry: string, seen = new Set<string>()): string {
  if (seen.has(entry) || !existsSync(entry)) return '';
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  let all = text;
  for (const m of text.matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(entry), m[1]!.replace(/\.js$/, '.ts'));
    if (!target.includes(`${path.sep}node_modules${path.sep}`)) all += sourceClosure(target, seen);
  }
  return all;
}

/** Problems with one documented command; empty when it is real. */
export function checkCommand(cmd: DocCommand): string[] {
  const where = `${cmd.file}:${cmd.line} \`${cmd.text}\``;
  const body = scripts[cmd.script];
  if (body === undefined) return [`${where}: no script "${cmd.script}" in package.json`];
  const tsx = /^tsx\s+(\S+\.ts)/.exec(body);
  const problems: string[] = [];
  for (const flag of cmd.flags) {
    if (!tsx) {
      problems.push(`${where}: cannot verify --${flag} of "${cmd.script}" (${body})`);
      continue;
    }
    const exported = EXPORTED_FLAGS[tsx[1]!];
    if (exported) {
      if (!exported.includes(flag)) problems.push(`${where}: ${tsx[1]} does not accept --${flag}`);
      continue;
    }
    const src = sourceClosure(path.join(ROOT, tsx[1]!));
    if (!src) problems.push(`${where}: ${tsx[1]} does not exist`);
    else if (!new RegExp(`(['"\`])${flag}\\1|--${flag}\\b`).test(src)) problems.push(`${where}: ${tsx[1]} never mentions --${flag}`);
  }
  return problems;
}

function sqlBlocks(): Array<{ file: string; sql: string }> {
  const out: Array<{ file: string; sql: string }> = [];
  for (const file of docFiles()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/```sql\n([\s\S]*?)```/g))
      out.push({ file: path.relative(ROOT, file), sql: m[1]!.trim() });
  }
  return out;
}

// Statements that need ClickHouse Cloud (query log, backups to S3): documented, not runnable locally.
const CLOUD_ONLY = /system\.query_log|^\s*(BACKUP|RESTORE)\b/im;

describe('runbook commands', () => {
  const commands = docFiles().flatMap((f) => extractNpmRuns(readFileSync(f, 'utf8'), f));

  it('the runbook covers the operational tools', () => {
    const used = new Set(commands.map((c) => c.script));
    for (const s of [
      'backfill',
      'rollups:rebuild',
      'retention:report',
      'replay',
      'migrate',
      'deploy',
      'bench:ingest',
      'bench:api',
      'bench:e2e',
    ]) {
      expect(used, s).toContain(s);
    }
    expect(commands.length).toBeGreaterThan(30);
  });

  it('every documented npm run exists with the flags it shows', () => {
    expect(commands.flatMap(checkCommand)).toEqual([]);
  });

  it('the checker catches a command or flag that does not exist', () => {
    const fake = extractNpmRuns(
      'run `npm run rollups:rebuild -- --from 2026-01-01 --till 2026-02-01`\n```\nnpm run no-such-script\nnpm run replay -- --topic t --from-epoch 3\nnpm run backfill -- a b 1 [--dry-run]\n```',
    );
    const problems = fake.flatMap(checkCommand);
    expect(problems.some((p) => p.includes('--till'))).toBe(true);
    expect(problems.some((p) => p.includes('no script "no-such-script"'))).toBe(true);
    expect(problems.some((p) => p.includes('--from-epoch'))).toBe(true);
    expect(problems.some((p) => p.includes('dry-run'))).toBe(false);
    expect(fake.find((c) => c.script === 'backfill')?.flags).toEqual(['dry-run']);
  });

  it('every npx command names an installed binary', () => {
    for (const file of docFiles()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:^|[\s`])npx\s+([\w@/.-]+)/g)) {
        expect(existsSync(path.join(ROOT, 'node_modules', '.bin', m[1]!)), `${file}: npx ${m[1]}`).toBe(true);
      }
    }
  });
});

describe('runbook SQL', () => {
  let ch: TestClickHouse;
  beforeAll(async () => {
    ch = await startTestClickHouse();
  }, 120_000);
  afterAll(async () => {
    await ch?.close();
  });

  it('every SQL block runs on a migrated ClickHouse (Cloud-only blocks excepted)', async () => {
    const blocks = sqlBlocks();
    expect(blocks.length).toBeGreaterThan(15);
    const failures: string[] = [];
    let ran = 0;
    for (const b of blocks) {
      if (CLOUD_ONLY.test(b.sql)) continue;
      const sql = b.sql.replace(/;\s*$/, '');
      try {
        if (/^\s*(SELECT|WITH)\b/i.test(sql)) await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json();
        else await ch.client.command({ query: sql });
        ran++;
      } catch (err) {
        failures.push(`${b.file}: ${(err as Error).message.slice(0, 300)}\n${sql.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(ran).toBeGreaterThan(12);
  }, 120_000);
});
