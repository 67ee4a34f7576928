// Runs async tasks with at most `limit` in flight: the fan-out's posts to the management API and
// BatchWriteItem chunks are I/O bound, so a few workers pulling from one list keep them busy.
export async function runPool(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
