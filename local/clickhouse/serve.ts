// `npx tsx local/clickhouse/serve.ts`: the local ClickHouse endpoint on its own
// (127.0.0.1:${CLICKHOUSE_PORT:-8123}, data in .local/clickhouse). Ctrl-C stops it cleanly.
import path from 'node:path';
import { startClickHouseServer } from './server.js';

const port = Number(process.env.CLICKHOUSE_PORT ?? 8123);
const dataDir = path.resolve(process.env.CLICKHOUSE_DATA_DIR ?? '.local/clickhouse');
const server = await startClickHouseServer({ host: '127.0.0.1', port, dataDir });
console.log(`ClickHouse (chdb) listening on ${server.url}  data: ${dataDir}`);
console.log(`  try: curl '${server.url}/?query=SELECT+1'`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
