// npm run migrate: applies pending ClickHouse migrations to the database the environment names
// (CLICKHOUSE_URL / _USER / _PASSWORD / _DATABASE, or CLICKHOUSE_SECRET_ARN in AWS).
import { getClickHouse } from '../functions/shared/clickhouse.js';
import { migrate } from '../sql/migrations.js';

const client = await getClickHouse();
try {
  const result = await migrate(client, { log: (line) => console.log(line) });
  console.log(`migrations: ${result.applied.length} applied, ${result.skipped.length} already in place`);
} catch (err) {
  console.error(`migrate failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
