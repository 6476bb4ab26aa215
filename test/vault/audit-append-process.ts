/**
 * One writer process for `audit-chain-postgres.test.ts`: its own store (its own pool, as a node
 * would have), appending `count` entries as fast as it can, several at once, from `startAt`.
 */
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { recordAudit } from '../../src/vault/audit-log.ts';

const [connectionString = '', schema = '', name = '', countText = '0', startAtText = '0'] = process.argv.slice(2);
const store = createPostgresStore({ connectionString, schema, poolSize: 4 });
const count = Number(countText);
// Every writer starts at the same moment, whatever its process took to boot: they overlap.
await store.auditHead();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtText) - Date.now())));
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < count) {
      next += 1;
      await recordAudit(store, {
        tenantId: `tenant-${name}`,
        actor: { kind: 'system', id: name },
        action: 'test.append',
        subject: `writer:${name}`,
        details: { n: next },
      });
    }
  }),
);
await store.close();
process.stdout.write(`done ${name}\n`);
