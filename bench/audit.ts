import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { createPostgresStore } from '../src/store/postgres/postgres-store.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { nextAuditEntry, type AuditEntry } from '../src/vault/audit-chain.ts';
import { readAuditPages, recordAudit, verifyAuditLog } from '../src/vault/audit-log.ts';
import { Pool } from 'pg';
import { benchDatabaseUrl, displayUrl, postgresUnavailable, withBenchSchema } from './lib/bench-postgres.ts';
import { compare, type BenchModule, type BenchReport, type Figure } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';

const id = 'audit';
const title = 'Audit log: concurrent appends on PostgreSQL, verifying a long chain';

/*
 * Appends: `writers` stores (one pool each, as nodes would have) append at once, `inFlight`
 * appends each, through `recordAudit` (head row locked, entry hashed, entry and head written).
 * Baseline in the same schema and run: the same rows inserted with no chain (no lock, no
 * head), from the same pools.
 *
 * Verification: a chain of `entries` on the embedded store, `verifyAuditLog` (paged reads plus
 * SHA-256 and link checks) against reading the same pages without checking anything.
 */
const sizes = {
  full: { writers: 4, inFlight: 4, appends: 4_000, entries: 1_000_000 },
  quick: { writers: 2, inFlight: 2, appends: 40, entries: 2_000 },
};

export const auditBench: BenchModule = {
  id,
  title,
  async run(options): Promise<BenchReport> {
    const size = options.quick ? sizes.quick : sizes.full;
    const figures: Figure[] = [];
    const details: Record<string, string | number | boolean> = {
      writers: size.writers,
      inFlightPerWriter: size.inFlight,
      appends: size.appends,
      entries: size.entries,
    };

    const unavailableReason = await postgresUnavailable();
    if (unavailableReason === undefined) {
      await withBenchSchema(async (schema) => {
        const stores = Array.from({ length: size.writers }, () => createPostgresStore({ connectionString: benchDatabaseUrl, schema, poolSize: size.inFlight }));
        await stores[0]?.migrate();
        const bare = new Pool({ connectionString: benchDatabaseUrl, max: size.writers * size.inFlight, options: `-c search_path=${schema}` });
        bare.on('error', () => undefined);
        await bare.query(
          'CREATE TABLE plain_log (id bigserial PRIMARY KEY, time text, tenant_id text, actor_id text, action text, subject text, details text)',
        );
        const perWriter = Math.ceil(size.appends / size.writers);
        const rate = async (append: (writer: number, index: number) => Promise<unknown>) => {
          const started = performance.now();
          await Promise.all(
            Array.from({ length: size.writers }, (_, writer) =>
              Promise.all(
                Array.from({ length: size.inFlight }, async (_, lane) => {
                  for (let index = lane; index < perWriter; index += size.inFlight) await append(writer, index);
                }),
              ),
            ),
          );
          return (size.writers * perWriter) / ((performance.now() - started) / 1_000);
        };
        options.log(`${id}: ${size.writers} writers × ${size.inFlight} in flight, ${size.appends} appends`);
        const plain = await rate((writer, index) =>
          bare.query('INSERT INTO plain_log (time, tenant_id, actor_id, action, subject, details) VALUES ($1, $2, $3, $4, $5, $6)', [
            new Date().toISOString(),
            'tenant-a',
            `writer-${writer}`,
            'bench.append',
            'bench',
            JSON.stringify({ index }),
          ]),
        );
        const chained = await rate((writer, index) =>
          recordAudit(stores[writer] as (typeof stores)[number], {
            tenantId: 'tenant-a',
            actor: { kind: 'system', id: `writer-${writer}` },
            action: 'bench.append',
            subject: 'bench',
            details: { index },
          }),
        );
        const verified = await verifyAuditLog(stores[0] as (typeof stores)[number]);
        details.postgresChainHolds = verified.ok;
        details.postgres = displayUrl(benchDatabaseUrl);
        figures.push(
          compare({
            name: 'audit appends under concurrent writers (PostgreSQL)',
            baseline: { label: 'plain inserts, no chain', value: plain, unit: 'rows/s' },
            measured: { label: 'recordAudit (head locked, hashed)', value: chained, unit: 'appends/s' },
            ratioOf: 'chained / plain',
          }),
        );
        await bare.end();
        await Promise.all(stores.map((store) => store.close()));
      });
    } else {
      details.postgres = `unavailable: ${unavailableReason}`;
    }

    await withTemporaryDirectory(async (directory) => {
      const path = join(directory, 'keel.db');
      const store = createSqliteStore({ path });
      await store.migrate();
      options.log(`${id}: writing a chain of ${size.entries} entries`);
      writeChain(path, size.entries);
      const read = async () => {
        const started = performance.now();
        let count = 0;
        for await (const page of readAuditPages(store, { pageSize: 1000 })) count += page.length;
        if (count !== size.entries) throw new Error(`read ${count} of ${size.entries} entries`);
        return performance.now() - started;
      };
      const verify = async () => {
        const started = performance.now();
        const result = await verifyAuditLog(store, { pageSize: 1000 });
        if (!result.ok || result.checked !== size.entries) throw new Error(`the bench chain does not verify: ${JSON.stringify(result)}`);
        return performance.now() - started;
      };
      const readMs = await read();
      const verifyMs = await verify();
      details.verifySecondsPerMillion = Number(((verifyMs / size.entries) * 1_000).toFixed(2));
      figures.push(
        compare({
          name: `keel audit verify over ${size.entries.toLocaleString('en')} entries (embedded store)`,
          baseline: { label: 'reading every page, unchecked', value: readMs / 1_000, unit: 's' },
          measured: { label: 'verifyAuditLog', value: verifyMs / 1_000, unit: 's' },
          ratioOf: 'verify / read',
        }),
      );
      await store.close();
    });
    return { id, title, status: 'ok', figures, details };
  },
};

/** A valid chain written straight into the table and its head, in one transaction. */
function writeChain(path: string, count: number): void {
  const db = new DatabaseSync(path);
  const insert = db.prepare(
    `INSERT INTO audit_log (id, seq, time, tenant_id, actor_kind, actor_id, actor_name, action, subject, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, 'system', 'bench', NULL, 'bench.append', 'bench', ?, ?, ?)`,
  );
  let previous: AuditEntry | undefined;
  const start = Date.parse('2030-01-01T00:00:00.000Z');
  db.exec('BEGIN');
  for (let index = 0; index < count; index += 1) {
    const entry = nextAuditEntry({
      previous,
      tenant: `tenant-${index % 7}`,
      actor: { kind: 'system', id: 'bench' },
      action: 'bench.append',
      subject: 'bench',
      details: { index, tool: 'orders', runId: `run_${index % 1000}` },
      now: () => new Date(start + index),
    });
    insert.run(entry.seq, entry.seq, entry.time, entry.tenant, JSON.stringify(entry.details), entry.prevHash, entry.hash);
    previous = entry;
  }
  db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(previous?.seq ?? 0, previous?.hash ?? '0'.repeat(64));
  db.exec('COMMIT');
  db.close();
}
