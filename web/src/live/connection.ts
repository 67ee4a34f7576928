// Browser side of live mode: a WebSocket driven by the ReconnectMachine, subscribed to one room.
import type { ClientMessage, DeltaMessage, ServerMessage } from '../../../contracts/index.js';
import { snapshotsForRoom } from './messages.js';
import { type LiveStatus, ReconnectMachine, type ReconnectOptions } from './reconnect.js';

export interface LiveHandlers {
  delta(message: DeltaMessage): void;
  status(status: LiveStatus): void;
  /** After a reconnect: refetch over REST. */
  refetch(): void;
  /** Server-side refusal (e.g. a room outside the token's scope). */
  serverError(message: string): void;
}

export class LiveConnection {
  private socket: WebSocket | undefined;
  /** The server said the token expired: the next open asks for a fresh one. */
  private renewToken = false;
  private room: string;
  private readonly machine: ReconnectMachine;
  private readonly onOnline = () => this.machine.setOnline(true);
  private readonly onOffline = () => this.machine.setOnline(false);

  constructor(
    private readonly wsUrl: string,
    /** The token to connect with; `renew` after a `token_expired`: a fresh one, not the stored one. */
    private readonly token: (renew: boolean) => Promise<string>,
    room: string,
    private readonly handlers: LiveHandlers,
    options: Partial<ReconnectOptions> = {},
  ) {
    this.room = room;
    this.machine = new ReconnectMachine(
      {
        connect: () => void this.open(),
        disconnect: () => this.drop(),
        ping: () => this.send({ action: 'ping' }),
        subscribe: () => this.send({ action: 'subscribe', rooms: [this.room] }),
        refetch: () => handlers.refetch(),
        status: (s) => handlers.status(s),
      },
      options,
    );
  }

  start(): void {
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
    this.machine.setOnline(navigator.onLine !== false);
    this.machine.start();
  }

  stop(): void {
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    this.machine.stop();
  }

  /** Moves the subscription to another room on the open socket. */
  setRoom(room: string): void {
    if (room === this.room) return;
    const old = this.room;
    this.room = room;
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.send({ action: 'unsubscribe', rooms: [old] });
      this.send({ action: 'subscribe', rooms: [room] });
    }
  }

  private async open(): Promise<void> {
    let token: string;
    try {
      token = await this.token(this.renewToken);
      this.renewToken = false;
    } catch {
      this.machine.closed();
      return;
    }
    const url = new URL(this.wsUrl);
    url.searchParams.set('token', token);
    const socket = new WebSocket(url);
    this.socket = socket;
    // Events of a socket we already dropped must not drive the machine.
    const current = () => this.socket === socket;
    socket.onopen = () => current() && this.machine.opened();
    socket.onclose = () => current() && this.machine.closed();
    socket.onerror = () => current() && this.machine.closed();
    socket.onmessage = (ev) => {
      if (!current()) return;
      this.machine.received();
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return;
      }
      if (msg.type === 'deltas' || msg.type === 'delta' || msg.type === 'resume') {
        // One frame carries every room of the connection; snapshots of a room we just left may
        // still be in flight.
        for (const s of snapshotsForRoom(msg, this.room)) this.handlers.delta({ ...s, type: 'delta' });
      } else if (msg.type === 'ack') {
        if (msg.action === 'subscribe' && msg.rooms.includes(this.room)) this.machine.acked();
      } else if (msg.type === 'error') {
        // The server closes the socket right after; the reconnect then uses a fresh token.
        if (msg.code === 'token_expired') this.renewToken = true;
        if (msg.code === 'forbidden_room' || msg.code === 'invalid_room') this.machine.refused();
        this.handlers.serverError(msg.message);
      }
    };
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000, 'client reconnect');
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
