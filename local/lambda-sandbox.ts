// Local Lambda sandboxes: a function invoked through the local Invoke API (the fan-out's workers)
// runs in child processes, one invocation at a time per process, as Lambda runs each concurrent
// invocation in its own execution environment. So parallel invocations really run in parallel
// (on every core) instead of sharing the caller's event loop, and each keeps its own warm state
// (one SDK client, its keep-alive sockets). Processes start on demand (a cold start), stay warm,
// and are at most `max` (default: the machine's cores; LOCAL_LAMBDA_SANDBOXES overrides); beyond
// that invocations wait for a free one, like a function at its concurrency limit.
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface SandboxRequest {
  id: number;
  event: unknown;
  /** The environment of the invocation (the caller's process.env at that moment). */
  env: Record<string, string>;
}

export type SandboxReply =
  | { ready: true; cpuMicros: number }
  | { id: number; ok: true; result: unknown; cpuMicros: number }
  | { id: number; ok: false; error: { name: string; message: string }; cpuMicros: number };

interface Sandbox {
  child: ChildProcess;
  ready: Promise<void>;
  pending?: { id: number; resolve(v: unknown): void; reject(e: Error): void };
  /** The process's CPU time (user + system, µs) at its last reply. */
  cpuMicros: number;
}

export interface SandboxPool {
  invoke(event: unknown): Promise<unknown>;
  /** Processes started so far (alive). */
  readonly size: number;
  /** CPU time of all its processes, user + system, µs (as of their last reply). */
  cpuMicros(): number;
  close(): Promise<void>;
}

const pools = new Set<SandboxPool>();

/** CPU time of every sandbox process of this process's pools, µs (benchmarks). */
export function sandboxCpuMicros(): number {
  let n = 0;
  for (const p of pools) n += p.cpuMicros();
  return n;
}

/** How many sandboxes a function may use at once (LOCAL_LAMBDA_SANDBOXES, else the cores; 0 = run inline). */
export function sandboxLimit(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LOCAL_LAMBDA_SANDBOXES?.trim();
  const n = raw ? Number(raw) : Number.NaN;
  return Number.isInteger(n) && n >= 0 ? n : availableParallelism();
}

const CHILD = fileURLToPath(new URL('./lambda-sandbox-child.ts', import.meta.url));

function currentEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

export function startSandboxPool(options: { entry: string; functionName: string; root: string; max?: number }): SandboxPool {
  const max = Math.max(1, options.max ?? sandboxLimit());
  const all = new Set<Sandbox>();
  const idle: Sandbox[] = [];
  const waiting: Array<(s: Sandbox) => void> = [];
  let nextId = 1;
  let closed = false;
  let exitedCpu = 0;

  function spawn(): Sandbox {
    // The tsx loader resolves from the repository root, as `npm start` runs the handlers.
    const child = fork(CHILD, [options.entry, options.functionName], {
      cwd: options.root,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const box: Sandbox = { child, ready: Promise.resolve(), cpuMicros: 0 };
    box.ready = new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`sandbox of ${options.functionName} exited (${code}) before it was ready`));
      child.once('exit', onExit);
      child.once('message', (m: SandboxReply) => {
        child.off('exit', onExit);
        box.cpuMicros = m.cpuMicros;
        resolve();
      });
    });
    child.on('message', (m: SandboxReply) => {
      if (!('id' in m)) return;
      box.cpuMicros = m.cpuMicros;
      const p = box.pending;
      if (!p || p.id !== m.id) return;
      box.pending = undefined;
      if (m.ok) p.resolve(m.result);
      else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
      release(box);
    });
    child.on('exit', (code, signal) => {
      all.delete(box);
      exitedCpu += box.cpuMicros;
      const at = idle.indexOf(box);
      if (at >= 0) idle.splice(at, 1);
      // Lambda reports a crashed runtime as Runtime.ExitError.
      box.pending?.reject(
        Object.assign(new Error(`sandbox exited (${signal ?? code}) during the invocation`), { name: 'Runtime.ExitError' }),
      );
      box.pending = undefined;
      // An invocation waiting for a sandbox gets a new one in its place.
      if (!closed && waiting.length > 0) waiting.shift()!(spawn());
    });
    all.add(box);
    return box;
  }

  function release(box: Sandbox): void {
    // An idle sandbox does not keep the local cloud's process alive.
    box.child.channel?.unref();
    const next = waiting.shift();
    if (next) next(box);
    else idle.push(box);
  }

  function acquire(): Promise<Sandbox> {
    const box = idle.pop();
    if (box) return Promise.resolve(box);
    if (all.size < max) return Promise.resolve(spawn());
    return new Promise((r) => waiting.push(r));
  }

  const pool: SandboxPool = {
    async invoke(event) {
      if (closed) throw new Error(`sandboxes of ${options.functionName} are closed`);
      const box = await acquire();
      box.child.channel?.ref();
      try {
        await box.ready;
      } catch (err) {
        all.delete(box);
        throw err;
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        box.pending = { id, resolve, reject };
        const request: SandboxRequest = { id, event, env: currentEnv() };
        box.child.send(request);
      });
    },
    get size() {
      return all.size;
    },
    cpuMicros() {
      let n = exitedCpu;
      for (const b of all) n += b.cpuMicros;
      return n;
    },
    async close() {
      closed = true;
      pools.delete(pool);
      await Promise.all(
        [...all].map(
          (b) =>
            new Promise<void>((r) => {
              if (b.child.exitCode !== null || b.child.signalCode !== null) return r();
              b.child.once('exit', () => r());
              b.child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
  pools.add(pool);
  return pool;
}
