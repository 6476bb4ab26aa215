import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../server/auth/api-keys.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runCli } from '../cli.ts';
import type { CliIo } from '../command.ts';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-keys-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function keel(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`, NO_COLOR: '1' },
    cwd: directory,
    onSignal: () => () => undefined,
  };
  return { code: await runCli(argv, io), stdout, stderr };
}

async function storedKeys() {
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  try {
    return await store.listApiKeys();
  } finally {
    await store.close();
  }
}

describe('keel keys', () => {
  it('creates a key, printing it once and storing only its hash', async () => {
    const created = await keel('keys', 'create', '--tenant', 'acme', '--role', 'app', '--name', 'web backend');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^keel_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/^Created key_\S+ \(tenant acme, role app\)\. The key is shown only this once/);

    const [stored] = await storedKeys();
    expect(stored).toMatchObject({ tenantId: 'acme', role: 'app', name: 'web backend', prefix: key.slice(0, 12), revokedAt: null });
    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    expect(await store.findApiKeyByHash(hashApiKey(key))).toEqual(stored);
    await store.close();

    const listed = await keel('keys', 'ls');
    expect(listed.stdout).toContain(`${stored?.id}  acme    app   ${key.slice(0, 12)}…  active  web backend`);
    expect(listed.stdout).not.toContain(key);
  });

  it('lists one tenant as JSON, and revokes a key', async () => {
    const viewer = JSON.parse((await keel('keys', 'create', '--tenant', 'acme', '--role', 'viewer', '--json')).stdout) as { id: string };
    await keel('keys', 'create', '--tenant', 'globex', '--role', 'admin');
    const listed = JSON.parse((await keel('keys', 'ls', '--tenant', 'acme', '--json')).stdout) as Array<{ id: string; tenantId: string }>;
    expect(listed.map((key) => key.tenantId)).toEqual(['acme']);
    expect(listed.map((key) => key.id)).toEqual([viewer.id]);

    const revoked = await keel('keys', 'revoke', viewer.id);
    expect([revoked.code, revoked.stdout]).toEqual([0, `${viewer.id} revoked (tenant acme, role viewer)\n`]);
    expect((await storedKeys()).find((key) => key.id === viewer.id)?.revokedAt).toEqual(expect.any(String));
    expect((await keel('keys', 'ls')).stdout).toMatch(/acme\s+viewer\s+keel_\S+…\s+revoked 20/);
  });

  it('refuses bad arguments without touching the store', async () => {
    expect(await keel('keys', 'create', '--tenant', 'acme')).toMatchObject({ code: 2, stderr: expect.stringContaining('missing --role') });
    expect(await keel('keys', 'create', '--tenant', 'acme', '--role', 'root')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--role must be one of admin, app, reviewer, viewer'),
    });
    expect(await keel('keys', 'create', '--tenant', 'a b', '--role', 'app')).toMatchObject({ code: 1, stderr: expect.stringContaining('error INPUT_INVALID') });
    expect(await keel('keys', 'revoke', 'key_nope')).toMatchObject({ code: 1, stderr: 'error API_KEY_NOT_FOUND: No API key with id "key_nope"\n' });
    expect(await keel('keys', 'frobnicate')).toMatchObject({ code: 2 });
    expect(await storedKeys()).toEqual([]);
  });
});

describe('help of the server commands', () => {
  it('prints usage for dev, start and every keys command, and rejects unknown options', async () => {
    for (const command of [['dev'], ['start'], ['keys'], ['keys', 'create'], ['keys', 'ls'], ['keys', 'revoke']]) {
      const help = await keel(...command, '--help');
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toMatch(new RegExp(`^Usage: keel ${command.join(' ')}`));
    }
    for (const command of [['dev'], ['start'], ['keys', 'create'], ['keys', 'ls'], ['keys', 'revoke']]) {
      expect(await keel(...command, '--frobnicate'), command.join(' ')).toMatchObject({ code: 2 });
    }
    expect((await keel('--help')).stdout).toMatch(
      / {2}dev {8}development server[\s\S]* {2}start {6}production server[\s\S]* {2}approvals {2}work the approval inbox[\s\S]* {2}keys {7}create, list and revoke API keys/,
    );
  });
});
