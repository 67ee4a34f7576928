// The WebSocket connection lifecycle as a pure state machine: no browser APIs, only injected effects,
// a clock and a random source, so every rule is testable with fake timers.
//
// Rules:
// - reconnect after any close with exponential backoff and full jitter: delay = random() * min(max, base * 2^attempt);
// - keep-alive `ping` every `pingIntervalMs` while open (API Gateway closes idle sockets after 10 min);
//   no message within `pongTimeoutMs` after a ping means a dead socket: close and reconnect;
// - proactive reconnect before the 2-hour maximum connection age (`maxAgeMs`), without backoff;
// - "live" means subscribed: the server acknowledged the room. An open socket without an ack within
//   `ackTimeoutMs` is treated as dead (e.g. accepted by a gateway that was shutting down);
// - after every reconnect (any acknowledged subscription after the first), ask for a REST refetch:
//   deltas sent while we were away are lost, and one refetch makes the view consistent again;
// - the attempt counter resets only once a connection has stayed up `stableAfterMs`, so a server that
//   accepts and drops at once still gets backoff.

export type LiveStatus = 'live' | 'reconnecting' | 'offline';
export type MachineState = 'idle' | 'connecting' | 'open' | 'waiting' | 'stopped';

export interface ReconnectOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  ackTimeoutMs: number;
  maxAgeMs: number;
  stableAfterMs: number;
  /** Consecutive failed attempts after which the status reads offline (retries continue). */
  offlineAfterAttempts: number;
  random: () => number;
  now: () => number;
}

export const DEFAULT_RECONNECT_OPTIONS: ReconnectOptions = {
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  pingIntervalMs: 4 * 60_000,
  pongTimeoutMs: 20_000,
  ackTimeoutMs: 10_000,
  // 2 h is the API Gateway limit; reconnect 10 min before it.
  maxAgeMs: 110 * 60_000,
  stableAfterMs: 10_000,
  offlineAfterAttempts: 5,
  random: Math.random,
  now: () => Date.now(),
};

export interface ReconnectEffects {
  /** Open a new socket; report back with opened() / closed(). */
  connect(): void;
  /** Close the current socket (the machine already treats it as gone). */
  disconnect(): void;
  /** Send `{"action":"ping"}`. */
  ping(): void;
  /** The socket is open: (re)subscribe to the current room. */
  subscribe(): void;
  /** The view must be refetched over REST (after a reconnect). */
  refetch(): void;
  status(status: LiveStatus): void;
}

/** Full-jitter backoff delay for a 0-based attempt. */
export function backoffDelay(attempt: number, opts: Pick<ReconnectOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(opts.random() * ceiling);
}

type Timer = ReturnType<typeof setTimeout>;

export class ReconnectMachine {
  readonly options: ReconnectOptions;
  private _state: MachineState = 'idle';
  private _status: LiveStatus | undefined;
  private attempt = 0;
  private everSubscribed = false;
  private subscribed = false;
  private openedAt = 0;
  private online = true;
  private retryTimer: Timer | undefined;
  private pingTimer: Timer | undefined;
  private pongTimer: Timer | undefined;
  private maxAgeTimer: Timer | undefined;
  private ackTimer: Timer | undefined;

  constructor(
    private readonly effects: ReconnectEffects,
    options: Partial<ReconnectOptions> = {},
  ) {
    this.options = { ...DEFAULT_RECONNECT_OPTIONS, ...options };
  }

  get state(): MachineState {
    return this._state;
  }
  get attempts(): number {
    return this.attempt;
  }
  get status(): LiveStatus | undefined {
    return this._status;
  }

  start(): void {
    if (this._state !== 'idle' && this._state !== 'stopped') return;
    this.connectNow();
  }

  stop(): void {
    const wasConnected = this._state === 'open' || this._state === 'connecting';
    this._state = 'stopped';
    this.clearTimers();
    if (wasConnected) this.effects.disconnect();
    this.setStatus('offline');
  }

