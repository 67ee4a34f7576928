// The layering the folders promise, checked on every import in the tree: Lambdas ship only runtime
// code (functions/ never reaches devkit/, local/, test/ …), the contracts are the one package both
// the browser and the Lambdas compile (no Node, no DOM, no packages), benches build on devkit/
// rather than on the test suite, and the dashboard sees the back end only through contracts/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOP = ['contracts', 'functions', 'devkit', 'local', 'scripts', 'bench', 'test', 'web', 'cdk'] as const;
type Top = (typeof TOP)[number];

/** Top-level folders (or kinds of specifier) each folder must not import. */
const FORBIDDEN: Partial<Record<Top, readonly string[]>> = {
  contracts: ['functions', 'devkit', 'local', 'scripts', 'bench', 'test', 'web', 'cdk', 'node:', 'package'],
  functions: ['devkit', 'local', 'scripts', 'bench', 'test', 'web', 'cdk'],
  devkit: ['test', 'bench', 'web'],
  bench: ['test'],
  web: ['functions', 'devkit', 'local', 'scripts', 'bench', 'test', 'cdk'],
};
/** The browser bundle: web/src without its unit tests (those, and vite.config.ts, run in Node). */
const isTest = (file: string) => /\.test\.tsx?$/.test(file);
const isBrowserCode = (file: string) => file.startsWith('web/src/') && !isTest(file);

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\s,]+)\1/gm;

export function importsOf(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[2]!);
}

/** What a specifier in `file` (relative to the root) points at: a top-level folder, `node:` or `package`. */
export function targetOf(file: string, specifier: string): string {
  if (specifier.startsWith('node:')) return 'node:';
  if (!specifier.startsWith('.')) return 'package';
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
  return resolved.split('/')[0]!;
}

export function violations(file: string, source: string): string[] {
  const top = file.split('/')[0] as Top;
  // A unit test beside the contracts imports vitest; it is not part of the package.
  const own = (FORBIDDEN[top] ?? []).filter((t) => !(isTest(file) && (t === 'package' || t === 'node:')));
  const forbidden = [...own, ...(isBrowserCode(file) ? ['node:'] : [])];
  return importsOf(source)
    .filter((s) => {
      const target = targetOf(file, s);
      // Node and DOM globals are the per-runtime tsconfigs' business; this checks the imports.
      return forbidden.includes(target) && target !== top;
    })
    .map((s) => `${file} imports ${s}`);
}

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx|mts|mjs)$/.test(f) && !f.split(path.sep).includes('node_modules') && !f.includes(`dist${path.sep}`))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')));
}

describe('import boundaries', () => {
  it('the checker finds imports and flags a crossing (so an empty result means something)', () => {
    expect(importsOf("import { a } from '../x.js';\nimport type { B } from './y.js';\nconst m = await import('z');")).toEqual([
      '../x.js',
      './y.js',
      'z',
    ]);
    expect(violations('functions/ingest/handler.ts', "import { EventGenerator } from '../../devkit/generator.js';")).toHaveLength(1);
    expect(violations('functions/ingest/handler.ts', "import { x } from '../../contracts/event.js';")).toEqual([]);
    expect(violations('contracts/event.ts', "import { Buffer } from 'node:buffer';")).toHaveLength(1);
    expect(violations('contracts/event.ts', "import { z } from 'zod';")).toHaveLength(1);
    expect(violations('contracts/fields.test.ts', "import { it } from 'vitest';")).toEqual([]);
    expect(violations('bench/api.ts', "import { h } from '../test/support/api-harness.js';")).toHaveLength(1);
    expect(violations('web/src/api.ts', "import type { X } from '../../functions/api/lib/params.js';")).toHaveLength(1);
    expect(violations('web/src/api.ts', "import http from 'node:http';")).toHaveLength(1);
    expect(violations('web/src/api.test.ts', "import http from 'node:http';")).toEqual([]);
  });

  for (const top of Object.keys(FORBIDDEN) as Top[]) {
    it(`${top}/ imports none of: ${FORBIDDEN[top]!.join(', ')}`, () => {
      const files = sources(top);
      expect(files.length).toBeGreaterThan(0);
      expect(files.flatMap((f) => violations(f, readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
    });
  }
});
