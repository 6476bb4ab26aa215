import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../journal/events.ts';
import { migrations, schemaMigrationsTable } from '../migrations/index.ts';
import { describeStoreContract } from '../contract/store-contract.ts';
import type { NewRun, Store } from '../store.ts';
import type { ClaimRaceInput } from './claim-race-worker.ts';
import { createSqliteStore } from './sqlite-store.ts';

const root = await mkdtemp(join(tmpdir(), 'keel-sqlite-store-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let files = 0;
async function databasePath(): Promise<string> {
  files += 1;
  const directory = await mkdtemp(join(root, `db-${files}-`));
  return join(directory, 'keel.db');
}

describeStoreContract('sqlite', async () => createSqliteStore({ path: await databasePath() }));

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

type WorkerMessage = { type: 'ready' } | { type: 'claimed'; runIds: string[] };

/** Starts `claim-race-worker.ts` on its own thread and connection. */
function startClaimWorker(path: string, owner: string, gate: SharedArrayBuffer): { ready: Promise<void>; claimed: Promise<string[]> } {
  const workerData: ClaimRaceInput = { path, owner, gate };
  const worker = new Worker(new URL('./claim-race-worker.ts', import.meta.url), { workerData });
  const listen = <T>(pick: (message: WorkerMessage) => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (message: WorkerMessage) => {
        const value = pick(message);
        if (value !== undefined) resolve(value);
      });
    });
  return {
    ready: listen((message) => (message.type === 'ready' ? true : undefined)).then(() => undefined),
    claimed: listen((message) => (message.type === 'claimed' ? message.runIds : undefined)),
  };
}

async function migratedStore(path: string): Promise<Store> {
  const store = createSqliteStore({ path });
  await store.migrate();
  return store;
}

