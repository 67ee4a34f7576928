// A loopback stand-in for the two S3 calls `npm run redrive` makes (GetObject, ListObjectsV2,
// path-style), serving objects from memory, so the real @aws-sdk/client-s3 client is exercised
// end to end. Not S3: no auth check, no pagination beyond one page.
import { createServer, type Server } from 'node:http';
import { listen } from '../../local/listen.js';

export interface S3Objects {
  endpoint: string;
  /** Requests seen, as "GET /bucket/key" lines. */
  requests: string[];
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startS3Objects(buckets: Record<string, Record<string, string>>): Promise<S3Objects> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const objects = buckets[decodeURIComponent(bucket)];
    const key = rest.map(decodeURIComponent).join('/');
    if (!objects) {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchBucket</Code></Error>');
    } else if (key === '' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = Object.keys(objects)
        .filter((k) => k.startsWith(prefix))
        .sort();
      const contents = keys.map((k) => `<Contents><Key>${xml(k)}</Key><Size>${Buffer.byteLength(objects[k]!)}</Size></Contents>`).join('');
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        );
    } else if (objects[key] !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(objects[key]!) }).end(objects[key]);
    } else {
      res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
    }
  });
  const { hostPort } = await listen(server);
  return {
    endpoint: `http://${hostPort}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
