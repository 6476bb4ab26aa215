import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';

/**
 * The PostgreSQL the PostgreSQL benches use: KEEL_BENCH_DATABASE_URL, else the test database
 * (KEEL_TEST_DATABASE_URL, else this project's local server). Each run works in a schema of
 * its own, dropped afterwards.
 */
export const benchDatabaseUrl = process.env.KEEL_BENCH_DATABASE_URL ?? process.env.KEEL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without its credentials, for reports. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/** Why PostgreSQL cannot be used, or undefined when it can (waits at most a few seconds). */
export async function postgresUnavailable(url = benchDatabaseUrl): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs `work` with a fresh schema's name (created first, dropped after) and the server's durability settings. */
export async function withBenchSchema<T>(work: (schema: string, settings: Record<string, string>) => Promise<T>): Promise<T> {
  const schema = `keel_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: benchDatabaseUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    const settings: Record<string, string> = {};
    for (const name of ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method']) {
      const { rows } = await admin.query<Record<string, string>>(`SHOW ${name}`);
      settings[name] = rows[0]?.[name] ?? 'unknown';
    }
    return await work(schema, settings);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

/**
 * The baseline of the PostgreSQL figures: the plainest durable step a hand-written program
 * would take with `pg` — one transaction (BEGIN, insert the journal row, update the run row,
 * COMMIT) of the same payload, on a pool of the same size as the store's. Nothing sits between
 * the loop and the driver: no fence, no patch, no ledger.
 */
export interface BarePostgres {
  /** Commits one step of run `run`: insert of `data` as its next row, update of the run row. */
  step(run: number, data: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBarePostgres(options: { schema: string; runs: number; poolSize: number }): Promise<BarePostgres> {
  const pool = new Pool({ connectionString: benchDatabaseUrl, max: options.poolSize, options: `-c search_path=${options.schema}` });
  pool.on('error', () => undefined);
  await pool.query(`
    CREATE TABLE bare_runs (id integer PRIMARY KEY, last_seq integer NOT NULL, updated_at timestamptz NOT NULL);
    CREATE TABLE bare_journal (run_id integer NOT NULL, seq integer NOT NULL, data json NOT NULL, PRIMARY KEY (run_id, seq))`);
  await pool.query({ text: 'INSERT INTO bare_runs SELECT id, 0, now() FROM generate_series(0, $1::integer - 1) AS id', values: [options.runs] });
  const seqs = new Array<number>(options.runs).fill(0);
  return {
    async step(run, data) {
      seqs[run] = (seqs[run] ?? 0) + 1;
      const seq = seqs[run];
      const client = await pool.connect();
      let failed = false;
      try {
        await client.query('BEGIN');
        await client.query({ name: 'bare_insert', text: 'INSERT INTO bare_journal (run_id, seq, data) VALUES ($1, $2, $3)', values: [run, seq, data] });
        await client.query({
          name: 'bare_update',
          text: 'UPDATE bare_runs SET last_seq = $2, updated_at = $3 WHERE id = $1',
          values: [run, seq, new Date().toISOString()],
        });
        await client.query('COMMIT');
      } catch (error) {
        // A bench step never fails on a healthy server: drop the connection and let the bench fail.
        failed = true;
        throw error;
      } finally {
        client.release(failed);
      }
    },
    close: () => pool.end(),
  };
}