  /** The socket opened: subscribe and wait for the acknowledgement. */
  opened(): void {
    if (this._state !== 'connecting') return;
    this._state = 'open';
    this.subscribed = false;
    this.openedAt = this.options.now();
    this.effects.subscribe();
    this.ackTimer = setTimeout(() => this.deadSocket(), this.options.ackTimeoutMs);
    this.schedulePing();
    this.maxAgeTimer = setTimeout(() => this.recycle(), this.options.maxAgeMs);
  }

  /** The server acknowledged a subscription: live (and, after a reconnect, refetch). */
  acked(): void {
    if (this._state !== 'open') return;
    this.clearAckTimer();
    if (this.subscribed) return this.setStatus('live');
    this.subscribed = true;
    const reconnect = this.everSubscribed;
    this.everSubscribed = true;
    this.setStatus('live');
    if (reconnect) this.effects.refetch();
  }

  /** The server refused the room (outside the token's scope): no live data, but no point retrying. */
  refused(): void {
    if (this._state !== 'open') return;
    this.clearAckTimer();
    this.setStatus('offline');
  }

  /** Any message from the server proves the socket alive (acks are reported with acked()). */
  received(): void {
    if (this._state !== 'open') return;
    if (this.pongTimer !== undefined) {
      clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
    }
  }

  /** The socket closed or failed (close and error events may both arrive; the second is ignored). */
  closed(): void {
    if (this._state !== 'open' && this._state !== 'connecting') return;
    if (this._state === 'open' && this.options.now() - this.openedAt >= this.options.stableAfterMs) this.attempt = 0;
    this.clearTimers();
    this.scheduleRetry();
  }

  /** Browser connectivity (navigator.onLine / online / offline events). */
  setOnline(online: boolean): void {
    this.online = online;
    if (this._state === 'stopped' || this._state === 'idle') return;
    if (!online) {
      this.setStatus('offline');
      return;
    }
    // Back online: try at once instead of waiting out a long backoff.
    if (this._state === 'waiting') {
      this.clearTimers();
      this.connectNow();
    }
  }

  private connectNow(): void {
    this._state = 'connecting';
    this.setStatus(this.statusWhileDown());
    this.effects.connect();
  }

  private scheduleRetry(): void {
    this._state = 'waiting';
    const delay = backoffDelay(this.attempt, this.options);
    this.attempt += 1;
    this.setStatus(this.statusWhileDown());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connectNow();
    }, delay);
  }

  /** Proactive reconnect before the maximum connection age: no backoff, the next open refetches. */
  private recycle(): void {
    if (this._state !== 'open') return;
    this.clearTimers();
    this.effects.disconnect();
    this.attempt = 0;
    this.connectNow();
  }

  private schedulePing(): void {
    this.pingTimer = setTimeout(() => {
      if (this._state !== 'open') return;
      this.effects.ping();
      this.pongTimer = setTimeout(() => this.deadSocket(), this.options.pongTimeoutMs);
      this.schedulePing();
    }, this.options.pingIntervalMs);
  }

  private deadSocket(): void {
    if (this._state !== 'open') return;
    this.clearTimers();
    this.effects.disconnect();
    this.scheduleRetry();
  }

  private statusWhileDown(): LiveStatus {
    return !this.online || this.attempt >= this.options.offlineAfterAttempts ? 'offline' : 'reconnecting';
  }

  private setStatus(status: LiveStatus): void {
    if (status === this._status) return;
    this._status = status;
    this.effects.status(status);
  }

  private clearTimers(): void {
    for (const t of [this.retryTimer, this.pingTimer, this.pongTimer, this.maxAgeTimer, this.ackTimer])
      if (t !== undefined) clearTimeout(t);
    this.retryTimer = this.pingTimer = this.pongTimer = this.maxAgeTimer = this.ackTimer = undefined;
  }

  private clearAckTimer(): void {
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }
}
