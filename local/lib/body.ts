// Request bodies of the local servers, read with a cap: a body over it fails as soon as the cap is
// passed (a chunked upload without Content-Length is cut off there, not buffered whole).
import type http from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** A declared Content-Length above the cap: refuse before reading a byte. */
export function declaredTooLarge(headers: http.IncomingHttpHeaders, limit: number): boolean {
  const declared = Number(headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/** Reads the whole body, failing with BodyTooLargeError past `limit` bytes (default: no cap). */
export async function readCappedBody(req: http.IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  if (declaredTooLarge(req.headers, limit)) throw new BodyTooLargeError(limit);
  // Plain listeners, not `for await`: leaving an async iterator destroys the request and with it
  // the socket, before the 413 could be sent.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).off('error', reject);
      chunks.length = 0;
      reject(new BodyTooLargeError(limit));
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}
