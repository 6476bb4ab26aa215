import { Client, Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { migrations, schemaMigrationsTable } from '../migrations/index.ts';
import { describeStoreContract } from '../contract/store-contract.ts';
import type { NewRun, Store } from '../store.ts';
import { claimLock } from './advisory-locks.ts';
import { appendPostgres } from './append.ts';
import { inTransaction, openPool } from './open-pool.ts';
import { createPostgresStore } from './postgres-store.ts';
import { describePostgres, testDatabaseUrl, type TestSchemas } from './postgres-test-database.ts';

const now = new Date('2030-01-01T00:00:00.000Z');

function newRun(index: number, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: `run-${index}`,
    tenantId: 'tenant-a',
    agent: 'support',
    sessionId: `session-${index}`,
    userId: 'user-1',
    input: 'hello',
    sessionPolicy: 'queue',
    now,
    ...overrides,
  };
}

async function migratedStore(schema: string): Promise<Store> {
  const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
  await store.migrate();
  return store;
}

/** A pool that counts the round trips a piece of work makes: queries, and connections checked out for a transaction. */
function countingPool(schema: string): { pool: Pool; counts: { queries: number; checkouts: number } } {
  const pool = new Pool({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}`, max: 2 });
  const counts = { queries: 0, checkouts: 0 };
  const counted = new Proxy(pool, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'query' && typeof value === 'function') return (...args: unknown[]) => ((counts.queries += 1), Reflect.apply(value, target, args));
      if (property === 'connect' && typeof value === 'function') return (...args: unknown[]) => ((counts.checkouts += 1), Reflect.apply(value, target, args));
      return value;
    },
  });
  return { pool: counted, counts };
}

await describePostgres('postgres', (schemas: TestSchemas) => {
  describeStoreContract('postgres', async () => createPostgresStore({ connectionString: testDatabaseUrl, schema: await schemas.create() }));

  describe('postgres store', () => {
    it('keeps runs, journals and sessions across close and reopen', async () => {
      const schema = await schemas.create();
      const first = await migratedStore(schema);
      const { run } = await first.createRun(newRun(1));
      const lease = await first.claimRun(run.id, { owner: 'worker-1', leaseMs: 30_000, now });
      if (lease === undefined) throw new Error('expected a lease');
      await first.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now }, [{ type: 'run-end', status: 'completed', output: 'done' }], {
        status: 'completed',
        output: 'done',
        sessionMessages: [{ role: 'user', content: 'hello' }],
      });
      const before = await first.getRun('tenant-a', run.id);
      const journal = await first.readJournal(run.id);
      await first.close();
      await first.close();

      const second = createPostgresStore({ connectionString: testDatabaseUrl, schema });
      expect(await second.isMigrated()).toBe(true);
      expect(await second.getRun('tenant-a', run.id)).toEqual(before);
      expect(await second.readJournal(run.id)).toEqual(journal);
      expect(await second.listSessionMessages('tenant-a', run.sessionId)).toEqual([{ role: 'user', content: 'hello' }]);
      await second.close();
    });

    it('applies each migration once when many nodes migrate at once, creating its schema', async () => {
      const schema = await schemas.create();
      await dropSchema(schema); // migrate() must create it
      const nodes = Array.from({ length: 4 }, () => createPostgresStore({ connectionString: testDatabaseUrl, schema, poolSize: 2 }));
      expect(await nodes[0]?.isMigrated()).toBe(false);
      await Promise.all([...nodes.map((node) => node.migrate()), ...nodes.map((node) => node.migrate())]);
      expect(await nodes[3]?.isMigrated()).toBe(true);
      await Promise.all(nodes.map((node) => node.close()));

      const probe = new Client({ connectionString: testDatabaseUrl });
      await probe.connect();
      const { rows } = await probe.query(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`);
      await probe.end();
      expect(rows).toEqual(migrations.map(({ version, name }) => ({ version, name })));
    });

    it('numbers the API keys of a schema migrated before key creation order in the order they listed, then numbers new keys after them', async () => {
      const schema = await schemas.create();
      const before = new Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
      await before.connect();
      await before.query(schemaMigrationsTable.postgres);
      for (const migration of migrations.filter(({ version }) => version < 7)) {
        await before.query(migration.sql.postgres);
        await before.query({
          text: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          values: [migration.version, migration.name, now],
        });
      }
      const insert = "INSERT INTO api_keys (id, tenant_id, name, role, key_hash, key_prefix, created_at) VALUES ($1, 'acme', '', 'app', $2, 'keel_x', $3)";
      await before.query({ text: insert, values: ['key-b', 'hash-b', now] });
      await before.query({ text: insert, values: ['key-a', 'hash-a', now] });
      await before.query({ text: insert, values: ['key-0', 'hash-0', new Date(now.getTime() + 1)] });
      await before.end();

      const store = await migratedStore(schema);
      await store.createApiKey({ id: 'key-00', tenantId: 'acme', name: '', role: 'app', keyHash: 'hash-00', prefix: 'keel_x', now });
      expect((await store.listApiKeys()).map((key) => key.id)).toEqual(['key-a', 'key-b', 'key-00', 'key-0']);
      await store.close();
    });

    it('refuses to work on a schema that was never migrated', async () => {
      const store = createPostgresStore({ connectionString: testDatabaseUrl, schema: await schemas.create() });
      expect(await store.isMigrated()).toBe(false);
      await expect(store.getRun('tenant-a', 'run-1')).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        retryable: false,
        message: expect.stringMatching(/not migrated/),
      });
      await store.close();
    });

    it('reports an unreachable server as STORE_UNAVAILABLE, retryable, without echoing the URL', async () => {
      const store = createPostgresStore({ connectionString: 'postgres://keel:hunter2@127.0.0.1:1/keel', connectionTimeoutMs: 2_000 });
      const failure = store.migrate();
      await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('hunter2') });
      await store.close();
    });

    it('refuses text PostgreSQL cannot store (a raw NUL character) as invalid input, writing nothing', async () => {
      const store = await migratedStore(await schemas.create());
      await expect(store.createRun(newRun(1, { input: 'a\u0000b' }))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
      expect(await store.getSession('tenant-a', 'session-1')).toBeUndefined();
      await store.close();
    });

    it('survives a connection that breaks in the middle of a transaction, reporting STORE_UNAVAILABLE', async () => {
      const pool = openPool({ connectionString: testDatabaseUrl, poolSize: 1, schema: undefined, connectionTimeoutMs: 5_000 });
      const admin = new Client({ connectionString: testDatabaseUrl });
      await admin.connect();
      try {
        const failure = inTransaction(pool, async (client) => {
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
          // The connection drops while no statement is running: the case with no listener but ours.
          await new Promise((resolve) => setTimeout(resolve, 200));
          await client.query('SELECT 1');
        });
        await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
        // The broken connection was not returned to the pool: the next transaction works.
        expect(await inTransaction(pool, async (client) => (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one)).toBe(1);
      } finally {
        await admin.end();
        await pool.end();
      }
    });

    it('answers a claim with nothing to claim without taking the claim lock, and waits for the lock when there is', async () => {
      const schema = await schemas.create();
      const store = await migratedStore(schema);
      const claim = { owner: 'worker-1', leaseMs: 30_000, now, limit: 8 };
      await store.createRun(newRun(1));
      expect(await store.claimRunnable(claim)).toHaveLength(1);
      // Another node in the middle of a claim: it holds the claim lock until it commits.
      const other = new Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(`SELECT ${claimLock}`);
        expect(await store.claimRunnable(claim)).toEqual([]);
        await store.createRun(newRun(2));
        let settled = false;
        const claiming = store.claimRunnable(claim).finally(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(settled).toBe(false);
        await other.query('COMMIT');
        expect((await claiming).map((lease) => lease.runId)).toEqual(['run-2']);
      } finally {
        await other.end();
        await store.close();
      }
    });

    it('rejects a schema name that is not a plain identifier', () => {
      expect(() => createPostgresStore({ connectionString: testDatabaseUrl, schema: 'keel; DROP TABLE runs' })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    });

    it('appends in one round trip, and a run end with session messages in one transaction', async () => {
      const schema = await schemas.create();
      const store = await migratedStore(schema);
      const { run } = await store.createRun(newRun(1));
      const lease = await store.claimRun(run.id, { owner: 'worker-1', leaseMs: 30_000, now });
      if (lease === undefined) throw new Error('expected a lease');
      const { pool, counts } = countingPool(schema);
      try {
        const usageEntry = { step: 1, provider: 'openai', modelId: 'gpt-4o', inputTokens: 1, outputTokens: 1, cachedTokens: 0, costNanoUsd: 5, latencyMs: 1 };
        await appendPostgres(pool, { runId: run.id, epoch: lease.epoch, lastSeq: 1, now }, [{ type: 'text-delta', step: 1, attempt: 1, text: 'a' }], {
          usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0 },
          usageEntry,
        });
        expect(counts).toEqual({ queries: 1, checkouts: 0 });

        await appendPostgres(pool, { runId: run.id, epoch: lease.epoch, lastSeq: 2, now }, [{ type: 'run-end', status: 'completed' }], {
          status: 'completed',
          sessionMessages: [{ role: 'user', content: 'hello' }],
        });
        expect(counts).toEqual({ queries: 1, checkouts: 1 });
      } finally {
        await pool.end();
      }
      expect((await store.readJournal(run.id)).map((entry) => entry.type)).toEqual(['run-start', 'text-delta', 'run-end']);
      expect(await store.queryUsage({ tenantId: 'tenant-a', groupBy: 'tenant' })).toMatchObject([{ costNanoUsd: 5, calls: 1 }]);
      await store.close();
    });
  });
});

async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: testDatabaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}
