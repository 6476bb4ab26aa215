import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store.ts';
import { describePostgres, testDatabaseUrl } from './postgres/postgres-test-database.ts';

const root = await mkdtemp(join(tmpdir(), 'keel-open-store-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const run = {
  id: 'run-1',
  tenantId: 'tenant-a',
  agent: 'support',
  sessionId: 'session-1',
  userId: 'user-1',
  input: 'hello',
  sessionPolicy: 'queue',
  now: new Date('2030-01-01T00:00:00.000Z'),
} as const;

describe('openStore', () => {
  it('opens a private in-memory database for sqlite::memory:', async () => {
    const store = await openStore('sqlite::memory:');
    await store.migrate();
    await store.createRun(run);
    expect(store.dialect).toBe('sqlite');
    expect(await store.getRun('tenant-a', 'run-1')).toMatchObject({ status: 'queued' });
    await store.close();

    const other = await openStore('sqlite::memory:');
    expect(await other.isMigrated()).toBe(false);
    await other.close();
  });

  it('creates missing parent directories for a relative sqlite path', async () => {
    const file = join(root, 'nested', 'deeper', 'keel.db');
    const store = await openStore(`sqlite:./${relative(process.cwd(), file)}`);
    await store.migrate();
    await store.close();
    expect((await stat(file)).isFile()).toBe(true);
  });

  it('accepts absolute paths, also in the sqlite:/// spelling', async () => {
    for (const url of [`sqlite:${join(root, 'a', 'keel.db')}`, `sqlite://${join(root, 'b', 'keel.db')}`]) {
      const store = await openStore(url);
      await store.migrate();
      await store.close();
    }
    expect((await stat(join(root, 'a', 'keel.db'))).isFile()).toBe(true);
    expect((await stat(join(root, 'b', 'keel.db'))).isFile()).toBe(true);
  });

  it('opens a PostgreSQL store for postgres:// and postgresql:// URLs, connecting only on first use', async () => {
    for (const url of ['postgres://keel:secret@127.0.0.1:1/keel', 'postgresql://keel:secret@127.0.0.1:1/keel']) {
      const store = await openStore(url);
      expect(store.dialect).toBe('postgres');
      // Nothing listens on port 1: the first query says so, without echoing the URL's password.
      const failure = store.isMigrated();
      await expect(failure).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      await expect(failure).rejects.not.toMatchObject({ message: expect.stringContaining('secret') });
      await store.close();
    }
  });

  it('loads pg only when a postgres:// URL is opened, not on import', async () => {
    // A fresh Node process, so nothing another test imported counts; a resolve hook sees every
    // module either module system loads.
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = new Set();
      registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); loaded.add(result.url); return result; } });
      const pg = () => [...loaded].some((url) => url.includes('/node_modules/pg/'));
      const keel = await import(${JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', 'index.ts')).href)});
      const onImport = pg();
      const sqlite = await keel.openStore('sqlite::memory:');
      await sqlite.close();
      const afterSqlite = pg();
      const postgres = await keel.openStore('postgres://keel@127.0.0.1:1/keel');
      await postgres.close();
      console.log(JSON.stringify({ onImport, afterSqlite, afterPostgres: pg() }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=keel-source', '--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual({ onImport: false, afterSqlite: false, afterPostgres: true });
  });

  it('rejects other URLs with CONFIG_INVALID', async () => {
    for (const url of ['', 'sqlite:', 'mysql://db/keel', './keel.db']) {
      await expect(openStore(url)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    }
  });
});

await describePostgres('openStore on PostgreSQL', (schemas) => {
  it('runs a store at the URL, its schema chosen by the options parameter', async () => {
    const schema = await schemas.create();
    const url = new URL(testDatabaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const store = await openStore(url.toString(), { poolSize: 2 });
    await store.migrate();
    await store.createRun(run);
    expect(await store.getRun('tenant-a', 'run-1')).toMatchObject({ status: 'queued' });
    await store.close();

    const probe = new Client({ connectionString: testDatabaseUrl });
    await probe.connect();
    const { rows } = await probe.query(`SELECT id FROM ${schema}.runs`);
    await probe.end();
    expect(rows).toEqual([{ id: 'run-1' }]);
  });
});