describe('sqlite store', () => {
  it('claims each run exactly once when several connections race for the same runs', async () => {
    const path = await databasePath();
    const store = await migratedStore(path);
    const runCount = 300;
    for (let index = 0; index < runCount; index += 1) await store.createRun(newRun(index, { now: new Date() }));

    const gate = new SharedArrayBuffer(4);
    const workers = ['a', 'b', 'c', 'd'].map((owner) => startClaimWorker(path, `worker-${owner}`, gate));
    await Promise.all(workers.map((worker) => worker.ready));
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    const claimedByWorker = await Promise.all(workers.map((worker) => worker.claimed));

    const all = claimedByWorker.flat();
    expect(all).toHaveLength(runCount);
    expect(new Set(all).size).toBe(runCount);
    // Every run was leased once: its epoch moved from 0 to 1 and no further.
    const probe = new DatabaseSync(path);
    expect(probe.prepare('SELECT MIN(lease_epoch) AS low, MAX(lease_epoch) AS high FROM runs').get()).toEqual({ low: 1, high: 1 });
    probe.close();
    await store.close();
  });

  it('keeps runs, journals and sessions across close and reopen', async () => {
    const path = await databasePath();
    const first = await migratedStore(path);
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

    const second = createSqliteStore({ path });
    expect(await second.isMigrated()).toBe(true);
    expect(await second.getRun('tenant-a', run.id)).toEqual(before);
    expect(await second.readJournal(run.id)).toEqual(journal);
    expect(await second.listSessionMessages('tenant-a', run.sessionId)).toEqual([{ role: 'user', content: 'hello' }]);
    await second.close();
  });

  it('applies each migration once, however often and from however many connections migrate runs', async () => {
    const path = await databasePath();
    const a = createSqliteStore({ path });
    const b = createSqliteStore({ path });
    expect(await a.isMigrated()).toBe(false);
    await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
    await a.migrate();
    expect(await b.isMigrated()).toBe(true);
    await Promise.all([a.close(), b.close()]);

    const probe = new DatabaseSync(path);
    expect(probe.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all()).toEqual(
      migrations.map(({ version, name }) => ({ version, name })),
    );
    probe.close();
  });

  it('numbers the API keys of a database migrated before key creation order in the order they listed, then numbers new keys after them', async () => {
    const path = await databasePath();
    const before = new DatabaseSync(path);
    before.exec(schemaMigrationsTable.sqlite);
    for (const migration of migrations.filter(({ version }) => version < 7)) {
      before.exec(migration.sql.sqlite);
      before.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, now.toISOString());
    }
    const insert = before.prepare(
      "INSERT INTO api_keys (id, tenant_id, name, role, key_hash, key_prefix, created_at) VALUES (?, 'acme', '', 'app', ?, 'keel_x', ?)",
    );
    insert.run('key-b', 'hash-b', now.toISOString());
    insert.run('key-a', 'hash-a', now.toISOString());
    insert.run('key-0', 'hash-0', new Date(now.getTime() + 1).toISOString());
    before.close();

    const store = createSqliteStore({ path });
    await store.migrate();
    await store.createApiKey({ id: 'key-00', tenantId: 'acme', name: '', role: 'app', keyHash: 'hash-00', prefix: 'keel_x', now });
    expect((await store.listApiKeys()).map((key) => key.id)).toEqual(['key-a', 'key-b', 'key-00', 'key-0']);
    await store.close();
  });

  it('keeps the spend of user, agent and session budgets across the migration that adds it up per day', async () => {
    const path = await databasePath();
    const before = new DatabaseSync(path);
    before.exec(schemaMigrationsTable.sqlite);
    for (const migration of migrations.filter(({ version }) => version < 13)) {
      before.exec(migration.sql.sqlite);
      before.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, now.toISOString());
    }
    // Ledger rows as migration 4 wrote them: today (twice), yesterday, last month, and another user's.
    const insert = before.prepare(
      "INSERT INTO usage (tenant_id, run_id, step, user_id, agent, session_id, provider, model_id, input_tokens, output_tokens, cached_tokens, cost_nano_usd, latency_ms, at) VALUES ('tenant-a', 'run-x', 1, ?, 'support', ?, 'p', 'm', 1, 1, 0, ?, 1, ?)",
    );
    const day = 24 * 3_600_000;
    insert.run('user-1', 'session-1', 1_000, now.toISOString());
    insert.run('user-1', 'session-2', 2_000, new Date(now.getTime() + 3_600_000).toISOString());
    insert.run('user-1', 'session-1', 40, new Date(now.getTime() - day).toISOString());
    insert.run('user-1', 'session-1', 500, new Date(now.getTime() - 40 * day).toISOString());
    insert.run('user-2', 'session-3', 7, now.toISOString());
    before.close();

    const store = await migratedStore(path);
    const put = async (scope: 'user' | 'agent' | 'session', scopeId: string, period: 'day' | 'month' | 'total') =>
      (await store.putBudget({ tenantId: 'tenant-a', scope, scopeId, period, limitNanoUsd: 1_000_000, now: new Date(now.getTime() + 7_200_000) })).spentNanoUsd;
    expect(await put('user', 'user-1', 'day')).toBe(3_000);
    expect(await put('user', 'user-1', 'total')).toBe(3_540);
    expect(await put('agent', 'support', 'total')).toBe(3_547);
    expect(await put('session', 'session-1', 'total')).toBe(1_540);
    expect(await put('session', 'session-2', 'day')).toBe(2_000);
    expect(await put('user', 'user-2', 'month')).toBe(7);
    await store.close();
  });

  it("keeps a session's history, in order, across the migration that stores it a run per row, and adds a run's messages as one row", async () => {
    const path = await databasePath();
    const before = new DatabaseSync(path, { enableForeignKeyConstraints: false });
    before.exec(schemaMigrationsTable.sqlite);
    for (const migration of migrations.filter(({ version }) => version < 15)) {
      before.exec(migration.sql.sqlite);
      before.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, now.toISOString());
    }
    before
      .prepare("INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at) VALUES ('tenant-a', 'session-1', 'user-1', 'support', ?, ?)")
      .run(now.toISOString(), now.toISOString());
    // A message per row, as before migration 15: two earlier runs, inserted out of order.
    const insert = before.prepare(
      "INSERT INTO session_messages (tenant_id, session_id, position, run_id, message, created_at) VALUES ('tenant-a', 'session-1', ?, ?, ?, ?)",
    );
    const old = [
      { position: 3, runId: 'run-old-2', message: { role: 'user', content: 'and now?\u0000' } },
      { position: 1, runId: 'run-old-1', message: { role: 'user', content: 'hi' } },
      { position: 2, runId: 'run-old-1', message: { role: 'assistant', content: 'hello' } },
    ];
    for (const row of old) insert.run(row.position, row.runId, JSON.stringify(row.message), now.toISOString());
    before.close();

    const store = await migratedStore(path);
    expect(await store.listSessionMessages('tenant-a', 'session-1')).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'and now?\u0000' },
    ]);
    const { run } = await store.createRun(newRun(9, { sessionId: 'session-1' }));
    const lease = await store.claimRun(run.id, { owner: 'worker-1', leaseMs: 30_000, now });
    if (lease === undefined) throw new Error('expected a lease');
    const turn = [
      { role: 'user' as const, content: 'hello' },
      { role: 'assistant' as const, content: 'still here' },
    ];
    await store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now }, [{ type: 'run-end', status: 'completed' }], {
      status: 'completed',
      sessionMessages: turn,
    });
    expect((await store.listSessionMessages('tenant-a', 'session-1')).slice(3)).toEqual(turn);
    await store.close();
    const after = new DatabaseSync(path, { readOnly: true });
    expect(after.prepare('SELECT position, run_id, messages FROM session_messages ORDER BY position').all()).toEqual([
      { position: 1, run_id: 'run-old-1', messages: JSON.stringify([{ role: 'user', content: 'hi' }]) },
      { position: 2, run_id: 'run-old-1', messages: JSON.stringify([{ role: 'assistant', content: 'hello' }]) },
      { position: 3, run_id: 'run-old-2', messages: JSON.stringify([{ role: 'user', content: 'and now?\u0000' }]) },
      { position: 4, run_id: run.id, messages: JSON.stringify(turn) },
    ]);
    after.close();
  });

  it('refuses to work on a database that was never migrated', async () => {
    const store = createSqliteStore({ path: await databasePath() });
    await expect(store.getRun('tenant-a', 'run-1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await store.close();
  });

  it('gives up with STORE_UNAVAILABLE when another process holds the write lock past the busy timeout', async () => {
    const path = await databasePath();
    await (await migratedStore(path)).close();
    const store = createSqliteStore({ path, busyTimeoutMs: 50 });
    const { run } = await store.createRun(newRun(1));
    const blocker = new DatabaseSync(path);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.claimRun(run.id, { owner: 'worker-1', leaseMs: 30_000, now })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        retryable: true,
      });
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    // The failed attempt left nothing behind: the run is still claimable at epoch 1.
    expect(await store.claimRun(run.id, { owner: 'worker-1', leaseMs: 30_000, now })).toMatchObject({ epoch: 1 });
    await store.close();
  });

  it('answers a claim with nothing to claim without waiting for the write lock, and takes the lock when there is', async () => {
    const path = await databasePath();
    await (await migratedStore(path)).close();
    const store = createSqliteStore({ path, busyTimeoutMs: 50 });
    const claim = { owner: 'worker-1', leaseMs: 30_000, now, limit: 8 };
    const { run } = await store.createRun(newRun(1));
    expect(await store.claimRunnable(claim)).toHaveLength(1);
    const blocker = new DatabaseSync(path);
    blocker.exec('BEGIN IMMEDIATE');
    try {
      // The one run is leased: nothing to claim, whoever holds the lock.
      expect(await store.claimRunnable(claim)).toEqual([]);
    } finally {
      blocker.exec('ROLLBACK');
    }
    await store.createRun(newRun(2));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.claimRunnable(claim)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect((await store.claimRunnable(claim)).map((lease) => lease.runId)).toEqual(['run-2']);
    expect(run.id).toBe('run-1');
    await store.close();
  });

  it('writes about as many bytes to append to a long run as to a short one', async () => {
    const path = await databasePath();
    const store = await migratedStore(path);
    const payload = 'x'.repeat(1_500);
    const event = (text: string): JournalEvent => ({ type: 'text-delta', step: 1, attempt: 1, text });

    const short = await store.createRun(newRun(1));
    const long = await store.createRun(newRun(2));
    const shortLease = await store.claimRun(short.run.id, { owner: 'worker-1', leaseMs: 600_000, now });
    const longLease = await store.claimRun(long.run.id, { owner: 'worker-1', leaseMs: 600_000, now });
    if (shortLease === undefined || longLease === undefined) throw new Error('expected leases');
    let longSeq = 1;
    while (longSeq < 1_000) {
      const batch = Array.from({ length: Math.min(100, 1_000 - longSeq) }, () => event(payload));
      await store.append({ runId: long.run.id, epoch: longLease.epoch, lastSeq: longSeq, now }, batch, {
        usage: { inputTokens: longSeq, outputTokens: 1, cachedTokens: 0 },
      });
      longSeq += batch.length;
    }
    expect((await store.getRun('tenant-a', long.run.id))?.lastSeq).toBe(1_000);

    // Each commit appends the pages it changed to the WAL; emptying the WAL first makes its size
    // after one append the bytes that append wrote.
    const probe = new DatabaseSync(path);
    const walBytes = async (append: () => Promise<void>): Promise<number> => {
      probe.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      expect((await stat(`${path}-wal`)).size).toBe(0);
      await append();
      return (await stat(`${path}-wal`)).size;
    };
    const patch = { usage: { inputTokens: 9, outputTokens: 9, cachedTokens: 0 } };
    const shortBytes = await walBytes(() => store.append({ runId: short.run.id, epoch: shortLease.epoch, lastSeq: 1, now }, [event(payload)], patch));
    const longBytes = await walBytes(() => store.append({ runId: long.run.id, epoch: longLease.epoch, lastSeq: 1_000, now }, [event(payload)], patch));
    const pageSize = Number(probe.prepare('PRAGMA page_size').get()?.page_size);
    probe.close();
    await store.close();

    // The long run holds ~1.5 MB of journal; an append that rewrote it would write hundreds of
    // pages. Allow a couple of pages for a B-tree split landing on one side only.
    expect(shortBytes).toBeGreaterThan(0);
    expect(longBytes).toBeLessThanOrEqual(shortBytes + 2 * (pageSize + 24));
    expect(longBytes).toBeLessThan(10 * pageSize);
  });
});
