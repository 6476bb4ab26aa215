import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { cliActor } from '../../src/vault/audit-log.ts';
import { generateMasterKey, parseMasterKeyring } from '../../src/vault/master-key.ts';
import { createVault } from '../../src/vault/vault.ts';
import { spawnKeel } from '../crash/worker-process.ts';

/*
 * Master key rotation under a crash: a real `keel secrets rotate-master` child process is
 * killed with SIGKILL in the middle of its batches; run again, it completes, and every secret
 * then opens with the new key alone (the old one dropped).
 */

const directory = mkdtempSync(join(tmpdir(), 'keel-rotate-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('completes a rotation killed mid-way when run again, and every secret still decrypts', { timeout: 120_000 }, async () => {
  const path = join(directory, 'keel.db');
  const oldKey = generateMasterKey();
  const newKey = generateMasterKey();
  const store = createSqliteStore({ path });
  await store.migrate();
  const before = createVault({ store, keyring: parseMasterKeyring(oldKey) });
  const count = 120;
  const values = new Map<string, string>();
  for (let index = 0; index < count; index += 1) {
    const value = `secret-${index}-${generateMasterKey()}`;
    values.set(`s${index}`, value);
    await before.setSecret({ tenantId: `t${index % 3}`, userId: index % 2 === 0 ? null : `u${index}`, name: `s${index}`, value, actor: cliActor });
  }

  const env = { KEEL_DATABASE_URL: `sqlite:${path}`, KEEL_MASTER_KEY: `2:${newKey},1:${oldKey}` };
  const rotation = spawnKeel(env, ['secrets', 'rotate-master', '--batch-size', '4', '--pause-ms', '40']);
  // Kill once a few batches have been committed, well before the 30 batches are done.
  while (!/re-wrapped \d+ secret\(s\) in 5 batch/.test(rotation.output())) {
    if ((await Promise.race([rotation.exited, new Promise((resolve) => setTimeout(resolve, 10, 'running'))])) !== 'running') break;
  }
  rotation.child.kill('SIGKILL');
  expect(await rotation.exited).toBe('SIGKILL');
  const rows = (await Promise.all(['t0', 't1', 't2'].map((tenantId) => store.listCredentials({ tenantId })))).flat();
  const onNew = rows.filter((row) => row.keyVersion === 2).length;
  expect(onNew).toBeGreaterThanOrEqual(20);
  expect(onNew).toBeLessThan(count);

  const resumed = spawnKeel(env, ['secrets', 'rotate-master', '--batch-size', '50']);
  expect(await resumed.exited).toBe(0);
  expect(resumed.output()).toContain(`Re-wrapped ${count - onNew} secret(s) to master key version 2`);

  // The old key dropped: every secret opens with the new one alone, to its original value.
  const after = createVault({ store, keyring: parseMasterKeyring(`2:${newKey}`) });
  for (let index = 0; index < count; index += 1) {
    const value = await after.resolveCredential({
      tenantId: `t${index % 3}`,
      userId: `u${index}`,
      name: `s${index}`,
      runId: 'r',
      toolName: 'check',
      callId: 'c',
    });
    expect(value).toBe(values.get(`s${index}`));
  }
  const again = spawnKeel(env, ['secrets', 'rotate-master']);
  expect(await again.exited).toBe(0);
  expect(again.output()).toContain('Every secret is already on master key version 2');
  await store.close();
});
