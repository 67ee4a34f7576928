// Runs the date-sensitive test files again with the clock placed at awkward calendar instants
// (MOLAM_TEST_NOW, read by test/support/shifted-clock.mjs): the first minute of a month, a leap
// day's last minute, the last 30 s of a year. The instants are derived from today's date so that
// they stay inside every retention window (ClickHouse's TTLs read the engine's real clock).
// `npm test` runs it after the main suite; `npm run test:calendar -- 2027-03-01T00:00:10Z` runs one instant.
import { spawnSync } from 'node:child_process';

/** Files whose fixtures or expectations are built from the current time. */
export const DATE_SENSITIVE = [
  'test/ops-rollups.test.ts',
  'test/ops-backfill.test.ts',
  'test/ingest.test.ts',
  'test/ingest-poison.test.ts',
  'test/api-figures.test.ts',
  'test/api-merchants.test.ts',
  'test/api-merchant-spans.test.ts',
  'test/api-access.test.ts',
  'test/api-gateway.test.ts',
  'test/api-openapi.test.ts',
  'test/api-summary.test.ts',
  'test/api-scope.test.ts',
  'test/auth.test.ts',
  'test/dynamo-tables.test.ts',
  'test/schema.test.ts',
  'web/src',
];

const pad = (n: number) => String(n).padStart(2, '0');
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** The awkward instants for a run on `today` (UTC). */
export function awkwardInstants(today: Date): string[] {
  const y = today.getUTCFullYear();
  let leap = y;
  while (!isLeap(leap) || Date.UTC(leap, 1, 29, 23, 59) < today.getTime()) leap++;
  return [
    `${y}-${pad(today.getUTCMonth() + 1)}-01T00:00:20Z`, // first minute of this month
    `${leap}-02-29T23:59:00Z`, // the next leap day's last minute
    `${y}-12-31T23:59:30Z`, // this year's last 30 seconds
  ];
}

function main(): void {
  const instants = process.argv.slice(2).length ? process.argv.slice(2) : awkwardInstants(new Date());
  const failed: string[] = [];
  for (const at of instants) {
    console.log(`\n== test:calendar — the date-sensitive files with the clock at ${at}`);
    const run = spawnSync('npx', ['vitest', 'run', ...DATE_SENSITIVE], { stdio: 'inherit', env: { ...process.env, MOLAM_TEST_NOW: at } });
    if (run.status !== 0) failed.push(at);
  }
  if (failed.length) {
    console.error(`\ntest:calendar: failures with the clock at ${failed.join(', ')}`);
    process.exit(1);
  }
  console.log(`\ntest:calendar: every date-sensitive file passed at ${instants.join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
