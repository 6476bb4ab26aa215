import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import { cliActor } from '../src/vault/audit-log.ts';
import { openSecret } from '../src/vault/envelope.ts';
import { generateMasterKey, parseMasterKeyring } from '../src/vault/master-key.ts';
import { createVault, type Vault } from '../src/vault/vault.ts';
import { compare, type BenchModule, type BenchReport } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { interleave } from './lib/timing.ts';

const id = 'credential-resolve';
const title = 'ctx.credential() per call (embedded store)';

/*
 * What a tool call pays for one declared credential: `resolveCredential` reads the row (one
 * indexed lookup, so a change on any node is seen at once), opens it — or reuses the value
 * decrypted from that very sealed text, in memory only — and appends a `credential.use` audit
 * entry. Baselines measured in the same run: the row read alone, and the same resolution with
 * the cache off (both AES-GCM decryptions every time).
 */
const sizes = { full: { calls: 2_000, rounds: 5 }, quick: { calls: 50, rounds: 1 } };

async function perCallMicros(calls: number, call: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < calls; index += 1) await call(index);
  return ((performance.now() - started) * 1_000) / calls;
}

const request = { tenantId: 'default', userId: 'alice', name: 'shop', runId: 'run_bench', toolName: 'orders', callId: 'call_1' };

export const credentialResolve: BenchModule = {
  id,
  title,
  async run(options): Promise<BenchReport> {
    const size = options.quick ? sizes.quick : sizes.full;
    return await withTemporaryDirectory(async (directory) => {
      const store: Store = createSqliteStore({ path: join(directory, 'keel.db') });
      await store.migrate();
      const keyring = parseMasterKeyring(generateMasterKey());
      const cached: Vault = createVault({ store, keyring });
      const uncached: Vault = createVault({ store, keyring, cacheSize: 0 });
      await cached.setSecret({ tenantId: 'default', userId: 'alice', name: 'shop', value: `sk_live_${generateMasterKey()}`, actor: cliActor });
      const key = { tenantId: 'default', userId: 'alice', name: 'shop' };
      const sealed = (await store.getSealedCredential(key))?.sealed ?? '';
      options.log(`${id}: ${size.calls} calls × ${size.rounds} rounds`);
      const medians = await interleave(size.rounds, {
        rowRead: () => perCallMicros(size.calls, () => store.getSealedCredential(key)),
        cached: () => perCallMicros(size.calls, () => cached.resolveCredential(request)),
        uncached: () => perCallMicros(size.calls, () => uncached.resolveCredential(request)),
        decryptOnly: () =>
          perCallMicros(size.calls, () => Promise.resolve(openSecret({ keyring, context: { tenant: 'default', user: 'alice', name: 'shop' }, sealed }))),
      });
      await store.close();
      return {
        id,
        title,
        status: 'ok',
        figures: [
          compare({
            name: 'ctx.credential(), cached decryption, with its audit entry',
            baseline: { label: 'reading the credential row', value: medians.rowRead, unit: 'µs/call' },
            measured: { label: 'resolveCredential', value: medians.cached, unit: 'µs/call' },
            ratioOf: 'resolve / row read',
          }),
          compare({
            name: 'ctx.credential() without the in-memory cache',
            baseline: { label: 'cached', value: medians.cached, unit: 'µs/call' },
            measured: { label: 'decrypting every time', value: medians.uncached, unit: 'µs/call' },
            ratioOf: 'uncached / cached',
          }),
        ],
        details: { calls: size.calls, rounds: size.rounds, decryptMicros: Number(medians.decryptOnly.toFixed(2)), store: 'sqlite (WAL, synchronous=NORMAL)' },
      };
    });
  },
};
