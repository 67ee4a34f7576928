// npm run bench: runs every benchmark part that exists, one after the other (never in parallel:
// the machine has 2 cores), and prints one table of all figures with the machine they came from.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { BENCH_LINE_PREFIX, formatTable, type BenchRow } from './lib.js';

const PARTS = ['ingest', 'realtime', 'api', 'e2e', 'web'] as const;
const only = process.argv.slice(2);

async function runPart(part: string): Promise<BenchRow[]> {
  const file = `bench/${part}.ts`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const rows: BenchRow[] = [];
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith(BENCH_LINE_PREFIX)) rows.push(...(JSON.parse(line.slice(BENCH_LINE_PREFIX.length)) as BenchRow[]));
        else process.stdout.write(`[${part}] ${line}\n`);
      }
    });
    child.on('close', (code) => {
      if (code !== 0) rows.push({ part, metric: 'FAILED', value: Number.NaN, unit: '', note: `exit code ${code}` });
      resolve(rows);
    });
  });
}

const all: BenchRow[] = [];
for (const part of PARTS) {
  if (only.length > 0 && !only.includes(part)) continue;
  const file = `bench/${part === 'web' ? 'web' : part}.ts`;
  if (!existsSync(file)) continue;
  console.log(`== bench:${part}`);
  all.push(...(await runPart(part)));
}
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nAll figures — ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${process.platform} ${os.release()}, node ${process.version}, load average at end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(formatTable(all));
