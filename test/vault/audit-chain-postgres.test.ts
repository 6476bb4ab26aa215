import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { expect, it } from 'vitest';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describePostgres, testDatabaseUrl } from '../../src/store/postgres/postgres-test-database.ts';
import { auditEntryHash } from '../../src/vault/audit-chain.ts';
import { verifyAuditLog } from '../../src/vault/audit-log.ts';
import { spawnKeel } from '../crash/worker-process.ts';

/*
 * One chain under concurrent writers on PostgreSQL: four processes append at once (four
 * appends in flight each), then `keel audit verify` checks the chain; then rows are edited,
 * deleted, swapped and inserted directly in the database, and each is found at its entry.
 */

const perProcess = 60;

function appendFrom(schema: string, name: string, startAt: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=keel-source', 'test/vault/audit-append-process.ts', testDatabaseUrl, schema, name, String(perProcess), String(startAt)],
    {
      cwd: new URL('../../', import.meta.url),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
}

async function verify(schema: string): Promise<{ code: number | string; output: string }> {
  const url = new URL(testDatabaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const child = spawnKeel({ KEEL_DATABASE_URL: url.toString() }, ['audit', 'verify', '--page-size', '37']);
  const code = await child.exited;
  return { code, output: child.output() };
}

await describePostgres('the audit chain on PostgreSQL', (schemas) => {
  it('stays one chain under four writer processes, and names every kind of tampering at its entry', { timeout: 120_000 }, async () => {
    const schema = await schemas.create();
    const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
    await store.migrate();
    const startAt = Date.now() + 4_000;
    expect(await Promise.all(['a', 'b', 'c', 'd'].map((name) => appendFrom(schema, name, startAt)))).toEqual([0, 0, 0, 0]);
    const total = 4 * perProcess;
    expect((await store.auditHead()).head.seq).toBe(total);
    const rows = await store.readAudit({ limit: 10_000 });
    expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    // The writers' entries alternate through the chain: they really appended at the same time.
    const switches = rows.filter((row, index) => index > 0 && row.actor.id !== rows[index - 1]?.actor.id).length;
    expect(switches).toBeGreaterThanOrEqual(8);

    const intact = await verify(schema);
    expect(intact).toMatchObject({ code: 0 });
    expect(intact.output).toContain(`${total} entries verified from entry 1 to entry ${total}`);

    const client = new Client({ connectionString: testDatabaseUrl });
    await client.connect();
    await client.query(`SET search_path = ${schema}`);
    const sql = (text: string, values: unknown[] = []) => client.query(text, values);
    const expectBroken = async (brokenAt: number, problem: string) => {
      const result = await verify(schema);
      expect(result.code).toBe(1);
      expect(result.output).toContain(`error AUDIT_CHAIN_BROKEN: The audit log is broken at entry ${brokenAt} (${problem})`);
      const direct = await verifyAuditLog(store);
      expect(direct).toMatchObject({ ok: false, brokenAt, problem });
    };
    const snapshot = async (seq: number) => (await sql('SELECT * FROM audit_log WHERE seq = $1', [seq])).rows[0] as Record<string, unknown>;

    // Edited: one entry's details changed in place.
    const edited = await snapshot(50);
    await sql(`UPDATE audit_log SET details = '{"n":9999}' WHERE seq = 50`);
    await expectBroken(50, 'edited');
    await sql('UPDATE audit_log SET details = $1 WHERE seq = 50', [edited.details]);
    expect((await verify(schema)).code).toBe(0);

    // Deleted: one entry removed.
    const deleted = await snapshot(120);
    await sql('DELETE FROM audit_log WHERE seq = 120');
    await expectBroken(120, 'deleted');
    await sql('INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, $1)', [JSON.stringify(deleted)]);
    expect((await verify(schema)).code).toBe(0);

    // Swapped: two neighbours exchange their contents (each keeps its seq).
    const [first, second] = [await snapshot(200), await snapshot(201)];
    const swap = async (target: number, from: Record<string, unknown>) =>
      sql('UPDATE audit_log SET time = $2, tenant_id = $3, actor_id = $4, details = $5, prev_hash = $6, hash = $7 WHERE seq = $1', [
        target,
        from.time,
        from.tenant_id,
        from.actor_id,
        from.details,
        from.prev_hash,
        from.hash,
      ]);
    await swap(200, second);
    await swap(201, first);
    await expectBroken(200, 'edited');
    await swap(200, first);
    await swap(201, second);
    expect((await verify(schema)).code).toBe(0);

    // Inserted: a forged entry with a correct hash, linked to entry 99, claiming seq 100.
    const before = await snapshot(99);
    const forged = {
      seq: 100,
      time: new Date().toISOString(),
      tenant: 'tenant-a',
      actor: { kind: 'system' as const, id: 'intruder' },
      action: 'key.create',
      subject: 'key:forged',
      details: {},
    };
    const hash = auditEntryHash(String(before.hash), forged);
    await sql(
      `INSERT INTO audit_log (id, seq, time, tenant_id, actor_kind, actor_id, action, subject, details, prev_hash, hash)
       VALUES ((SELECT MAX(id) + 1 FROM audit_log), 100, $1, 'tenant-a', 'system', 'intruder', 'key.create', 'key:forged', '{}', $2, $3)`,
      [forged.time, before.hash, hash],
    );
    await expectBroken(100, 'inserted');
    await sql("DELETE FROM audit_log WHERE actor_id = 'intruder'");
    expect((await verify(schema)).code).toBe(0);

    await client.end();
    await store.close();
  });
});
