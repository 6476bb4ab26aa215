import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, describe, it } from 'vitest';

/*
 * The PostgreSQL the tests run against: KEEL_TEST_DATABASE_URL, or the server this project's
 * machines and CI run (127.0.0.1:5432, user postgres, trust auth, database `test`). Every store
 * a test opens gets a schema of its own (`keel_test_<random>_<n>`), dropped when the file ends,
 * so test files running in parallel never see each other's runs.
 */
export const testDatabaseUrl = process.env.KEEL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Why PostgreSQL cannot be used, or undefined when it can. Waits at most a few seconds. */
export async function postgresUnavailableReason(url = testDatabaseUrl): Promise<string | undefined> {
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

/**
 * Declares the PostgreSQL tests of a file, or, when the server is unreachable, says so: a
 * skipped suite named after the reason — except under CI (CI set to anything but `false`),
 * where an unreachable database is a failing test, so CI can never pass by skipping.
 *
 * @example
 * await describePostgres('postgres store', (schemas) => { it('…', async () => { const store = createPostgresStore({ connectionString: testDatabaseUrl, schema: await schemas.create() }); }); });
 */
export async function describePostgres(name: string, define: (schemas: TestSchemas) => void): Promise<void> {
  const reason = await postgresUnavailableReason();
  if (reason === undefined) {
    describe(name, () => define(createTestSchemas()));
    return;
  }
  const where = testDatabaseUrl.replace(/\/\/[^@/]*@/, '//');
  if (isCi()) {
    describe(name, () => {
      it(`needs PostgreSQL at ${where} (CI is set, so this fails instead of skipping)`, () => {
        throw new Error(`PostgreSQL is not reachable at ${where}: ${reason}. Start it, or set KEEL_TEST_DATABASE_URL.`);
      });
    });
    return;
  }
  const message = `${name} — skipped: PostgreSQL is not reachable at ${where} (${reason}); set KEEL_TEST_DATABASE_URL or start it`;
  console.warn(message);
  describe.skip(message, () => {
    it('needs PostgreSQL', () => undefined);
  });
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci.toLowerCase() !== 'false' && ci !== '0';
}

export interface TestSchemas {
  /** A new, empty schema's name; dropped with the others after the file's tests. */
  create(): Promise<string>;
}

function createTestSchemas(): TestSchemas {
  const prefix = `keel_test_${randomBytes(4).toString('hex')}`;
  const created: string[] = [];
  afterAll(async () => {
    // One schema per statement: dropping them all at once takes more locks than the server allows per transaction.
    await withClient(async (client) => {
      for (const schema of created) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
    // A file such as the store's contract suite creates about 150 schemas of 30-odd tables each: on a
    // loaded 2-core machine dropping them takes longer than the default hook timeout of 30 s.
  }, 300_000);
  return {
    async create() {
      const schema = `${prefix}_${created.length + 1}`;
      created.push(schema);
      await withClient((client) => client.query(`CREATE SCHEMA ${schema}`));
      return schema;
    },
  };
}

async function withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testDatabaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
