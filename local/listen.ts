// Starts a local stand-in's server and tells where it listens, and stops it. Every local server binds
// to loopback by default and to an ephemeral port when given 0 (tests, benchmarks).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export interface Listening {
  port: number;
  /** `host:port`, with IPv6 hosts in brackets: prefix a scheme to get a URL. */
  hostPort: string;
}

export function listen(server: Server, port = 0, host = LOOPBACK): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve({ port: actual, hostPort: `${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}

/** Stops accepting, cuts the kept-alive connections (SDK clients pool them) and resolves once closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
