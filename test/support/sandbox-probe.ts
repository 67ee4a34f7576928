// A Lambda handler for test/lambda-sandbox.test.ts, run inside a local sandbox process: reports
// which process ran it and what environment it saw; can wait at a barrier (proving that two
// invocations run at the same time) or crash its runtime.
export async function handler(event: { barrier?: string; exit?: number }): Promise<{ pid: number; probe: string | null }> {
  if (event.exit !== undefined) process.exit(event.exit);
  // The barrier answers only once every expected invocation has arrived.
  if (event.barrier) await (await fetch(event.barrier, { method: 'POST' })).text();
  return { pid: process.pid, probe: process.env.SANDBOX_PROBE ?? null };
}
