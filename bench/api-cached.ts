// bench:api's cached part: a CloudFront hit as the viewer's connection sees it. Three clients per
// request, interleaved so they share the machine's load:
//   * gateway: a keep-alive HTTP/1.1 GET to the local gateway, timed to the answer's last byte
//     (the bytes on the wire, gzip as sent; what the edge's hit latency is);
//   * floor: the same GET to a bare server that writes the identical bytes from memory — the
//     machine's own cost of moving them, so gateway / floor is the gateway's overhead;
//   * fetch: Node's fetch() with its decompression and arrayBuffer() — a client's own decode
//     on top, printed beside the others because on this machine it dominates large answers.
import http from 'node:http';
import { X_CACHE } from '../local/http-gateway.js';
import { closeServer, listen } from '../local/listen.js';

interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(agent: http.Agent, url: string, headers: Record<string, string>): Promise<Received> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { 'accept-encoding': 'gzip', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A server answering every request with one recorded answer's status, headers and bytes. */
async function replayServer(answer: Received): Promise<{ url: string; close: () => Promise<void> }> {
  const headers = { ...answer.headers };
  delete headers.connection;
  delete headers['keep-alive'];
  delete headers.date;
  const server = http.createServer((_req, res) => {
    res.writeHead(answer.status, headers as http.OutgoingHttpHeaders);
    res.end(answer.body);
  });
  const { hostPort } = await listen(server);
  return { url: `http://${hostPort}/`, close: () => closeServer(server) };
}

export interface CachedTimes {
  /** Hits only: on a busy machine the runs can outlast the 10 s TTL; the refill misses are left out. */
  gateway: number[];
  floor: number[];
  fetch: number[];
  misses: number;
  wireBytes: number;
}

export async function measureCached(url: string, headers: Record<string, string>, iterations: number): Promise<CachedTimes> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const first = await get(agent, url, headers);
  if (first.status !== 200) throw new Error(`${url}: ${first.status}`);
  const floorServer = await replayServer(first);
  const out: CachedTimes = { gateway: [], floor: [], fetch: [], misses: 0, wireBytes: first.body.length };
  try {
    const time = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
      const t = performance.now();
      const r = await f();
      return [performance.now() - t, r];
    };
    for (let i = 0; i < iterations; i++) {
      const [g, r] = await time(() => get(agent, url, headers));
      if (r.headers['x-cache'] === X_CACHE.hit) out.gateway.push(g);
      else out.misses++;
      out.floor.push((await time(() => get(agent, floorServer.url, headers)))[0]);
      const [f, hit] = await time(async () => {
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        return res.headers.get('x-cache') === X_CACHE.hit;
      });
      if (hit) out.fetch.push(f);
    }
  } finally {
    agent.destroy();
    await floorServer.close();
  }
  return out;
}
