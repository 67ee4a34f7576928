// bench:realtime's WebSocket clients in their own process, so their CPU is neither counted as
// the gateway's or the fan-out's nor competing with them on the same event loop (dashboards are
// other machines). `startClientFleet` forks this file; the child opens the connections and tells
// when every one holds a given snapshot version, with its own CPU time.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

type Command =
  | { cmd: 'open'; url: string; token: string; count: number }
  | { cmd: 'await'; version: number; timeoutMs: number }
  | { cmd: 'close' };
type Reply =
  | { opened: number }
  | { done: true; version: number; at: number; holding: number; cpuMicros: number }
  | { closed: true }
  | { error: string };

const epochMs = () => performance.timeOrigin + performance.now();
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export interface ClientFleet {
  readonly count: number;
  /** Resolves when every client holds `version`: the epoch time (ms) the last one got it, and the fleet's CPU so far. */
  holding(version: number, timeoutMs?: number): Promise<{ at: number; cpuMicros: number }>;
  close(): Promise<void>;
}

export async function startClientFleet(url: string, token: string, count: number): Promise<ClientFleet> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'] });
  const ask = <T extends Reply>(command: Command): Promise<T> =>
    new Promise((resolve, reject) => {
      child.once('message', (m: Reply) => ('error' in m ? reject(new Error(m.error)) : resolve(m as T)));
      child.send(command);
    });
  const { opened } = await ask<{ opened: number }>({ cmd: 'open', url, token, count });
  return {
    count: opened,
    async holding(version, timeoutMs = 600_000) {
      const r = await ask<Extract<Reply, { done: true }>>({ cmd: 'await', version, timeoutMs });
      return { at: r.at, cpuMicros: r.cpuMicros };
    },
    async close() {
      await ask({ cmd: 'close' });
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}

/** The child: a fleet of clients tracking the newest snapshot version each one holds. */
function runChild(): void {
  const sockets: WebSocket[] = [];
  const newest: number[] = [];
  let target: { version: number; missing: number; timer: NodeJS.Timeout } | undefined;
  const reply = (m: Reply) => process.send?.(m);

  function seen(i: number, version: number): void {
    if (version <= newest[i]!) return;
    const before = newest[i]!;
    newest[i] = version;
    if (target && before < target.version && version >= target.version && --target.missing === 0) {
      clearTimeout(target.timer);
      const v = target.version;
      target = undefined;
      reply({ done: true, version: v, at: epochMs(), holding: sockets.length, cpuMicros: cpuMicros() });
    }
  }

  function connect(url: string, i: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => undefined);
        resolve();
      });
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { type?: string; version?: number; snapshots?: Array<{ version: number }> };
        if (m.type === 'deltas') for (const s of m.snapshots ?? []) seen(i, s.version);
        else if (m.type === 'delta' && typeof m.version === 'number') seen(i, m.version);
      });
      sockets[i] = ws;
      newest[i] = 0;
    });
  }

  process.on('message', (c: Command) => {
    void (async () => {
      if (c.cmd === 'open') {
        const target = `${c.url}/?token=${encodeURIComponent(c.token)}`;
        for (let i = 0; i < c.count; i += 250) {
          await Promise.all(Array.from({ length: Math.min(250, c.count - i) }, (_, k) => connect(target, i + k)));
        }
        reply({ opened: sockets.length });
      } else if (c.cmd === 'await') {
        const missing = newest.filter((v) => v < c.version).length;
        if (missing === 0) return reply({ done: true, version: c.version, at: epochMs(), holding: sockets.length, cpuMicros: cpuMicros() });
        const timer = setTimeout(() => {
          target = undefined;
          reply({ error: `${missing} of ${sockets.length} clients never got version ${c.version}` });
        }, c.timeoutMs);
        target = { version: c.version, missing, timer };
      } else {
        for (const ws of sockets) ws.close();
        const deadline = Date.now() + 30_000;
        while (sockets.some((ws) => ws.readyState !== WebSocket.CLOSED) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        reply({ closed: true });
        process.exit(0);
      }
    })().catch((err: unknown) => reply({ error: String(err) }));
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--child')) runChild();
