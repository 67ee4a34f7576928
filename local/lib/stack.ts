// What a composition started, stopped in reverse order: the local cloud pushes each server as it
// starts it, and a failure half-way stops what is already running before it rethrows.
type Stoppable = { close(): Promise<void> } | { stop(): Promise<void> };

export class Stack {
  private readonly stops: Array<() => Promise<void>> = [];

  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** Registers a started piece (its close() or stop()); returns it. */
  push<T extends Stoppable>(piece: T): T {
    this.stops.push('close' in piece ? () => piece.close() : () => piece.stop());
    return piece;
  }

  defer(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Runs `start`; if it throws, stops everything pushed so far and rethrows. */
  async build<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops every piece, the last started first; a failing stop is logged and the others still run. */
  async stop(): Promise<void> {
    const stops = this.stops.splice(0).reverse();
    for (const stop of stops) await stop().catch((err) => this.log(`stop failed: ${(err as Error).message}`));
  }
}
