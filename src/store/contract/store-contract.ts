import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeApiKeyContract } from './api-keys-contract.ts';
import { describeApprovalsOperatorContract } from './approvals-operator-contract.ts';
import { describeAuditContract } from './audit-contract.ts';
import { describeDashboardContract } from './dashboard-contract.ts';
import { describeDashboardSessionContract } from './dashboard-sessions-contract.ts';
import { describeCredentialContract } from './credentials-contract.ts';
import { describeBudgetContract } from './budgets-contract.ts';
import { describeFairClaimContract } from './fair-claims-contract.ts';
import { describeLeaseContract } from './leases-contract.ts';
import { describeLimitsContract } from './limits-contract.ts';
import { describeModelCacheContract } from './model-cache-contract.ts';
import { describeOperatorRunsContract } from './operator-runs-contract.ts';
import { describeOrderingContract } from './ordering-contract.ts';
import { describeObservabilityContract } from './observability-contract.ts';
import { describeRunContract } from './runs-contract.ts';
import { describeSessionDeleteContract } from './session-delete-contract.ts';
import { describeSessionContract } from './sessions-contract.ts';
import type { Store } from '../store.ts';

/**
 * The behaviour every Store adapter must have, written against the port only (never SQL), so
 * the same suite runs unchanged on SQLite and PostgreSQL.
 *
 * `makeStore` must return a store over an empty database (a fresh file or schema per call):
 * claims are not tenant-scoped, so runs left over from another test would be claimed too. The
 * suite migrates each store and closes it after the test.
 *
 * @example
 * describeStoreContract('sqlite', async () => createSqliteStore({ path: join(await mkdtemp(tmp), 'keel.db') }));
 */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store | undefined;

    beforeEach(async () => {
      store = await makeStore();
      await store.migrate();
    });

    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    function current(): Store {
      if (store === undefined) throw new Error('the store is only available inside a test');
      return store;
    }

    describe('migrations', () => {
      it('reports itself migrated, and migrating again changes nothing', async () => {
        const migrated = current();
        expect(await migrated.isMigrated()).toBe(true);
        const { run } = await migrated.createRun({
          id: 'run-kept',
          tenantId: 'tenant-a',
          agent: 'support',
          sessionId: 'session-kept',
          userId: 'user-1',
          input: 'hello',
          sessionPolicy: 'queue',
          now: new Date('2030-01-01T00:00:00.000Z'),
        });
        await migrated.migrate();
        expect(await migrated.isMigrated()).toBe(true);
        expect(await migrated.getRun('tenant-a', 'run-kept')).toEqual(run);
      });
    });

    describeRunContract(current);
    describeSessionContract(current);
    describeLeaseContract(current);
    describeLimitsContract(current);
    describeFairClaimContract(current);
    describeApiKeyContract(current);
    describeSessionDeleteContract(current);
    describeBudgetContract(current);
    describeModelCacheContract(current);
    describeOrderingContract(current);
    describeOperatorRunsContract(current);
    describeApprovalsOperatorContract(current);
    describeObservabilityContract(current);
    describeCredentialContract(current);
    describeAuditContract(current);
    describeDashboardContract(current);
    describeDashboardSessionContract(current);
  });
}
