import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { generateMasterKey, parseMasterKeyring } from '../../vault/master-key.ts';
import { createVault } from '../../vault/vault.ts';
import { runCli } from '../cli.ts';
import type { CliIo } from '../command.ts';
import { ensureDevMasterKey } from '../vault/cli-vault.ts';

let directory: string;
let masterKey: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-secrets-'));
  masterKey = generateMasterKey();
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function keel(argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`, NO_COLOR: '1', KEEL_MASTER_KEY: masterKey, ...options.env },
    cwd: directory,
    onSignal: () => () => undefined,
    ...(options.stdin === undefined
      ? {}
      : {
          stdin: (async function* () {
            yield Buffer.from(options.stdin ?? '');
          })(),
        }),
  };
  return { code: await runCli(argv, io), stdout, stderr };
}

describe('keel secrets', () => {
  it('lists what it did not validate itself terminal-safe: an actor id set from code prints as visible escapes', async () => {
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    await store.migrate();
    const vault = createVault({ store, keyring: parseMasterKeyring(masterKey) });
    await vault.setSecret({ tenantId: 'acme', userId: null, name: 'api', value: 'v', actor: { kind: 'system', id: 'deploy\u001b]0;pwned\u0007\u001b[2J' } });
    await store.close();
    const listed = await keel(['secrets', 'ls', '--tenant', 'acme']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('deploy');
    expect(listed.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('sets a secret from stdin, lists names and metadata only, and removes it', async () => {
    const set = await keel(['secrets', 'set', '--tenant', 'acme', '--user', 'alice', 'shop'], { stdin: 'sk_live_piped_value\n' });
    expect(set).toMatchObject({ code: 0, stdout: 'Set shop for user alice of tenant acme (master key version 1)\n' });
    expect((await keel(['secrets', 'set', '--tenant', 'acme', 'shop'], { stdin: 'tenant-value' })).stdout).toContain('for tenant acme');

    const listed = await keel(['secrets', 'ls', '--tenant', 'acme']);
    expect(listed.stdout).toMatch(/\(tenant\)\s+shop\s+secret\s+v1/);
    expect(listed.stdout).toMatch(/alice\s+shop\s+secret\s+v1/);
    const json = JSON.parse((await keel(['secrets', 'ls', '--tenant', 'acme', '--user', 'alice', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([expect.objectContaining({ userId: 'alice', name: 'shop', updatedBy: 'cli' })]);
    expect(JSON.stringify(json) + listed.stdout).not.toContain('sk_live_piped_value');

    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    const sealed = await store.getSealedCredential({ tenantId: 'acme', userId: 'alice', name: 'shop' });
    expect(sealed?.sealed).not.toContain('sk_live');
    expect((await store.readAudit({ limit: 10 })).map((entry) => entry.action)).toEqual(['credential.create', 'credential.create']);
    await store.close();

    expect(await keel(['secrets', 'rm', '--tenant', 'acme', '--user', 'alice', 'shop'])).toMatchObject({ code: 0, stdout: 'Deleted shop\n' });
    expect(await keel(['secrets', 'rm', '--tenant', 'acme', '--user', 'alice', 'shop'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('CREDENTIAL_NOT_FOUND'),
    });
  });

  it('refuses a value on the command line, an empty value, and a missing master key', async () => {
    expect((await keel(['secrets', 'set', '--tenant', 'acme', 'shop', 'the-value'], { stdin: 'x' })).code).toBe(2);
    expect(await keel(['secrets', 'set', '--tenant', 'acme', 'shop'], { stdin: '\n' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('INPUT_INVALID'),
    });
    expect(await keel(['secrets', 'set', 'shop'], { stdin: 'x' })).toMatchObject({ code: 2, stderr: expect.stringContaining('missing --tenant') });
    expect(await keel(['secrets', 'set', '--tenant', 'acme', 'shop'], { stdin: 'x', env: { KEEL_MASTER_KEY: '' } })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error MASTER_KEY_MISSING'),
    });
    expect(await keel(['secrets', 'ls', '--tenant', 'acme'])).toMatchObject({ code: 0, stdout: expect.stringContaining('No secrets') });
  });

  it("uses keel dev's master key file when KEEL_MASTER_KEY is not set, created with mode 0600", async () => {
    const io = { env: {}, cwd: directory } as unknown as CliIo;
    const first = await ensureDevMasterKey(io);
    expect(first.generated).toBe(true);
    expect((await stat(first.path ?? '')).mode & 0o777).toBe(0o600);
    expect(await ensureDevMasterKey(io)).toMatchObject({ key: first.key, generated: false });
    expect((await keel(['secrets', 'set', '--tenant', 'acme', 'shop'], { stdin: 'x-value', env: { KEEL_MASTER_KEY: '' } })).code).toBe(0);
  });

  it('prints help for every subcommand', async () => {
    for (const command of [
      ['secrets'],
      ['secrets', 'set'],
      ['secrets', 'ls'],
      ['secrets', 'rm'],
      ['secrets', 'rotate-master'],
      ['audit'],
      ['audit', 'verify'],
      ['audit', 'export'],
      ['audit', 'prune'],
    ]) {
      const help = await keel([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toMatch(new RegExp(`^Usage: keel ${command.join(' ')}`));
    }
  });
});

describe('keel audit', () => {
  it('verifies, exports and prunes the chain, verifying from the checkpoint afterwards', async () => {
    await keel(['keys', 'create', '--tenant', 'acme', '--role', 'app']);
    await keel(['keys', 'create', '--tenant', 'globex', '--role', 'viewer']);
    await keel(['secrets', 'set', '--tenant', 'acme', 'shop'], { stdin: 'x-value' });
    const verified = await keel(['audit', 'verify']);
    expect(verified).toMatchObject({ code: 0, stdout: expect.stringContaining('3 entries verified from entry 1 to entry 3') });

    const lines = (await keel(['audit', 'export', '--format', 'jsonl'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((entry) => entry.action)).toEqual(['key.create', 'key.create', 'credential.create']);
    expect((await keel(['audit', 'export', '--format', 'jsonl', '--tenant', 'globex'])).stdout.trim().split('\n')).toHaveLength(1);
    expect((await keel(['audit', 'export'])).code).toBe(2);

    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await keel(['audit', 'prune', '--before', future])).toMatchObject({ code: 0, stdout: expect.stringContaining('Pruned 3 entries') });
    const afterPrune = await keel(['audit', 'verify']);
    expect(afterPrune).toMatchObject({ code: 0, stdout: expect.stringContaining('from the checkpoint at entry 3 to entry 4') });
    // The newest entry deleted behind Keel's back: the recorded head shows the log was cut short.
    const db = new DatabaseSync(join(directory, 'keel.db'));
    db.exec('DELETE FROM audit_log WHERE seq = 4');
    db.close();
    expect(await keel(['audit', 'verify'])).toMatchObject({ code: 1, stderr: expect.stringContaining('broken at entry 4 (truncated)') });
    expect((await keel(['audit', 'prune', '--before', 'yesterday-ish'])).code).toBe(2);
  });
});
