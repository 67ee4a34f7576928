// The backfill's resume point: one JSON file per (arguments, source database, target) holding the
// last completed key per source table. Written atomically (temp file + rename) after every chunk,
// so an interrupted run restarts after the last chunk that is known to be stored.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceKey } from './sources.js';

export interface SourceProgress {
  /** Last key of the last completed chunk; null before the first. */
  after: SourceKey | null;
  done: boolean;
  rowsRead: number;
  inserted: number;
  alreadyPresent: number;
  rejected: number;
  chunks: number;
}

export interface Checkpoint {
  version: 1;
  args: { from: string; to: string; batchSize: number; source: string; target: string };
  sources: Record<string, SourceProgress>;
  rejectReasons: Record<string, number>;
  startedAt: string;
  updatedAt: string;
}

/** Connection strings without credentials: part of the checkpoint identity, safe to print. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export function checkpointPath(dir: string, args: Checkpoint['args']): string {
  const id = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16);
  return path.join(dir, `${id}.json`);
}

export function emptyProgress(): SourceProgress {
  return { after: null, done: false, rowsRead: 0, inserted: 0, alreadyPresent: 0, rejected: 0, chunks: 0 };
}

export async function loadCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Checkpoint;
  if (parsed.version !== 1) throw new Error(`${file}: unknown checkpoint version ${String(parsed.version)}`);
  return parsed;
}

export async function saveCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ ...checkpoint, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  await rename(tmp, file);
}
