// Builds the dashboard and prints the gzipped size of what the first page load fetches: the entry
// script, the stylesheets and module preloads named in index.html (lazy chunks listed apart).
// A figure, not an assertion (target in issue 6: ≤ 250 KB).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const webDir = fileURLToPath(new URL('../web/', import.meta.url));
const dist = join(webDir, 'dist');

export interface BundleFigures {
  initialGzipBytes: number;
  files: Array<{ file: string; bytes: number; gzipBytes: number; initial: boolean }>;
}

export async function measureWebBundle(): Promise<BundleFigures> {
  await build({ configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = new Set<string>();
  for (const m of html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="\.?\/?([^"]+\.(?:js|css))"/g)) initial.add(m[1]!);
  const files = readdirSync(join(dist, 'assets'))
    .filter((f) => /\.(js|css)$/.test(f))
    .map((f) => {
      const body = readFileSync(join(dist, 'assets', f));
      const file = `assets/${f}`;
      return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length, initial: initial.has(file) };
    })
    .sort((a, b) => Number(b.initial) - Number(a.initial) || b.gzipBytes - a.gzipBytes);
  return { initialGzipBytes: files.filter((f) => f.initial).reduce((s, f) => s + f.gzipBytes, 0), files };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureWebBundle();
  console.log('web bundle (gzip -9)');
  for (const f of figures.files) console.log(`  ${f.initial ? 'initial' : 'lazy   '}  ${f.file.padEnd(36)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzipBytes).padStart(8)}`);
  console.log(`initial JS + CSS gzipped: ${kb(figures.initialGzipBytes)} (target ≤ 250 KB)`);
}
