// One local Lambda sandbox: a child process (started by lambda-sandbox.ts with the tsx loader)
// that imports one function's entry and runs one invocation at a time, as a Lambda execution
// environment does. Module state (SDK clients, keep-alive sockets) lives as long as the process:
// a warm container. Each invocation carries the local cloud's environment of that moment (its
// "function configuration"), so endpoints the caller changed are the ones used.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';
import type { SandboxReply, SandboxRequest } from './lambda-sandbox.js';

const [entry, functionName] = process.argv.slice(2) as [string, string];
const mod = (await import(pathToFileURL(resolve(entry)).href)) as { handler: (event: unknown, context: Context) => Promise<unknown> };

function applyEnv(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function reply(message: SandboxReply): void {
  process.send?.(message);
}

process.on('message', (request: SandboxRequest) => {
  applyEnv(request.env);
  mod.handler(request.event, lambdaContext(functionName)).then(
    (result) => reply({ id: request.id, ok: true, result: result ?? null, cpuMicros: cpuMicros() }),
    (err: unknown) => {
      const e = err as Error;
      reply({ id: request.id, ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(err) }, cpuMicros: cpuMicros() });
    },
  );
});
// The local cloud went away (closed or killed): so does its sandbox.
process.on('disconnect', () => process.exit(0));
reply({ ready: true, cpuMicros: cpuMicros() });
